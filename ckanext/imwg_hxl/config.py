"""Typed access to this plugin's configuration."""

from __future__ import annotations

import ipaddress

import ckan.plugins.toolkit as tk

PREFIX = "ckanext.imwg_hxl."


def max_bytes() -> int:
    return tk.config[PREFIX + "max_bytes"]


def preview_rows() -> int:
    return max(1, tk.config[PREFIX + "preview_rows"])


def validate_rows() -> int:
    return max(0, tk.config[PREFIX + "validate_rows"])


def suppress_below() -> int:
    return max(1, tk.config[PREFIX + "suppress_below"])


def profile_timeout() -> int:
    return max(1, tk.config[PREFIX + "profile_timeout"])


def profile_max_memory() -> int:
    return max(0, tk.config[PREFIX + "profile_max_memory"])


def fetch_timeout() -> int:
    return max(1, tk.config[PREFIX + "fetch_timeout"])


def fetch_max_bytes() -> int:
    return tk.config[PREFIX + "fetch_max_bytes"]


def fetch_allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(str(n), strict=False) for n in tk.config[PREFIX + "fetch_allowed_networks"] or []]
