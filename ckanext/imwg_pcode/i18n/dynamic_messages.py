"""Messages this plugin translates from a variable (``tk._(title)``), so that extraction
(``make i18n-update``, tests/imwg/test_translations.py) finds them. Never imported."""


def _(message: str) -> str:
    return message


#: facets.TITLES
TITLES = [
    _("Countries"),
    _("Admin level 1 (states, regions, provinces)"),
    _("Admin level 2 (districts)"),
    _("Admin level 3"),
    _("Admin level 4"),
    _("Admin level 5"),
]

#: ckanext-spatial's search map widget (spatial/snippets/spatial_query.html), shown in the search
#: page's sidebar; its script's messages are listed in assets/outlines.js
SPATIAL_QUERY = [
    _("Filter by location"),
    _("Clear"),
]
