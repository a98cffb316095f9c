"""imwg_notify: notifications by e-mail. Messages owed to users are stored
with the change that caused them and sent by background jobs through CKAN's
mailer, in each user's language, immediately or in digests as they choose;
datasets, organisations and places can be followed."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from . import cli, hooks, parts


@tk.blanket.config_declarations
@tk.blanket.actions(lambda: parts.merged("actions"))
@tk.blanket.auth_functions(lambda: parts.merged("auth_functions"))
@tk.blanket.helpers(lambda: parts.merged("helpers"))
@tk.blanket.blueprints(parts.blueprints)
@tk.blanket.cli(lambda: [cli.notify])
class ImwgNotifyPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITranslation)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    def configure(self, config):
        hooks.connect()

    def make_middleware(self, app, config):
        return hooks.middleware(app)

    def after_dataset_create(self, context, pkg_dict):
        hooks.dataset_created(context, pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        hooks.dataset_updated(context, pkg_dict)

    def after_resource_create(self, context, resource):
        hooks.resource_changed(context, resource, True)

    def after_resource_update(self, context, resource):
        hooks.resource_changed(context, resource, False)
