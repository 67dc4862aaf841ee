"""One-time codes texted to a customer's phone (短信验证码): create and text one within the phone's limits, check a
try, mark it used, and purge the expired ones. Only a code's hash is stored; the SMS log keeps the text with the code
masked once the gateway has had it."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.messaging.services import sms_send
from customers.models import Customer
from customers.privacy import mask_phone
from customers.selectors import preferred_phone

from ..models import OneTimeCode
from .common import PortalRefused

logger = logging.getLogger("portal.services")

LOCAL_GATEWAY = "crm.messaging.gateway.LocalSmsGateway"

CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
CODE_INTERVAL = timedelta(seconds=60)  # per phone, whatever the purpose
CODE_DAILY_MAX = 10  # per phone and calendar day (local time)
CODE_KEEP_AFTER_EXPIRY = timedelta(days=1)  # then the purge deletes it (the daily limit only counts today's)
CODE_MASK = "******"

# The SMS goes to a customer, in Chinese whatever the language of the page that asked for it.
SMS_TEXT = {
    OneTimeCode.Purpose.SIGNUP: "【中国电信】您正在注册网上营业厅，验证码%(code)s，10分钟内有效。"
    "请勿将验证码告诉他人。",
    OneTimeCode.Purpose.RESET: "【中国电信】您正在重置网上营业厅密码，验证码%(code)s，10分钟内有效。"
    "如非本人操作请忽略。",
}

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
    # The worker that hands the text to the gateway keeps it in the SMS log with the code masked, sent or not.
    sms_send(
        recipient=phone, body=SMS_TEXT[purpose] % {"code": code}, purpose=f"portal_{purpose}",
        related=[{"@referredType": "Customer", "id": customer.customer_no}],
        body_after_send=SMS_TEXT[purpose] % {"code": CODE_MASK},
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


def one_time_codes_purge(*, now=None) -> int:
    """Delete the one-time codes that expired more than a day ago; the number deleted. Idempotent."""
    cutoff = (now or timezone.now()) - CODE_KEEP_AFTER_EXPIRY
    deleted, _by_model = OneTimeCode.objects.filter(expires_at__lt=cutoff).delete()
    if deleted:
        logger.info("Purged %d expired portal one-time codes", deleted)
    return deleted
