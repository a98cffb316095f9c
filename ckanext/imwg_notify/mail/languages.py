"""The language each signed-in user last used, recorded from their page
views (only when it changed: the last one known per process is kept in
memory for a few minutes, as another process of the portal may have
recorded another since), so that their mail is written in it."""

from __future__ import annotations

import datetime
import logging
import time

import ckan.model as model
import ckan.plugins.toolkit as tk
import flask
from sqlalchemy.dialects.postgresql import insert

from .. import config
from .. import model as notify_model

log = logging.getLogger(__name__)

#: user id -> (the language last recorded by this process, when)
_known: dict[str, tuple[str, float]] = {}
#: seconds a language recorded here is taken as the stored one
KNOWN_FOR = 300


def record(user_id: str, locale: str) -> bool:
    """Store ``locale`` as ``user_id``'s language, in a transaction of its own
    (the request's stays untouched). Returns whether it was written."""
    known = _known.get(user_id)
    if (known and known[0] == locale and time.monotonic() - known[1] < KNOWN_FOR) or locale not in config.locales():
        return False
    table = notify_model.locale_table
    now = datetime.datetime.utcnow()
    statement = insert(table).values(user_id=user_id, locale=locale, modified=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.user_id],
        set_={"locale": locale, "modified": now},
        where=table.c.locale != statement.excluded.locale,
    )
    with model.meta.engine.begin() as connection:
        connection.execute(statement)
    _known[user_id] = (locale, time.monotonic())
    return True


def after_request(response: flask.Response) -> flask.Response:
    """Record the language of a page a signed-in user was shown."""
    if flask.request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
        return response
    user = tk.current_user
    if not getattr(user, "is_authenticated", False):
        return response
    try:
        record(user.id, tk.h.lang())
    except Exception:  # the language is a nicety: a page is never refused for it
        log.exception("imwg_notify: could not record a user's language")
    return response
