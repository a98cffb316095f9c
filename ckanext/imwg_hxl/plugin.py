"""imwg_hxl: HXL-aware previews. A background job profiles and validates
every tabular resource once; the ``hxl_preview`` view and the
``hxl_preview_show`` action show the stored result (table, column profiles,
validation, charts, a choropleth by P-code), gated like the data."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.imwg import uploads
from ckanext.imwg.interfaces import IIndexBatch, IUploadAnalysis

from . import indexing, jobs, view


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
class ImwgHxlPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(IUploadAnalysis)
    p.implements(IIndexBatch)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "imwg_hxl")

    def info(self):
        return view.info()

    def can_view(self, data_dict):
        return view.can_view(data_dict)

    def setup_template_variables(self, context, data_dict):
        return view.variables(context, data_dict)

    def view_template(self, context, data_dict):
        return "imwg_hxl/preview.html"

    def after_resource_create(self, context, resource):
        uploads.resource_changed(self, context, resource)

    def after_resource_update(self, context, resource):
        uploads.resource_changed(self, context, resource)

    def upload_wanted(self, resource):
        return jobs.wanted(resource)

    def upload_analysis(self):
        return jobs.Profile()

    def before_dataset_index(self, pkg_dict):
        return indexing.before_index(pkg_dict)

    def dataset_facets(self, facets_dict, package_type):
        facets_dict[indexing.TAGS] = tk._("HXL hashtags")
        return facets_dict

    def before_index_chunk(self, package_ids):
        indexing.before_index_chunk(package_ids)

    def after_index_chunk(self):
        indexing.after_index_chunk()
