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

#: CKAN's own messages that CKAN's catalogs leave untranslated (French "Licenses",
#: the licence facet's title): the plugins' catalogs are merged after CKAN's, so
#: the translations here are the ones shown.
CKAN_MESSAGES = [
    _("Licenses"),
]
