"""Writing a message: its templates rendered as its recipient, in their
language, with the dataset read as they may see it.

Jobs run outside any web request; a request context of CKAN's Flask app is
pushed for each message, with the recipient's language as the request's
(CKAN reads it from ``CKAN_LANG``), so ``_()``, ``h.url_for`` and the
dataset's reading behave as on a page the recipient opens.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import flask
import jinja2
import sqlalchemy as sa
from flask_babel import force_locale

from ckanext.imwg import helpers as imwg_helpers

from .. import config, tokens
from .. import model as notify_model

log = logging.getLogger(__name__)

FOLDER = "imwg_notify/mail"


def _flask_app() -> flask.Flask:
    if flask.has_app_context():
        return flask.current_app
    # Outside a request (a job in the worker started by ``ckan jobs worker``,
    # or a test), the app CKAN made in this process is the one
    # ``h.url_for`` falls back on too.
    from ckan.config.middleware import _internal_test_request_context

    if _internal_test_request_context is None:
        raise RuntimeError("imwg_notify: no CKAN application in this process to write mail with")
    return _internal_test_request_context.app


@contextlib.contextmanager
def in_language(locale: str) -> Iterator[None]:
    """A request context of the portal (at ``ckan.site_url``) in ``locale``."""
    app = _flask_app()
    with app.test_request_context(base_url=tk.config["ckan.site_url"], environ_overrides={"CKAN_LANG": locale}):
        with force_locale(locale):
            yield


def locale_of(user_id: str | None) -> str:
    """The language ``user_id`` last used, when messages are written in it; else the default."""
    if user_id:
        table = notify_model.locale_table
        last = model.Session.execute(sa.select(table.c.locale).where(table.c.user_id == user_id)).scalar()
        if last in config.locales():
            return last
    return config.default_locale()


def visible_package(package_id: str | None, user: model.User | None) -> dict[str, Any] | None:
    """The dataset as ``user`` (None: an anonymous visitor) may see it, None when they may not."""
    if not package_id:
        return None
    context = {
        "model": model,
        "session": model.Session,
        "user": user.name if user else "",
        "auth_user_obj": user,
        "ignore_auth": False,
        "for_view": True,
    }
    try:
        return tk.get_action("package_show")(context, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


#: the plain-text environment made for each app (its templates compiled once)
_TEXT_ENVIRONMENTS: dict[int, tuple[jinja2.Environment, jinja2.Environment]] = {}


def _text_environment() -> jinja2.Environment:
    # CKAN's environment (its loader over every plugin's templates, ``_()``),
    # without HTML escaping for the plain-text parts; made once per app (an
    # overlay keeps no cache of its own otherwise).
    base = _flask_app().jinja_env
    made = _TEXT_ENVIRONMENTS.get(id(base))
    if made is None or made[0] is not base:
        made = (base, base.overlay(autoescape=False, cache_size=400))
        _TEXT_ENVIRONMENTS[id(base)] = made
    return made[1]


def _exists(name: str) -> bool:
    try:
        _flask_app().jinja_env.get_template(name)
    except jinja2.TemplateNotFound:
        return False
    return True


def day(value: Any) -> str:
    """A day of a message (an ISO date or moment) as its recipient writes it,
    the month named in their language: "01 novembre 2026" (the pages' own
    long date); "" for none."""
    return imwg_helpers.imwg_date(value) if value else ""


def variables_for(
    data: dict[str, Any], package: dict[str, Any] | None, user: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a template is given: the message's ``data``, the dataset as its
    recipient sees it, the recipient (a dict), ``link()`` to the portal's
    pages in the current language and ``day()`` for its dates."""
    locale = tk.h.lang()
    # the default language's pages have no prefix (/fr/dataset/..., /dataset/...)
    prefix = {"locale": locale} if locale != config.default_locale() else {}

    def link(endpoint: str, **kwargs: Any) -> str:
        return tk.h.url_for(endpoint, _external=True, **prefix, **kwargs)

    return {
        "data": data,
        "package": package,
        "user": user,
        "site_title": tk.config["ckan.site_title"],
        "site_url": tk.config["ckan.site_url"],
        "unsubscribe_url": None,
        "link": link,
        "day": day,
        "h": tk.h,
    }


def _variables(row: dict[str, Any], user: model.User | None, package: dict[str, Any] | None) -> dict[str, Any]:
    person = {"id": user.id, "name": user.name, "display_name": user.display_name} if user else None
    variables = variables_for(row["data"], package, person)
    if user is not None:
        token = tokens.unsubscribe_token(user.id, row["kind"])
        variables["unsubscribe_url"] = variables["link"]("imwg_notify.unsubscribe", token=token)
    return variables


def render(template: str, part: str, variables: dict[str, Any]) -> str:
    """``<template>.<part>`` (``subject.txt``, ``txt``, ``short.txt``) rendered as plain text."""
    return _text_environment().get_template(f"{FOLDER}/{template}.{part}").render(**variables)


def write(
    row: dict[str, Any], user: model.User | None, items: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The subject and bodies of message ``row`` for ``user`` (None: the address
    ``row["email"]``), in the current language; None when it must be withheld
    (a dataset the recipient may not see, on a message that is not about access).

    ``items``: the held messages a digest carries; each is written as its
    short form (``<template>.short.txt``, else its subject line) and those the
    recipient may no longer see are left out (returned in ``withheld``).
    """
    package = visible_package(row["package_id"], user)
    if row["package_id"] and package is None and row["kind"] != "access":
        return None
    variables = _variables(row, user, package)
    withheld: list[str] = []
    if items is not None:
        lines = []
        for item in items:
            item_package = visible_package(item["package_id"], user)
            if item["package_id"] and item_package is None and item["kind"] != "access":
                withheld.append(item["id"])
                continue
            item_variables = _variables(item, user, item_package)
            part = "short.txt" if _exists(f"{FOLDER}/{item['template']}.short.txt") else "subject.txt"
            lines.append(
                {
                    "kind": item["kind"],
                    "text": render(item["template"], part, item_variables).strip(),
                    "unsubscribe_url": item_variables["unsubscribe_url"],
                }
            )
        if not lines:
            return None
        variables["items"] = lines
        variables["kinds"] = sorted({line["kind"] for line in lines})
    subject = " ".join(render(row["template"], "subject.txt", variables).split())
    body = render(row["template"], "txt", variables)
    html = None
    if _exists(f"{FOLDER}/{row['template']}.html"):
        html = _flask_app().jinja_env.get_template(f"{FOLDER}/{row['template']}.html").render(**variables)
    return {"subject": subject, "body": body, "html": html, "withheld": withheld}
