"""Messages this plugin translates from a variable (``tk._(title)``), so that extraction
(``make i18n-update``, tests/imwg/test_translations.py) finds them. Never imported."""


def _(message: str) -> str:
    return message


#: facets.FACETS
FACETS = [
    _("Sectors"),
    _("Mine-action themes"),
    _("Data type"),
    _("Explosive ordnance types"),
    _("Update frequency"),
    _("Organisation type"),
]

#: helpers.GROUPS
GROUPS = [
    _("About the data"),
    _("Sectors and coverage"),
    _("Mine action"),
    _("Licence and contact"),
]
