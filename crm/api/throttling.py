"""Placeholder replaced by the TMF conventions work."""

from rest_framework.throttling import UserRateThrottle


class ApiClientRateThrottle(UserRateThrottle):
    pass

    scope = "api_client"
