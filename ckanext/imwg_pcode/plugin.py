"""imwg_pcode: the gazetteer of administrative units (P-codes), tagging,
roll-up search, location pages and the coverage of uploaded data."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.imwg import presets, uploads
from ckanext.imwg.interfaces import IPlaces, IUploadAnalysis

from . import facets, indexing, jobs, places


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.validators
class ImwgPcodePlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(IPlaces)
    p.implements(IUploadAnalysis)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "imwg_pcode")
        presets.add(config, "imwg_pcode")

    def dataset_facets(self, facets_dict, package_type):
        return facets.dataset_facets(facets_dict)

    def before_dataset_index(self, pkg_dict):
        return indexing.before_index(pkg_dict)

    def before_dataset_search(self, search_params):
        return indexing.before_search(search_params)

    def after_dataset_search(self, search_results, search_params):
        return facets.label_facets(search_results)

    def after_resource_create(self, context, resource):
        uploads.resource_changed(self, context, resource)

    def after_resource_update(self, context, resource):
        uploads.resource_changed(self, context, resource)

    def upload_wanted(self, resource):
        return jobs.wanted(resource)

    def upload_analysis(self):
        return jobs.Coverage()

    def places(self, codes, geometry=False):
        return places.for_others(model.Session, codes, geometry)
