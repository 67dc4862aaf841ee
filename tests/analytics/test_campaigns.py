"""Campaigns: the audience and its control group, the contact policy at contact time across two campaigns, an
acceptance that becomes an order, and the report against the control group."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from analytics.campaigns.selectors import campaign_report
from analytics.campaigns.services import (
    CampaignError,
    campaign_audience,
    campaign_launch,
    campaign_respond,
    in_control_group,
)
from analytics.models import Campaign, CampaignMember, ChurnScore, ModelVersion
from crm.accounts.roles import Role
from customers.models import BillingAccount, Customer, Party
from feedback.models import ContactPolicy, QuietHours
from orders.models import ProductOffering
from tests.orders.conftest import catalog  # noqa: F401 - the fixture the customers need

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the English reasons, not the catalogue's Chinese."""
    with translation.override("en"):
        yield


AS_OF = datetime.date(2026, 11, 30)
NOON = timezone.make_aware(datetime.datetime(2026, 12, 3, 12, 0))  # outside any quiet hours


@pytest.fixture
def gold_customers(request, hefei, wuhu):
    """40 gold customers in Hefei with a live mobile line, high churn risk; 10 silver and 5 in Wuhu with it too."""
    from orders.services import product_create

    request.getfixturevalue("catalog")  # the demo catalog, from tests/orders/conftest.py (imported below)

    version = ModelVersion.objects.create(kind="churn", version=1, algorithm="test", train_from=AS_OF,
                                          train_to=AS_OF, file="none")  # fmt: skip
    plan = ProductOffering.objects.get(code="mob-89")
    made = []
    for i in range(55):
        region, level = (hefei, "gold") if i < 40 else (hefei, "silver") if i < 50 else (wuhu, "gold")
        party = Party.objects.create(kind="individual", name=f"客户{i}", id_number=f"CAMP{i:014d}")
        customer = Customer.objects.create(customer_no=f"CC{i:010d}", party=party, region=region,
                                           customer_class="public", service_level=level)  # fmt: skip
        BillingAccount.objects.create(account_no=f"AC{i:010d}", customer=customer)
        product_create(customer=customer, offering=plan, service_number=f"1899{i:07d}", status="active",
                       billing_account=customer.accounts.first())  # fmt: skip
        ChurnScore.objects.create(as_of=AS_OF, customer=customer, model=version, probability=0.4, band="high",
                                  region_id=region.pk)  # fmt: skip
        made.append(customer)
    QuietHours.objects.all().delete()
    return made


def _campaign(code: str, analyst, *, holdout: int = 20, offers=("vas-data-10g",)) -> Campaign:
    campaign = Campaign.objects.create(
        code=code, name=code, goal="retention", target={"churn_bands": ["high"], "levels": ["gold"]},
        channels=["outbound_call", "hall_prompt"], starts_on=AS_OF, ends_on=AS_OF + datetime.timedelta(days=60),
        holdout_percent=holdout, created_by=analyst,
    )  # fmt: skip
    campaign.offerings.set(ProductOffering.objects.filter(code__in=offers))
    return campaign


def test_launch_targets_the_audience_and_holds_out_a_stable_random_control_group(gold_customers, make_staff):
    campaign = _campaign("retain-gold", make_staff(Role.MARKETING_ANALYST))

    assert campaign_audience(campaign).count() == 45  # gold and high risk: 40 in Hefei and 5 in Wuhu
    launched = campaign_launch(campaign=campaign, actor=campaign.created_by)

    members = CampaignMember.objects.filter(campaign=campaign)
    control = set(members.filter(control=True).values_list("customer_id", flat=True))
    assert launched == members.count() == 45
    assert control == {c.pk for c in gold_customers if c.service_level == "gold" and in_control_group(campaign, c.pk)}
    assert 0 < len(control) < 45 // 2  # about 20 %
    with pytest.raises(CampaignError):
        campaign_launch(campaign=campaign, actor=campaign.created_by)  # launched once


def test_the_control_group_is_never_contacted(gold_customers, make_staff):
    campaign = _campaign("retain-gold", make_staff(Role.MARKETING_ANALYST))
    campaign_launch(campaign=campaign, actor=campaign.created_by)
    held_out = CampaignMember.objects.filter(campaign=campaign, control=True).first()

    with pytest.raises(CampaignError, match="control group"):
        campaign_respond(member=held_out, outcome="declined", channel="outbound_call",
                         actor=make_staff(Role.CALL_AGENT), at=NOON)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignMember.objects.filter(pk=held_out.pk).update(outcome="declined")  # the database refuses it too


