"""The matrix as a table (the page's, in the same order and with the same
labels) written as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font


def table(result: dict[str, Any], corner: str, total: str) -> list[list[Any]]:
    """Header row, one row per matrix row (label, cells, total), then the totals row."""
    header = [corner, *[c["label"] for c in result["columns"]], total]
    body = [
        [row["label"], *[cell["count"] for cell in cells], row["total"]]
        for row, cells in zip(result["rows"], result["cells"], strict=True)
    ]
    footer = [total, *[c["total"] for c in result["columns"]], result["total"]]
    return [header, *body, footer]


def _safe(value: Any) -> Any:
    # a label opening with =, +, - or @ would be a formula in a spreadsheet
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    # with a BOM, spreadsheet programs read the labels' accents right
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(rows: list[list[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([_safe(v) for v in row])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
