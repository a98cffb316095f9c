/* P-code picker: turns a text input of P-codes into a search-as-you-type
 * picker. Each choice shows its path ("Waingmaw — Myitkyina — Kachin —
 * Myanmar"); chosen places are removable chips. The input keeps the codes,
 * comma-separated, so the form posts what the validators expect and works
 * the same without JavaScript.
 *
 * Options (data-module-*): places (JSON list of {pcode, name, path}) for the
 * chips of the codes already there; single (true: one place at a time).
 */
this.ckan.module("imwg-pcode-picker", function ($) {
  "use strict";
  return {
    options: { places: [], single: false, limit: 10 },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.chosen = [];
      this.results = [];
      this.active = -1;
      var known = {};
      (this.options.places || []).forEach(function (p) { known[p.pcode] = p; });
      var codes = (this.el.val() || "").split(/[\s,;]+/).filter(Boolean);
      this.chosen = codes.map(function (c) { return known[c] || { pcode: c, name: c, path: c }; });

      this.el.attr("type", "hidden");
      this.box = $('<div class="imwg-pcode-picker form-control"></div>');
      this.chips = $('<ul class="imwg-pcode-chips list-unstyled"></ul>');
      this.search = $('<input type="text" class="imwg-pcode-search" autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false">')
        .attr("placeholder", this.el.attr("placeholder") || "")
        .attr("id", (this.el.attr("id") || "pcodes") + "-search")
        .attr("aria-label", this._("Search places by name or P-code"));
      this.menu = $('<ul class="imwg-pcode-menu list-unstyled" role="listbox"></ul>').hide();
      this.box.append(this.chips, this.search);
      this.el.after(this.box, this.menu);

      this.search.on("input", this._onInput);
      this.search.on("keydown", this._onKeyDown);
      this.search.on("blur", this._onBlur);
      this.chips.on("click", ".imwg-pcode-remove", this._onRemove);
      this.menu.on("mousedown", "li", this._onPick);
      this.render();
    },

    render: function () {
      var self = this;
      this.chips.empty();
      this.chosen.forEach(function (place, i) {
        var chip = $('<li class="imwg-pcode-chip"></li>').attr("data-pcode", place.pcode).attr("title", place.path);
        chip.append($("<bdi></bdi>").text(place.path + " (" + place.pcode + ")"));  // names and codes keep their direction in Arabic
        chip.append($('<button type="button" class="imwg-pcode-remove">&times;</button>')
          .attr("data-index", i).attr("aria-label", self._("Remove") + " " + place.name));
        self.chips.append(chip);
      });
      this.el.val(this.chosen.map(function (p) { return p.pcode; }).join(", "));
    },

    _onInput: function () {
      var self = this;
      var q = $.trim(this.search.val());
      clearTimeout(this.timer);
      if (!q) { this.close(); return; }
      this.timer = setTimeout(function () {
        var url = self.sandbox.client.url("/api/3/action/pcode_search");
        $.getJSON(url, { q: q, limit: self.options.limit }).done(function (data) {
          if ($.trim(self.search.val()) !== q) { return; }
          self.show(data.result || []);
        });
      }, 150);
    },

    show: function (results) {
      var self = this;
      var taken = this.chosen.map(function (p) { return p.pcode; });
      this.results = results.filter(function (r) { return taken.indexOf(r.pcode) < 0; });
      this.active = this.results.length ? 0 : -1;
      this.menu.empty();
      if (!this.results.length) {
        this.menu.append($('<li class="imwg-pcode-none"></li>').text(this._("No place found")));
      }
      this.results.forEach(function (r, i) {
        var item = $('<li role="option"></li>').attr("data-index", i).attr("data-pcode", r.pcode);
        item.append($("<strong></strong>").append($("<bdi></bdi>").text(r.path)));
        item.append(" ", $('<small class="text-muted"></small>').append($("<bdi></bdi>").text(r.pcode)));
        if (i === self.active) { item.addClass("active"); }
        self.menu.append(item);
      });
      this.menu.show();
      this.search.attr("aria-expanded", "true");
    },

    close: function () {
      this.menu.hide().empty();
      this.results = [];
      this.active = -1;
      this.search.attr("aria-expanded", "false");
    },

    choose: function (place) {
      if (this.options.single) { this.chosen = []; }
      this.chosen.push({ pcode: place.pcode, name: place.name, path: place.path });
      this.search.val("");
      this.close();
      this.render();
      this.el.trigger("change");
    },

    _onPick: function (event) {
      event.preventDefault();
      var place = this.results[parseInt($(event.currentTarget).attr("data-index"), 10)];
      if (place) { this.choose(place); }
    },

    _onKeyDown: function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!this.results.length) { return; }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        this.active = (this.active + step + this.results.length) % this.results.length;
        this.menu.children().removeClass("active").eq(this.active).addClass("active");
      } else if (event.key === "Enter") {
        if (this.active >= 0 && this.results[this.active]) {
          event.preventDefault();
          this.choose(this.results[this.active]);
        }
      } else if (event.key === "Escape") {
        this.close();
      } else if (event.key === "Backspace" && !this.search.val() && this.chosen.length) {
        this.chosen.pop();
        this.render();
      }
    },

    _onBlur: function () {
      var self = this;
      setTimeout(function () { self.close(); }, 150);
    },

    _onRemove: function (event) {
      this.chosen.splice(parseInt($(event.currentTarget).attr("data-index"), 10), 1);
      this.render();
      this.el.trigger("change");
    }
  };
});
