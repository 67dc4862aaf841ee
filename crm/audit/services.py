"""Writing the audit log. Model writes are captured by registry.py; other events call these directly."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import uuid
from collections.abc import Iterable

from django.db import models

from crm import context

from .models import AuditEntry

_SECRET_FIELDS = {"password", "key_hash", "token_hash", "secret"}


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _masked_secret(value: object) -> str:
    """A secret never enters the log; a short digest still shows that it changed."""
    if not value:
        return ""
    return "***" + hashlib.sha256(str(value).encode()).hexdigest()[:6]


def field_values(instance: models.Model, exclude: Iterable[str] = ()) -> dict[str, object]:
    """The concrete field values of a model instance, as JSON-safe values (secrets replaced)."""
    skip = set(exclude)
    values: dict[str, object] = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        value = getattr(instance, field.attname)
        values[field.name] = _masked_secret(value) if field.name in _SECRET_FIELDS else _jsonable(value)
    return values


def diff(before: dict[str, object] | None, after: dict[str, object] | None) -> dict[str, list[object]]:
    """Changed fields as {field: [before, after]}; a create has before None, a delete after None."""
    before = before or {}
    after = after or {}
    changed: dict[str, list[object]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [old, new]
    return changed


def audit_record(
    *,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
    detail: str = "",
    actor=None,
) -> AuditEntry:
    """Append one entry to the audit log with the current request's actor, IP, request id and channel."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor_id = getattr(actor, "pk", None) if actor is not None else ctx.actor_id
    actor_repr = actor.get_username() if actor is not None else ctx.actor_repr
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_repr=actor_repr or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        changes=_jsonable(changes or {}),
        ip=ctx.ip,
        request_id=ctx.request_id if ctx.request_id != "-" else "",
        channel=ctx.channel,
        detail=detail[:500],
    )


def audit_personal_data_view(*, obj: models.Model, fields: Iterable[str], purpose: str = "", actor=None) -> AuditEntry:
    """Record that someone saw unmasked personal data (e.g. a full ID-card number) of ``obj``."""
    return audit_record(
        action=AuditEntry.Action.VIEW_PERSONAL_DATA,
        obj=obj,
        changes={"fields": sorted(fields)},
        detail=purpose,
        actor=actor,
    )


def audit_export(*, list_name: str, row_count: int, filters: str = "", actor=None) -> AuditEntry:
    """Record that someone exported a list (which list, how many rows, with which filters)."""
    return audit_record(
        action=AuditEntry.Action.EXPORT,
        object_type="export",
        object_id=list_name,
        object_repr=list_name,
        changes={"rows": row_count, "filters": filters},
        actor=actor,
    )
