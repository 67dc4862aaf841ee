"""Reading one feed value: each function returns the value or raises RowError naming the field, a reason code and a
readable reason (codes listed in the package docstring)."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from ...models import FeedBatch, FeedRejection

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
_AMOUNT_RE = re.compile(r"-?\d{1,10}(\.\d{1,2})?")


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


def mark_validated(context: dict) -> None:
    """Loaders call this after validating a chunk; the last call is the batch's validation time."""
    context["validated_at"] = timezone.now()
