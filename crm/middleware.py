"""Request id and actor context for every request (read by the audit log and the JSON logs)."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse

from crm import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request: HttpRequest) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR")


def channel_for_path(path: str) -> str:
    if path.startswith("/tmf-api/") or path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/portal/"):
        return "portal"
    return "ui"


class RequestContextMiddleware:
    """Gives each request an id (the caller's X-Request-ID when sane) and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else context.new_request_id()
        request.request_id = request_id
        token = context.set_context(
            context.RequestContext(request_id=request_id, ip=client_ip(request), channel=channel_for_path(request.path))
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset_context(token)
        response["X-Request-ID"] = request_id
        return response


class RequestActorMiddleware:
    """Records the session user as the actor (API tokens set it in their authentication class)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.update_context(actor_id=user.pk, actor_repr=user.get_username())
        return self.get_response(request)
