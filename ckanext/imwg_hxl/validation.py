"""Validation: the HXL core schema as libhxl (the reference parser) applies
it, the hashtag row itself, the types over the whole file, and P-code
columns against the gazetteer when a plugin provides one. Issues are
listed per column, with a count and examples. Pure but for the gazetteer,
which is asked through ``ckanext.imwg.interfaces``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hxl

from .tables import Table

#: examples kept per issue
EXAMPLES = 5
#: codes of one column sent to the gazetteer at the most
MAX_CODES = 5000


def _issue(col: dict[str, Any] | None, rule: str, severity: str, message: str, count: int, examples: list[Any]) -> dict:
    return {
        "column": col["index"] if col else None,
        "header": col["header"] if col else None,
        "hashtag": (col.get("hashtag") or col.get("raw_hashtag")) if col else None,
        "rule": rule,
        "severity": severity,
        "message": message,
        "count": count,
        "examples": examples[:EXAMPLES],
    }


def hashtag_issues(cols: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cells of the hashtag row that are not valid hashtags."""
    return [
        _issue(
            c,
            "hashtag",
            "error",
            "Not a valid HXL hashtag (#tag+attribute, letters, digits and _); the column is treated as untagged",
            1,
            [{"row": None, "value": c["raw_hashtag"]}],
        )
        for c in cols
        if c.get("invalid_hashtag")
    ]


def type_issues(cols: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cells of number and date columns that are not numbers or dates (whole file)."""
    issues = []
    for c in cols:
        for kind in ("number", "date"):
            bad = c.get("not_" + kind) or 0
            if c["type"] == kind and bad:
                issues.append(_issue(c, "datatype", "error", f"Expected a {kind}", bad, []))
    return issues


def formula_issues(cols: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cells that a spreadsheet would run as formulas (whole file)."""
    return [
        _issue(
            c,
            "formula",
            "warning",
            "Cells that start like a spreadsheet formula: shown here as text, they would run if the file"
            " were opened in a spreadsheet",
            c["formulas"],
            [],
        )
        for c in cols
        if c.get("formulas")
    ]


def libhxl_issues(table: Table, cols: list[dict[str, Any]], max_rows: int) -> tuple[list[dict[str, Any]], int]:
    """libhxl's default schema over the first ``max_rows`` data rows of an
    HXL table: (issues, rows checked)."""
    lay = table.layout
    if lay.hashtags is None or not any(c["hashtag"] for c in cols):
        return [], 0
    head = table.head(max_rows)
    rows = [[("" if v is None else v) for v in r] for r in head.iter_rows()]
    tags = [c["hashtag"] or "" for c in cols]  # invalid specs are left out, as libhxl would
    found: dict[tuple[int, str], dict[str, Any]] = {}
    first_line = lay.skip + 1

    def collect(error: Any) -> None:
        column = error.column
        index = _column_index(column, cols)
        message = str(error.message or (error.rule.description if error.rule else "") or "Invalid value")
        severity = getattr(error.rule, "severity", None) or "error"
        key = (index, message)
        if key not in found:
            found[key] = _issue(cols[index] if index is not None else None, "hxl-schema", severity, message, 0, [])
        entry = found[key]
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES:
            line = first_line + error.row.row_number if error.row is not None else None
            entry["examples"].append({"row": line, "value": error.value, "suggestion": error.suggested_value})

    try:
        hxl.schema(None, callback=collect).validate(hxl.data([lay.header, tags, *rows]))
    except Exception as error:  # libhxl raises its own kinds on a malformed table
        return [_issue(None, "hxl-schema", "error", f"libhxl could not validate the table: {error}", 1, [])], 0
    return list(found.values()), len(rows)


def _column_index(column: Any, cols: list[dict[str, Any]]) -> int | None:
    if column is None:
        return None
    number = getattr(column, "column_number", None)
    if isinstance(number, int) and 0 <= number < len(cols):
        return number
    tag = column.get_display_tag(sort_attributes=False) if hasattr(column, "get_display_tag") else None
    return next((c["index"] for c in cols if c["hashtag"] == tag), None)


def pcode_issues(
    result: dict[str, Any], places: Callable[[list[str]], dict[str, dict[str, Any]] | None]
) -> list[dict[str, Any]]:
    """P-code columns (``#admN+code``, ``#country+code``) against the
    gazetteer: unknown codes, retired codes, codes of another level."""
    issues = []
    cols = result["columns"]
    for agg in result["aggregates"]["by"]:
        col = cols[agg["index"]]
        tag = col["tag"] or ""
        if col["type"] != "code" or not (tag.startswith("adm") or tag == "country"):
            continue
        level = 0 if tag == "country" else int(tag[3:])
        counts = {str(g["key"]).upper(): g["n"] for g in agg["groups"] if g["key"] not in (None, "")}
        codes = list(counts)[:MAX_CODES]
        known = places(codes)
        if known is None:
            return []
        unknown = [c for c in codes if c not in known]
        retired = [c for c in codes if c in known and known[c]["retired"]]
        other = [c for c in codes if c in known and known[c]["level"] != level]
        for rule, severity, message, found in (
            ("pcode-unknown", "error", "P-code not in the gazetteer", unknown),
            ("pcode-retired", "warning", "P-code retired in the gazetteer", retired),
            ("pcode-level", "error", f"P-code of another admin level than {level}", other),
        ):
            if found:
                count = sum(counts[c] for c in found)
                issues.append(_issue(col, rule, severity, message, count, [{"row": None, "value": c} for c in found]))
    return issues


def ordered(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By column, errors first."""
    return sorted(issues, key=lambda i: (i["column"] is None, i["column"] or 0, i["severity"] != "error"))


def errors(issues: list[dict[str, Any]]) -> int:
    """How many cells are in error."""
    return sum(i["count"] for i in issues if i["severity"] == "error")


def validate(
    table: Table,
    result: dict[str, Any],
    max_rows: int,
    places: Callable[[list[str]], dict[str, dict[str, Any]] | None],
) -> dict[str, Any]:
    """Every issue of a profiled table."""
    cols = result["columns"]
    schema, checked = libhxl_issues(table, cols, max_rows)
    by_key = {(i["column"], i["message"]): i for i in schema}
    typed = []
    for issue in type_issues(cols):  # whole-file counts, libhxl's examples
        same = by_key.get((issue["column"], issue["message"]))
        if same is None:
            typed.append(issue)
        else:
            same["count"] = max(same["count"], issue["count"])
    issues = ordered(hashtag_issues(cols) + typed + formula_issues(cols) + schema + pcode_issues(result, places))
    return {
        "issues": issues,
        "errors": errors(issues),
        "schema_rows_checked": checked,
        "rows": result["rows"],
    }
