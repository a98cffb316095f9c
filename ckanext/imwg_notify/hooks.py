"""CKAN's hooks handed to the parts that want them: a part's ``__init__``
may define ``connect()`` (connects its signal receivers; called at each
configuration, it must not connect twice), ``dataset_created(context,
pkg_dict)``, ``dataset_updated(context, pkg_dict)``, ``resource_changed(context,
resource, created)`` and ``middleware(app)`` (returns the app: ``IMiddleware``)."""

from __future__ import annotations

from typing import Any

from . import parts


def _each(hook: str) -> list[Any]:
    return [getattr(m, hook) for m in parts.modules() if hasattr(m, hook)]


def connect() -> None:
    from . import outbox

    outbox.install()
    for hook in _each("connect"):
        hook()


def dataset_created(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    for hook in _each("dataset_created"):
        hook(context, pkg_dict)


def dataset_updated(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    for hook in _each("dataset_updated"):
        hook(context, pkg_dict)


def resource_changed(context: dict[str, Any], resource: dict[str, Any], created: bool) -> None:
    for hook in _each("resource_changed"):
        hook(context, resource, created)


def middleware(app: Any) -> Any:
    for hook in _each("middleware"):
        app = hook(app)
    return app
