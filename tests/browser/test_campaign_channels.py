"""Campaign execution in a real browser: an agent works the campaign call list from the desktop and records an
acceptance that becomes an order; a clerk opening a targeted customer's 360 view sees the campaign prompt (loaded
after the page) and accepts the offer at the counter."""

import pytest

from analytics.models import CampaignMember
from crm.accounts.roles import Role
from tests.analytics import test_campaign_channels as channel_tests
from tests.browser.test_staff_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

catalog, campaign_customers, make_campaign = (
    channel_tests.catalog,
    channel_tests.campaign_customers,
    channel_tests.make_campaign,
)


def test_agent_works_the_call_list_and_a_clerk_answers_the_counter_prompt(page, make_staff, make_campaign, hefei,
                                                                           screenshot):  # fmt: skip
    calls = make_campaign("call-retain", ["outbound_call"])
    counter = make_campaign("hall-retain", ["hall_prompt"])
    agent = make_staff(Role.CALL_AGENT, username="campaign_agent")
    clerk = make_staff(Role.HALL_CLERK, username="campaign_clerk")

    # The agent sees the campaign on the desktop, opens its call list and the first call.
    log_in(page, agent.username)
    page.goto(page.base_url + "/callcenter/")
    page.click("[data-testid=campaign-calls] a:has-text('call-retain')")
    page.wait_for_selector("[data-testid=call-list]")
    first = page.locator("[data-testid=call-list] a.button").first
    member = CampaignMember.objects.get(pk=first.get_attribute("href").rstrip("/").rsplit("/", 1)[-1])
    assert not member.control and member.campaign == calls
    first.click()
    page.wait_for_selector("[data-testid=campaign-response]")
    page.check("input[name=outcome][value=accepted]")
    screenshot(page, "campaign-call")
    page.click("[data-testid=campaign-response] button[type=submit]")
    page.wait_for_selector("[data-testid=campaign-order]")
    member.refresh_from_db()
    assert member.outcome == "accepted" and member.order.order_no == page.inner_text("[data-testid=campaign-order]")

    # A targeted customer of the counter campaign comes to the hall: the clerk's 360 view shows the prompt.
    page.context.clear_cookies()
    log_in(page, clerk.username)
    targeted = CampaignMember.objects.filter(campaign=counter, control=False, region_id=hefei.pk).order_by("id").first()
    page.goto(page.base_url + f"/customers/{targeted.customer.customer_no}/")
    page.wait_for_selector("[data-testid=campaign-prompt]")
    screenshot(page, "campaign-hall-prompt")
    page.click("[data-testid=prompt-accept]")
    page.wait_for_selector("[data-testid=campaign-prompt-result] [data-testid=campaign-order]")
    targeted.refresh_from_db()
    assert targeted.outcome == "accepted" and targeted.order.channel == "own_hall"
    assert page.locator("[data-testid=campaign-prompt]").count() == 0
