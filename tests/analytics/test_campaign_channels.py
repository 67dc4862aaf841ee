"""Campaign execution channels: the SMS run (the contact policy per text, once per member, quiet hours), the prompt a
clerk sees on the 360 view, and the portal banner. The control group appears in none of them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.utils import timezone, translation

from analytics.campaigns import channels
from analytics.campaigns.selectors import campaign_report
from analytics.campaigns.services import campaign_launch, campaign_respond
from analytics.models import Campaign, CampaignMember, ChurnScore, ModelVersion
from crm.accounts.roles import Role
from crm.messaging.models import OutboundMessage
from customers.models import BillingAccount, ContactMedium, Customer, Party
from feedback.models import ContactPolicy, MarketingContact, QuietHours
from orders.models import ProductOffering
from tests.orders.conftest import catalog  # noqa: F401 - the fixture the customers need
from tests.portal.sms import PATH as CAPTURING_GATEWAY
from tests.portal.sms import CapturingSmsGateway

pytestmark = pytest.mark.django_db

PASSWORD = "Kite-river-2026"
NOON = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))


@pytest.fixture(autouse=True)
def english(client, settings):
    """These tests read English text, not the catalogue's Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def sms_outbox(settings):
    settings.CRM_SMS_GATEWAY = CAPTURING_GATEWAY
    CapturingSmsGateway.sent.clear()
    yield CapturingSmsGateway.sent
    CapturingSmsGateway.sent.clear()


@pytest.fixture
def campaign_customers(request, hefei, wuhu):
    """30 gold customers in Hefei and 4 in Wuhu, each with a phone, a live mobile line and a high churn score."""
    from orders.services import product_create

    request.getfixturevalue("catalog")
    as_of = timezone.localdate() - datetime.timedelta(days=3)
    version = ModelVersion.objects.create(kind="churn", version=1, algorithm="test", train_from=as_of,
                                          train_to=as_of, file="none")  # fmt: skip
    plan = ProductOffering.objects.get(code="mob-89")
    made = []
    for i in range(34):
        region = hefei if i < 30 else wuhu
        party = Party.objects.create(kind="individual", name=f"客户{i}", id_number=f"CHAN{i:014d}")
        ContactMedium.objects.create(party=party, kind="phone", value=f"1390000{i:04d}", region=region)
        customer = Customer.objects.create(customer_no=f"CH{i:010d}", party=party, region=region,
                                           customer_class="public", service_level="gold")  # fmt: skip
        BillingAccount.objects.create(account_no=f"AH{i:010d}", customer=customer)
        product_create(customer=customer, offering=plan, service_number=f"1899{i:07d}", status="active",
                       billing_account=customer.accounts.first())  # fmt: skip
        reasons = [{"feature": "data_trend_3m", "text": "usage down"}]
        ChurnScore.objects.create(as_of=as_of, customer=customer, model=version, probability=0.4, band="high",
                                  region_id=region.pk, reasons=reasons)  # fmt: skip
        made.append(customer)
    QuietHours.objects.all().delete()
    ContactPolicy.objects.all().delete()
    return made


@pytest.fixture
def make_campaign(campaign_customers, make_staff):
    """make_campaign(code, channels, holdout=30, message=...) -> a launched campaign over the gold customers."""

    def make(code: str, channels_: list[str], *, holdout: int = 30, message: str = "10GB for 20 yuan a month"):
        analyst = make_staff(Role.MARKETING_ANALYST)
        today = timezone.localdate()
        campaign = Campaign.objects.create(
            code=code, name=code, goal="retention", target={"churn_bands": ["high"], "levels": ["gold"]},
            channels=channels_, script="Offer the data pack.", message=message,
            starts_on=today - datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=30),
            holdout_percent=holdout, created_by=analyst,
        )  # fmt: skip
        campaign.offerings.set(ProductOffering.objects.filter(code="vas-data-10g"))
        campaign_launch(campaign=campaign, actor=analyst)
        assert CampaignMember.objects.filter(campaign=campaign, control=True).exists()  # the tests need both sides
        return campaign

    return make


