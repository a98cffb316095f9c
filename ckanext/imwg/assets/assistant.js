/* The classification assistant: as the publisher ticks the questions, say
 * which sensitivity level they suggest (the same rule as the server's
 * imwg_sensitivity_suggested validator: each "yes" calls for a level, personal
 * data about victims or survivors is severe). The publisher still chooses. */
this.ckan.module("imwg-sensitivity-assistant", function ($) {
  "use strict";
  var ORDER = ["public", "restricted", "confidential", "strictly_confidential"];
  return {
    initialize: function () {
      this.labels = this.options.labels || {};
      this.el.on("change", "input[type=checkbox]", this._update.bind(this));
      this._update();
    },
    suggest: function () {
      var level = 0;
      var ticked = {};
      this.el.find("input[type=checkbox]:checked").each(function () {
        ticked[this.value] = true;
        level = Math.max(level, ORDER.indexOf($(this).data("level")));
      });
      if (ticked.personal_data && ticked.victims_survivors) {
        level = ORDER.length - 1;
      }
      return ORDER[level];
    },
    _update: function () {
      var level = this.suggest();
      this.el.find(".imwg-suggested-level").text(this.labels[level] || level).attr("data-level", level);
    }
  };
});
