/* The classification assistant: as the publisher ticks the questions, say
 * which sensitivity level they suggest (the same rule as the server's
 * imwg_sensitivity_suggested validator: each "yes" calls for a level, personal
 * data about victims or survivors is severe). The publisher still chooses.
 * The levels, least to most sensitive and with their labels, come from the
 * page (data-module-levels: the suite's one list of levels). */
this.ckan.module("imwg-sensitivity-assistant", function ($) {
  "use strict";
  return {
    options: {
      levels: [],
      follow: null,
      // an existing dataset's edit form: the level only ever goes up
      raiseOnly: false,
      // the level field shows a level the publisher chose (a form shown again)
      chosen: false
    },
    initialize: function () {
      var levels = this.options.levels || [];
      this.order = $.map(levels, function (l) { return l.value; });
      this.labels = {};
      $.each(levels, function (i, l) { this.labels[l.value] = l.label; }.bind(this));
      this.raiseOnly = this.options.raiseOnly === true;
      this.el.on("change", "input[type=checkbox]", this._follow.bind(this));
      // The level field (data-module-follow: its id) takes the suggestion as
      // the publisher answers, until they choose another level there. A new
      // form starts on the server's default level (restricted); an edit form
      // keeps the dataset's level and is only ever raised to the suggestion.
      this.target = this.options.follow ? $("#" + this.options.follow) : $();
      var current = this.target.val();
      this.following = this.target.length > 0 &&
        (this.raiseOnly || !this.options.chosen || !current || current === this.suggest());
      this.target.on("change", function () {
        var level = this.target.val();
        this.following = level === this.level(level, this.suggest());
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
    /* The level the field takes when it shows `current` and the answers
     * suggest `suggested`: the suggestion, or on an edit form (raiseOnly) the
     * stricter of the two, never a level below the dataset's. */
    level: function (current, suggested) {
      if (this.raiseOnly && this.order.indexOf(current) >= this.order.indexOf(suggested)) {
        return current;
      }
      return suggested;
    },
    _update: function () {
      var level = this.suggest();
      this.el.find(".imwg-suggested-level").text(this.labels[level] || level).attr("data-level", level);
    },
    _follow: function () {
      this._update();
      var level = this.level(this.target.val(), this.suggest());
      if (this.following && this.target.val() !== level) {
        this.target.val(level).trigger("change");
      }
    }
  };
});
