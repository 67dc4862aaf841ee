"""Contact policy (频次控制): the marketing cap across channels and campaigns, opt-outs and quiet hours at contact
time, care never capped, and the set-based list filter."""

import datetime
import importlib
import threading
import zoneinfo

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from customers.models import Customer
from feedback.contact_policy import contact_allowed, contact_record, customers_within_cap
from feedback.models import ContactPolicy, MarketingContact, QuietHours
from tests.customers.conftest import people  # noqa: F401


@pytest.fixture(autouse=True)
def english():
    """These tests read the English reasons, not the catalogue's Chinese."""
    with translation.override("en"):
        yield


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOON = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def policy(db):
    """The seeded defaults (a transactional test elsewhere may have flushed them); gold: 1 call / 3 SMS per 30 days."""
    if not ContactPolicy.objects.exists():
        importlib.import_module("feedback.migrations.0004_default_contact_policy_and_care_rules").seed(apps, None)
    return ContactPolicy.objects.get(service_level="gold", channel="sms")


def _market(customer, channel, campaign, at):
    return contact_record(customer=customer, channel=channel, purpose="marketing", at=at, campaign_ref=campaign)


def test_cap_counts_across_campaigns_and_channels(people, policy):  # noqa: F811
    zhang = people["zhang"]  # gold: 3 SMS a month
    # Given two marketing texts from campaign A and a call from campaign B
    assert _market(zhang, "sms", "A", NOON)[0].allowed
    assert _market(zhang, "sms", "A", NOON + datetime.timedelta(hours=1))[0].allowed
    assert _market(zhang, "email", "B", NOON + datetime.timedelta(hours=2))[0].allowed
    # When campaign B texts the customer too
    decision, contact = _market(zhang, "sms", "B", NOON + datetime.timedelta(hours=3))
    # Then the cap (3 marketing contacts in 30 days, any channel) stops it
    assert not decision.allowed and contact is None
    assert "limit is 3" in decision.reason
    assert MarketingContact.objects.filter(customer=zhang, purpose="marketing").count() == 3
    # and a month later the period has rolled on
    assert _market(zhang, "sms", "B", NOON + datetime.timedelta(days=31))[0].allowed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_campaigns_cannot_both_pass_the_cap(people, policy):  # noqa: F811
    zhang = people["zhang"]
    _market(zhang, "sms", "A", NOON)
    _market(zhang, "sms", "A", NOON)  # one below the cap of 3
    results = []
    barrier = threading.Barrier(2)

    def campaign(ref):
        try:
            barrier.wait()
            results.append(_market(Customer.objects.get(pk=zhang.pk), "sms", ref, NOON)[0].allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=campaign, args=(ref,)) for ref in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Exactly one of the two campaigns got the last slot: the customer row lock serialised them.
    assert sorted(results) == [False, True]
    assert MarketingContact.objects.filter(customer=zhang, purpose="marketing").count() == 3


def test_opt_out_is_respected_at_contact_time(people, policy):  # noqa: F811
    zhang = people["zhang"]
    # Given the customer was on the list, then opted out of SMS before the text went out
    assert customers_within_cap(Customer.objects.filter(pk=zhang.pk), "sms", NOON).exists()
    Customer.objects.filter(pk=zhang.pk).update(marketing_opt_outs=["sms"])
    decision, contact = _market(zhang, "sms", "A", NOON)
    assert not decision.allowed and contact is None
    assert "opted out" in decision.reason
    assert not customers_within_cap(Customer.objects.filter(pk=zhang.pk), "sms", NOON).exists()
    # a service text (a repair appointment) still goes
    assert contact_record(customer=zhang, channel="sms", purpose="service", at=NOON)[0].allowed


def test_quiet_hours(people, policy):  # noqa: F811
    zhang = people["zhang"]
    assert QuietHours.objects.get(channel="outbound_call").start == datetime.time(21)
    late = datetime.datetime(2026, 11, 10, 22, 30, tzinfo=SHANGHAI)
    early = datetime.datetime(2026, 11, 11, 7, 59, tzinfo=SHANGHAI)
    morning = datetime.datetime(2026, 11, 11, 8, 0, tzinfo=SHANGHAI)
    for at in (late, early):
        decision = contact_allowed(customer=zhang, channel="outbound_call", purpose="marketing", at=at)
        assert not decision.allowed and "Quiet hours" in decision.reason
        assert not contact_allowed(customer=zhang, channel="outbound_call", purpose="care", at=at).allowed
    assert contact_allowed(customer=zhang, channel="outbound_call", purpose="marketing", at=morning).allowed
    assert contact_allowed(customer=zhang, channel="email", purpose="marketing", at=late).allowed  # no quiet hours


def test_care_has_priority_and_does_not_count(people, policy):  # noqa: F811
    zhang = people["zhang"]
    for i in range(3):
        assert _market(zhang, "sms", "A", NOON + datetime.timedelta(minutes=i))[0].allowed
    assert not _market(zhang, "sms", "A", NOON + datetime.timedelta(minutes=5))[0].allowed
    # At the cap, care contacts still go, and they do not use up marketing slots
    for i in range(3):
        decision, contact = contact_record(
            customer=zhang, channel="sms", purpose="care", at=NOON + datetime.timedelta(minutes=10 + i)
        )
        assert decision.allowed and contact.purpose == "care"
    assert MarketingContact.objects.filter(customer=zhang, purpose="marketing").count() == 3


def test_customers_within_cap_by_level(people, policy):  # noqa: F811
    zhang, zhangw = people["zhang"], people["zhangw"]  # gold
    Customer.objects.filter(pk=zhangw.pk).update(service_level="basic")  # default row: 4 SMS a month
    for i in range(3):
        _market(zhang, "sms", "A", NOON - datetime.timedelta(days=i))
        _market(zhangw, "sms", "A", NOON - datetime.timedelta(days=i))
    listed = set(customers_within_cap(Customer.objects.all(), "sms", NOON).values_list("pk", flat=True))
    # Gold is at its cap of 3, basic still has a fourth slot, the key account has none used
    assert zhang.pk not in listed
    assert {zhangw.pk, people["corp"].pk} <= listed
