"""Per-client rate limit on the API (429 with the TMF error body and Retry-After)."""

from rest_framework.throttling import UserRateThrottle


class ApiClientRateThrottle(UserRateThrottle):
    scope = "api_client"
