"""Writes of the self-service portal: sign-up, one-time codes, log-in with lockout, password reset.

Every refusal raises ``PortalRefused`` with the message to show. The bookkeeping of a failure (a wrong code's try, a
failed log-in, a lockout, its audit entry) must survive the refusal, so those steps commit in their own atomic block
and the refusal is raised after it; the successful write itself is one atomic block.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.messaging.services import sms_send
from customers.models import Customer, Party
from customers.privacy import mask_phone
from customers.selectors import preferred_phone
from orders.models import Product

from .models import OneTimeCode, PortalAccount

logger = logging.getLogger(__name__)
LOCAL_GATEWAY = "crm.messaging.gateway.LocalSmsGateway"

CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_INTERVAL = timedelta(seconds=60)  # per phone, whatever the purpose
CODE_DAILY_MAX = 10  # per phone and calendar day (local time)
LOCK_AFTER_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)

# The SMS goes to a customer, in Chinese whatever the language of the page that asked for it.
SMS_TEXT = {
    OneTimeCode.Purpose.SIGNUP: "【中国电信】您正在注册网上营业厅，验证码%(code)s，10分钟内有效。"
    "请勿将验证码告诉他人。",
    OneTimeCode.Purpose.RESET: "【中国电信】您正在重置网上营业厅密码，验证码%(code)s，10分钟内有效。"
    "如非本人操作请忽略。",
}


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


# --- One-time codes -----------------------------------------------------------------------------------------


def _code_send(*, customer: Customer, login: str, purpose: str, phone: str = "") -> OneTimeCode:
    """Create a code for the customer's phone (a nominated contact's own ``phone``) and text it (after commit); rate
    limits per phone. Caller is atomic."""
    phone = phone or preferred_phone(customer)
    if not phone:
        raise PortalRefused(
            _("No mobile phone is on file for this customer. Please visit a business hall."), code="no_phone"
        )
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one code request of a customer at a time
    now = timezone.now()
    if OneTimeCode.objects.filter(phone=phone, created_at__gt=now - CODE_INTERVAL).exists():
        raise PortalRefused(
            _("A code was sent to this phone less than a minute ago. Please wait a minute before asking again."),
            code="too_soon",
        )
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if OneTimeCode.objects.filter(phone=phone, created_at__gte=midnight).count() >= CODE_DAILY_MAX:
        raise PortalRefused(
            _("Too many codes were sent to this phone today. Please try again tomorrow."), code="daily_limit"
        )
    code = f"{secrets.randbelow(10**6):06d}"
    otp = OneTimeCode.objects.create(
        phone=phone, purpose=purpose, login=login, customer=customer, code_hash=make_password(code),
        created_at=now, expires_at=now + CODE_TTL,
    )  # fmt: skip
    sms_send(
        recipient=phone, body=SMS_TEXT[purpose] % {"code": code}, purpose=f"portal_{purpose}",
        related=[{"@referredType": "Customer", "id": customer.customer_no}],
    )  # fmt: skip
    if settings.CRM_SMS_GATEWAY == LOCAL_GATEWAY and not settings.PRODUCTION:
        # The local gateway sends nothing: a developer reads the code here (never with a real gateway).
        logger.warning("Portal %s code for %s: %s (local SMS gateway, not sent)", purpose, mask_phone(phone), code)
    return otp


def _code_check(*, login: str, purpose: str, code: str) -> OneTimeCode:
    """The latest code asked for this number and purpose, if ``code`` matches it; a wrong try is counted (and
    committed) before the refusal. The caller marks it used with ``_code_use`` in its own transaction."""
    code = code.strip()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(login=login, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        if otp is None:
            error = _("This code is not right. Ask for a new code.")
        elif otp.used_at is not None:
            error = _("This code was already used. Ask for a new code.")
        elif otp.expires_at <= timezone.now():
            error = _("This code has expired. Ask for a new code.")
        elif otp.attempts >= CODE_MAX_ATTEMPTS:
            error = _("Too many wrong tries for this code. Ask for a new code.")
        elif not check_password(code, otp.code_hash):
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
            left = CODE_MAX_ATTEMPTS - otp.attempts - 1
            error = (
                _("This code is not right. %(n)d tries left.") % {"n": left}
                if left
                else _("Too many wrong tries for this code. Ask for a new code.")
            )
        else:
            return otp
    raise PortalRefused(error, field="code", code="bad_code")


def _code_use(otp: OneTimeCode) -> None:
    """Mark the code used, once: a second use (two tabs, a replay) is refused."""
    if not OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=timezone.now()):
        raise PortalRefused(_("This code was already used. Ask for a new code."), field="code", code="bad_code")


def _password_check(password: str) -> None:
    try:
        validate_password(password)
    except ValidationError as exc:
        raise PortalRefused(" ".join(exc.messages), field="password1", code="weak_password") from exc


# --- Sign-up ------------------------------------------------------------------------------------------------


@transaction.atomic
def signup_code_send(*, service_number: str, id_number: str) -> OneTimeCode:
    """Step 1 of sign-up: the number of a live subscription and its owner's ID number (an organisation's credit
    code) match, the customer has no portal account yet: text a code to the customer's phone."""
    number = normalise_number(service_number)
    if _throttled("signup", number):
        raise PortalRefused(
            _("Too many failed tries for this number. Please try again in 15 minutes."), code="throttled"
        )
    product = live_subscription(number)
    if product is None or not _identifier_matches(product.customer.party, id_number):
        _throttle_hit("signup", number)
        raise _no_match()
    if _active_account(product.customer) is not None:
        raise PortalRefused(
            _("You already have a portal account. Log in, or reset the password if you forgot it."), code="exists"
        )
    return _code_send(customer=product.customer, login=number, purpose=OneTimeCode.Purpose.SIGNUP)


