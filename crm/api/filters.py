"""Placeholder replaced by the TMF conventions work."""

from rest_framework.filters import BaseFilterBackend


class TMFFilterBackend(BaseFilterBackend):
    pass
