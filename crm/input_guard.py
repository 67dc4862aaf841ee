"""Requests carrying a NUL character are refused with a clear 400 before any view sees them.

PostgreSQL cannot store NUL (0x00) in text, so a NUL that reaches a query (a search box, a TMF filter, a form
value a view reads directly) ends as a database error, i.e. a 500. No person types one, so the request is refused
whole: the TMF error body under /tmf-api/, a plain 400 page elsewhere. Forms and serializers refuse NUL in their own
fields too (Django's ProhibitNullCharactersValidator); this guard covers what they do not see.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBadRequest
from django.utils.translation import gettext as _

from crm.api.exceptions import error_response, is_api_path

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


def carries_nul(request: HttpRequest) -> bool:
    """True when the path, a query parameter or a form field (name or value) of a page contains NUL.

    API bodies are left to DRF: its parsers pick the media types an endpoint accepts (reading a form body here would
    make DRF take it as already parsed form data instead of answering 415), and its fields refuse NUL themselves."""
    if "\x00" in request.path or _has_nul(request.GET):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES and not is_api_path(request.path):
        return _has_nul(request.POST)
    return False


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if carries_nul(request):
            message = _("The request contains a NUL character, which is not allowed.")
            if is_api_path(request.path):
                return error_response(400, message, "invalid")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
