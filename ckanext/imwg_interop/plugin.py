"""imwg_interop: the portal in the catalogues' languages. DCAT-AP 3 and
schema.org through ckanext-dcat (with the suite's own profile, ``imwg``),
and a sitemap of what anonymous visitors may see; ``ckan hdx push|pull``
exchanges datasets with HDX (``hdx/``). Everything goes through
``package_show`` / ``package_search`` as the caller, so the sharing protocol
decides what leaves."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from . import hooks


@tk.blanket.config_declarations
@tk.blanket.actions(hooks.actions)
@tk.blanket.blueprints(hooks.blueprints)
@tk.blanket.auth_functions(hooks.auth_functions)
@tk.blanket.cli(hooks.cli)
class ImwgInteropPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        hooks.profiles_config(config)