def _member(campaign: Campaign, *, control: bool, region=None) -> CampaignMember:
    members = CampaignMember.objects.filter(campaign=campaign, control=control).select_related("customer")
    if region is not None:
        members = members.filter(region_id=region.pk)
    return members.order_by("id").first()


# --- SMS -------------------------------------------------------------------------------------------------------------


def test_sms_texts_each_targeted_member_once_never_the_control_group(
    make_campaign, sms_outbox, django_capture_on_commit_callbacks
):
    campaign = make_campaign("sms-retain", ["sms"])
    targeted = CampaignMember.objects.filter(campaign=campaign, control=False).count()
    control_phones = {
        m.customer.party.contact_media.get().value
        for m in CampaignMember.objects.filter(campaign=campaign, control=True).select_related("customer__party")
    }

    with django_capture_on_commit_callbacks(execute=True):
        first = channels.campaign_sms_send(campaign=campaign, at=NOON, chunk_size=7)  # several chunks
    with django_capture_on_commit_callbacks(execute=True):
        second = channels.campaign_sms_send(campaign=campaign, at=NOON, chunk_size=7)

    assert first.sent == targeted and second.sent == 0  # the second run texts nobody again
    assert len(sms_outbox) == targeted
    assert len({phone for phone, _body in sms_outbox}) == targeted
    assert not control_phones & {phone for phone, _body in sms_outbox}
    assert all(body == "10GB for 20 yuan a month" for _phone, body in sms_outbox)
    assert OutboundMessage.objects.filter(purpose="campaign", status="sent").count() == targeted
    assert set(CampaignMember.objects.filter(campaign=campaign, control=False).values_list("outcome", flat=True)) == {
        "sent"
    }
    assert set(CampaignMember.objects.filter(campaign=campaign, control=True).values_list("outcome", flat=True)) == {
        "pending"
    }
    assert MarketingContact.objects.filter(channel="sms", campaign_ref="sms-retain").count() == targeted
    # The report counts the texted members as contacted.
    assert campaign_report(campaign).contacted == targeted


def test_sms_skips_an_opted_out_customer_as_suppressed_and_a_reply_is_still_recorded(
    make_campaign, sms_outbox, make_staff, django_capture_on_commit_callbacks
):
    campaign = make_campaign("sms-retain", ["sms"])
    opted, replying = list(CampaignMember.objects.filter(campaign=campaign, control=False).order_by("id")[:2])
    Customer.objects.filter(pk=opted.customer_id).update(marketing_opt_outs=["sms"])
    opted_phone = opted.customer.party.contact_media.get().value

    with django_capture_on_commit_callbacks(execute=True):
        run = channels.campaign_sms_send(campaign=campaign, at=NOON)

    opted.refresh_from_db()
    assert run.suppressed == 1 and opted.outcome == "suppressed" and "opted out" in opted.note
    assert opted_phone not in {phone for phone, _body in sms_outbox}
    # The customer answers the text later: the reply is recorded (and the acceptance becomes an order).
    answered = campaign_respond(member=replying, outcome="accepted", channel="sms", actor=make_staff(Role.CALL_AGENT))
    assert answered.outcome == "accepted" and answered.order is not None
    assert answered.order.items.get().offering.code == "vas-data-10g"


def test_sent_is_not_an_answer_anyone_records(make_campaign, make_staff):
    from analytics.campaigns.services import CampaignError

    campaign = make_campaign("sms-retain", ["sms"])
    member = _member(campaign, control=False)

    with pytest.raises(CampaignError, match="Choose what the customer answered"):
        campaign_respond(member=member, outcome="sent", channel="sms", actor=make_staff(Role.CALL_AGENT), at=NOON)
    member.refresh_from_db()
    assert member.outcome == "pending"


def test_sms_waits_outside_quiet_hours(make_campaign, sms_outbox, django_capture_on_commit_callbacks):
    campaign = make_campaign("sms-retain", ["sms"])
    QuietHours.objects.create(channel="sms", start=datetime.time(21), end=datetime.time(8))
    late = NOON.replace(hour=22)

    with django_capture_on_commit_callbacks(execute=True):
        run = channels.campaign_sms_send(campaign=campaign, at=late)

    assert run.quiet_hours and run.sent == 0 and sms_outbox == []
    assert not CampaignMember.objects.filter(campaign=campaign).exclude(outcome="pending").exists()


