"""imwg: the suite's shared ground (schemas, presets, validators, facets, demo content, CLI,
the guard against bad input)."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from . import branding, facets, guard, index_lock, indexing, presets, solr_retry
from .interfaces import IIndexBatch


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.helpers
@tk.blanket.validators
@tk.blanket.actions({"package_search": guard.package_search})
class ImwgPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IOrganizationController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IDomainObjectModification, inherit=True)
    p.implements(IIndexBatch)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "imwg")
        branding.apply(config)
        presets.restore(config)
        solr_retry.install()

    def dataset_facets(self, facets_dict, package_type):
        return facets.dataset_facets(facets_dict)

    def before_dataset_index(self, pkg_dict):
        return indexing.before_index(pkg_dict)

    def before_dataset_search(self, search_params):
        return guard.before_search(search_params)

    def after_dataset_search(self, search_results, search_params):
        return facets.label_facets(search_results)

    def before_index_chunk(self, package_ids):
        indexing.before_index_chunk(package_ids)

    def after_index_chunk(self):
        indexing.after_index_chunk()

    def edit(self, entity):
        indexing.organization_changed(entity)

    def notify(self, entity, operation):
        index_lock.before_index(entity, operation)

    def make_middleware(self, app, config):
        return guard.install(app)
