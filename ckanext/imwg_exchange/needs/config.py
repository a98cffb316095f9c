"""Typed access to the register's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

NEEDS_PUBLIC = "ckanext.imwg_exchange.needs_public"


def needs_public() -> bool:
    """Whether visitors who are not logged in see the register."""
    return tk.config[NEEDS_PUBLIC]
