"""Usage records (详单) feed: validated in Python into lines of COPY text, sorted by subscription, then copied
straight into the partitioned table in a savepoint and added to the monthly totals and the daily outbound calls
(``UsageDaily``, the fraud baseline) in the same statement.

A record already loaded (same recordKey and startTime) stops that COPY on the unique key: the savepoint is rolled
back and the lines go through a staging table and one INSERT … SELECT … ON CONFLICT DO NOTHING that adds only the
new records and, in the same statement, only those to ``UsageMonthly`` and ``UsageDaily``, so a batch re-sent under
another id counts nothing twice. Duplicate keys are caught inside a chunk (CHUNK_ROWS rows); across chunks of one
batch they count as already loaded, which keeps memory flat for files of millions of rows."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from operator import itemgetter

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from crm.lookups import AnyOf
from customers.models import BillingAccount
from orders.models import Product

from ...models import FeedBatch, UsageMonthly, UsageRecord
from ..partitions import PARENT, month_start, usage_partitions_ensure
from ..usage_daily import ADD_NEW, usage_daily_add
from .values import Chunk, RowError, amount, boolean, choice, mark_validated, moment, text, whole

TYPES = frozenset({"voice", "sms", "data"})
ROAMING = frozenset({"none", "domestic", "international"})
_NUMBER_RE = re.compile(r"\+?[0-9*#]{1,31}")
_CHARGE_RE = re.compile(r"\d{1,8}(\.\d{1,2})?", re.ASCII)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
# The spellings of true and false that boolean() accepts, looked up without it on the fast path.
_BOOLEANS = {"": "t", "true": "t", "True": "t", "TRUE": "t", "t": "t", "1": "t", "yes": "t",
             "false": "f", "False": "f", "FALSE": "f", "f": "f", "0": "f", "no": "f"}  # fmt: skip

STAGE = "billing_feed_usage_stage"
NEW_COLUMNS = (
    "product_id, customer_id, account_id, started_at, usage_type, outgoing, duration_s, volume_kb, roaming, charge"
)
# The new records (a CTE ``new``) added to the monthly totals, whose rows are locked in key order: two batches at
# once cannot deadlock on them.
MONTHLY = """
    INSERT INTO billing_sync_usagemonthly (product_id, customer_id, account_id, month, voice_calls, voice_seconds,
        sms_count, data_kb, roaming_records, charge)
    SELECT product_id, max(customer_id), max(account_id), date_trunc('month', started_at AT TIME ZONE %s)::date,
           count(*) FILTER (WHERE usage_type = 'voice'),
           coalesce(sum(duration_s) FILTER (WHERE usage_type = 'voice'), 0),
           count(*) FILTER (WHERE usage_type = 'sms'),
           coalesce(sum(volume_kb) FILTER (WHERE usage_type = 'data'), 0),
           count(*) FILTER (WHERE roaming <> 'none'),
           sum(charge)
    FROM new
    GROUP BY product_id, date_trunc('month', started_at AT TIME ZONE %s)::date
    ORDER BY 1, 4
    ON CONFLICT (product_id, month) DO UPDATE SET
        voice_calls = billing_sync_usagemonthly.voice_calls + EXCLUDED.voice_calls,
        voice_seconds = billing_sync_usagemonthly.voice_seconds + EXCLUDED.voice_seconds,
        sms_count = billing_sync_usagemonthly.sms_count + EXCLUDED.sms_count,
        data_kb = billing_sync_usagemonthly.data_kb + EXCLUDED.data_kb,
        roaming_records = billing_sync_usagemonthly.roaming_records + EXCLUDED.roaming_records,
        charge = billing_sync_usagemonthly.charge + EXCLUDED.charge
