"""Placeholder replaced by the TMF conventions work."""

from rest_framework.pagination import LimitOffsetPagination


class TMFPagination(LimitOffsetPagination):
    pass
