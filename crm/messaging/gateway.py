"""The SMS gateway interface (短信网关): one method. The operator's gateway is outside the CRM; the local one
records the message as sent, so `make run` and the tests work without it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SendResult:
    ok: bool
    reference: str = ""
    error: str = ""


class SmsGateway(Protocol):
    name: str

    def send(self, *, recipient: str, body: str) -> SendResult: ...


class LocalSmsGateway:
    """Sends nothing: accepts every message so it shows as sent in the CRM's message log."""

    name = "local"

    def send(self, *, recipient: str, body: str) -> SendResult:
        return SendResult(ok=True, reference=f"local-{uuid.uuid4().hex[:12]}")


def sms_gateway() -> SmsGateway:
    """The configured gateway (setting CRM_SMS_GATEWAY, a dotted path to a class)."""
    path = getattr(settings, "CRM_SMS_GATEWAY", "crm.messaging.gateway.LocalSmsGateway")
    return import_string(path)()