def test_the_daily_task_sends_the_running_sms_campaigns(make_campaign, sms_outbox, django_capture_on_commit_callbacks):
    from analytics.tasks import campaigns_sms_send_task
    from crm.schedules import beat_schedule

    campaign = make_campaign("sms-retain", ["sms"])
    make_campaign("calls-only", ["outbound_call"])
    entry = beat_schedule()["campaigns-sms-send"]

    with django_capture_on_commit_callbacks(execute=True):
        sent = campaigns_sms_send_task.apply().get()

    assert entry["task"] == "analytics.tasks.campaigns_sms_send_task"
    assert sent == {"sms-retain": CampaignMember.objects.filter(campaign=campaign, control=False).count()}


# --- The counter's prompt on the 360 view ---------------------------------------------------------------------------


def test_the_360_view_loads_the_prompt_for_a_targeted_member_only(make_campaign, make_staff, client, wuhu):
    campaign = make_campaign("hall-retain", ["hall_prompt"])
    clerk = make_staff(Role.HALL_CLERK)
    client.force_login(clerk)
    targeted, held_out = _member(campaign, control=False), _member(campaign, control=True)
    outsider = Customer.objects.create(customer_no="CX0000000001", party=Party.objects.create(kind="individual",
                                       name="路人", id_number="CHANX000000000001"), region=targeted.customer.region,
                                       customer_class="public", service_level="gold")  # fmt: skip

    page = client.get(f"/customers/{targeted.customer.customer_no}/")
    prompt = client.get(f"/analytics/campaign-contacts/hall/{targeted.customer.customer_no}/")
    control_prompt = client.get(f"/analytics/campaign-contacts/hall/{held_out.customer.customer_no}/")
    outsider_prompt = client.get(f"/analytics/campaign-contacts/hall/{outsider.customer_no}/")

    assert page.status_code == 200 and b"/analytics/campaign-contacts/hall/" in page.content  # loaded lazily
    assert prompt.status_code == 200
    assert b'data-testid="campaign-prompt"' in prompt.content and "10GB" in prompt.content.decode()
    assert b"Offer the data pack." in prompt.content
    assert control_prompt.status_code == 200 and b'data-testid="campaign-prompt"' not in control_prompt.content
    assert outsider_prompt.status_code == 200 and b'data-testid="campaign-prompt"' not in outsider_prompt.content


def test_a_clerk_accepts_at_the_counter_and_an_order_is_taken(make_campaign, make_staff, client):
    campaign = make_campaign("hall-retain", ["hall_prompt"])
    clerk = make_staff(Role.HALL_CLERK)
    client.force_login(clerk)
    targeted = _member(campaign, control=False)
    offer = campaign.offerings.get()
    url = f"/analytics/campaign-contacts/hall/{targeted.customer.customer_no}/{targeted.pk}/"

    response = client.post(url, {"outcome": "accepted", "offering": offer.pk})

    targeted.refresh_from_db()
    assert response.status_code == 200
    assert targeted.outcome == "accepted" and targeted.channel == "hall_prompt" and targeted.responded_by == clerk
    assert targeted.order.channel == "own_hall" and targeted.order.order_no in response.content.decode()
    assert b'data-testid="campaign-prompt"' not in response.content  # answered: the prompt is gone
    again = client.post(url, {"outcome": "declined"})
    assert "already recorded" in again.content.decode()
    targeted.refresh_from_db()
    assert targeted.outcome == "accepted"


