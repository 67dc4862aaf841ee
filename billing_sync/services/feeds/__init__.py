"""Inbound billing feeds (计费数据接入): batches of bills, payments, balances and usage records, loaded once.

``feed_batch_load`` takes the records of one batch (a list, or any iterable streamed in chunks of ``CHUNK_ROWS``),
validates them row by row, keeps the good rows and records every bad one as a ``FeedRejection`` (row number from 1,
key, field, code, reason). A batch is unique per (sender, kind, batch id): sending it again returns the first batch
and changes nothing; the same id with other content (another SHA-256) raises ``FeedConflict``. A record that an
earlier batch loaded (same natural key) counts as ``rows_duplicate``. The whole batch loads in one transaction; if
it fails as a whole it is recorded as ``failed`` with the error, and may be sent again under the same id.

Fields (JSON camelCase; a CSV header uses the same names):

- bills (key ``billNo``): billNo, accountNo, periodStart, periodEnd, billDate, dueDate (dates YYYY-MM-DD),
  amountDue, taxAmount (optional), items: a list of {itemNo, rateType (recurring | usage | oneTime | discount |
  adjustment | lateFee), name, amount, serviceNumber (optional)}. In CSV one row per item, the bill columns
  repeated, plus itemNo, rateType, itemName, itemAmount, serviceNumber; rows of one bill follow each other.
- payments (key ``paymentNo``): paymentNo, accountNo, amount, paidAt, channel (bank | agent | billing | counter |
  portal | hotline), method (cash | bank_card | qr | bank_debit | online | voucher).
- balances (key ``accountNo`` + ``asOf``): accountNo, asOf, balance.
- usage (key ``recordKey`` + ``startTime``): recordKey, serviceNumber, startTime, type (voice | sms | data),
  outgoing (true/false, default true), otherNumber, duration (seconds), volumeKb, cellId, roaming (none |
  domestic | international, default none), charge.

Times are ISO 8601 (``2026-11-02T08:30:00+08:00``); a time without an offset is local time. Amounts are yuan with
at most two decimals.

Reason codes: missing, badType, badFormat, badValue, badDate, badAmount, badNumber, negative, inFuture,
unknownAccount, unknownSubscription, duplicateInBatch, conflict, refused.
"""

from __future__ import annotations

import csv
import datetime
import gc
import hashlib
import io
import json
import logging
import re
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.api.registry import register_api
from crm.audit.services import audit_record

from ...models import FeedBatch, FeedRejection

logger = logging.getLogger(__name__)

FEED_API = register_api("billingFeed", title="Billing feeds", read_scope="billing:read", write_scope="billing:feed")
CHUNK_ROWS = 100_000
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
_AMOUNT_RE = re.compile(r"-?\d{1,10}(\.\d{1,2})?")


class FeedConflict(Exception):
    """The batch id was already used by this sender for this kind with other content."""


class FeedInputError(ValueError):
    """The input as a whole cannot be read (not a list of records, a broken CSV)."""


class RowError(Exception):
    """One bad value of a row: the field, a reason code and a readable reason."""

    def __init__(self, field: str, code: str, reason: str):
        super().__init__(reason)
        self.field, self.code, self.reason = field, code, reason


@dataclass
class Chunk:
    """What a kind's loader did with one chunk of rows."""

    loaded: int = 0
    duplicate: int = 0
    rejections: list[FeedRejection] = field(default_factory=list)

    def reject(self, batch: FeedBatch, row_no: int, key: str, error: RowError) -> None:
        self.rejections.append(
            FeedRejection(batch=batch, row_no=row_no, record_key=str(key)[:100], field=error.field[:64],
                          code=error.code[:32], reason=error.reason[:300])
        )  # fmt: skip


# --- Values -----------------------------------------------------------------------------------------------------