def portal_account_signup(*, service_number: str, code: str, password: str) -> PortalAccount:
    """Step 2 of sign-up: the code texted for this number, then a password: create the account (audited)."""
    number = normalise_number(service_number)
    _password_check(password)
    otp = _code_check(login=number, purpose=OneTimeCode.Purpose.SIGNUP, code=code)
    return _account_create(otp=otp, number=number, password=password)


@transaction.atomic
def _account_create(*, otp: OneTimeCode, number: str, password: str) -> PortalAccount:
    product = live_subscription(number)
    if product is None or product.customer_id != otp.customer_id:
        raise _no_match()
    customer = product.customer
    own = PortalAccount.objects.select_for_update().filter(
        customer=customer, is_active=True, nominated_contact__isnull=True
    )
    if own.exists():
        raise PortalRefused(
            _("You already have a portal account. Log in, or reset the password if you forgot it."), code="exists"
        )
    _code_use(otp)
    # The number was someone else's before (terminated, then reassigned): their old login stops working.
    for stale in PortalAccount.objects.select_for_update().filter(login=number, is_active=True):
        PortalAccount.objects.filter(pk=stale.pk).update(is_active=False)
        audit_record(
            action=AuditEntry.Action.UPDATE, obj=stale, object_repr=mask_phone(number), actor=ANONYMOUS,
            changes={"is_active": [True, False]}, detail="portal login number reassigned to another customer",
        )  # fmt: skip
    now = timezone.now()
    account = PortalAccount.objects.create(
        customer=customer, login=number, password=make_password(password), password_changed_at=now
    )
    audit_record(
        action=AuditEntry.Action.CREATE, obj=account, object_repr=mask_phone(number), actor=PortalActor.of(account),
        changes={"customer": customer.customer_no}, detail="portal sign-up with a one-time code",
    )  # fmt: skip
    return account


# --- Log-in and lockout -------------------------------------------------------------------------------------


def portal_login(*, login: str, password: str) -> PortalAccount:
    """Check a customer's number and password. Five failures in a row lock the number for 15 minutes; a number
    without an account is throttled the same way, so the answers never tell whether a number has an account."""
    number = normalise_number(login)
    now = timezone.now()
    account = PortalAccount.objects.filter(login=number, is_active=True).first() if number else None
    if account is None:
        make_password(password)  # as long as a real check, so timing tells nothing either
        if _throttled("login", number):
            raise PortalRefused(locked_message(), code="locked")
        failures = _throttle_hit("login", number)
        _audit_failed(number, detail="portal log-in: wrong number or password")
        if failures >= LOCK_AFTER_FAILURES:
            _audit_locked(number, None)
            raise PortalRefused(locked_message(), code="locked")
        raise PortalRefused(_("The number or the password is not right."), code="bad_credentials")
    if account.locked_until and account.locked_until > now:
        _audit_failed(number, account=account, detail="portal log-in while locked")
        raise PortalRefused(locked_message(), code="locked")
    if not check_password(password, account.password):
        locked = _failure_count(account=account, now=now)
        if locked:
            raise PortalRefused(locked_message(), code="locked")
        raise PortalRefused(_("The number or the password is not right."), code="bad_credentials")
    with transaction.atomic():
        PortalAccount.objects.filter(pk=account.pk).update(failed_attempts=0, locked_until=None, last_login_at=now)
        audit_record(
            action=AuditEntry.Action.LOGIN, obj=account, object_repr=mask_phone(number), actor=PortalActor.of(account),
            detail="portal log-in",
        )  # fmt: skip
    account.refresh_from_db()
    return account


