"""Portal fixtures: customers with live subscriptions (from the customers tests), the code the SMS carried, a
signed-up account and a client logged in to the portal."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from tests.customers.conftest import people, subscribe  # noqa: F401

from .sms import PATH as CAPTURING_GATEWAY
from .sms import CapturingSmsGateway, last_code

PASSWORD = "Kite-river-2026"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Log-in and sign-up throttles live in the cache (this test run's own Redis database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """The SMS handed to the gateway in this test: (recipient, body) pairs, as the phones received them."""
    settings.CRM_SMS_GATEWAY = CAPTURING_GATEWAY
    CapturingSmsGateway.sent.clear()
    yield CapturingSmsGateway.sent
    CapturingSmsGateway.sent.clear()


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are asserted in English (the source language); the pages default to Chinese otherwise."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def deliver_sms() -> None:
    """Run the after-commit work queued so far, as a commit would (a test's transaction never commits): the SMS go to
    the gateway and their log rows are masked."""
    pending = list(connection.run_on_commit)
    connection.run_on_commit[:] = []
    for _savepoints, callback, _robust in pending:
        callback()


def texted_code(phone: str) -> str:
    """The code in the latest SMS handed to the gateway for ``phone``, as the customer reads it."""
    deliver_sms()
    return last_code(phone)


def a_minute_later() -> None:
    """Move every code sent so far back two minutes, so the phone may get the next one (the per-minute limit)."""
    import datetime

    from django.utils import timezone

    from portal.models import OneTimeCode

    OneTimeCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))


@pytest.fixture
def lines(people, subscribe):  # noqa: F811 - the imported fixtures
    """Live mobile lines: 张伟明 (Hefei) and 张伟 (Wuhu), the organisation's line, and a terminated number of 张伟明."""
    return {
        "zhang": subscribe(people["zhang"], "59", number="18900000001"),
        "zhangw": subscribe(people["zhangw"], "39", number="18900000002"),
        "corp": subscribe(people["corp"], "199", number="18900000003"),
        "old": subscribe(people["zhang"], "19", number="18900000009", status="terminated"),
    }


@pytest.fixture
def sign_up(lines, people, settings):  # noqa: F811
    """sign_up(key) -> PortalAccount for the person's (or organisation's) line, through both service steps."""
    from portal import services

    settings.CRM_SMS_GATEWAY = CAPTURING_GATEWAY  # also for the browser tests that borrow this fixture

    def make(key: str, *, password: str = PASSWORD):
        customer = people[key]
        identifier = customer.party.id_number or customer.party.credit_code
        otp = services.signup_code_send(service_number=lines[key].service_number, id_number=identifier)
        return services.portal_account_signup(
            service_number=lines[key].service_number, code=texted_code(otp.phone), password=password
        )

    return make


@pytest.fixture
def portal_client(client, sign_up):
    """portal_client(key) -> a test client logged in to the portal as that customer (through the log-in page)."""

    def make(key: str):
        account = sign_up(key)
        response = client.post("/portal/login/", {"login": account.login, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return make
