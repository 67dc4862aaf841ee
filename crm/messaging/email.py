"""The e-mail interface (邮件网关): one method. The operator's mail relay is outside the CRM; the local implementation
stores each message as an .eml file under ``VAR_DIR/outbox/`` (``make run`` and the tests read them there)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .gateway import SendResult


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


class EmailGateway(Protocol):
    name: str

    def send(self, *, to: str, subject: str, body: str, attachments: list[Attachment]) -> SendResult: ...


class LocalEmailGateway:
    """Writes the message to ``<VAR_DIR>/outbox/<date>/<id>.eml`` instead of sending it."""

    name = "local"

    def send(self, *, to: str, subject: str, body: str, attachments: list[Attachment]) -> SendResult:
        message = EmailMessage()
        message["From"] = getattr(settings, "CRM_EMAIL_FROM", "crm-reports@localhost")
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        for item in attachments:
            maintype, subtype = item.mimetype.split("/", 1)
            message.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
        reference = f"local-{uuid.uuid4().hex[:12]}"
        folder = outbox_dir() / timezone.localdate().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{reference}.eml").write_bytes(bytes(message))
        return SendResult(ok=True, reference=reference)


def outbox_dir() -> Path:
    return Path(settings.VAR_DIR) / "outbox"


def email_gateway() -> EmailGateway:
    """The configured gateway (setting CRM_EMAIL_GATEWAY, a dotted path to a class)."""
    path = getattr(settings, "CRM_EMAIL_GATEWAY", "crm.messaging.email.LocalEmailGateway")
    return import_string(path)()
