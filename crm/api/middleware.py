"""Anything that escapes a view under /tmf-api/ still answers with the TMF error body, never an HTML page; a lost
database connection answers 503 everywhere (with Retry-After), and the next request reconnects."""

from __future__ import annotations

import logging

from django.http import HttpRequest

from .exceptions import error_response, is_api_path, is_database_outage, service_unavailable

logger = logging.getLogger("crm.api")


class TMFErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if is_api_path(request.path) and response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            # e.g. CSRF failures, Django's own 404/405 pages, a proxy-level error rendered by Django
            return error_response(response.status_code, response.reason_phrase or "Error")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_database_outage(exception):
            return service_unavailable(request)
        if not is_api_path(request.path):
            return None
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return error_response(500, "An unexpected error occurred; it has been logged with the request id.", "internal")
