"""imwg_exchange: who has what and who needs what. The country overview
(the home page and its maps), the holdings matrix, the data-needs register
with its matching, dataset freshness and the completeness grid."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.imwg import presets
from ckanext.imwg.interfaces import IIndexBatch

from . import hooks, parts


@tk.blanket.config_declarations
@tk.blanket.actions(lambda: parts.merged("actions"))
@tk.blanket.auth_functions(lambda: parts.merged("auth_functions"))
@tk.blanket.helpers(lambda: parts.merged("helpers"))
@tk.blanket.validators(lambda: parts.merged("validators"))
@tk.blanket.blueprints(lambda: parts.listed("blueprints"))
@tk.blanket.cli(lambda: parts.listed("commands"))
class ImwgExchangePlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(IIndexBatch)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "imwg_exchange")
        presets.add(config, "imwg_exchange")

    def make_middleware(self, app, config):
        return hooks.middleware(app)

    def dataset_facets(self, facets_dict, package_type):
        return hooks.dataset_facets(facets_dict)

    def before_dataset_index(self, pkg_dict):
        return hooks.before_index(pkg_dict)

    def after_dataset_search(self, search_results, search_params):
        return hooks.after_search(search_results, search_params)

    def before_index_chunk(self, package_ids):
        hooks.before_index_chunk(package_ids)

    def after_index_chunk(self):
        hooks.after_index_chunk()

    def after_dataset_create(self, context, pkg_dict):
        hooks.dataset_changed(context, pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        hooks.dataset_changed(context, pkg_dict)

    def after_resource_create(self, context, resource):
        hooks.resource_changed(context, resource)

    def after_resource_update(self, context, resource):
        hooks.resource_changed(context, resource)

    def after_resource_delete(self, context, resources):
        hooks.resources_deleted(context, resources)
