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

import gc
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.api.registry import register_api
from crm.audit.services import audit_record
from crm.outbox.services import outbox_enqueue

from ...models import FeedBatch, FeedRejection
from .csv_records import csv_records
from .values import Chunk, FeedInputError, RowError, local_tz, mark_validated

__all__ = ["CHUNK_ROWS", "FEED_API", "FeedConflict", "FeedInputError", "csv_records", "feed_batch_load",
           "mark_validated", "records_sha256"]  # fmt: skip

logger = logging.getLogger(__name__)

FEED_API = register_api("billingFeed", title="Billing feeds", read_scope="billing:read", write_scope="billing:feed")
CHUNK_ROWS = 100_000


class FeedConflict(Exception):
    """The batch id was already used by this sender for this kind with other content."""


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
    if kind == FeedBatch.Kind.USAGE:
        from .usage import partitions_ahead

        partitions_ahead(records)
    try:
        with transaction.atomic():
            batch = _start(existing, keys, body_format=body_format, content_sha256=content_sha256,
                           file_name=file_name, submitted_by=submitted_by, received_at=received_at)  # fmt: skip
            _load(batch, records, started=started)
            if kind == FeedBatch.Kind.USAGE:  # the fast fraud rules look at each usage batch as it arrives
                _fraud_check(batch.pk)
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


def _fraud_check(batch_id: int) -> None:
    """Queue the fast fraud rules through the outbox: committed with the batch, run once the broker has it."""
    from analytics.tasks import fraud_batch_check_task

    outbox_enqueue(fraud_batch_check_task, batch_id)


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
