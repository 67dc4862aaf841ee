"""Portal accounts: sign-up, log-in with lockout, log-out and password reset.

Every refusal raises ``PortalRefused`` with the message to show. The bookkeeping of a failure (a wrong code's try, a
failed log-in, a lockout, its audit entry) must survive the refusal, so those steps commit in their own atomic block
and the refusal is raised after it; the successful write itself is one atomic block.
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from customers.privacy import mask_phone

from ..models import OneTimeCode, PortalAccount
from .codes import _code_check, _code_send, _code_use
from .common import (
    ANONYMOUS,
    LOCK_AFTER_FAILURES,
    LOCK_DURATION,
    PortalActor,
    PortalRefused,
    _active_account,
    _identifier_matches,
    _no_match,
    _throttle_hit,
    _throttle_key,
    _throttled,
    live_subscription,
    locked_message,
    normalise_number,
)


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
        action=AuditEntry.Action.LOCKOUT, object_type="portal.portalaccount",
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
