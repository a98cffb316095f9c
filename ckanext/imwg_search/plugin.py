"""imwg_search: CKAN's dataset search on PostgreSQL, without Solr."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import seam


@tk.blanket.config_declarations
@tk.blanket.cli
class ImwgSearchPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)

    def update_config(self, config):
        seam.install()