"""
COLUMNS = (
    "record_key, started_at, account_id, customer_id, product_id, service_number, usage_type, outgoing, "
    "other_number, duration_s, volume_kb, cell_id, roaming, charge, batch_id"
)


def _subscriptions(numbers: set[str]) -> dict[str, list[tuple]]:
    """Each service number's subscriptions: (product, customer, account, live, start date, termination date, the
    three ids as COPY text). A subscription without its own account is billed to its customer's first account."""
    found: dict[str, list[tuple]] = defaultdict(list)
    rows = list(
        Product.objects.filter(AnyOf(F("service_number"), list(numbers))).values_list(
            "service_number", "pk", "customer_id", "billing_account_id", "status", "start_date", "termination_date"
        )
    )
    orphans = {customer for _n, _pk, customer, account, *_rest in rows if account is None}
    first_account: dict[int, int] = {}
    for customer, account in (
        BillingAccount.objects.filter(customer_id__in=orphans).order_by("-id").values_list("customer_id", "pk")
    ):
        first_account[customer] = account
    for number, pk, customer, account, status, start, end in rows:
        account = account or first_account.get(customer)
        ids = f"{account}\t{customer}\t{pk}"  # the three id columns, ready for COPY
        found[number].append((pk, customer, account, status != Product.Status.TERMINATED, start, end, ids))
    return found


def _subscription_at(candidates: list[tuple], on: datetime.date) -> tuple | None:
    """The live subscription of the number, or a terminated one that still ran on that day."""
    best = None
    for candidate in candidates:
        _pk, _customer, _account, live, start, end, _ids = candidate
        if start is not None and start > on:
            continue
        if live:
            return candidate
        if end is not None and end >= on and (best is None or end > best[5]):
            best = candidate
    return best


def _esc(value: str) -> str:
    return value.translate(_ESCAPES) if ("\\" in value or "\t" in value or "\n" in value or "\r" in value) else value


