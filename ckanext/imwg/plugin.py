"""imwg: the suite's shared ground (schemas, presets, demo content, CLI)."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import indexing


@tk.blanket.config_declarations
@tk.blanket.cli
class ImwgPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    def before_dataset_index(self, pkg_dict):
        return indexing.solr_compatible(pkg_dict)
