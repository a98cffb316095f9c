"""The holdings part's actions: reads built from ``package_search`` called as
the caller, so they count only what the caller's search would list."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from . import completeness, matrix

__all__ = ["holdings_matrix", "completeness_grid"]


@tk.side_effect_free
def holdings_matrix(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Who holds what: organisations (or organisation types) by sectors (or
    places), each cell the number of datasets the caller can find behind it.

    :param rows: ``organization`` (default) or ``org_type``
    :type rows: string
    :param columns: ``sectors`` (default) or ``places``: the admin-1 units, or
        the sub-units of ``place`` when it is given
    :type columns: string
    :param place: only datasets covering this P-code or a place inside it
    :type place: string
    :param sectors: only datasets of all these sectors
    :type sectors: list of strings
    :param themes: only datasets of all these mine-action themes
    :type themes: list of strings
    :param data_type: only datasets of this data type
    :type data_type: string
    :param sensitivity: only datasets of this sensitivity level
    :type sensitivity: string
    :param freshness: only datasets of this freshness status
    :type freshness: string
    :param q: free text, as on the search page
    :type q: string

    :returns: ``rows`` and ``columns`` (``value``, ``label``, ``total``,
        ``url``), ``cells`` (one list per row of ``count`` and ``url``),
        ``total``, ``url``, the normalised ``filters`` and ``searches`` (the
        number of searches the matrix cost). Totals count datasets once: a
        dataset of two sectors is in two cells and once in its row's total.
    """
    tk.check_access("holdings_matrix", context, data_dict)
    return matrix.build(context, data_dict)


@tk.side_effect_free
def completeness_grid(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """For each admin unit and each configured core data category: is there a
    dataset the caller can see that covers the unit, and is it current.

    :param place: show the sub-units of this P-code (default: the admin-1
        units of the gazetteer's countries)
    :type place: string

    :returns: ``place``, ``level``, ``categories`` (``name``, ``label``,
        ``units`` covered, ``url``), ``units`` (``pcode``, ``name``,
        ``level``, ``children``), ``cells`` (one list per unit, one per
        category: ``state`` ``fresh``/``stale``/``missing``, ``count``,
        ``current``, and ``url`` or ``need_url``) and ``searches``.
    """
    tk.check_access("completeness_grid", context, data_dict)
    return completeness.build(context, data_dict)
