/* The HXL preview's column switches: unticking a column hides its cells. */
this.ckan.module('imwg-hxl-columns', function ($) {
  return {
    initialize: function () {
      var root = this.el;
      root.on('change', '.imwg-hxl-toggles input[type=checkbox]', function () {
        var column = $(this).data('column');
        root.find('.imwg-hxl-table [data-column="' + column + '"]').toggleClass('imwg-hxl-hidden', !this.checked);
      });
    }
  };
});
