"""TMF630 attribute filtering and sorting, declared per view.

    tmf_filters = {"status": "status", "relatedParty.id": ("party_id", int), "creationDate": ("created_at", "datetime")}

- ``?status=active`` filters; dotted attributes (``relatedParty.id=7``) map to ORM lookups;
- OR by repeating the parameter (``?status=a&status=b``) or with ``,`` / ``;`` in one value;
- comparison suffixes ``.gt .gte .lt .lte`` (``?creationDate.gte=2026-01-01``);
- ``sort=field`` / ``sort=-field`` / ``sort=a,-b`` over the same attributes, ties broken by primary key;
- an unknown attribute or a value that does not parse is a 400 naming it.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable

from django.core.exceptions import FieldError
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_naive, make_aware
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend

RESERVED = {"fields", "offset", "limit", "after", "sort", "format"}
SUFFIXES = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}


def _parse_datetime(raw: str) -> datetime.datetime:
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValueError(raw)
        value = datetime.datetime.combine(day, datetime.time())
    return make_aware(value) if is_naive(value) else value


def _parse_date(raw: str) -> datetime.date:
    value = parse_date(raw)
    if value is None:
        raise ValueError(raw)
    return value


def _parse_bool(raw: str) -> bool:
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ValueError(raw)


PARSERS: dict[object, Callable[[str], object]] = {
    str: str,
    "str": str,
    int: int,
    "int": int,
    "decimal": decimal.Decimal,
    "date": _parse_date,
    "datetime": _parse_datetime,
    bool: _parse_bool,
    "bool": _parse_bool,
}


def _spec(entry) -> tuple[str, Callable[[str], object]]:
    if isinstance(entry, tuple):
        lookup, kind = entry
        return lookup, PARSERS[kind]
    return entry, str


class TMFFilterBackend(BaseFilterBackend):
    def filter_queryset(self, request, queryset, view):
        mapping: dict = getattr(view, "tmf_filters", {}) or {}
        if getattr(view, "action", None) not in (None, "list"):
            return queryset
        for param in request.query_params:
            if param in RESERVED:
                continue
            attribute, _, suffix = param.rpartition(".") if param.rsplit(".", 1)[-1] in SUFFIXES else (param, "", "")
            if attribute not in mapping:
                raise exceptions.ValidationError({param: "is not an attribute this resource can be filtered by"})
            lookup, parse = _spec(mapping[attribute])
            raw_values = [
                v for value in request.query_params.getlist(param) for v in value.replace(";", ",").split(",")
            ]
            condition = Q()
            for raw in raw_values:
                try:
                    value = parse(raw.strip())
                except (ValueError, decimal.InvalidOperation, TypeError) as exc:
                    raise exceptions.ValidationError({param: f"cannot read {raw!r}"}) from exc
                condition |= Q(**{f"{lookup}__{SUFFIXES[suffix]}" if suffix else lookup: value})
            try:
                queryset = queryset.filter(condition)
            except FieldError as exc:  # a comparison on a text match ("name" is name__contains): name.gte
                message = "this attribute cannot be compared with .gt/.gte/.lt/.lte"
                raise exceptions.ValidationError({param: message}) from exc
        return self._sort(request, queryset, mapping)

    def _sort(self, request, queryset, mapping: dict):
        raw = request.query_params.get("sort")
        if not raw:
            return queryset
        ordering = []
        for item in raw.split(","):
            item = item.strip()
            name = item.lstrip("-+")
            if name not in mapping:
                raise exceptions.ValidationError({"sort": f"cannot sort by {name!r}"})
            lookup, _parse = _spec(mapping[name])
            ordering.append(("-" if item.startswith("-") else "") + lookup)
        return queryset.order_by(*ordering, "pk")

    def get_schema_operation_parameters(self, view):
        params = [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": "Filter; OR with ',' or by repeating; suffixes .gt .gte .lt .lte",
                "schema": {"type": "string"},
            }
            for name in (getattr(view, "tmf_filters", {}) or {})
        ]
        if params:
            params.append(
                {"name": "sort", "in": "query", "required": False, "schema": {"type": "string"}, "description": "a,-b"}
            )
        return params
