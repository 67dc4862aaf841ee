"""Placeholder replaced by the TMF conventions work."""

from django.views import defaults


def handler404(request, exception):
    return defaults.page_not_found(request, exception)


def handler500(request):
    return defaults.server_error(request)


def tmf_exception_handler(exc, context):
    from rest_framework.views import exception_handler

    return exception_handler(exc, context)
