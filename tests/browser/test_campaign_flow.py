"""A retention campaign from design to effect, in a real browser: an analyst designs it for high churn-risk gold
customers (the audience preview counts them), launches it behind a confirmation, an agent works the call list and
records an acceptance that becomes an order, and the campaign report shows it against the control group."""

import datetime

import pytest
from django.utils import timezone

from analytics.campaigns.selectors import campaign_report
from analytics.models import Campaign, CampaignMember
from crm.accounts.roles import Role
from orders.eligibility import OrderRequest
from orders.models import OrderType, ProductOffering
from orders.services import intake
from tests.analytics import test_campaign_channels as channel_tests
from tests.browser.test_staff_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

catalog, campaign_customers = channel_tests.catalog, channel_tests.campaign_customers


def test_analyst_designs_and_launches_agent_converts_report_compares_with_control(
    page, make_staff, campaign_customers, hefei, screenshot
):
    analyst = make_staff(Role.MARKETING_ANALYST, username="campaign_analyst")
    agent = make_staff(Role.CALL_AGENT, username="campaign_caller")
    offer = ProductOffering.objects.get(code="vas-data-10g")
    today = timezone.localdate()

    # The analyst designs the campaign; the preview counts Hefei's high-risk gold customers as the target changes.
    log_in(page, analyst.username)
    page.goto(page.base_url + "/analytics/campaigns/new/")
    page.fill("#id_name", "金卡高危挽留")
    page.fill("#id_code", "gold-retain-browser")
    page.select_option("#id_goal", "retention")
    page.fill("#id_starts_on", (today - datetime.timedelta(days=1)).isoformat())
    page.fill("#id_ends_on", (today + datetime.timedelta(days=30)).isoformat())
    page.fill("#id_holdout_percent", "30")
    page.check("input[name=churn_bands][value=high]")
    page.check("input[name=levels][value=gold]")
    page.check(f"input[name=regions][value='{hefei.pk}']")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=audience-preview]').innerText.includes('30')", timeout=8_000
    )
    page.select_option("#id_offerings", str(offer.pk))
    page.check("input[name=channels][value=outbound_call]")
    page.fill("#id_script", "您好，这里是中国电信，为您准备了10GB流量包优惠。")
    screenshot(page, "campaign-design")
    page.click("[data-testid=campaign-save]")
    page.wait_for_selector("[data-testid=launch-form]")
    campaign = Campaign.objects.get(code="gold-retain-browser")
    assert campaign.status == "draft" and campaign.target["levels"] == ["gold"]

    # Launch asks for a confirmation first.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=launch-form] button[type=submit]")
    page.wait_for_selector("[data-testid=finish-form]")
    campaign.refresh_from_db()
    members = CampaignMember.objects.filter(campaign=campaign)
    assert campaign.status == "launched" and members.count() == 30 and members.filter(control=True).exists()

    # The agent works the call list: the first call is accepted and becomes an order.
    page.context.clear_cookies()
    log_in(page, agent.username)
    page.goto(page.base_url + "/callcenter/")
    page.click(f"[data-testid=campaign-calls] a:has-text('{campaign.name}')")
    page.wait_for_selector("[data-testid=call-list]")
    page.locator("[data-testid=call-list] a.button").first.click()
    page.wait_for_selector("[data-testid=campaign-response]")
    page.check("input[name=outcome][value=accepted]")
    page.click("[data-testid=campaign-response] button[type=submit]")
    page.wait_for_selector("[data-testid=campaign-order]")
    accepted = members.get(outcome="accepted")
    assert not accepted.control and accepted.order.items.filter(offering=offer).exists()

    # A control-group customer buys the same pack at the counter on their own: the report counts them alike.
    held_out = members.filter(control=True).select_related("customer").first()
    line = held_out.customer.products.get(status="active")
    request = OrderRequest(order_type=OrderType.VAS_ADD, customer=held_out.customer, offering=offer, product=line,
                           channel="own_hall", idempotency_key="control-walk-in")  # fmt: skip
    intake.order_submit(request=request, actor=make_staff(Role.HALL_CLERK))

    # The analyst's report shows the acceptance, both groups' conversions and the uplift with its interval.
    page.context.clear_cookies()
    log_in(page, analyst.username)
    page.goto(page.base_url + f"/analytics/campaigns/{campaign.pk}/")
    report = campaign_report(campaign)
    assert report.accepted == 1 and report.effect.treated_converted == 1 and report.effect.control_converted == 1
    assert page.inner_text("[data-testid=report-accepted]").strip() == "1"
    assert page.inner_text("[data-testid=report-control]").strip() == str(report.control)
    assert page.inner_text("[data-testid=effect-treated]").startswith(f"1 / {report.targeted}")
    assert page.inner_text("[data-testid=effect-control]").startswith(f"1 / {report.control}")
    assert "…" in page.inner_text("[data-testid=effect-interval]")
    page.wait_for_selector("[data-testid^=chart-] canvas, [data-testid^=chart-] svg", timeout=8_000)
    screenshot(page, "campaign-report")
