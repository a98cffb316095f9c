"""Typed access to the HDX exchange's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from . import mapping

URL = "ckanext.imwg_interop.hdx.url"
API_TOKEN = "ckanext.imwg_interop.hdx.api_token"
ORG_MAP = "ckanext.imwg_interop.hdx.org_map"
PULL_ORG = "ckanext.imwg_interop.hdx.pull_org"
DEFAULT_SECTOR = "ckanext.imwg_interop.hdx.default_sector"
TIMEOUT = "ckanext.imwg_interop.hdx.timeout"


def url() -> str:
    """HDX's address, without a trailing slash."""
    return str(tk.config[URL] or "").rstrip("/")


def api_token() -> str:
    return str(tk.config[API_TOKEN] or "")


def org_map() -> dict[str, str]:
    """Our organisation names to HDX's."""
    return mapping.org_map(tk.config[ORG_MAP])


def pull_org() -> str:
    return str(tk.config[PULL_ORG] or "")


def default_sector() -> str:
    return str(tk.config[DEFAULT_SECTOR])


def timeout() -> int:
    return tk.config[TIMEOUT]
