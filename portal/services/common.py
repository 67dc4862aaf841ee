"""What the portal's services share: the refusal they raise, the audit actor of a customer's own action, number
normalising, the live-subscription lookup and the throttles kept in the cache for numbers without an account."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from customers.models import Customer, Party
from orders.models import Product

from ..models import PortalAccount

LOCK_AFTER_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


class PortalRefused(Exception):
    """A portal request refused: ``message`` is shown to the customer, ``field`` names the form field (or None)."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass(frozen=True)
class PortalActor:
    """The audit log's actor for a customer's own action: a label, never a staff user (``pk`` stays None)."""

    label: str
    pk = None

    def get_username(self) -> str:
        return self.label

    @classmethod
    def of(cls, account: PortalAccount) -> PortalActor:
        return cls(f"portal:{account.pk}")


ANONYMOUS = PortalActor("portal:-")


def _no_match() -> PortalRefused:
    # One message for an unknown number, a terminated one and a wrong ID: the form does not tell them apart.
    return PortalRefused(
        _("We found no live subscription with this service number and ID number."), field=None, code="no_match"
    )


def locked_message() -> str:
    return _(
        "Too many failed log-ins: this number cannot log in for 15 minutes. "
        "You can reset the password with a code sent to your phone."
    )


def normalise_number(value: str) -> str:
    return "".join(value.split())


def session_hash(account: PortalAccount) -> str:
    """A digest of the password hash kept in the portal session: a password change ends every other session."""
    return salted_hmac("portal.session", account.password).hexdigest()


# --- Lookups the services share -----------------------------------------------------------------------------


def live_subscription(service_number: str) -> Product | None:
    """The live (not terminated) subscription with this service number, with its customer and party."""
    number = normalise_number(service_number)
    if not number:
        return None
    products = Product.objects.filter(service_number=number).exclude(status=Product.Status.TERMINATED)
    return products.select_related("customer__party").order_by("id").first()


def _identifier_matches(party: Party, given: str) -> bool:
    """A person's ID-card number, an organisation's unified social credit code; case and spaces ignored."""
    expected = party.id_number if party.kind == Party.Kind.INDIVIDUAL else party.credit_code
    given = "".join(given.split()).upper()
    return bool(expected) and bool(given) and hmac.compare_digest(expected.upper().encode(), given.encode())


def _active_account(customer: Customer) -> PortalAccount | None:
    """The customer's own active account (a key account's nominated contacts have accounts of their own)."""
    return (
        PortalAccount.objects.filter(customer=customer, is_active=True, nominated_contact__isnull=True)
        .order_by("id")
        .first()
    )


# --- Throttles kept in the cache (numbers without an account, ID guesses) ------------------------------------


def _throttle_key(kind: str, number: str) -> str:
    return f"portal:{kind}:" + salted_hmac("portal.throttle", number).hexdigest()[:24]


def _throttle_hit(kind: str, number: str) -> int:
    """Count one failure for ``number``; the count lives LOCK_DURATION after the first failure."""
    key = _throttle_key(kind, number)
    cache.add(key, 0, timeout=int(LOCK_DURATION.total_seconds()))
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(LOCK_DURATION.total_seconds()))
        return 1


def _throttled(kind: str, number: str) -> bool:
    return (cache.get(_throttle_key(kind, number)) or 0) >= LOCK_AFTER_FAILURES
