"""Reading the first sheet of an XLSX file, shared by the features that read
uploaded data (coverage, the personal-data screen, HXL profiles)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any


class SpreadsheetError(Exception):
    """The file is not a readable XLSX workbook (the message says why)."""


def xlsx_rows(path: str | Path) -> Iterator[tuple[Any, ...]]:
    """The rows of the workbook's first sheet, as cell values (computed
    values of formulas). The file is opened as a stream: CKAN keeps
    uploads under names without an extension, which openpyxl would refuse."""
    from openpyxl import load_workbook

    with open(path, "rb") as stream:
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise SpreadsheetError(f"not a readable XLSX file ({_short(error)})") from None
        try:
            if not book.worksheets:
                raise SpreadsheetError("the workbook has no sheet")
            try:
                yield from book.worksheets[0].iter_rows(values_only=True)
            except SpreadsheetError:
                raise
            except Exception as error:  # noqa: BLE001 - a damaged sheet fails while it is read
                raise SpreadsheetError(f"the XLSX file is damaged ({_short(error)})") from None
        finally:
            book.close()


def _short(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
