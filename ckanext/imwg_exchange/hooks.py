"""CKAN's hooks handed to the parts that want them: a part's ``__init__``
may define ``dataset_facets(facets_dict)``, ``before_index(pkg_dict)``,
``after_search(search_results, search_params)`` (these return what they were
given, changed), ``dataset_changed(context,
pkg_dict)``, ``resource_changed(context, resource)``,
``resources_deleted(context, resources)``, ``before_index_chunk(package_ids)``
and ``after_index_chunk()`` (``IIndexBatch``) and ``middleware(app)``
(returns the app: ``IMiddleware``)."""

from __future__ import annotations

from typing import Any

from . import parts


def _each(hook: str) -> list[Any]:
    return [getattr(m, hook) for m in parts.modules() if hasattr(m, hook)]


def dataset_facets(facets_dict: dict[str, Any]) -> dict[str, Any]:
    for hook in _each("dataset_facets"):
        facets_dict = hook(facets_dict)
    return facets_dict


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    for hook in _each("before_index"):
        pkg_dict = hook(pkg_dict)
    return pkg_dict


def before_index_chunk(package_ids: list[str]) -> None:
    for hook in _each("before_index_chunk"):
        hook(package_ids)


def after_index_chunk() -> None:
    for hook in _each("after_index_chunk"):
        hook()


def after_search(search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
    for hook in _each("after_search"):
        search_results = hook(search_results, search_params)
    return search_results


def dataset_changed(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    for hook in _each("dataset_changed"):
        hook(context, pkg_dict)


def resource_changed(context: dict[str, Any], resource: dict[str, Any]) -> None:
    for hook in _each("resource_changed"):
        hook(context, resource)


def resources_deleted(context: dict[str, Any], resources: list[dict[str, Any]]) -> None:
    for hook in _each("resources_deleted"):
        hook(context, resources)


def middleware(app: Any) -> Any:
    for hook in _each("middleware"):
        app = hook(app)
    return app