def _row(record: dict, *, now, tz, subscriptions) -> tuple[str, datetime.datetime, datetime.date, str, int]:
    """Validate one record; returns its key, start time, local day, its line of COPY text (without batch id) and
    its subscription.

    The common case of well-formed values is checked inline (this runs for millions of rows): integers and digit
    strings pass as they are, and PostgreSQL converts the text. Anything unusual goes through the general
    validators, which name the field and the reason; the checks run in field order, so a row reports its first bad
    field."""
    get = record.get
    key = get("recordKey")
    if type(key) is not str or not key or len(key) > 64:
        key = text(record, "recordKey", max_length=64)
    raw_start = get("startTime")
    try:
        started = datetime.datetime.fromisoformat(raw_start)
    except (TypeError, ValueError):
        started = moment(record, "startTime", now=now, tz=tz)
    if started.tzinfo is None:
        started = started.replace(tzinfo=tz)
        raw_start = started.isoformat()
    elif len(raw_start) < 20 or raw_start[4] != "-" or raw_start[10] not in "T ":  # pass only the usual form on
        raw_start = started.isoformat()
    if started > now:
        raise RowError("startTime", "inFuture", f"startTime {str(raw_start)[:40]} is in the future")
    number = get("serviceNumber")
    if type(number) is not str or not number or len(number) > 32:
        number = text(record, "serviceNumber", max_length=32)
    usage_type = get("type")
    if type(usage_type) is not str or usage_type not in TYPES:
        choice(record, "type", TYPES)
    outgoing = get("outgoing", True)
    if outgoing is True or outgoing is None:
        out = "t"
    elif outgoing is False:
        out = "f"
    else:
        out = _BOOLEANS.get(outgoing) if type(outgoing) is str else None
        if out is None:
            out = "t" if boolean(record, "outgoing", default=True) else "f"
    other = get("otherNumber") or ""
    if other and (type(other) is not str or not _NUMBER_RE.fullmatch(other)):
        raise RowError("otherNumber", "badNumber", f"otherNumber {str(other)[:40]!r} is not a phone number")
    duration = get("duration", 0)
    if type(duration) is int and 0 <= duration < 2**31:
        duration = str(duration)
    elif not (type(duration) is str and 0 < len(duration) < 10 and duration.isdigit() and duration.isascii()):
        duration = str(whole(record, "duration"))
    volume = get("volumeKb", 0)
    if type(volume) is int and 0 <= volume < 2**62:
        volume = str(volume)
    elif not (type(volume) is str and 0 < len(volume) < 19 and volume.isdigit() and volume.isascii()):
        volume = str(whole(record, "volumeKb", maximum=2**62))
    cell = get("cellId") or ""
    if type(cell) is not str or len(cell) > 20:
        cell = text(record, "cellId", max_length=20, required=False)
    roaming = get("roaming") or "none"
    if type(roaming) is not str or roaming not in ROAMING:
        choice(record, "roaming", ROAMING)
    charge = get("charge")
    if charge is None or charge == "":
        charge = "0"
    elif type(charge) is not str or not _CHARGE_RE.fullmatch(charge):
        charge = str(amount(record, "charge"))
        if not _CHARGE_RE.fullmatch(charge):
            raise RowError("charge", "badAmount", "charge is too large")
    local_day = started.astimezone(tz).date()
    candidates = subscriptions.get(number)
    if candidates is None:
        subscription = None
    elif len(candidates) == 1 and candidates[0][3]:  # the usual case: one live subscription of the number
        subscription = candidates[0]
        if subscription[4] is not None and subscription[4] > local_day:
            subscription = None
    else:
        subscription = _subscription_at(candidates, local_day)
    if subscription is None:
        raise RowError("serviceNumber", "unknownSubscription", f"no subscription with number {number} at that time")
    if subscription[2] is None:
        raise RowError("serviceNumber", "unknownAccount", f"subscription {number} has no billing account")
    if _NEEDS_ESCAPE.search(key) or _NEEDS_ESCAPE.search(number) or _NEEDS_ESCAPE.search(cell):
        # otherNumber matched _NUMBER_RE: nothing to escape there
        line = (f"{_esc(key)}\t{raw_start}\t{subscription[6]}\t{_esc(number)}\t{usage_type}\t{out}\t{other}\t"
                f"{duration}\t{volume}\t{_esc(cell)}\t{roaming}\t{charge}")  # fmt: skip
    else:
        line = (f"{key}\t{raw_start}\t{subscription[6]}\t{number}\t{usage_type}\t{out}\t{other}\t{duration}\t"
                f"{volume}\t{cell}\t{roaming}\t{charge}")  # fmt: skip
    return key, started, local_day, line, subscription[0]


def partitions_ahead(records) -> None:
    """Create the month partitions a batch needs before its transaction starts. Creating a partition locks the whole
    usage table (ACCESS EXCLUSIVE) until commit, which inside a long load would stop every reader of usage. Lists
    are scanned by date prefix (with the neighbouring month near a month's edge, for time zones); a stream cannot be
    scanned ahead, so it gets this month and the last, and any other month is created during the load."""
    today = timezone.localdate()
    latest = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    months = {today.replace(day=1), (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)}
    if isinstance(records, list):
        days = {s[:10] for r in records if isinstance(r, dict) and type(s := r.get("startTime")) is str}
        for value in days:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                continue
            months.add(day.replace(day=1))
            if day.day == 1:
                months.add((day - datetime.timedelta(days=1)).replace(day=1))
            if day.day >= 28:
                months.add((day + datetime.timedelta(days=4)).replace(day=1))
    ensure_partitions([m for m in months if datetime.date(2000, 1, 1) <= m <= latest])


def ensure_partitions(months: list[datetime.date]) -> None:
    """The months' partitions, created in a savepoint so a failure never poisons the caller's transaction."""
    with transaction.atomic():
        usage_partitions_ensure(months)


