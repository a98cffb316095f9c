/* Admin-1 outlines under ckanext-spatial's maps (the search page's box
 * drawing, the dataset page's extent), so that the maps are readable where
 * the browser gets no map tiles (no internet, or no tile provider set in
 * ckanext.spatial.common_map.*): the outlines come from the portal's own
 * gazetteer (/location/export.geojson).
 *
 * ckanext-spatial builds every map with ckan.commonLeafletMap (its
 * documented constructor "to use on the different spatial widgets"): this
 * wraps it and adds the outlines, below everything else, to each map built
 * on a page that names them (an element with data-imwg-pcode-outlines: a
 * JSON list of addresses).
 */
(function (ckan, $) {
  "use strict";
  var build = ckan.commonLeafletMap;
  if (!build || build.imwgOutlines) {
    return;
  }
  var loaded = null;

  function addresses() {
    var found = [];
    $("[data-imwg-pcode-outlines]").each(function () {
      found = found.concat($(this).data("imwg-pcode-outlines") || []);
    });
    return found;
  }

  function outlines() {
    if (loaded === null) {
      loaded = $.when.apply($, addresses().map(function (url) {
        return $.getJSON(url).then(null, function () { return $.Deferred().resolve(null); });
      })).then(function () {
        return Array.prototype.slice.call(arguments).filter(function (g) {
          return g && g.type === "FeatureCollection";
        });
      });
    }
    return loaded;
  }

  function wrapped(container, mapConfig, leafletMapOptions) {
    var args = Array.prototype.slice.call(arguments);
    if (addresses().length) {
      // fractional zooms: a country fills the small map, and the box-drawing
      // map (which opens on the small map's bounds) shows it as large
      args[2] = $.extend({ zoomSnap: 0.25 }, leafletMapOptions || {});
    }
    var map = build.apply(this, args);
    if (!addresses().length) {
      return map;
    }
    $(map.getContainer()).addClass("imwg-outlined");
    var pane = map.createPane("imwgOutlines");
    pane.style.zIndex = 250; // above the tiles (200), below the shapes drawn (400)
    outlines().then(function (collections) {
      collections.forEach(function (collection) {
        L.geoJSON(collection, {
          pane: "imwgOutlines",
          interactive: false,
          style: function (feature) {
            var pcode = (feature.properties && feature.properties.pcode) || "";
            return {
              className: "imwg-outline imwg-outline-" + pcode,
              color: "#6c757d", weight: 1, opacity: 0.9, fillColor: "#f1f3f5", fillOpacity: 0.6
            };
          }
        }).addTo(map);
      });
    });
    return map;
  }
  wrapped.imwgOutlines = true;
  ckan.commonLeafletMap = wrapped;

  // ckanext-spatial's widget says these through ckan.i18n; listed here so
  // that the catalog carries them (never called)
  function spatialMessages(_) {
    return [_("Please draw query extent in the map:"), _("Apply"), _("Cancel"), _("Draw an extent")];
  }
  void spatialMessages;
})(this.ckan, this.jQuery);