def text(record: dict, name: str, *, max_length: int, required: bool = True) -> str:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise RowError(name, "missing", f"{name} is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError(name, "badType", f"{name} must be text")
    value = str(value).strip()
    if required and not value:
        raise RowError(name, "missing", f"{name} is missing")
    if len(value) > max_length:
        raise RowError(name, "badFormat", f"{name} is longer than {max_length} characters")
    return value


def choice(record: dict, name: str, allowed, *, default: str | None = None) -> str:
    value = record.get(name)
    if (value is None or value == "") and default is not None:
        return default
    if value is None or value == "":
        raise RowError(name, "missing", f"{name} is missing")
    if not isinstance(value, str) or value not in allowed:
        raise RowError(name, "badValue", f"{name} {str(value)[:40]!r} is not one of {', '.join(sorted(allowed))}")
    return value


def amount(record: dict, name: str, *, required: bool = True, negative: bool = False) -> Decimal:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise RowError(name, "missing", f"{name} is missing")
        return Decimal("0.00")
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise RowError(name, "badType", f"{name} must be a number")
    raw = str(value).strip()
    if isinstance(value, float):
        raw = repr(value)
    if not _AMOUNT_RE.fullmatch(raw):
        raise RowError(name, "badAmount", f"{name} {raw[:40]!r} is not an amount in yuan with at most two decimals")
    result = Decimal(raw).quantize(CENT)
    if result < 0 and not negative:
        raise RowError(name, "badAmount", f"{name} must not be negative")
    if abs(result) > MAX_AMOUNT:
        raise RowError(name, "badAmount", f"{name} is too large")
    return result


def whole(record: dict, name: str, *, default: int = 0, maximum: int = 2**31 - 1) -> int:
    value = record.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise RowError(name, "badType", f"{name} must be a whole number")
    if isinstance(value, int):
        result = value
    elif (isinstance(value, str) and value.strip().lstrip("-").isdigit()) or (
        isinstance(value, float) and value.is_integer()
    ):
        result = int(value)
    else:
        raise RowError(name, "badNumber", f"{name} {str(value)[:40]!r} is not a whole number")
    if result < 0:
        raise RowError(name, "negative", f"{name} must not be negative")
    if result > maximum:
        raise RowError(name, "badNumber", f"{name} is too large")
    return result


def boolean(record: dict, name: str, *, default: bool) -> bool:
    value = record.get(name)
    if value is None or value == "":
        return default
    if value is True or value is False:
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "1", "t", "yes"):
        return True
    if lowered in ("false", "0", "f", "no"):
        return False
    raise RowError(name, "badType", f"{name} must be true or false")


def day(record: dict, name: str, *, today: datetime.date | None = None) -> datetime.date:
    value = record.get(name)
    if value is None or value == "":
        raise RowError(name, "missing", f"{name} is missing")
    try:
        result = datetime.date.fromisoformat(str(value).strip()[:10]) if len(str(value).strip()) == 10 else None
    except ValueError:
        result = None
    if result is None:
        raise RowError(name, "badDate", f"{name} {str(value)[:40]!r} is not a date (YYYY-MM-DD)")
    if today is not None and result > today:
        raise RowError(name, "inFuture", f"{name} {result} is in the future")
    return result


def moment(record: dict, name: str, *, now: datetime.datetime | None, tz: datetime.tzinfo) -> datetime.datetime:
    value = record.get(name)
    if value is None or value == "":
        raise RowError(name, "missing", f"{name} is missing")
    if not isinstance(value, str):
        raise RowError(name, "badType", f"{name} must be an ISO 8601 time")
    try:
        result = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise RowError(name, "badDate", f"{name} {value[:40]!r} is not an ISO 8601 time") from None
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    if now is not None and result > now:
        raise RowError(name, "inFuture", f"{name} {value[:40]} is in the future")
    return result


def local_tz() -> datetime.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# --- Reading CSV ------------------------------------------------------------------------------------------------


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


# --- The batch --------------------------------------------------------------------------------------------------


