"""Files the portal hands to a customer as spreadsheets: cells a spreadsheet would run as formulas are neutralised,
and the personal-data download as one CSV per section in a zip."""

from __future__ import annotations

import csv
import io
import json
import zipfile

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: values that would start a formula get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value) -> str:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return safe_cell(value)


def _csv(rows: list[dict]) -> bytes:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    out = io.StringIO()
    writer = csv.writer(out)
    if columns:
        writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel opens UTF-8 with it


def sections_zip(data: dict, *, comment: str = "") -> bytes:
    """A zip with one CSV (UTF-8 with BOM) per section of ``data``: a list of dicts is one row each, a dict one row;
    other values (a timestamp) go into the zip's comment."""
    buffer = io.BytesIO()
    extras = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in data.items():
            if isinstance(value, dict):
                value = [value]
            if not isinstance(value, list):
                extras.append(f"{name}: {value}")
                continue
            archive.writestr(f"{name}.csv", _csv(value))
        archive.comment = "\n".join(filter(None, [comment, *extras])).encode("utf-8")[:65535]
    return buffer.getvalue()
