"""Exports of list pages to CSV and Excel: a watermark line first, spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_EXPORT_ROWS = 100_000


def safe_cell(value: object) -> object:
    """Neutralise CSV/Excel formula injection: text starting with = + - @ tab or CR gets a leading apostrophe.

    Numbers, dates and booleans stay as they are; anything else (a model instance, a lazy translation) is written
    as its text, so it is checked as text too."""
    if value is None:
        return ""
    if isinstance(value, (int, float, decimal.Decimal, datetime.date, datetime.time)):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def watermark(user) -> str:
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z")
    return _("Exported by %(user)s at %(time)s — internal use only") % {"user": user.get_username(), "time": when}


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, user, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """Stream UTF-8 CSV with a BOM, so Excel opens Chinese text correctly."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow([watermark(user)])
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, user, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(filename[:31])
    sheet.append([watermark(user)])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_excel_value(safe_cell(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _excel_value(value: object) -> object:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (str, int, float)) or value is None or hasattr(value, "year"):
        return value
    return str(value)


def query_without_export(request) -> str:
    """The page's filters as a query string, without the export switch (for links and the audit entry)."""
    params = request.GET.copy()
    params.pop("export", None)
    return params.urlencode()


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of a day in the operator's time zone (reports count whole local days)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())
