"""Typed access to the mine-action imports' configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

MAX_BYTES = "ckanext.imwg_imsma.max_bytes"
SUPPRESS_BELOW = "ckanext.imwg_imsma.suppress_below"
AREA_ROUND = "ckanext.imwg_imsma.area_round"
RAW_LEVEL = "ckanext.imwg_imsma.raw_level"
AGGREGATE_LEVEL = "ckanext.imwg_imsma.aggregate_level"


def max_bytes() -> int:
    """The largest export accepted, in bytes."""
    return tk.config[MAX_BYTES]


def suppress_below() -> int:
    """Casualty figures above zero and below this are hidden."""
    return tk.config[SUPPRESS_BELOW]


def area_round() -> int:
    """Areas are rounded to a multiple of this (m²)."""
    return tk.config[AREA_ROUND]


def raw_level() -> str:
    """The raw export's default sensitivity level."""
    return tk.config[RAW_LEVEL]


def aggregate_level() -> str:
    """The aggregates' requested sensitivity level."""
    return tk.config[AGGREGATE_LEVEL]
