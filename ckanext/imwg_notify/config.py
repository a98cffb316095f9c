"""Typed access to the notifications' configuration."""

from __future__ import annotations

import datetime

import ckan.plugins.toolkit as tk

MAX_ATTEMPTS = "ckanext.imwg_notify.max_attempts"
RETRY_SECONDS = "ckanext.imwg_notify.retry_seconds"
WEEKLY_DAY = "ckanext.imwg_notify.weekly_day"
LOCALES = "ckanext.imwg_notify.locales"
DIGEST_MAX_ITEMS = "ckanext.imwg_notify.digest_max_items"
KEEP_CHANGES_DAYS = "ckanext.imwg_notify.keep_changes_days"
SEND_THREADS = "ckanext.imwg_notify.send_threads"
CATCH_DIR = "ckanext.imwg_notify.catch_dir"
CATCH_PORT = "ckanext.imwg_notify.catch_port"


def max_attempts() -> int:
    """How many tries before a message is marked failed."""
    return tk.config[MAX_ATTEMPTS]


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed try (doubling each time)."""
    return datetime.timedelta(seconds=tk.config[RETRY_SECONDS] * 2 ** max(attempts - 1, 0))


def weekly_day() -> int:
    """The weekday (0 Monday) weekly digests are built on."""
    return tk.config[WEEKLY_DAY]


def digest_max_items() -> int:
    """The most changes a digest lists."""
    return max(tk.config[DIGEST_MAX_ITEMS], 1)


def keep_changes() -> datetime.timedelta:
    """How long the changes told to followers are kept (a week at least)."""
    return datetime.timedelta(days=max(tk.config[KEEP_CHANGES_DAYS], 7))


def send_threads() -> int:
    """How many connections to the mail server a send job holds at once."""
    return max(tk.config[SEND_THREADS], 1)


def locales() -> list[str]:
    """The languages messages are written in."""
    return tk.config[LOCALES]


def default_locale() -> str:
    """CKAN's default language."""
    return tk.config["ckan.locale_default"] or "en"


def catch_dir() -> str:
    """The mail catcher's folder ('' when none is configured)."""
    return tk.config[CATCH_DIR]


def catch_port() -> int:
    """The mail catcher's loopback port."""
    return tk.config[CATCH_PORT]
