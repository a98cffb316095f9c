"""Translation catalogs (.po) with CKAN's own Plural-Forms for their language: flask-babel keeps the
plural rule of the last catalog it merges, so every catalog of a language must have CKAN's rule.

Usage: python scripts/i18n_catalog.py new <template.pot> <catalog.po> <language>
           a new catalog from a plugin's template
       python scripts/i18n_catalog.py plural <catalog.po> <language>
           give an existing catalog CKAN's rule if it has another (the plural forms to fill then show empty)
"""

from __future__ import annotations

import os
import re
import sys

import ckan
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po


def ckan_plural_forms(lang: str) -> tuple[int, str]:
    po = os.path.join(os.path.dirname(ckan.__file__), "i18n", lang, "LC_MESSAGES", "ckan.po")
    if os.path.exists(po):
        with open(po, encoding="utf-8") as f:
            found = re.search(r'"Plural-Forms: nplurals=(\d+); plural=(.*?);?\\n"', f.read())
        if found:
            return int(found.group(1)), found.group(2)
    plural = get_plural(lang)
    return plural.num_plurals, plural.plural_expr


def new(pot: str, po: str, lang: str) -> None:
    with open(pot, "rb") as f:
        catalog = read_po(f, locale=lang)
    catalog._num_plurals, catalog._plural_expr = ckan_plural_forms(lang)
    catalog.fuzzy = False
    os.makedirs(os.path.dirname(po), exist_ok=True)
    with open(po, "wb") as f:
        write_po(f, catalog, width=0)


def plural(po: str, lang: str) -> None:
    with open(po, "rb") as f:
        catalog = read_po(f)
    forms = ckan_plural_forms(lang)
    if (catalog.num_plurals, catalog.plural_expr) == forms:
        return
    catalog._num_plurals, catalog._plural_expr = forms
    with open(po, "wb") as f:
        write_po(f, catalog, width=0)
    print(f"i18n: {po}: Plural-Forms set to CKAN's (nplurals={forms[0]})")


if __name__ == "__main__":
    {"new": new, "plural": plural}[sys.argv[1]](*sys.argv[2:])
