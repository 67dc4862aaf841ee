"""Placeholder replaced by the UI shell work."""


def shell(request):
    return {}
