/* The classification assistant: as the publisher ticks the questions, say
 * which sensitivity level they suggest (the same rule as the server's
 * imwg_sensitivity_suggested validator: each "yes" calls for a level, personal
 * data about victims or survivors is severe). The publisher still chooses.
 * The levels, least to most sensitive and with their labels, come from the
 * page (data-module-levels: the suite's one list of levels). */
this.ckan.module("imwg-sensitivity-assistant", function ($) {
  "use strict";
  return {
    initialize: function () {
      var levels = this.options.levels || [];
      this.order = $.map(levels, function (l) { return l.value; });
      this.labels = {};
      $.each(levels, function (i, l) { this.labels[l.value] = l.label; }.bind(this));
      this.el.on("change", "input[type=checkbox]", this._follow.bind(this));
      // The level field (data-module-follow: its id) takes the suggestion once
      // the publisher answers, until they choose another level there; left
      // empty before any answer, the server's default applies.
      this.target = this.options.follow ? $("#" + this.options.follow) : $();
      this.following = this.target.length > 0 && (!this.target.val() || this.target.val() === this.suggest());
      this.target.on("change", function () {
        this.following = this.target.val() === this.suggest();
      }.bind(this));
      this._update();
    },
    suggest: function () {
      var order = this.order;
      var level = 0;
      var ticked = {};
      this.el.find("input[type=checkbox]:checked").each(function () {
        ticked[this.value] = true;
        level = Math.max(level, order.indexOf($(this).data("level")));
      });
      if (ticked.personal_data && ticked.victims_survivors) {
        level = order.length - 1;
      }
      return order[level];
    },
    _update: function () {
      var level = this.suggest();
      this.el.find(".imwg-suggested-level").text(this.labels[level] || level).attr("data-level", level);
    },
    _follow: function () {
      this._update();
      if (this.following && this.target.val() !== this.suggest()) {
        this.target.val(this.suggest()).trigger("change");
      }
    }
  };
});
