"""Bearer tokens of API clients: `Authorization: Bearer crm_<prefix>_<secret>`."""

from __future__ import annotations

import datetime
import hashlib

from django.utils import timezone
from rest_framework import authentication, exceptions

from crm import context

from .models import ApiToken

TOUCH_EVERY = datetime.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        token = (
            ApiToken.objects.select_related("client", "client__user").filter(token_hash=hash_token(parts[1])).first()
        )
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown API token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API token has been revoked.")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This API token has expired.")
        if not token.client.is_active or not token.client.user.is_active:
            raise exceptions.AuthenticationFailed("This API client is disabled.")
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.client.user
        context.update_context(actor_id=user.pk, actor_repr=user.get_username())
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="tmf-api"'