def records_sha256(records: list) -> str:
    """A hash of the records' content, for callers that have no raw body to hash."""
    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, sort_keys=True, default=str, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _loader(kind: str) -> Callable[..., Chunk]:
    from . import balances, bills, payments, usage

    return {
        FeedBatch.Kind.BILLS: bills.load_chunk,
        FeedBatch.Kind.PAYMENTS: payments.load_chunk,
        FeedBatch.Kind.BALANCES: balances.load_chunk,
        FeedBatch.Kind.USAGE: usage.load_chunk,
    }[kind]


class _AlreadySent(Exception):
    pass


def feed_batch_load(
    *,
    sender: str,
    kind: str,
    client_batch_id: str,
    records: list[dict] | Iterable,
    body_format: str = "json",
    content_sha256: str = "",
    file_name: str = "",
    submitted_by=None,
) -> tuple[FeedBatch, bool]:
    """Load one batch of a billing feed; returns (batch, created). ``created`` is False when this sender already sent
    this batch (nothing changes). Raises FeedConflict when the id was used with other content, ValueError for an
    unknown kind or an empty id. ``records`` may be a stream: it is read in chunks of CHUNK_ROWS rows."""
    if kind not in FeedBatch.Kind.values:
        raise ValueError(f"unknown feed kind {kind!r}")
    client_batch_id = (client_batch_id or "").strip()
    if not client_batch_id or len(client_batch_id) > 100:
        raise ValueError("a batch id of 1 to 100 characters is needed")
    if not content_sha256 and isinstance(records, list):
        content_sha256 = records_sha256(records)
    keys = {"sender": sender[:64], "kind": kind, "client_batch_id": client_batch_id}
    existing = FeedBatch.objects.filter(**keys).first()
    if existing is not None and existing.status != FeedBatch.Status.FAILED:
        return _same_content(existing, content_sha256), False
    started = time.monotonic()
    received_at = timezone.now()
    try:
        with transaction.atomic():
            batch = _start(existing, keys, body_format=body_format, content_sha256=content_sha256,
                           file_name=file_name, submitted_by=submitted_by, received_at=received_at)  # fmt: skip
            _load(batch, records, started=started)
        return batch, True
    except _AlreadySent:
        return _same_content(FeedBatch.objects.get(**keys), content_sha256), False
    except Exception as exc:
        logger.exception("Feed batch %s/%s/%s failed", sender, kind, client_batch_id)
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, FeedInputError) else str(exc)
        batch = _record_failure(keys, error=error, body_format=body_format, content_sha256=content_sha256,
                                file_name=file_name, submitted_by=submitted_by, received_at=received_at,
                                started=started)  # fmt: skip
        return batch, True


def _same_content(batch: FeedBatch, content_sha256: str) -> FeedBatch:
    if content_sha256 and batch.content_sha256 and content_sha256 != batch.content_sha256:
        raise FeedConflict(
            f"Batch {batch.client_batch_id} of {batch.kind} was already sent by {batch.sender} with other content "
            f"(batch {batch.pk}); use a new batch id for new content."
        )
    return batch


def _start(existing, keys, *, body_format, content_sha256, file_name, submitted_by, received_at) -> FeedBatch:
    fields = {"body_format": body_format, "content_sha256": content_sha256, "file_name": file_name[:255],
              "submitted_by": submitted_by, "received_at": received_at}  # fmt: skip
    if existing is not None:  # a failed batch sent again: it starts over
        batch = FeedBatch.objects.select_for_update().get(pk=existing.pk)
        if batch.status != FeedBatch.Status.FAILED:
            raise _AlreadySent
        batch.rejections.all().delete()
        for name, value in fields.items():
            setattr(batch, name, value)
        batch.status, batch.error = FeedBatch.Status.RECEIVED, ""
        batch.rows_received = batch.rows_loaded = batch.rows_duplicate = batch.rows_rejected = 0
        batch.validated_at = batch.loaded_at = batch.duration_ms = None
        batch.save()
        return batch
    try:
        with transaction.atomic():
            return FeedBatch.objects.create(**keys, **fields)
    except IntegrityError as exc:  # the same batch arriving at the same moment: the other request loads it
        raise _AlreadySent from exc