def test_the_contact_cap_holds_across_two_campaigns_and_opt_outs_at_contact_time(gold_customers, make_staff):
    ContactPolicy.objects.update_or_create(service_level="gold", channel="outbound_call",
                                           defaults={"max_contacts": 1, "period_days": 30})  # fmt: skip
    analyst, agent = make_staff(Role.MARKETING_ANALYST), make_staff(Role.CALL_AGENT)
    first, second = _campaign("retain-a", analyst, holdout=1), _campaign("retain-b", analyst, holdout=1)
    campaign_launch(campaign=first, actor=analyst)
    campaign_launch(campaign=second, actor=analyst)
    both = [c for c in gold_customers if c.service_level == "gold"]
    customer = next(c for c in both if not in_control_group(first, c.pk) and not in_control_group(second, c.pk))

    campaign_respond(member=CampaignMember.objects.get(campaign=first, customer=customer), outcome="declined",
                     channel="outbound_call", actor=agent, at=NOON)  # fmt: skip
    refused = campaign_respond(member=CampaignMember.objects.get(campaign=second, customer=customer),
                               outcome="declined", channel="outbound_call", actor=agent, at=NOON)  # fmt: skip
    assert refused.outcome == "suppressed" and "limit is 1" in refused.note
    assert CampaignMember.objects.get(pk=refused.pk).outcome == "suppressed"

    # A customer who opts out after the launch is not called: the policy is asked again at contact time.
    other = next(c for c in both if c != customer and not in_control_group(second, c.pk))
    Customer.objects.filter(pk=other.pk).update(marketing_opt_outs=["outbound_call"])
    opted_out = campaign_respond(member=CampaignMember.objects.get(campaign=second, customer=other),
                                 outcome="accepted", channel="outbound_call", actor=agent, at=NOON)  # fmt: skip
    assert opted_out.outcome == "suppressed" and "opted out" in opted_out.note and opted_out.order is None


def test_an_acceptance_becomes_an_order_and_the_report_compares_with_the_control_group(gold_customers, make_staff):
    campaign = _campaign("retain-gold", make_staff(Role.MARKETING_ANALYST))
    campaign_launch(campaign=campaign, actor=campaign.created_by)
    agent = make_staff(Role.CALL_AGENT)
    targeted = list(CampaignMember.objects.filter(campaign=campaign, control=False).order_by("id")[:3])

    accepted = campaign_respond(member=targeted[0], outcome="accepted", channel="outbound_call", actor=agent, at=NOON)
    campaign_respond(member=targeted[1], outcome="declined", channel="outbound_call", actor=agent, at=NOON)
    campaign_respond(member=targeted[2], outcome="no_answer", channel="outbound_call", actor=agent, at=NOON)

    assert accepted.order is not None and accepted.order.channel == "hotline"
    assert accepted.order.items.get().offering.code == "vas-data-10g"
    report = campaign_report(campaign)
    assert (report.members, report.contacted, report.accepted, report.suppressed) == (45, 3, 1, 0)
    assert report.targeted + report.control == 45
    # One conversion among the targeted, none in the control group.
    assert report.effect.treated_converted == 1 and report.effect.control_converted == 0
    assert report.effect.uplift == pytest.approx(1 / report.targeted)
    assert [row["channel"] for row in report.by_channel] == ["outbound_call"]


def test_an_answer_is_recorded_once(gold_customers, make_staff):
    """A second answer (another agent, a double submit) is refused under the row lock: no second order."""
    campaign = _campaign("retain-once", make_staff(Role.MARKETING_ANALYST))
    campaign_launch(campaign=campaign, actor=campaign.created_by)
    agent = make_staff(Role.CALL_AGENT)
    member = CampaignMember.objects.filter(campaign=campaign, control=False).order_by("id").first()
    campaign_respond(member=member, outcome="accepted", channel="outbound_call", actor=agent, at=NOON)
    with pytest.raises(CampaignError, match="already recorded"):
        campaign_respond(member=member, outcome="declined", channel="hall_prompt", actor=agent, at=NOON)
    member.refresh_from_db()
    assert member.outcome == "accepted" and member.channel == "outbound_call"


def test_the_call_list_leaves_out_the_control_group_and_customers_at_their_cap(gold_customers, make_staff):
    from analytics.campaigns.selectors import agent_call_list

    ContactPolicy.objects.update_or_create(service_level="gold", channel="outbound_call",
                                           defaults={"max_contacts": 1, "period_days": 30})  # fmt: skip
    analyst, agent = make_staff(Role.MARKETING_ANALYST), make_staff(Role.CALL_AGENT)
    first, second = _campaign("retain-a", analyst), _campaign("retain-b", analyst)
    campaign_launch(campaign=first, actor=analyst)
    campaign_launch(campaign=second, actor=analyst)
    before = agent_call_list(second, limit=100, at=NOON)
    called = next(m for m in before if not CampaignMember.objects.get(campaign=first, customer=m.customer).control)

    campaign_respond(member=CampaignMember.objects.get(campaign=first, customer=called.customer),
                     outcome="declined", channel="outbound_call", actor=agent, at=NOON)  # fmt: skip
    after = agent_call_list(second, limit=100, at=NOON)

    assert not any(m.control for m in before)
    assert len(before) == CampaignMember.objects.filter(campaign=second, control=False).count()
    assert called.customer_id not in {m.customer_id for m in after} and len(after) == len(before) - 1
