"""TMF paging: offset/limit or a keyset cursor, X-Total-Count and X-Result-Count headers, a plain JSON array.

Counting every row of a list over millions of rows is what makes big CRMs crawl, so the total is exact only up to
``TMF_API["EXACT_COUNT_LIMIT"]`` (10,000 by default): the count stops there (``LIMIT`` in a subquery), and past it
X-Total-Count is PostgreSQL's planner estimate of the filtered rows, flagged with ``X-Total-Count-Estimated: true``.

Deep pages: ``?after=<id>`` returns the ``limit`` rows with an id greater than the cursor, in id order, whatever
the depth (an index range scan, where ``offset=900000`` reads and discards 900,000 rows). ``X-Next-After`` carries
the cursor of the next page while there may be one. ``after`` pages by id, so it cannot be combined with ``sort``
or ``offset``.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connections
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_EXACT_COUNT_LIMIT = 10_000


def _non_negative_int(request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise exceptions.ValidationError({name: f"must be a whole number, not {raw!r}"}) from exc
    if value < 0:
        raise exceptions.ValidationError({name: "must not be negative"})
    return value


def planner_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns (EXPLAIN, nothing executed); None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().select_related(None).explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def bounded_count(queryset, limit: int) -> tuple[int, bool]:
    """(total, estimated): the exact count up to ``limit`` rows, and past it the planner's estimate (never below
    ``limit + 1``, since that many rows were seen). Where no estimate exists (SQLite), the exact count."""
    queryset = queryset.order_by().select_related(None)  # a count needs no joined rows that no filter reads
    seen = queryset[: limit + 1].count()
    if seen <= limit:
        return seen, False
    estimate = planner_estimate(queryset)
    if estimate is None:
        return queryset.count(), False
    return max(estimate, limit + 1), True


class TMFPagination(BasePagination):
    """A list without `limit` returns the default page; `limit` above the maximum is capped."""

    def paginate_queryset(self, queryset, request, view=None):
        conf = settings.TMF_API
        self.limit = min(_non_negative_int(request, "limit", conf["DEFAULT_PAGE_SIZE"]), conf["MAX_PAGE_SIZE"])
        self.offset = _non_negative_int(request, "offset", 0)
        self.after = _non_negative_int(request, "after", None)
        self.next_after = None
        if self.after is not None:
            if request.query_params.get("sort") or request.query_params.get("offset") not in (None, ""):
                raise exceptions.ValidationError({"after": "pages by id; it cannot be combined with sort or offset"})
            queryset = queryset.order_by("pk")
        self.estimated = False
        self.total = self.count(queryset)
        if self.limit == 0 or (not self.estimated and self.after is None and self.offset >= self.total):
            return []
        if self.after is not None:
            page = list(queryset.filter(pk__gt=self.after)[: self.limit])
            if len(page) == self.limit:
                self.next_after = page[-1].pk
            return page
        return list(queryset[self.offset : self.offset + self.limit])

    def count(self, queryset) -> int:
        """The total for X-Total-Count; sets ``self.estimated`` when it is an estimate (see the module docstring)."""
        total, self.estimated = bounded_count(
            queryset, settings.TMF_API.get("EXACT_COUNT_LIMIT", DEFAULT_EXACT_COUNT_LIMIT)
        )
        return total

    def get_paginated_response(self, data):
        response = Response(data)
        response["X-Total-Count"] = str(self.total)
        response["X-Result-Count"] = str(len(data))
        if self.estimated:
            response["X-Total-Count-Estimated"] = "true"
        if self.next_after is not None:
            response["X-Next-After"] = str(self.next_after)
        return response

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": "Keyset paging: the rows after this id, in id order (X-Next-After of the last page).",
                "schema": {"type": "integer", "minimum": 0},
            },
            {
                "name": "fields",
                "in": "query",
                "required": False,
                "description": "Comma-separated first-level attributes to return (id, href and @type always come).",
                "schema": {"type": "string"},
            },
        ]
