"""A test SMS gateway that keeps what it was handed, so tests read a one-time code the way the customer does (the
SMS log keeps it masked once sent)."""

from __future__ import annotations

import itertools
import re

from crm.messaging.gateway import SendResult

PATH = "tests.portal.sms.CapturingSmsGateway"
_refs = itertools.count(1)


class CapturingSmsGateway:
    """Accepts every message and appends (recipient, body) to ``sent`` (one list for the process: the live server's
    thread in browser tests hands messages to the same list)."""

    name = "capture"
    sent: list[tuple[str, str]] = []

    def send(self, *, recipient: str, body: str) -> SendResult:
        CapturingSmsGateway.sent.append((recipient, body))
        return SendResult(ok=True, reference=f"capture-{next(_refs)}")


def last_code(phone: str) -> str:
    """The six-digit code in the latest message handed to the gateway for ``phone``."""
    bodies = [body for recipient, body in CapturingSmsGateway.sent if recipient == phone]
    assert bodies, f"no SMS handed to the gateway for {phone}"
    found = re.search(r"(\d{6})", bodies[-1])
    assert found, bodies[-1]
    return found.group(1)
