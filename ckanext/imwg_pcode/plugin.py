"""imwg_pcode: the gazetteer of administrative units (P-codes)."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.actions
@tk.blanket.auth_functions
class ImwgPcodePlugin(p.SingletonPlugin):
    pass
