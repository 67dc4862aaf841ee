"""TMF paging: offset/limit, X-Total-Count and X-Result-Count headers, a plain JSON array as the body."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response


def _non_negative_int(request, name: str, default: int) -> int:
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


class TMFPagination(BasePagination):
    """A list without `limit` returns the default page; `limit` above the maximum is capped."""

    def paginate_queryset(self, queryset, request, view=None):
        conf = settings.TMF_API
        self.limit = min(_non_negative_int(request, "limit", conf["DEFAULT_PAGE_SIZE"]), conf["MAX_PAGE_SIZE"])
        self.offset = _non_negative_int(request, "offset", 0)
        self.total = self.count(queryset)
        if self.limit == 0 or self.offset >= self.total:
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def count(self, queryset) -> int:
        """The total for X-Total-Count. One place to change when estimates replace exact counts on huge tables."""
        return queryset.count()

    def get_paginated_response(self, data):
        response = Response(data)
        response["X-Total-Count"] = str(self.total)
        response["X-Result-Count"] = str(len(data))
        return response

    def get_paginated_response_schema(self, schema):
        return schema

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
            {
                "name": "fields",
                "in": "query",
                "required": False,
                "description": "Comma-separated first-level attributes to return (id, href and @type always come).",
                "schema": {"type": "string"},
            },
        ]