def test_a_clerk_cannot_answer_for_another_regions_customer_or_the_control_group(
    make_campaign, make_staff, client, hefei, wuhu
):
    campaign = make_campaign("hall-retain", ["hall_prompt"], holdout=40)
    client.force_login(make_staff(Role.HALL_CLERK, region=wuhu))
    hefei_member = _member(campaign, control=False, region=hefei)
    held_out = CampaignMember.objects.filter(campaign=campaign, control=True, region_id=wuhu.pk).first()

    foreign = client.post(f"/analytics/campaign-contacts/hall/{hefei_member.customer.customer_no}/{hefei_member.pk}/",
                          {"outcome": "declined"})  # fmt: skip
    foreign_prompt = client.get(f"/analytics/campaign-contacts/hall/{hefei_member.customer.customer_no}/")
    assert foreign.status_code == 404 and foreign_prompt.status_code == 404
    hefei_member.refresh_from_db()
    assert hefei_member.outcome == "pending"
    if held_out is not None:  # the control group's membership is not found either
        response = client.post(f"/analytics/campaign-contacts/hall/{held_out.customer.customer_no}/{held_out.pk}/",
                               {"outcome": "declined"})  # fmt: skip
        assert response.status_code == 404
    # An agent (no counter orders) is refused the prompt.
    client.force_login(make_staff(Role.CALL_AGENT))
    assert client.get(f"/analytics/campaign-contacts/hall/{hefei_member.customer.customer_no}/").status_code == 403


# --- The portal banner ----------------------------------------------------------------------------------------------


def _portal_login(client, customer) -> None:
    from portal.models import PortalAccount

    cache.clear()  # the log-in throttles
    number = customer.products.get().service_number
    PortalAccount.objects.create(customer=customer, login=number, password=make_password(PASSWORD),
                                 password_changed_at=timezone.now())  # fmt: skip
    response = client.post("/portal/login/", {"login": number, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]


def test_the_portal_banner_accepts_into_an_order(make_campaign, client):
    campaign = make_campaign("portal-retain", ["portal_banner"])
    targeted = _member(campaign, control=False)
    _portal_login(client, targeted.customer)

    home = client.get("/portal/")
    assert b'data-testid="campaign-banner"' in home.content and b"10GB for 20 yuan a month" in home.content
    offer = campaign.offerings.get()
    response = client.post(f"/portal/offers/{targeted.pk}/answer/", {"answer": f"accept-{offer.pk}"}, follow=True)

    targeted.refresh_from_db()
    assert targeted.outcome == "accepted" and targeted.channel == "portal_banner" and targeted.responded_by is None
    assert targeted.order.channel == "portal" and targeted.order.items.get().offering == offer
    assert targeted.order.order_no in response.content.decode()
    assert b'data-testid="campaign-banner"' not in response.content  # answered: the banner is gone
    assert MarketingContact.objects.filter(customer=targeted.customer, channel="portal").count() == 1


def test_the_portal_banner_is_never_shown_to_the_control_group_nor_to_an_opted_out_customer(make_campaign, client):
    campaign = make_campaign("portal-retain", ["portal_banner"])
    held_out = _member(campaign, control=True)
    _portal_login(client, held_out.customer)

    home = client.get("/portal/")
    answer = client.post(f"/portal/offers/{held_out.pk}/answer/", {"answer": "decline"})

    assert home.status_code == 200 and b'data-testid="campaign-banner"' not in home.content
    assert answer.status_code == 404
    held_out.refresh_from_db()
    assert held_out.outcome == "pending"

    targeted = _member(campaign, control=False)
    Customer.objects.filter(pk=targeted.customer_id).update(marketing_opt_outs=["portal"])
    client.post("/portal/logout/")
    _portal_login(client, targeted.customer)
    assert b'data-testid="campaign-banner"' not in client.get("/portal/").content


def test_the_portal_banner_declines_and_another_customers_member_is_not_found(make_campaign, client):
    campaign = make_campaign("portal-retain", ["portal_banner"])
    mine, theirs = list(CampaignMember.objects.filter(campaign=campaign, control=False).order_by("id")[:2])
    _portal_login(client, mine.customer)

    assert client.post(f"/portal/offers/{theirs.pk}/answer/", {"answer": "decline"}).status_code == 404
    client.post(f"/portal/offers/{mine.pk}/answer/", {"answer": "decline"})

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.outcome, theirs.outcome) == ("declined", "pending") and mine.order is None