def load_chunk(*, batch: FeedBatch, rows: list[tuple[int, dict]], context: dict) -> Chunk:
    chunk = Chunk()
    now, tz = context["now"], context["tz"]
    numbers = {n for _row_no, r in rows if type(n := r.get("serviceNumber")) is str}
    subscriptions = _subscriptions(numbers)
    batch_id = str(batch.pk)
    good, months = _validate(batch, rows, chunk, now=now, tz=tz, subscriptions=subscriptions, batch_id=batch_id)
    mark_validated(context)
    if not good:
        return chunk
    ensure_partitions(sorted(months))
    loaded = _insert_postgres(good) if connection.vendor == "postgresql" else _insert_portable(good, batch)
    chunk.loaded = loaded
    chunk.duplicate = len(good) - loaded
    return chunk


def _validate(batch, rows, chunk, *, now, tz, subscriptions, batch_id) -> tuple[list[str], set]:
    """The good rows as lines of COPY text in subscription order (the index pages each insert touches are then
    close together), and the months they fall in; the bad ones go to ``chunk``."""
    seen: set = set()  # duplicate keys inside this chunk (see the module docstring)
    good: list[tuple[int, str]] = []
    days: set[datetime.date] = set()
    tail = f"\t{batch_id}\n"
    for row_no, record in rows:
        try:
            key, started, local_day, line, product = _row(record, now=now, tz=tz, subscriptions=subscriptions)
            natural = (key, started)
            if natural in seen:
                raise RowError("recordKey", "duplicateInBatch", f"record {key} at {record.get('startTime')} "
                               "appears twice in the batch")  # fmt: skip
            seen.add(natural)
        except TypeError:  # a list or an object where a value belongs
            error = RowError("", "badType", "a field holds a list or an object instead of a value")
            chunk.reject(batch, row_no, str(record.get("recordKey") or ""), error)
            continue
        except RowError as error:
            chunk.reject(batch, row_no, str(record.get("recordKey") or ""), error)
            continue
        days.add(local_day)
        good.append((product, line + tail))
    good.sort(key=itemgetter(0))
    return [line for _product, line in good], {day.replace(day=1) for day in days}


def _insert_postgres(rows: list[str]) -> int:
    """Load validated lines of COPY text into the usage table and add them to the monthly totals and the days;
    returns how many were new.

    Usually every record is new: the lines are copied straight into the table, in a savepoint. When one was loaded
    before (a batch sent again under another id, or the same records in two batches at once), the COPY stops on
    the unique key, the savepoint is rolled back, and the lines go through a staging table from which
    ``ON CONFLICT DO NOTHING`` inserts only the new ones."""
    batch_id = int(rows[0][rows[0].rindex("\t") + 1 :])  # every line ends with its batch id
    with connection.cursor() as cursor:
        # this batch's rows of earlier chunks (a file of more than CHUNK_ROWS) are already in the totals
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {PARENT} WHERE batch_id = %s", [batch_id])  # noqa: S608
        floor = cursor.fetchone()[0]
        try:
            with transaction.atomic(), cursor.cursor.copy(f"COPY {PARENT} ({COLUMNS}) FROM STDIN") as copy:
                for start in range(0, len(rows), 10_000):
                    copy.write("".join(rows[start : start + 10_000]))
        except psycopg.errors.UniqueViolation:
            return _insert_staged(cursor, rows)
        new = f"SELECT {NEW_COLUMNS} FROM {PARENT} WHERE batch_id = %s AND id > %s"  # noqa: S608
        tz = settings.TIME_ZONE
        sql = f"WITH new AS ({new}), months AS ({MONTHLY} RETURNING 1) {ADD_NEW}"
        cursor.execute(sql, [batch_id, floor, tz, tz, tz])
    return len(rows)


