"""Every way content leaves the portal, classified: each CKAN action and each
web route that CKAN and the portal's plugins register, with what keeps the
sharing protocol at it. The suite's tests read the registries of a running
CKAN and fail on an action or route that is not listed here, so a new exit
(from a CKAN release or another plugin) is gated or explained before it ships.

The CKAN actions classified ``gated`` are chained in ``chained.py``; the
routes classified ``data`` are checked by ``gate.check_request``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# -- what keeps the protocol at an exit -----------------------------------------------------

#: chained here: the answer passes through ``gate`` for the caller
GATED = "gated"
#: dataset dicts from ``package_show`` (after_dataset_show redacts them) or
#: ``package_search`` (permission labels, then ``gate``)
SHOWN = "shown"
#: data itself: checked by the data gate (``gate.check_request``, the
#: DataStore's chained auth functions, ``IDataAccess`` for previews)
DATA = "data"
#: changes state; only those who may edit the object can call it
WRITE = "write"
#: sysadmins only (CKAN's auth)
SYSADMIN = "sysadmin"
#: answers with no dataset, resource or activity content (users, groups'
#: own fields, vocabularies, configuration, counts of one's own follows)
NONE = "none"
#: the suite's own action or page: it asks ``access.Access`` itself
OWN = "own"


def _classes(**groups: tuple[str, ...]) -> dict[str, str]:
    return {name: kind for kind, names in groups.items() for name in names}


#: the activity plugin's actions that answer activities (with their datasets)
ACTIVITY_STREAMS = (
    "package_activity_list",
    "dashboard_activity_list",
    "user_activity_list",
    "organization_activity_list",
    "group_activity_list",
    "recently_changed_packages_activity_list",
    "activity_show",
)

ACTIONS: dict[str, str] = _classes(
    gated=(
        "package_search",
        "package_list",
        "current_package_list_with_resources",
        "package_autocomplete",
        "package_show",
        "resource_show",
        "resource_search",
        "resource_view_show",
        "resource_view_list",
        "package_relationships_list",
        "tag_show",
        "tag_list",
        "tag_autocomplete",
        "tag_search",
        "format_autocomplete",
        "member_list",
        "dataset_followee_list",
        "followee_list",
        "am_following_dataset",
        "dataset_follower_count",
        "follow_dataset",
        "unfollow_dataset",
        "user_show",
        "user_list",
        # writes that name a dataset: a hidden one is refused as a missing
        # one would be; changes of owner or flag relabel the activities
        "member_create",
        "package_relationship_create",
        "package_owner_org_update",
        "bulk_update_private",
        "bulk_update_public",
        "bulk_update_delete",
        "package_update",
        "package_patch",
        "package_delete",
        "package_collaborator_list",
        "package_collaborator_create",
        "package_collaborator_delete",
        "dataset_purge",
        "resource_create",
        "resource_update",
        "resource_patch",
        "resource_delete",
        "resource_view_create",
        "group_list",
        "organization_list",
        "organization_list_for_user",
        "group_list_authz",
        *ACTIVITY_STREAMS,
        "activity_data_show",
        "activity_diff",
    ),
    shown=(
        # imwg_exchange overview: counts and latest datasets from package_search as the caller
        "exchange_overview",
        # their datasets come from package_search as the caller
        "group_show",
        "organization_show",
        "group_package_show",
        # imwg_exchange freshness: package_show / package_search as the caller
        "freshness_show",
        "freshness_list_for_user",
        # imwg_exchange: counts from package_search as the caller
        "holdings_matrix",
        "completeness_grid",
        # imwg_exchange needs: their datasets (answers, fulfilment, matches,
        # notices) come from package_show / package_search as the caller
        "need_show",
        "need_search",
        "need_matches",
        "need_notice_list",
        # ckanext-dcat (chained by imwg_interop): package_show / package_search
        # as the caller, serialised; imwg_interop's profile drops withheld addresses
        "dcat_dataset_show",
        "dcat_catalog_show",
        "dcat_catalog_search",
    ),
    data=(
        "datastore_search",
        "datastore_search_sql",
        "datastore_info",
        "hxl_preview_show",
    ),
    write=(
        "package_create",
        "package_revise",
        "package_resource_reorder",
        "package_create_default_resource_views",
        "package_relationship_update",
        "package_relationship_delete",
        "resource_create_default_resource_views",
        "resource_view_update",
        "resource_view_delete",
        "resource_view_reorder",
        "resource_view_clear",
        "group_create",
        "group_update",
        "group_patch",
        "group_delete",
        "group_member_create",
        "group_member_delete",
        "organization_create",
        "organization_update",
        "organization_patch",
        "organization_delete",
        "organization_member_create",
        "organization_member_delete",
        "member_delete",
        "tag_create",
        "tag_delete",
        "follow_group",
        "follow_user",
        "unfollow_group",
        "unfollow_user",
        "user_create",
        "user_update",
        "user_patch",
        "user_delete",
        "user_invite",
        "api_token_create",
        "api_token_revoke",
        "dashboard_mark_activities_old",
        "datastore_create",
        "datastore_upsert",
        "datastore_delete",
        "datastore_records_delete",
        # imwg_exchange freshness: those who may package_update the dataset
        "dataset_still_current",
        # imwg_exchange needs: members of the need's organisation (create,
        # update, close) or any logged-in user (answer, follow); datasets
        # named in them are checked with package_show as the caller
        "need_create",
        "need_update",
        "need_close",
        "need_answer",
        "need_follow",
        "need_unfollow",
        # imwg_notify: the caller's own follows of places (logged-in users)
        "notify_place_follow",
        "notify_place_unfollow",
        # imwg_notify: the caller's own notification preferences (sysadmins: anyone's);
        # unsubscribing, proved by the signed link of a message
        "notify_preferences_update",
        "notify_unsubscribe",
        # imwg_imsma: importing an export, and its report (which lists raw
        # records): those who may package_update the dataset
        "imsma_import",
        "imsma_import_show",
    ),
    sysadmin=(
        "group_purge",
        "organization_purge",
        "config_option_update",
        "config_option_show",
        "config_option_list",
        # imwg_notify: delivery status, retrying a failed message, caught mail (no dataset content)
        "notify_status_show",
        "notify_message_retry",
        "notify_caught_mail_list",
        "job_list",
        "job_show",
        "job_cancel",
        "job_clear",
        "activity_create",
        "send_email_notifications",
        "dataset_follower_list",
        "group_follower_list",
        "organization_follower_list",
        "task_status_show",
        "task_status_update",
        "task_status_update_many",
        "task_status_delete",
        "term_translation_update",
        "term_translation_update_many",
        "vocabulary_create",
        "vocabulary_update",
        "vocabulary_delete",
        "datastore_function_create",
        "datastore_function_delete",
        "datastore_run_triggers",
        "get_site_user",
    ),
    none=(
        "status_show",
        "help_show",
        "license_list",
        "member_roles_list",
        "am_following_group",
        "am_following_user",
        "api_token_list",
        "dashboard_new_activities_count",
        "dataset_followee_count",
        "followee_count",
        "group_autocomplete",
        "group_followee_count",
        "group_followee_list",
        "group_follower_count",
        "organization_autocomplete",
        "organization_followee_count",
        "organization_followee_list",
        "organization_follower_count",
        "package_collaborator_list_for_user",
        "scheming_dataset_schema_list",
        "scheming_dataset_schema_show",
        "scheming_organization_schema_list",
        "scheming_organization_schema_show",
        "term_translation_show",
        "user_autocomplete",
        "user_followee_count",
        "user_followee_list",
        "user_follower_count",
        "user_follower_list",
        "vocabulary_list",
        "vocabulary_show",
        "pcode_list",
        "pcode_lookup",
        "pcode_search",
        "pcode_show",
        "pcode_units",
        # the gazetteer as a file: public reference data, no dataset content
        "pcode_export",
        # imwg_notify: the caller's own followed places (gazetteer names), a count
        "notify_place_followee_list",
        "notify_place_follower_count",
        # imwg_notify: the caller's own notification preferences (kinds and frequencies)
        "notify_preferences_show",
        # imwg_sensitivity: the sharing protocol itself (the portal's published policy), parsed
        "imwg_sensitivity_protocol_show",
    ),
    own=(
        "access_request_create",
        "access_request_list",
        "access_request_show",
        "access_request_decide",
        "access_grant_list",
        "access_grant_create",
        "access_grant_revoke",
        "access_audit_list",
        "access_request_cancel",
        "access_audit_record",
        "personal_data_screen_show",
        "personal_data_confirm",
        "access_agreement_create",
        "access_agreement_update",
        "access_agreement_show",
        "access_agreement_list",
        "access_agreement_terminate",
    ),
)

#: web routes by their view function (``module.name``, one entry for the
#: routes each dataset type and group type registers again)
ROUTES: dict[str, str] = _classes(
    data=(
        "ckan.views.resource.download",
        "ckan.views.resource.view",
        "ckanext.datastore.blueprint.dump",
        "ckanext.datatablesview.blueprint.ajax",
        "ckanext.datatablesview.blueprint.filtered_download",
        "ckanext.resourceproxy.blueprint.proxy_view",
    ),
    shown=(
        # pages that render what gated actions answer
        "ckan.views.api.action",
        "ckan.views.api.dataset_autocomplete",
        "ckan.views.api.format_autocomplete",
        "ckan.views.api.tag_autocomplete",
        "ckan.views.dashboard.datasets",
        "ckan.views.dashboard.groups",
        "ckan.views.dashboard.organizations",
        "ckan.views.dataset.read",
        "ckan.views.dataset.resources",
        "ckan.views.dataset.search",
        "ckan.views.dataset.groups",
        "ckan.views.feed.custom",
        "ckan.views.feed.general",
        "ckan.views.feed.group",
        "ckan.views.feed.organization",
        "ckan.views.feed.tag",
        "ckan.views.group.about",
        "ckan.views.group.index",
        "ckan.views.group.read",
        "ckan.views.home.index",
        # imwg_exchange's overview in place of CKAN's home view: package_search as the visitor
        "ckanext.imwg_exchange.overview.page.index",
        "ckan.views.resource.read",
        "ckan.views.resource.views",
        "ckan.views.user.read",
        "ckan.views.user.me",
        "ckan.views.user.read_groups",
        "ckan.views.user.read_organizations",
        "ckanext.activity.views.dashboard",
        "ckanext.activity.views.group_activity",
        "ckanext.activity.views.group_changes",
        "ckanext.activity.views.group_changes_multiple",
        "ckanext.activity.views.package_activity",
        "ckanext.activity.views.package_changes",
        "ckanext.activity.views.package_changes_multiple",
        "ckanext.activity.views.package_history",
        # reads the recorded version itself: the resource templates redact
        # it through the helper imwg_sensitivity_resource
        "ckanext.activity.views.resource_history",
        "ckanext.activity.views.user_activity",
        # imwg_exchange: render holdings_matrix / completeness_grid (package_search as the caller)
        "ckanext.imwg_exchange.holdings.views.index",
        "ckanext.imwg_exchange.holdings.views.download",
        "ckanext.imwg_exchange.holdings.views.completeness",
        # imwg_exchange needs: render need_search / need_show / need_matches (as the caller)
        "ckanext.imwg_exchange.needs.views.index",
        "ckanext.imwg_exchange.needs.views.read",
        # ckanext-dcat's RDF pages: its dcat_* actions as the visitor
        "ckanext.dcat.blueprints.read_catalog",
        "ckanext.dcat.blueprints.read_dataset",
        # imwg_interop's sitemap: package_search as an anonymous visitor, whoever asks
        "ckanext.imwg_interop.sitemap.index",
        "ckanext.imwg_interop.sitemap.part",
    ),
    write=(
        # imwg_imsma: the import's pages (upload, mapping preview, confirmation,
        # progress and report), for those who may package_update the dataset
        "ckanext.imwg_imsma.views.upload",
        "ckanext.imwg_imsma.views.confirm",
        "ckanext.imwg_imsma.views.status",
        "ckan.views.dataset.new",
        "ckan.views.dataset.edit",
        "ckan.views.dataset.delete",
        "ckan.views.dataset.follow",
        "ckan.views.dataset.unfollow",
        "ckan.views.resource.new",
        "ckan.views.resource.edit",
        "ckan.views.resource.delete",
        "ckan.views.resource.edit_view",
        "ckan.views.group.new",
        "ckan.views.group.edit",
        "ckan.views.group.delete",
        "ckan.views.group.follow",
        "ckan.views.group.unfollow",
        "ckan.views.group.bulk_process",
        "ckan.views.group.manage_members",
        "ckan.views.group.member_new",
        "ckan.views.group.member_delete",
        "ckan.views.group.member_dump",
        "ckan.views.group.members",
        "ckan.views.group.admins",
        "ckan.views.user.edit",
        "ckan.views.user.delete",
        "ckan.views.user.follow",
        "ckan.views.user.unfollow",
        "ckan.views.user.api_tokens",
        "ckan.views.user.api_token_revoke",
        "ckanext.datastore.blueprint.dictionary",
        "ckanext.imwg_exchange.freshness.views.still_current",
        # imwg_exchange needs: forms and POSTs calling the need_* writes as the caller
        "ckanext.imwg_exchange.needs.views.new",
        "ckanext.imwg_exchange.needs.views.edit",
        "ckanext.imwg_exchange.needs.views.answer",
        "ckanext.imwg_exchange.needs.views.close",
        "ckanext.imwg_exchange.needs.views.status",
        "ckanext.imwg_exchange.needs.views.follow",
        "ckanext.imwg_exchange.needs.views.unfollow",
        # imwg_notify: POSTs calling notify_place_follow / notify_place_unfollow as the caller
        "ckanext.imwg_notify.follows.views.follow",
        "ckanext.imwg_notify.follows.views.unfollow",
    ),
    sysadmin=(
        "ckan.views.admin.config",
        "ckan.views.admin.index",
        "ckan.views.admin.reset_config",
        "ckan.views.admin.trash",
        "ckan.views.dataset.followers",
        "ckan.views.group.followers",
        "ckan.views.user.sysadmin",
        # imwg_notify: delivery status (with retry) and the local mail catcher's messages
        "ckanext.imwg_notify.mail.views.status",
        "ckanext.imwg_notify.mail.views.retry",
        "ckanext.imwg_notify.mail.views.mail",
    ),
    none=(
        "ckan.config.middleware.flask_app.webassets",
        "flask.app.<lambda>",
        "ckan.views.api.get_api",
        "ckan.views.api.group_autocomplete",
        "ckan.views.api.i18n_js_translations",
        "ckan.views.api.organization_autocomplete",
        "ckan.views.api.user_autocomplete",
        # renders a template with only the values the request itself carries
        "ckan.views.api.snippet",
        "ckan.views.home.about",
        "ckan.views.home.redirect_locale",
        "ckan.views.home.robots_txt",
        "ckan.views.user.followers",
        "ckan.views.user.index",
        "ckan.views.user.logged_out_page",
        "ckan.views.user.login",
        "ckan.views.user.logout",
        "ckan.views.user.perform_reset",
        "ckan.views.user.register",
        "ckan.views.user.request_reset",
        "ckan.views.util.internal_redirect",
        "ckan.views.util.primer",
        "ckanext.imwg_pcode.views.index",
        # the gazetteer's units as geodata files: no dataset content
        "ckanext.imwg_pcode.export_views.unit",
        "ckanext.imwg_pcode.export_views.subtree",
        "ckanext.imwg_pcode.export_views.country",
        # imwg_notify: the caller's followed places (gazetteer names only)
        "ckanext.imwg_notify.follows.views.places",
        # imwg_notify: the caller's notification preferences; the signed unsubscribe link
        "ckanext.imwg_notify.mail.views.preferences",
        "ckanext.imwg_notify.mail.views.unsubscribe",
    ),
    own=(
        "ckanext.imwg_pcode.views.read",
        "ckanext.imwg_pcode.views.add_covered",
        "ckanext.imwg_sensitivity.views.audit_csv",
        "ckanext.imwg_sensitivity.views.audit_page",
        "ckanext.imwg_sensitivity.views.audit_xlsx",
        "ckanext.imwg_sensitivity.views.cancel",
        "ckanext.imwg_sensitivity.views.revoke",
        "ckanext.imwg_sensitivity.views.dataset_access",
        "ckanext.imwg_sensitivity.views.confirm_personal_data",
        "ckanext.imwg_sensitivity.views.decide",
        "ckanext.imwg_sensitivity.views.pending",
        "ckanext.imwg_sensitivity.views.request_access",
        "ckanext.imwg_sensitivity.agreement_views.organization_agreements",
        "ckanext.imwg_sensitivity.agreement_views.new",
        "ckanext.imwg_sensitivity.agreement_views.read",
        "ckanext.imwg_sensitivity.agreement_views.document",
        "ckanext.imwg_sensitivity.agreement_views.terminate",
        "ckanext.imwg_sensitivity.agreement_views.edit",
    ),
)


#: CKAN's views that an enabled plugin serves with its own (the route stays,
#: under the plugin's view function): both are classified above
REPLACED = {"ckan.views.home.index": "ckanext.imwg_exchange.overview.page.index"}


#: command-line commands that send content elsewhere or bring it in
COMMANDS: dict[str, str] = {
    # imwg_interop: package_search / package_show as an anonymous visitor; strictly
    # confidential datasets never leave, gated ones leave as metadata without files
    "hdx push": SHOWN,
    # imwg_interop: HDX's public datasets written here as the site user (sysadmin)
    "hdx pull": SYSADMIN,
}


#: data routes whose use is recorded as a download (the others as a preview)
DOWNLOADS = frozenset(
    (
        "ckan.views.resource.download",
        "ckanext.datastore.blueprint.dump",
        "ckanext.datatablesview.blueprint.filtered_download",
    )
)


#: routes whose ``id`` names a dataset: a hidden one answers 404 there, as a
#: missing one does, before any other check (an edit page's 403 would
#: confirm that it exists)
DATASET_ROUTES = frozenset(
    (
        *(
            f"ckan.views.dataset.{view}"
            for view in ("read", "edit", "delete", "resources", "groups", "followers", "follow", "unfollow")
        ),
        *(
            f"ckan.views.resource.{view}"
            for view in ("read", "edit", "delete", "new", "views", "view", "edit_view", "download")
        ),
        "ckanext.activity.views.package_activity",
        "ckanext.activity.views.package_history",
        "ckanext.activity.views.resource_history",
        "ckanext.imwg_sensitivity.views.request_access",
        "ckanext.imwg_sensitivity.views.dataset_access",
        "ckanext.imwg_sensitivity.views.confirm_personal_data",
        "ckanext.imwg_pcode.views.add_covered",
        "ckanext.imwg_exchange.freshness.views.still_current",
    )
)


#: the page of a resource view (its renderer may record the use itself)
VIEW_PAGE = "ckan.views.resource.view"


def route_of(view: Callable[..., Any]) -> str:
    """A route's name in ``ROUTES``: its view function's module and name."""
    return f"{view.__module__}.{view.__name__}"
