"""imwg_imsma: exports of IMSMA (or another mine-action database) imported
into a mine-action dataset: the raw file stays at its level (confidential by
default), its records are placed in the gazetteer's admin units and summed
by P-code and month into HXL aggregates the sharing protocol lets out."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from . import cli, views


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints(views.blueprints)
@tk.blanket.cli(lambda: [cli.imsma])
class ImwgImsmaPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