def _insert_staged(cursor, rows: list[str]) -> int:
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (record_key varchar(64), started_at timestamptz, "
        "account_id bigint, customer_id bigint, product_id bigint, service_number varchar(32), "
        "usage_type varchar(8), outgoing boolean, other_number varchar(32), duration_s integer, volume_kb bigint, "
        "cell_id varchar(20), roaming varchar(16), charge numeric(10, 2), batch_id bigint) ON COMMIT DROP"
    )
    cursor.execute(f"TRUNCATE {STAGE}")
    with cursor.cursor.copy(f"COPY {STAGE} ({COLUMNS}) FROM STDIN") as copy:
        for start in range(0, len(rows), 10_000):
            copy.write("".join(rows[start : start + 10_000]))
    cursor.execute(
        f"""
        WITH new AS (
            INSERT INTO {PARENT} ({COLUMNS})
            SELECT {COLUMNS} FROM {STAGE} ORDER BY product_id, started_at
            ON CONFLICT (record_key, started_at) DO NOTHING
            RETURNING {NEW_COLUMNS}
        ), months AS ({MONTHLY} RETURNING 1), days AS ({ADD_NEW} RETURNING 1)
        SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM months), (SELECT count(*) FROM days)
        """,  # noqa: S608 - constant table and column names, values are parameters
        [settings.TIME_ZONE, settings.TIME_ZONE, settings.TIME_ZONE],
    )
    loaded, _months, _days = cursor.fetchone()
    cursor.execute(f"TRUNCATE {STAGE}")
    return loaded


def _insert_portable(rows: list[str], batch: FeedBatch) -> int:
    """SQLite (``make run``): skip what exists, insert the rest, add the new ones to the monthly totals and days."""
    records = [
        UsageRecord(
            record_key=_unesc(r[0]), started_at=datetime.datetime.fromisoformat(r[1]), account_id=int(r[2]),
            customer_id=int(r[3]), product_id=int(r[4]), service_number=_unesc(r[5]), usage_type=r[6],
            outgoing=r[7] == "t", other_number=_unesc(r[8]), duration_s=int(r[9]), volume_kb=int(r[10]),
            cell_id=_unesc(r[11]), roaming=r[12], charge=Decimal(r[13]), batch_id=batch.pk,
        )
        for r in (line[:-1].split("\t") for line in rows)
    ]  # fmt: skip
    existing = set()
    keys = list({r.record_key for r in records})
    for start in range(0, len(keys), 500):
        existing.update(
            UsageRecord.objects.filter(record_key__in=keys[start : start + 500]).values_list("record_key", "started_at")
        )
    new = []
    for record in records:
        natural = (record.record_key, record.started_at)
        if natural not in existing:
            existing.add(natural)
            new.append(record)
    UsageRecord.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    totals: dict[tuple[int, datetime.date], dict] = {}
    days: dict[tuple[int, datetime.date], tuple[int, int]] = {}
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for r in new:
        if r.usage_type == "voice" and r.outgoing:
            day = (r.product_id, r.started_at.astimezone(tz).date())
            calls, seconds = days.get(day, (0, 0))
            days[day] = (calls + 1, seconds + r.duration_s)
        month = month_start(r.started_at)
        empty = {"customer_id": r.customer_id, "account_id": r.account_id, "voice_calls": 0, "voice_seconds": 0,
                 "sms_count": 0, "data_kb": 0, "roaming_records": 0, "charge": Decimal(0)}  # fmt: skip
        t = totals.setdefault((r.product_id, month), empty)
        if r.usage_type == "voice":
            t["voice_calls"] += 1
            t["voice_seconds"] += r.duration_s
        elif r.usage_type == "sms":
            t["sms_count"] += 1
        else:
            t["data_kb"] += r.volume_kb
        t["roaming_records"] += r.roaming != "none"
        t["charge"] += r.charge
    for (product_id, month), t in totals.items():
        ids = {"customer_id": t.pop("customer_id"), "account_id": t.pop("account_id")}
        row, created = UsageMonthly.objects.get_or_create(product_id=product_id, month=month, defaults={**ids, **t})
        if not created:
            UsageMonthly.objects.filter(pk=row.pk).update(**{name: F(name) + value for name, value in t.items()})
    usage_daily_add(days)
    return len(new)


def _unesc(value: str) -> str:
    if "\\" not in value:
        return value
    return value.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")
