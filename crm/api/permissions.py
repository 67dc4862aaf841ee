"""Scope checks: a view declares read_scope and write_scope; tokens carry scopes, staff sessions get their role's."""

from __future__ import annotations

from rest_framework import permissions

from crm.accounts.selectors import role_api_scopes

from .models import ApiToken
from .scopes import expand


def request_scopes(request) -> frozenset[str]:
    if isinstance(request.auth, ApiToken):
        return expand(request.auth.client.scopes)
    return role_api_scopes(request.user)


class HasScope(permissions.BasePermission):
    message = "This token does not carry the scope this operation needs."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        needed = (
            getattr(view, "read_scope", None)
            if request.method in permissions.SAFE_METHODS
            else getattr(view, "write_scope", None)
        )
        if not needed:
            return False  # a view that declares no scope is closed, not open
        if needed not in request_scopes(request):
            self.message = f"This operation needs the scope '{needed}'."
            return False
        return True
