"""Scheming presets that a feature plugin brings with it.

The suite's schemas name fields that a feature checks, derives or asks for.
The shared presets (``ckanext.imwg.schemas:presets.yaml``) say what those
fields are without the feature; an enabled feature puts its own presets file
(``ckanext.<plugin>:presets.yaml``) ahead of them, and scheming keeps the
first file's preset of a name. So each plugin works alone, and the presets of
a disabled one (validators nobody registers, snippets nobody serves) are
never read.

CKAN calls ``update_config`` from the end of ``ckan.plugins`` backwards: a
feature listed after the scheming plugins adds its file before scheming reads
``scheming.presets``, and ``imwg``, listed before them, takes the added files
out again once scheming has read them, so that the option keeps its
configured value between rounds (plugins are loaded and unloaded one by one,
and the configuration is copied and restored around them, in tests).
"""

from __future__ import annotations

from typing import Any

import ckan.plugins as p

OPTION = "scheming.presets"
#: scheming's own presets, what it reads when the option is not set
SCHEMING_PRESETS = "ckanext.scheming:presets.json"
#: the plugins that read the presets
SCHEMING_PLUGINS = ("scheming_datasets", "scheming_organizations", "scheming_groups")

#: the files added to the option since ``imwg`` last took them out, by their plugin
_added: dict[str, str] = {}


def _words(value: Any) -> list[str]:
    return value.split() if isinstance(value, str) else list(value or [])


def _before_scheming(config: Any, plugin: str) -> bool | None:
    """Whether ``plugin`` is listed before the scheming plugins (None: one of them is not listed)."""
    listed = _words(config.get("ckan.plugins"))
    if plugin not in listed or not any(s in listed for s in SCHEMING_PLUGINS):
        return None
    return any(s in listed[listed.index(plugin) :] for s in SCHEMING_PLUGINS)


def add(config: Any, plugin: str) -> None:
    """Put ``ckanext.<plugin>:presets.yaml`` first in ``scheming.presets``
    (from the feature's ``update_config``). A feature listed before the
    scheming plugins would run on the shared presets unnoticed: refused."""
    if _before_scheming(config, plugin):
        raise RuntimeError(f"{plugin}: list it after scheming_datasets and scheming_organizations in ckan.plugins")
    path = f"ckanext.{plugin}:presets.yaml"
    # an earlier round's files whose plugin has been unloaded since (when imwg did not take them out)
    files = [
        f
        for f in _words(config.get(OPTION, SCHEMING_PRESETS) or SCHEMING_PRESETS)
        if f not in _added or p.plugin_loaded(_added[f])
    ]
    if path not in files:
        files.insert(0, path)
        _added[path] = plugin
    config[OPTION] = " ".join(files)


def restore(config: Any) -> None:
    """Take the files the features added out of ``scheming.presets`` again,
    once scheming has read them (from ``imwg``'s ``update_config``)."""
    if _before_scheming(config, "imwg") is False:
        return  # scheming has not read the option yet: the files stay for it
    files = _words(config.get(OPTION, ""))
    if any(f in _added for f in files):
        config[OPTION] = " ".join(f for f in files if f not in _added)
    _added.clear()
