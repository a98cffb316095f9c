"""imwg_sensitivity: sensitivity levels, the site's sharing protocol, data
gating at every place data leaves the portal, access requests, grants and
an audit log."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from flask import before_render_template

from ckanext.imwg.interfaces import IDataAccess

from . import audit, config, gate, hooks, labels, screening, views
from .logic import action, auth


@tk.blanket.config_declarations
@tk.blanket.cli
@tk.blanket.helpers
class ImwgSensitivityPlugin(labels.SensitivityLabels, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.IPermissionLabels)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IBlueprint)
    p.implements(IDataAccess)

    def update_config(self, config_):
        tk.add_template_directory(config_, "templates")

    def configure(self, config_):
        try:
            config.check_organisations(config.protocol())
        except config.ProtocolError as e:
            raise RuntimeError(f"imwg_sensitivity: the sharing protocol is not valid: {e}") from None

    def get_actions(self):
        return hooks.actions()

    def get_auth_functions(self):
        return auth.auth_functions()

    def get_blueprint(self):
        return views.blueprint

    def make_middleware(self, app, config_):
        if hasattr(app, "before_request"):
            app.before_request(gate.check_request)
            before_render_template.connect(gate.on_render, app)
        return app

    def data_access(self, context, package_id, resource_id):
        return hooks.data_access(context, package_id, resource_id)

    def data_served(self, context, package_id, resource_id, kind):
        audit.served(context, package_id, resource_id, kind)

    def before_dataset_index(self, pkg_dict):
        return hooks.before_index(pkg_dict)

    def after_dataset_show(self, context, pkg_dict):
        return hooks.after_show(context, pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        hooks.relabel_activities(pkg_dict)

    def after_resource_create(self, context, resource):
        screening.enqueue(context, resource)

    def after_resource_update(self, context, resource):
        screening.enqueue(context, resource)


__all__ = ["ImwgSensitivityPlugin", "action"]
