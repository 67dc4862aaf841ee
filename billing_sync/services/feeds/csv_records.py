"""Feed records from CSV: the header names the fields as in JSON; bills come one row per item."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from ...models import FeedBatch
from .values import FeedInputError


def csv_records(source: str | Iterable[str], *, kind: str) -> Iterator[dict]:
    """The records of a CSV text or line stream (header first), as the JSON form would give them. Bills: the item
    rows of one bill (consecutive rows with the same billNo) become one record with ``items``; its row number is
    that of its first row. Raises FeedInputError for a missing or unusable header."""
    lines = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FeedInputError(f"unreadable CSV header: {exc}") from exc
    header = [h.strip().lstrip("\ufeff") for h in header]
    if not any(header):
        raise FeedInputError("the CSV has no header row")
    rows = _csv_dicts(reader, header)
    if kind == FeedBatch.Kind.BILLS:
        yield from _bill_rows(rows)
    else:
        for row_no, row in rows:
            row["_row"] = row_no
            yield row


def _csv_dicts(reader, header: list[str]) -> Iterator[tuple[int, dict]]:
    width = len(header)
    row_no = 0
    try:
        for values in reader:
            if not values:
                continue
            row_no += 1
            if len(values) != width:
                yield row_no, {"_columns": len(values)}
                continue
            yield row_no, dict(zip(header, values, strict=True))
    except csv.Error as exc:
        raise FeedInputError(f"unreadable CSV after row {row_no}: {exc}") from exc


BILL_COLUMNS = ("billNo", "accountNo", "periodStart", "periodEnd", "billDate", "dueDate", "amountDue", "taxAmount")


def _bill_rows(rows: Iterator[tuple[int, dict]]) -> Iterator[dict]:
    current: dict | None = None
    for row_no, row in rows:
        if "_columns" in row:
            if current is not None:
                yield current
                current = None
            yield {"_row": row_no, "_columns": row["_columns"]}
            continue
        item = {
            "itemNo": row.get("itemNo", ""),
            "rateType": row.get("rateType", ""),
            "name": row.get("itemName", ""),
            "amount": row.get("itemAmount", ""),
            "serviceNumber": row.get("serviceNumber", ""),
        }
        has_item = any(v for v in item.values())
        if current is not None and row.get("billNo") and row.get("billNo") == current.get("billNo"):
            if has_item:
                current["items"].append(item)
            continue
        if current is not None:
            yield current
        current = {name: row.get(name, "") for name in BILL_COLUMNS}
        current["_row"] = row_no
        current["items"] = [item] if has_item else []
    if current is not None:
        yield current
