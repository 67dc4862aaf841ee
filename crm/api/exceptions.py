"""The TMF630 error body for every error under /tmf-api/: {"code", "reason", "message", "status", "@type": "Error"}."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("crm.api")

API_PREFIXES = ("/tmf-api/",)


class Conflict(exceptions.APIException):
    """409: the request conflicts with the resource's state (e.g. a stale version, a duplicate)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    """422: well-formed but breaks a business rule (e.g. an ineligible order)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The request breaks a business rule.")
    default_code = "unprocessable"


@contextmanager
def business_refusals(*, conflicts: tuple[type[Exception], ...] = (), field_prefixes: tuple[str, ...] = ()):
    """Turn what a service refuses into the TMF error a client expects: ``conflicts`` (duplicates) → 409, a
    model validation error → 400, a ValueError → 422 (a business rule), or 400 when its message starts with one
    of ``field_prefixes`` ("field: problem", a bad value of that field)."""
    try:
        yield
    except conflicts as exc:
        raise Conflict(str(exc)) from exc
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
    except ValueError as exc:
        message = str(exc)
        if message.startswith(field_prefixes) and field_prefixes:
            field, _sep, problem = message.partition(":")
            raise exceptions.ValidationError({field: problem.strip() or message}) from exc
        raise Unprocessable(message) from exc


REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error_body(status_code: int, message: str, code: str | None = None, reason: str | None = None) -> dict:
    return {
        "code": code or str(status_code),
        "reason": reason or REASONS.get(status_code, "Error"),
        "message": message,
        "status": str(status_code),
        "@type": "Error",
    }


def error_response(status_code: int, message: str, code: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(status_code, message, code), status=status_code)


def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out.extend(_flatten(value, f"{prefix}{name}." if name else prefix))
        return out
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item, prefix)]
    field = prefix.rstrip(".")
    return [f"{field}: {detail}" if field else str(detail)]


def tmf_exception_handler(exc, context):
    """DRF's handler, with every error rendered as the TMF error body."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: TMFErrorMiddleware turns it into a 500 body
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "invalid" if response.status_code == 400 else None
        message = "; ".join(_flatten(exc.detail))
    else:
        code, message = None, str(exc)
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tmf-api"'
    body = error_body(response.status_code, message, code)
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Response(body, status=response.status_code, headers=headers)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def handler404(request: HttpRequest, exception: Exception):
    if is_api_path(request.path):
        return error_response(404, f"No resource at {request.path}", "notFound")
    return defaults.page_not_found(request, exception)


def handler403(request: HttpRequest, exception: Exception):
    if is_api_path(request.path):
        return error_response(403, "You may not do this.", "forbidden")
    return defaults.permission_denied(request, exception)


# --- The database went away (a failover, a restart, pg_terminate_backend): 503, and the next request reconnects ---

RETRY_AFTER_SECONDS = 5


def is_database_outage(exc: BaseException | None) -> bool:
    """A lost or refused database connection (and other operational errors such as a cancelled statement): the
    request may succeed if retried, unlike a bug."""
    return isinstance(exc, (OperationalError, InterfaceError))


def discard_broken_connections() -> None:
    """Close the connections that no longer answer, so the next query of this thread opens a new one (Django does
    this at the end of a request too; doing it here also covers callers that reuse the thread without one)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the TMF error body under /tmf-api/, else a plain page rendered without the database."""
    logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=sys.exc_info()[1])
    discard_broken_connections()
    if is_api_path(request.path):
        message = gettext("The service is temporarily unavailable; retry in a few seconds.")
        response: HttpResponse = error_response(503, message, "serviceUnavailable")
    else:
        response = HttpResponse(loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handler500(request: HttpRequest):
    # Django calls this inside its except block: an error raised by a middleware (e.g. the session load) lands here.
    if is_database_outage(sys.exc_info()[1]):
        return service_unavailable(request)
    if is_api_path(request.path):
        return error_response(500, "An unexpected error occurred; it has been logged with the request id.", "internal")
    return defaults.server_error(request)


__all__ = ["Conflict", "Http404", "PermissionDenied", "Unprocessable", "error_body", "tmf_exception_handler"]
