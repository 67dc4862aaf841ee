"""Campaign calls on the agent's desk: the running campaigns of the agent's region, the call list (never the control
group), the call page with the script and the offer, and an acceptance that becomes an order."""

from __future__ import annotations

import pytest

from analytics.models import CampaignMember
from crm.accounts.roles import Role
from customers.models import Customer
from orders.models import ProductOrder
from tests.analytics import test_campaign_channels as channel_tests

pytestmark = pytest.mark.django_db

# The campaign fixtures of the channel tests (customers with lines, phones and churn scores; launched campaigns).
catalog, campaign_customers = channel_tests.catalog, channel_tests.campaign_customers
english, make_campaign = channel_tests.english, channel_tests.make_campaign


def _targeted(campaign, region):
    return CampaignMember.objects.filter(campaign=campaign, control=False, region_id=region.pk).order_by("id")


def test_the_desktop_and_the_call_list_show_the_regions_calls_never_the_control_group(
    make_campaign, make_staff, client, hefei
):
    campaign = make_campaign("call-retain", ["outbound_call"])
    make_campaign("sms-only", ["sms"])
    client.force_login(make_staff(Role.CALL_AGENT))
    left = _targeted(campaign, hefei).count()

    desktop = client.get("/callcenter/")
    summary = client.get("/callcenter/campaigns/summary/")
    campaigns = client.get("/callcenter/campaigns/")
    call_list = client.get(f"/callcenter/campaigns/{campaign.pk}/")

    assert b"/callcenter/campaigns/summary/" in desktop.content  # loaded after the page
    assert f"{left} calls left" in summary.content.decode() and "sms-only" not in summary.content.decode()
    assert campaigns.status_code == 200 and b'data-campaign="call-retain"' in campaigns.content
    listed = set(call_list.context["members"])
    assert listed and all(not m.control and m.region_id == hefei.pk for m in listed)
    held_out = CampaignMember.objects.filter(campaign=campaign, control=True)
    assert not {m.pk for m in held_out} & {m.pk for m in listed}
    for member in held_out:
        assert f'data-member="{member.pk}"' not in call_list.content.decode()
    hefei_held_out = held_out.filter(region_id=hefei.pk).first()
    assert client.get(f"/callcenter/campaigns/calls/{hefei_held_out.pk}/").status_code == 404


def test_an_agent_records_an_acceptance_and_the_order_is_shown(make_campaign, make_staff, client, hefei):
    campaign = make_campaign("call-retain", ["outbound_call"])
    agent = make_staff(Role.CALL_AGENT)
    client.force_login(agent)
    member = _targeted(campaign, hefei).select_related("customer__party").first()
    url = f"/callcenter/campaigns/calls/{member.pk}/"

    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert member.customer.party.name in body and "Offer the data pack." in body
    assert 'data-offer="vas-data-10g"' in body and "¥20" in body and "usage down" in body
    assert "1390000" not in body  # the phone is masked

    response = client.post(url, {"outcome": "accepted", "note": "wants it"}, follow=True)

    member.refresh_from_db()
    assert member.outcome == "accepted" and member.channel == "outbound_call" and member.responded_by == agent
    order = ProductOrder.objects.get(pk=member.order_id)
    assert order.customer_id == member.customer_id and order.items.get().offering.code == "vas-data-10g"
    assert f'href="/orders/{order.order_no}/"' in response.content.decode()
    assert b'data-testid="campaign-response"' not in response.content  # answered: no second form
    again = client.post(url, {"outcome": "declined"})
    assert "already recorded" in again.content.decode()


def test_a_refused_contact_shows_why_and_is_recorded_as_suppressed(make_campaign, make_staff, client, hefei):
    campaign = make_campaign("call-retain", ["outbound_call"])
    client.force_login(make_staff(Role.CALL_AGENT))
    member = _targeted(campaign, hefei).first()
    Customer.objects.filter(pk=member.customer_id).update(marketing_opt_outs=["outbound_call"])

    response = client.post(f"/callcenter/campaigns/calls/{member.pk}/", {"outcome": "accepted"}, follow=True)

    member.refresh_from_db()
    assert member.outcome == "suppressed" and member.order is None
    assert "Not contacted (contact policy)" in response.content.decode() and "opted out" in response.content.decode()


def test_an_agent_cannot_call_another_regions_customer_nor_the_control_group(
    make_campaign, make_staff, client, hefei, wuhu
):
    campaign = make_campaign("call-retain", ["outbound_call"], holdout=40)
    client.force_login(make_staff(Role.CALL_AGENT, region=wuhu))
    hefei_member = _targeted(campaign, hefei).first()

    foreign = client.post(f"/callcenter/campaigns/calls/{hefei_member.pk}/", {"outcome": "declined"})
    call_list = client.get(f"/callcenter/campaigns/{campaign.pk}/")

    assert foreign.status_code == 404
    hefei_member.refresh_from_db()
    assert hefei_member.outcome == "pending"
    assert all(m.region_id == wuhu.pk for m in call_list.context["members"])
    # Someone without the agent's permission is refused the pages.
    client.force_login(make_staff(Role.HALL_CLERK))
    assert client.get("/callcenter/campaigns/").status_code == 403
