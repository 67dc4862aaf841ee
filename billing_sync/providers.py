"""The payment-provider interface (第三方支付): start a payment, check a notification. The provider (UnionPay,
WeChat Pay, Alipay…) is outside the CRM; the local simulated one lets `make run` and the tests pay without it.

A provider sends the customer to its own page and later notifies the CRM server to server. The CRM trusts a
notification only after ``verify`` (a signature over the fields), and posts a payment only through
``billing_sync.services.online.online_payment_notify``, which is idempotent per provider transaction."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Notification:
    """What a verified provider notification says."""

    reference: str  # the CRM's online payment reference
    transaction_id: str  # the provider's own id of the transaction
    approved: bool
    amount: Decimal


class InvalidNotification(ValueError):
    """A notification whose signature or fields do not check out."""


class PaymentProvider(Protocol):
    name: str

    def start_url(self, *, reference: str, amount: Decimal, description: str) -> str: ...

    def verify(self, payload: dict) -> Notification: ...


class SimulatedProvider:
    """A local stand-in: its page (``/billing/payment-provider/simulated/<reference>/``) lets the payer confirm or
    decline, and it notifies the CRM with a payload signed by an HMAC of the CRM's secret key, as a real provider
    would."""

    name = "simulated"

    def start_url(self, *, reference: str, amount: Decimal, description: str) -> str:
        return reverse("payment_provider:simulated", args=[reference])

    @staticmethod
    def sign(fields: dict) -> str:
        message = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature")
        key = f"simulated-provider:{settings.SECRET_KEY}".encode()
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

    def notification(self, *, reference: str, transaction_id: str, approved: bool, amount: Decimal) -> dict:
        fields = {"reference": reference, "transaction_id": transaction_id,
                  "result": "approved" if approved else "declined", "amount": str(amount)}  # fmt: skip
        return {**fields, "signature": self.sign(fields)}

    def verify(self, payload: dict) -> Notification:
        fields = {k: str(payload.get(k, "")) for k in ("reference", "transaction_id", "result", "amount")}
        if not hmac.compare_digest(self.sign(fields), str(payload.get("signature", ""))):
            raise InvalidNotification("bad signature")
        if fields["result"] not in ("approved", "declined") or not fields["reference"] or not fields["transaction_id"]:
            raise InvalidNotification("incomplete notification")
        try:
            amount = Decimal(fields["amount"])
        except ArithmeticError:
            raise InvalidNotification("bad amount") from None
        return Notification(fields["reference"], fields["transaction_id"], fields["result"] == "approved", amount)


def payment_provider() -> PaymentProvider:
    """The configured provider (setting CRM_PAYMENT_PROVIDER, a dotted path to a class)."""
    path = getattr(settings, "CRM_PAYMENT_PROVIDER", "billing_sync.providers.SimulatedProvider")
    return import_string(path)()
