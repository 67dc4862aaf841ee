"""Sign-up: the number of a live subscription, the owner's ID number (an organisation's credit code) and the code
texted to the phone on file; every refusal leaves no account behind."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from crm.audit.models import AuditEntry
from crm.messaging.models import OutboundMessage
from portal import services
from portal.models import OneTimeCode, PortalAccount

from .conftest import PASSWORD, deliver_sms, texted_code

pytestmark = pytest.mark.django_db


def test_a_person_signs_up_with_number_id_and_the_texted_code(lines, people):
    # given the right number and ID-card number
    otp = services.signup_code_send(service_number="189 0000 0001", id_number="11010519491231002x")
    # then a code went to the phone on file, only its hash is stored
    message = OutboundMessage.objects.get(purpose="portal_signup")
    assert message.recipient == "18955512345" == otp.phone
    code = texted_code("18955512345")  # what the gateway was handed (after commit)
    assert code not in otp.code_hash and check_password(code, otp.code_hash)
    # and the SMS log keeps the text with the code masked once the gateway has it
    message.refresh_from_db()
    assert message.status == "sent" and code not in message.body and "验证码******" in message.body
    assert otp.expires_at - otp.created_at == datetime.timedelta(minutes=10)
    # when the code and a password are given
    account = services.portal_account_signup(service_number="18900000001", code=code, password=PASSWORD)
    # then the account belongs to the customer, with the password hashed, and the sign-up is audited
    assert account.customer == people["zhang"] and account.login == "18900000001"
    assert account.password != PASSWORD and check_password(PASSWORD, account.password)
    otp.refresh_from_db()
    assert otp.used_at is not None
    entry = AuditEntry.objects.get(action="create", object_type="portal.portalaccount")
    assert entry.object_id == str(account.pk) and entry.actor_id is None and entry.actor_repr == f"portal:{account.pk}"
    assert "18900000001" not in entry.object_repr  # masked


def test_an_organisation_signs_up_with_its_credit_code(lines, people):
    otp = services.signup_code_send(service_number="18900000003", id_number="91350100M000100Y43")
    account = services.portal_account_signup(
        service_number="18900000003", code=texted_code(otp.phone), password=PASSWORD
    )
    assert account.customer == people["corp"]


@pytest.mark.parametrize(
    "number,id_number",
    [
        ("18900000001", "440524188001010014"),  # someone else's ID number
        ("18900000001", "91350100M000100Y43"),  # an organisation's credit code for a person's line
        ("18900000077", "11010519491231002X"),  # no such number
        ("18900000009", "11010519491231002X"),  # the owner's terminated number
    ],
    ids=["wrong-id", "credit-code-for-person", "unknown-number", "terminated-number"],
)
def test_wrong_owner_unknown_or_terminated_numbers_are_refused_alike_and_nothing_is_sent(lines, number, id_number):
    with pytest.raises(services.PortalRefused) as refused:
        services.signup_code_send(service_number=number, id_number=id_number)
    assert refused.value.code == "no_match"
    assert "no live subscription" in refused.value.message
    assert not OneTimeCode.objects.exists() and not OutboundMessage.objects.exists()
    assert not PortalAccount.objects.exists()


def test_id_guesses_for_a_number_are_throttled_after_five(lines):
    for _ in range(5):
        with pytest.raises(services.PortalRefused):
            services.signup_code_send(service_number="18900000001", id_number="440524188001010014")
    with pytest.raises(services.PortalRefused) as refused:  # now even the right ID number waits
        services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    assert refused.value.code == "throttled"
    assert not OneTimeCode.objects.exists()


def test_a_wrong_code_counts_and_the_fifth_wrong_try_kills_the_code(lines):
    otp = services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    code = texted_code(otp.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(services.PortalRefused) as refused:
            services.portal_account_signup(service_number="18900000001", code=wrong, password=PASSWORD)
        assert refused.value.field == "code" and f"{tries_left} tries left" in refused.value.message
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_account_signup(service_number="18900000001", code=wrong, password=PASSWORD)
    assert "Too many wrong tries" in refused.value.message
    # the right code no longer helps
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_account_signup(service_number="18900000001", code=code, password=PASSWORD)
    assert "Too many wrong tries" in refused.value.message
    otp.refresh_from_db()
    assert otp.attempts == 5 and otp.used_at is None
    assert not PortalAccount.objects.exists()


def test_an_expired_code_is_refused(lines):
    otp = services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    OneTimeCode.objects.filter(pk=otp.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_account_signup(service_number="18900000001", code=texted_code(otp.phone), password=PASSWORD)
    assert "expired" in refused.value.message
    assert not PortalAccount.objects.exists()


def test_a_code_works_once(lines):
    otp = services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    code = texted_code(otp.phone)
    services.portal_account_signup(service_number="18900000001", code=code, password=PASSWORD)
    PortalAccount.objects.update(is_active=False)  # even with the account gone, the code is spent
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_account_signup(service_number="18900000001", code=code, password=PASSWORD)
    assert "already used" in refused.value.message
    assert PortalAccount.objects.count() == 1


def test_a_code_of_another_number_does_not_sign_up_this_one(lines):
    otp = services.signup_code_send(service_number="18900000002", id_number="440524188001010014")
    with pytest.raises(services.PortalRefused):
        services.portal_account_signup(service_number="18900000001", code=texted_code(otp.phone), password=PASSWORD)
    assert not PortalAccount.objects.exists()


def test_a_weak_password_is_refused_before_the_code_is_spent(lines):
    otp = services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    with pytest.raises(services.PortalRefused) as refused:
        services.portal_account_signup(service_number="18900000001", code=texted_code(otp.phone), password="12345678")
    assert refused.value.field == "password1"
    otp.refresh_from_db()
    assert otp.attempts == 0 and otp.used_at is None
    assert not PortalAccount.objects.exists()


def test_codes_are_limited_to_one_a_minute_and_ten_a_day_per_phone(lines):
    first = services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    with pytest.raises(services.PortalRefused) as refused:
        services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    assert refused.value.code == "too_soon"
    assert OneTimeCode.objects.count() == 1 and OutboundMessage.objects.count() == 1
    # a minute later another one may go
    OneTimeCode.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=61))
    services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    assert OneTimeCode.objects.count() == 2
    # ten codes today are the most, however far apart
    earlier = timezone.now() - datetime.timedelta(minutes=2)
    if timezone.localtime(earlier).date() != timezone.localdate():
        pytest.skip("too close to midnight for ten codes today")
    OneTimeCode.objects.bulk_create(
        OneTimeCode(phone="18955512345", purpose="signup", login="18900000001", customer=first.customer,
                    code_hash="x", expires_at=earlier)
        for _ in range(8)
    )  # fmt: skip
    OneTimeCode.objects.filter(phone="18955512345").update(created_at=earlier)
    assert OneTimeCode.objects.filter(phone="18955512345").count() == 10
    with pytest.raises(services.PortalRefused) as refused:
        services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    assert refused.value.code == "daily_limit"
    assert OneTimeCode.objects.count() == 10


def test_a_customer_with_an_account_cannot_sign_up_again(sign_up, lines):
    sign_up("zhang")
    with pytest.raises(services.PortalRefused) as refused:
        services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    assert refused.value.code == "exists"
    assert PortalAccount.objects.count() == 1


def test_with_the_local_gateway_the_code_is_in_the_development_log(lines, caplog, settings):
    settings.CRM_SMS_GATEWAY = "crm.messaging.gateway.LocalSmsGateway"
    with caplog.at_level("WARNING", logger="portal.services"):
        otp = services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    logged = re.search(r"code for \S+: (\d{6})", caplog.text)
    assert logged and check_password(logged.group(1), otp.code_hash)
    assert "18955512345" not in caplog.text  # the phone masked
    caplog.clear()
    settings.CRM_SMS_GATEWAY = "somewhere.RealGateway"
    OneTimeCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    with caplog.at_level("WARNING", logger="portal.services"):
        services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    assert "code" not in caplog.text


def test_a_code_handed_to_a_failing_gateway_is_masked_in_the_log_too(lines, settings):
    settings.CRM_SMS_GATEWAY = "tests.portal.test_services_signup.RefusingGateway"
    services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    deliver_sms()
    message = OutboundMessage.objects.get(purpose="portal_signup")
    assert message.status == "failed" and not re.search(r"\d{6}", message.body) and "******" in message.body


class RefusingGateway:
    name = "refusing"

    def send(self, *, recipient: str, body: str):
        from crm.messaging.gateway import SendResult

        return SendResult(ok=False, error="no route")


def test_the_purge_deletes_codes_expired_more_than_a_day_ago_only(lines, people):
    now = timezone.now()

    def code(expired_ago: datetime.timedelta) -> OneTimeCode:
        return OneTimeCode.objects.create(
            phone="18955512345", purpose="signup", login="18900000001", customer=people["zhang"], code_hash="x",
            created_at=now - expired_ago - services.CODE_TTL, expires_at=now - expired_ago,
        )  # fmt: skip

    old = code(datetime.timedelta(days=1, minutes=1))
    recent = code(datetime.timedelta(hours=23))
    live = code(-datetime.timedelta(minutes=5))

    assert services.one_time_codes_purge(now=now) == 1
    assert set(OneTimeCode.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not OneTimeCode.objects.filter(pk=old.pk).exists()
    assert services.one_time_codes_purge(now=now) == 0  # a rerun finds nothing


def test_the_purge_task_is_scheduled_daily_and_calls_the_service(lines, people):
    from crm.schedules import beat_schedule
    from portal.tasks import one_time_codes_purge_task

    OneTimeCode.objects.create(
        phone="18955512345", purpose="reset", login="18900000001", customer=people["zhang"], code_hash="x",
        created_at=timezone.now() - datetime.timedelta(days=3), expires_at=timezone.now() - datetime.timedelta(days=3),
    )  # fmt: skip
    entry = beat_schedule()["purge-portal-one-time-codes"]
    assert entry["task"] == one_time_codes_purge_task.name == "portal.tasks.one_time_codes_purge_task"
    assert one_time_codes_purge_task.apply().get() == {"deleted": 1} and not OneTimeCode.objects.exists()
