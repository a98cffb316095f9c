"""The portal's own face: its logo instead of CKAN's unless the site sets
one (``ckan.site_logo``, also from the sysadmin config page), and an About
text of its own (``home/snippets/about_text.html``) unless the site writes
one (``ckan.site_about``)."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

#: CKAN's own logo: replaced by the suite's
CKAN_LOGO = "/base/images/ckan-logo.png"
LOGO = "/imwg/logo.svg"


def apply(config: Any) -> None:
    """Serve the suite's public files and put its logo where CKAN's would be."""
    tk.add_public_directory(config, "public")
    if config.get("ckan.site_logo") in (None, "", CKAN_LOGO):
        config["ckan.site_logo"] = LOGO