@transaction.atomic
def _failure_count(*, account: PortalAccount, now) -> bool:
    """Count a failed log-in of an existing account; the fifth in a row locks it. True when it is now locked."""
    account = PortalAccount.objects.select_for_update().get(pk=account.pk)
    failures = account.failed_attempts + 1
    locked = failures >= LOCK_AFTER_FAILURES
    account.failed_attempts = 0 if locked else failures
    account.locked_until = now + LOCK_DURATION if locked else account.locked_until
    account.save(update_fields=["failed_attempts", "locked_until"])
    _audit_failed(account.login, account=account, detail="portal log-in: wrong password")
    if locked:
        _audit_locked(account.login, account)
    return locked


def _audit_failed(number: str, *, account: PortalAccount | None = None, detail: str) -> None:
    audit_record(
        action=AuditEntry.Action.LOGIN_FAILED, object_type="portal.portalaccount",
        object_id=str(account.pk) if account else "", object_repr=mask_phone(number), actor=ANONYMOUS, detail=detail,
    )  # fmt: skip


def _audit_locked(number: str, account: PortalAccount | None) -> None:
    audit_record(
        action=AuditEntry.Action.OTHER, object_type="portal.portalaccount",
        object_id=str(account.pk) if account else "", object_repr=mask_phone(number), actor=ANONYMOUS,
        detail=f"portal lockout: {LOCK_AFTER_FAILURES} failed log-ins, locked for 15 minutes",
    )  # fmt: skip


def portal_logout_record(*, account: PortalAccount) -> None:
    """The audit entry of a customer logging out of the portal."""
    audit_record(
        action=AuditEntry.Action.LOGOUT, obj=account, object_repr=mask_phone(account.login),
        actor=PortalActor.of(account), detail="portal log-out",
    )  # fmt: skip


# --- Password reset -----------------------------------------------------------------------------------------


def reset_code_send(*, service_number: str) -> OneTimeCode | None:
    """Step 1 of a reset: text a code when the number has an account and the phone's limits allow; None otherwise.

    The page says the same either way, so it never tells whether a number has an account."""
    number = normalise_number(service_number)
    account = (
        PortalAccount.objects.filter(login=number, is_active=True)
        .select_related("customer", "nominated_contact")
        .first()
    )
    if account is None:
        return None
    # A nominated contact's code goes to the contact's own phone, not to the organisation's.
    phone = account.nominated_contact.phone if account.nominated_contact else ""
    try:
        with transaction.atomic():
            return _code_send(customer=account.customer, login=number, purpose=OneTimeCode.Purpose.RESET, phone=phone)
    except PortalRefused:
        return None


def portal_password_reset(*, service_number: str, code: str, password: str) -> PortalAccount:
    """Step 2 of a reset: the code texted for this number sets a new password and lifts a lockout (audited)."""
    number = normalise_number(service_number)
    _password_check(password)
    otp = _code_check(login=number, purpose=OneTimeCode.Purpose.RESET, code=code)
    return _password_set(otp=otp, number=number, password=password)


@transaction.atomic
def _password_set(*, otp: OneTimeCode, number: str, password: str) -> PortalAccount:
    account = PortalAccount.objects.select_for_update().filter(login=number, is_active=True).first()
    if account is None or account.customer_id != otp.customer_id:
        raise PortalRefused(_("This code is not right. Ask for a new code."), field="code", code="bad_code")
    _code_use(otp)
    account.password = make_password(password)
    account.password_changed_at = timezone.now()
    account.failed_attempts = 0
    account.locked_until = None
    account.save(update_fields=["password", "password_changed_at", "failed_attempts", "locked_until"])
    cache.delete(_throttle_key("login", number))
    audit_record(
        action=AuditEntry.Action.PASSWORD_CHANGE, obj=account, object_repr=mask_phone(number),
        actor=PortalActor.of(account), detail="portal password reset with a one-time code",
    )  # fmt: skip
    return account
