"""Messages this plugin translates from a variable (``tk._(label)``), so that extraction
(``make i18n-update``, tests/imwg/test_translations.py) finds them. Never imported."""


def _(message: str) -> str:
    return message


#: freshness.helpers.BADGES
BADGES = [
    _("Fresh"),
    _("Due"),
    _("Overdue"),
    _("Delinquent"),
    _("Archived"),
    _("No schedule"),
]

#: holdings.vocab.FRESHNESS_LABELS
FRESHNESS_LABELS = [
    _("Fresh"),
    _("Due"),
    _("Overdue"),
    _("Delinquent"),
    _("Archived (no longer updated)"),
    _("Not expected to change"),
]
