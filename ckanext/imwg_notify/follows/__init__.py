"""Following datasets, organisations and places, and being told when they change.

What the plugin merges: ``actions()``, ``auth_functions()``, ``helpers()``,
``blueprint``, ``commands()`` (added to ``ckan notify``),
``connect()`` (the receivers of the suite's LEVEL_CHANGED and NEED_MATCHED)
and the hooks ``dataset_changed`` (also as ``dataset_created`` and
``dataset_updated``) and ``resource_changed``.
"""

from __future__ import annotations

from .cli import commands
from .fanout import connect, dataset_changed, dataset_created, dataset_updated, resource_changed
from .helpers import helpers
from .logic import actions, auth_functions
from .views import blueprint

__all__ = [
    "actions",
    "auth_functions",
    "blueprint",
    "commands",
    "connect",
    "dataset_changed",
    "dataset_created",
    "dataset_updated",
    "helpers",
    "resource_changed",
]
