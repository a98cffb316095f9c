"""imwg_sensitivity: sensitivity levels, the site's sharing protocol, data
gating at every place data leaves the portal, access requests, grants and
an audit log."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.imwg import interfaces, presets, uploads
from ckanext.imwg.interfaces import IDataAccess, IIndexBatch, IUploadAnalysis

from . import access, agreement_views, audit, config, gate, hooks, labels, screening, views
from .logic import protocol


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.helpers
@tk.blanket.validators
@tk.blanket.actions(lambda: {**hooks.actions(), **protocol.actions()})
@tk.blanket.auth_functions(lambda: {**hooks.auth_functions(), **protocol.auth_functions()})
class ImwgSensitivityPlugin(labels.SensitivityLabels, p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IConfigurable)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IBlueprint)
    p.implements(IDataAccess)
    p.implements(IUploadAnalysis)
    p.implements(IIndexBatch)
    p.implements(p.ISignal)

    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")
        tk.add_resource("assets", "imwg_sensitivity")
        presets.add(config_, "imwg_sensitivity")

    def configure(self, config_):
        try:
            config.check_organisations(config.protocol())
        except config.ProtocolError as e:
            raise RuntimeError(f"imwg_sensitivity: the sharing protocol is not valid: {e}") from None
        audit.watch_levels()

    def get_blueprint(self):
        return [views.blueprint, agreement_views.blueprint]

    def get_signal_subscriptions(self):
        return {interfaces.signal(interfaces.TICK): hooks.tick_receivers()}

    def make_middleware(self, app, config_):
        return gate.install(app)

    def data_access(self, context, package_id, resource_id):
        return hooks.data_access(context, package_id, resource_id)

    def data_served(self, context, package_id, resource_id, kind):
        audit.served(context, package_id, resource_id, kind)

    def before_dataset_index(self, pkg_dict):
        return hooks.before_index(pkg_dict)

    def before_index_chunk(self, package_ids):
        access.before_index_chunk(package_ids)

    def after_index_chunk(self):
        access.after_index_chunk()

    def after_dataset_show(self, context, pkg_dict):
        return hooks.after_show(context, pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        hooks.relabel_activities(pkg_dict)
        audit.level_changed(context, pkg_dict)

    def after_resource_create(self, context, resource):
        uploads.resource_changed(self, context, resource)

    def after_resource_update(self, context, resource):
        uploads.resource_changed(self, context, resource)

    def upload_wanted(self, resource):
        return screening.wanted(resource)

    def upload_analysis(self):
        return screening.Screen()
