"""Placeholder replaced by the TMF conventions work."""

from rest_framework.permissions import IsAuthenticated


class HasScope(IsAuthenticated):
    pass