def _chunks(records: Iterable, size: int) -> Iterator[list[tuple[int, object]]]:
    iterator = iter(records)
    position = 0
    while True:
        block = list(islice(iterator, size))
        if not block:
            return
        rows = []
        for record in block:
            position += 1
            row_no = record.pop("_row", position) if isinstance(record, dict) else position
            rows.append((row_no, record))
        yield rows


def _load(batch: FeedBatch, records: Iterable, *, started: float) -> None:
    if not isinstance(records, Iterable) or isinstance(records, (str, bytes, dict)):
        raise FeedInputError("records must be a list of objects")
    load_chunk = _loader(batch.kind)
    context: dict = {"seen": set(), "now": timezone.now(), "tz": local_tz()}
    collecting = gc.isenabled()
    gc.disable()  # big batches make millions of short-lived objects without cycles; collection passes cost seconds
    try:
        for rows in _chunks(records, CHUNK_ROWS):
            _load_chunk(batch, rows, load_chunk, context)
    finally:
        if collecting:
            gc.enable()
    now = timezone.now()
    batch.status = FeedBatch.Status.LOADED
    batch.validated_at = context.get("validated_at", now)
    batch.loaded_at = now
    batch.duration_ms = int((time.monotonic() - started) * 1000)
    batch.save()
    audit_record(action="create", obj=batch, actor=batch.submitted_by,
                 changes={"received": batch.rows_received, "loaded": batch.rows_loaded,
                          "duplicate": batch.rows_duplicate, "rejected": batch.rows_rejected})  # fmt: skip


def _load_chunk(batch: FeedBatch, rows: list, load_chunk: Callable[..., Chunk], context: dict) -> None:
    good = []
    chunk = Chunk()
    for row_no, record in rows:
        if not isinstance(record, dict):
            chunk.reject(batch, row_no, "", RowError("", "badType", "a record must be an object"))
        elif "_columns" in record:
            columns = record["_columns"]
            chunk.reject(batch, row_no, "", RowError("", "badFormat", f"{columns} columns, not as in the header"))
        else:
            good.append((row_no, record))
    result = load_chunk(batch=batch, rows=good, context=context)
    batch.rows_received += len(rows)
    batch.rows_loaded += result.loaded
    batch.rows_duplicate += result.duplicate
    rejections = chunk.rejections + result.rejections
    batch.rows_rejected += len(rejections)
    FeedRejection.objects.bulk_create(sorted(rejections, key=lambda r: r.row_no), batch_size=5000)


def _record_failure(keys, *, error, body_format, content_sha256, file_name, submitted_by, received_at, started):
    with transaction.atomic():
        batch = FeedBatch.objects.select_for_update().filter(**keys).first()
        if batch is not None and batch.status != FeedBatch.Status.FAILED:
            return batch  # another request loaded it meanwhile
        fields = {"status": FeedBatch.Status.FAILED, "error": error[:1000], "body_format": body_format,
                  "content_sha256": content_sha256, "file_name": file_name[:255], "submitted_by": submitted_by,
                  "received_at": received_at, "rows_received": 0, "rows_loaded": 0, "rows_duplicate": 0,
                  "rows_rejected": 0, "validated_at": None, "loaded_at": None,
                  "duration_ms": int((time.monotonic() - started) * 1000)}  # fmt: skip
        if batch is None:
            return FeedBatch.objects.create(**keys, **fields)
        batch.rejections.all().delete()
        for name, value in fields.items():
            setattr(batch, name, value)
        batch.save()
        return batch


def mark_validated(context: dict) -> None:
    """Loaders call this after validating a chunk; the last call is the batch's validation time."""
    context["validated_at"] = timezone.now()
