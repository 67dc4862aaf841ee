"""Placeholder replaced by the TMF API work: turns Django-level errors under /tmf-api/ into TMF error bodies."""


class TMFErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
