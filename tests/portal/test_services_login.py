"""Log-in, lockout after five failures for 15 minutes (told the same way for numbers without an account), and the
password reset by a texted code; all of it in the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm.audit.models import AuditEntry
from crm.messaging.models import OutboundMessage
from portal import services
from portal.models import PortalAccount

from .conftest import PASSWORD, a_minute_later, texted_code

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Lantern-bay-2027"


def test_the_right_password_logs_in_and_is_audited(sign_up):
    account = sign_up("zhang")
    logged_in = services.portal_login(login="18900000001", password=PASSWORD)
    assert logged_in == account and logged_in.last_login_at is not None
    assert AuditEntry.objects.filter(
        action="login", object_id=str(account.pk), actor_repr=f"portal:{account.pk}"
    ).exists()


def test_a_wrong_password_is_refused_counted_and_audited(sign_up):
    account = sign_up("zhang")
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_login(login="18900000001", password="wrong-password-1")
    assert refused.value.code == "bad_credentials"
    account.refresh_from_db()
    assert account.failed_attempts == 1
    assert AuditEntry.objects.filter(action="login_failed", object_id=str(account.pk)).count() == 1
    services.portal_login(login="18900000001", password=PASSWORD)  # a success starts the count again
    account.refresh_from_db()
    assert account.failed_attempts == 0


def test_five_failures_lock_the_account_for_15_minutes_even_for_the_right_password(sign_up):
    account = sign_up("zhang")
    for _ in range(4):
        with pytest.raises(services.PortalRefused) as refused:
            services.portal_login(login="18900000001", password="wrong-password-1")
        assert refused.value.code == "bad_credentials"
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_login(login="18900000001", password="wrong-password-1")
    assert refused.value.code == "locked" and "15 minutes" in refused.value.message
    account.refresh_from_db()
    assert account.locked_until - timezone.now() > datetime.timedelta(minutes=14)
    lockout = AuditEntry.objects.get(action=AuditEntry.Action.LOCKOUT, object_id=str(account.pk))
    assert lockout.get_action_display() == "Lockout" and "5 failed log-ins" in lockout.detail
    assert lockout.object_type == "portal.portalaccount" and lockout.actor_id is None
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.OTHER).exists()
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_login(login="18900000001", password=PASSWORD)
    assert refused.value.code == "locked"
    # 15 minutes later the right password works again
    PortalAccount.objects.filter(pk=account.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert services.portal_login(login="18900000001", password=PASSWORD) == account


def test_a_number_without_an_account_is_answered_exactly_like_one_with_an_account(sign_up, lines):
    sign_up("zhang")
    outcomes = {}
    for number in ("18900000001", "18900000002", "13000000000"):  # an account, a live line without one, no line
        codes = []
        for _ in range(6):
            with pytest.raises(services.PortalRefused) as refused:
                services.portal_login(login=number, password="wrong-password-1")
            codes.append((refused.value.code, refused.value.message))
        outcomes[number] = codes
    assert outcomes["18900000001"] == outcomes["18900000002"] == outcomes["13000000000"]
    assert [code for code, _ in outcomes["13000000000"]] == ["bad_credentials"] * 4 + ["locked"] * 2
    assert AuditEntry.objects.filter(action="lockout", detail__contains="lockout").count() == 3


def test_a_reset_code_sets_a_new_password_lifts_the_lockout_and_is_audited(sign_up):
    account = sign_up("zhang")
    PortalAccount.objects.filter(pk=account.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=10), failed_attempts=3
    )
    a_minute_later()
    otp = services.reset_code_send(service_number="18900000001")
    assert otp is not None and otp.purpose == "reset"
    services.portal_password_reset(service_number="18900000001", code=texted_code(otp.phone), password=NEW_PASSWORD)
    account.refresh_from_db()
    assert account.locked_until is None and account.failed_attempts == 0
    assert services.portal_login(login="18900000001", password=NEW_PASSWORD) == account
    with pytest.raises(services.PortalRefused):
        services.portal_login(login="18900000001", password=PASSWORD)
    assert AuditEntry.objects.filter(action="password_change", object_id=str(account.pk)).count() == 1


def test_a_reset_code_works_once_and_a_signup_code_does_not_reset(sign_up):
    account = sign_up("zhang")
    signup_code = texted_code("18955512345")
    with pytest.raises(services.PortalRefused):  # the sign-up code is not a reset code
        services.portal_password_reset(service_number="18900000001", code=signup_code, password=NEW_PASSWORD)
    a_minute_later()
    otp = services.reset_code_send(service_number="18900000001")
    code = texted_code(otp.phone)
    services.portal_password_reset(service_number="18900000001", code=code, password=NEW_PASSWORD)
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_password_reset(service_number="18900000001", code=code, password="Another-one-2028")
    assert "already used" in refused.value.message
    account.refresh_from_db()
    assert services.portal_login(login="18900000001", password=NEW_PASSWORD) == account


def test_a_reset_for_a_number_without_an_account_sends_nothing(lines):
    assert services.reset_code_send(service_number="18900000002") is None
    assert services.reset_code_send(service_number="13000000000") is None
    assert not OutboundMessage.objects.exists()


def test_reset_codes_keep_the_one_a_minute_limit_silently(sign_up):
    sign_up("zhang")  # the sign-up code went less than a minute ago
    assert services.reset_code_send(service_number="18900000001") is None
    assert OutboundMessage.objects.filter(purpose="portal_reset").count() == 0
