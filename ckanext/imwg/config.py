"""Typed access to the shared configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

DEMO_PASSWORD_SUFFIX = "ckanext.imwg.demo_password_suffix"


def demo_password_suffix() -> str:
    """What `ckan imwg demo` appends to a user name to make its password."""
    return tk.config[DEMO_PASSWORD_SUFFIX]
