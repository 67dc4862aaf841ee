"""A dashboard's tables as files: one Excel workbook with a sheet per table, or a zip of CSV files (UTF-8 with BOM,
formula-neutralised cells), each with the export watermark."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook

from crm.ui.exports import safe_cell

from .base import Table

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def _excel(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return safe_cell(str(value))


def tables_xlsx(tables: Sequence[Table], *, watermark: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        name = _SHEET_UNSAFE.sub(" ", str(table.title))[:28] or table.key[:28]
        while name in used:
            name = f"{name[:25]}_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([str(c.label) for c in table.columns])
        for row in table.values():
            sheet.append([_excel(v) for v in row])
        sheet.append([])
        sheet.append([watermark])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_csv(table: Table, *, watermark: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c.label) for c in table.columns])
    for row in table.values():
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    writer.writerow([])
    writer.writerow([watermark])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def tables_csv_zip(tables: Sequence[Table], *, watermark: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{table.key}.csv", table_csv(table, watermark=watermark))
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tables_download(tables: Sequence[Table], *, kind: str, table_key: str | None, stamp: str, watermark: str):
    """The HTTP response for downloading tables: one workbook (``kind == "xlsx"``), one table's CSV when a table is
    chosen, or a zip of every table's CSV. The caller checks the permission and records the export."""
    from django.http import HttpResponse

    if kind == "xlsx":
        response = HttpResponse(tables_xlsx(tables, watermark=watermark), content_type=XLSX)
        name = f"{stamp}.xlsx"
    elif table_key:
        response = HttpResponse(table_csv(tables[0], watermark=watermark), content_type="text/csv; charset=utf-8")
        name = f"{stamp}-{table_key}.csv"
    else:
        response = HttpResponse(tables_csv_zip(tables, watermark=watermark), content_type="application/zip")
        name = f"{stamp}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
