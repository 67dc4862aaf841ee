"""The analyst's campaign pages: who may use them, the draft form's validation, the live audience preview, launching
from the page with its control group, drafts only editable, cancel/finish, and the report with its export."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.campaigns.selectors import campaign_report
from analytics.campaigns.services import campaign_launch, campaign_respond, in_control_group, target_audience
from analytics.models import Campaign, CampaignMember, ChurnScore, ModelVersion
from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from customers.models import BillingAccount, Customer, Party
from feedback.models import QuietHours
from orders.models import ProductOffering, ProductOfferingPrice
from tests.orders.conftest import catalog  # noqa: F401 - the fixture the customers need

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 30)
NOON = timezone.make_aware(datetime.datetime(2026, 12, 3, 12, 0))  # outside any quiet hours
OFFER = "vas-data-10g"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def analyst(make_staff):
    return make_staff(Role.MARKETING_ANALYST)


@pytest.fixture
def population(request, hefei, wuhu):
    """30 customers with a live mobile line and a churn score: in Hefei 12 gold high-risk, 6 gold low-risk and
    6 silver high-risk; in Wuhu 6 gold high-risk. One Hefei gold high-risk customer refuses marketing calls."""
    from orders.services import product_create

    request.getfixturevalue("catalog")
    version = ModelVersion.objects.create(kind="churn", version=1, algorithm="test", train_from=AS_OF,
                                          train_to=AS_OF, file="none")  # fmt: skip
    plan = ProductOffering.objects.get(code="mob-89")
    made = []
    for i in range(30):
        region, level, band = (
            (hefei, "gold", "high") if i < 12 else (hefei, "gold", "low") if i < 18
            else (hefei, "silver", "high") if i < 24 else (wuhu, "gold", "high")
        )  # fmt: skip
        party = Party.objects.create(kind="individual", name=f"客户{i}", id_number=f"VIEW{i:014d}")
        customer = Customer.objects.create(customer_no=f"CV{i:010d}", party=party, region=region,
                                           customer_class="public", service_level=level,
                                           segment="at_risk" if i % 2 else "loyal",
                                           marketing_opt_outs=["outbound_call"] if i == 0 else [])  # fmt: skip
        BillingAccount.objects.create(account_no=f"AV{i:010d}", customer=customer)
        product_create(customer=customer, offering=plan, service_number=f"1897{i:07d}", status="active",
                       billing_account=customer.accounts.first())  # fmt: skip
        ChurnScore.objects.create(as_of=AS_OF, customer=customer, model=version, probability=0.4, band=band,
                                  region_id=region.pk)  # fmt: skip
        made.append(customer)
    QuietHours.objects.all().delete()
    return made


def _form(**overrides) -> dict:
    data = {
        "name": "Keep gold customers",
        "code": "retain-gold",
        "goal": "retention",
        "churn_bands": ["high"],
        "levels": ["gold"],
        "channels": ["outbound_call", "hall_prompt"],
        "script": "Offer 10 GB extra data.",
        "message": "",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "budget": "5000",
        "holdout_percent": "20",
    }
    data.update(overrides)
    return data


def _draft(analyst, *, code: str = "retain-gold", holdout: int = 20) -> Campaign:
    campaign = Campaign.objects.create(
        code=code, name=code, goal="retention", target={"churn_bands": ["high"], "levels": ["gold"]},
        channels=["outbound_call", "hall_prompt"], starts_on=AS_OF, ends_on=AS_OF + datetime.timedelta(days=60),
        holdout_percent=holdout, created_by=analyst,
    )  # fmt: skip
    campaign.offerings.set(ProductOffering.objects.filter(code=OFFER))
    # The control-group draw is random per campaign id and code: re-draw (another code) until both groups are
    # big enough for the tests to act on, so no run depends on luck.
    audience = list(target_audience(campaign.target).values_list("pk", flat=True))
    n = 0
    while audience and not 2 <= sum(in_control_group(campaign, pk) for pk in audience) <= len(audience) - 5:
        n += 1
        campaign.code = f"{code}-{n}"
        campaign.save(update_fields=["code"])
    return campaign


def test_a_hall_clerk_may_not_use_the_pages(english, make_staff, analyst):
    campaign = _draft(analyst)
    english.force_login(make_staff(Role.HALL_CLERK))

    for url in (
        reverse("analytics:campaigns"),
        reverse("analytics:campaign_new"),
        reverse("analytics:campaign_preview"),
        reverse("analytics:campaign", args=[campaign.pk]),
        reverse("analytics:campaign_edit", args=[campaign.pk]),
        reverse("analytics:campaign_report", args=[campaign.pk]) + "?export=csv",
    ):
        assert english.get(url).status_code == 403, url
    assert english.post(reverse("analytics:campaign_launch", args=[campaign.pk])).status_code == 403
    assert english.post(reverse("analytics:campaign_new"), _form(code="other")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == "draft" and Campaign.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": "2026-11-15"}, "ends_on"),  # before it starts
        ({"channels": []}, "channels"),
        ({"channels": ["sms"], "message": ""}, "message"),
        ({"channels": ["portal_banner"], "message": "  "}, "message"),
        ({"holdout_percent": "60"}, "holdout_percent"),
        ({"budget": "-1"}, "budget"),
        ({"code": "not a slug!"}, "code"),
    ],
)
def test_bad_input_shows_form_errors_and_saves_nothing(english, analyst, catalog, overrides, field):  # noqa: F811
    english.force_login(analyst)

    response = english.post(reverse("analytics:campaign_new"), _form(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Campaign.objects.exists()
    assert not AuditEntry.objects.filter(object_type="analytics.campaign").exists()


def test_an_analyst_saves_a_draft_with_its_target_offers_and_channels(english, analyst, hefei, catalog):  # noqa: F811
    english.force_login(analyst)
    offer = ProductOffering.objects.get(code=OFFER)
    blank = english.get(reverse("analytics:campaign_new"))
    assert blank.status_code == 200 and blank.context["form"]["code"].value().startswith("retention-")
    assert b'data-nav="analytics-campaigns"' in blank.content
    assert b'hx-get="/analytics/campaigns/preview/"' in blank.content

    response = english.post(
        reverse("analytics:campaign_new"),
        _form(code="", regions=[hefei.pk], offerings=[offer.pk], channels=["sms", "outbound_call"], message="10GB!"),
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("analytics:campaign", args=[campaign.pk])
    assert campaign.code == "retention-202612-1"  # suggested from the goal and the start month
    assert campaign.status == "draft" and campaign.created_by == analyst
    assert campaign.target == {"churn_bands": ["high"], "levels": ["gold"], "segments": [], "value_groups": [],
                               "regions": [hefei.pk], "product_kinds": []}  # fmt: skip
    assert campaign.channels == ["outbound_call", "sms"]
    assert list(campaign.offerings.all()) == [offer]
    assert campaign.holdout_percent == 20 and campaign.budget == Decimal("5000")
    assert AuditEntry.objects.filter(object_type="analytics.campaign", object_id=str(campaign.pk), action="create")
    # A second campaign the same month gets the next code; a taken code is a form error.
    assert english.post(reverse("analytics:campaign_new"), _form(code="")).status_code == 302
    assert Campaign.objects.filter(code="retention-202612-2").exists()
    taken = english.post(reverse("analytics:campaign_new"), _form(code="retention-202612-1"))
    assert "code" in taken.context["form"].errors and Campaign.objects.count() == 2


def test_the_preview_counts_the_audience_its_control_group_and_whom_the_policy_allows(
    english, analyst, population, hefei, wuhu
):
    english.force_login(analyst)

    response = english.get(
        reverse("analytics:campaign_preview"),
        {"churn_bands": ["high"], "levels": ["gold"], "holdout_percent": "20", "channels": ["outbound_call", "sms"],
         "goal": "retention"},
    )  # fmt: skip

    preview = response.context["preview"]
    assert response.status_code == 200
    target = {"churn_bands": ["high"], "levels": ["gold"]}
    assert preview.size == target_audience(target).count() == 18  # 12 in Hefei, 6 in Wuhu
    assert preview.control == round(18 * 20 / 100)
    # One of them refuses marketing calls; nobody refuses SMS.
    assert {r["channel"]: r["count"] for r in preview.within_cap} == {"outbound_call": 17, "sms": 18}
    assert {r["region__name"]: r["n"] for r in preview.by_region} == {hefei.name: 12, wuhu.name: 6}
    assert [(r["service_level"], r["n"]) for r in preview.by_level] == [("gold", 18)]
    assert b'data-testid="preview-size">18<' in response.content

    # Another target, and an invalid criterion is ignored rather than an error.
    narrower = english.get(reverse("analytics:campaign_preview"), {"levels": ["silver"], "regions": ["99999"]})
    assert narrower.status_code == 200 and narrower.context["preview"].size == 6


def test_launching_from_the_page_creates_the_members_with_a_control_group(english, analyst, population):
    campaign = _draft(analyst)
    english.force_login(analyst)
    page = english.get(reverse("analytics:campaign", args=[campaign.pk]))
    assert page.context["preview"].size == 18 and b'data-testid="launch-form"' in page.content
    assert page.context["target"] == [("Churn-risk bands", "High"), ("Service levels", "Gold (金)")]

    response = english.post(reverse("analytics:campaign_launch", args=[campaign.pk]), follow=True)

    campaign.refresh_from_db()
    members = CampaignMember.objects.filter(campaign=campaign)
    assert campaign.status == "launched" and campaign.launched_at is not None
    assert members.count() == 18
    control = set(members.filter(control=True).values_list("customer_id", flat=True))
    assert control == {pk for pk in members.values_list("customer_id", flat=True) if in_control_group(campaign, pk)}
    assert 0 < len(control) < 18
    assert "launched to 18 customers" in response.content.decode()
    # Launching again is refused with a message, and adds nobody.
    again = english.post(reverse("analytics:campaign_launch", args=[campaign.pk]), follow=True)
    assert "Only a draft campaign can be launched." in again.content.decode()
    assert members.count() == 18


def test_only_a_draft_can_be_edited(english, analyst, population, hefei):
    draft, launched = _draft(analyst, code="draft-one"), _draft(analyst, code="launched-one")
    campaign_launch(campaign=launched, actor=analyst)
    english.force_login(analyst)

    changed = english.post(
        reverse("analytics:campaign_edit", args=[draft.pk]),
        _form(name="Gold in Hefei", regions=[hefei.pk], offerings=[o.pk for o in draft.offerings.all()]),
    )
    refused = english.post(reverse("analytics:campaign_edit", args=[launched.pk]), _form(name="Changed"), follow=True)

    draft.refresh_from_db()
    launched.refresh_from_db()
    assert changed.status_code == 302
    assert draft.name == "Gold in Hefei" and draft.target["regions"] == [hefei.pk]
    assert draft.code.startswith("draft-one")  # the code is not editable (the form posted another)
    assert AuditEntry.objects.filter(object_id=str(draft.pk), action="update").exists()
    assert launched.name == "launched-one" and launched.holdout_percent == 20
    assert "Only a draft campaign can be changed." in refused.content.decode()
    form = english.get(reverse("analytics:campaign_edit", args=[draft.pk])).context["form"]
    assert form.initial["levels"] == ["gold"] and form.fields["code"].disabled


def test_cancel_and_finish_from_the_page(english, analyst, population):
    running, draft = _draft(analyst, code="running"), _draft(analyst, code="drafted")
    campaign_launch(campaign=running, actor=analyst)
    english.force_login(analyst)

    refused = english.post(reverse("analytics:campaign_finish", args=[draft.pk]), follow=True)
    english.post(reverse("analytics:campaign_finish", args=[running.pk]))
    english.post(reverse("analytics:campaign_cancel", args=[draft.pk]))

    running.refresh_from_db()
    draft.refresh_from_db()
    assert "Only a running campaign can be finished." in refused.content.decode()
    assert running.status == "finished" and draft.status == "cancelled"
    assert english.get(reverse("analytics:campaign_launch", args=[draft.pk])).status_code == 405
    never_launched = english.get(reverse("analytics:campaign", args=[draft.pk]))
    assert never_launched.status_code == 200 and never_launched.context["report"].members == 0
    assert never_launched.context["chart"] is None and b'data-testid="launch-form"' not in never_launched.content
    listed = english.get(reverse("analytics:campaigns"), {"status": "finished"}).context["rows"]
    assert [c.pk for c, _f in listed] == [running.pk] and listed[0][1]["members"] == 18


def _launched_with_responses(analyst, make_staff):
    """A launched campaign: one targeted member accepted (an order), one declined, one not reachable; one control
    member ordered the offer on their own. Returns (campaign, accepted member, control member)."""
    from orders.eligibility import OrderRequest
    from orders.models import OrderType, Product
    from orders.services import intake

    campaign = _draft(analyst)
    campaign_launch(campaign=campaign, actor=analyst)
    agent = make_staff(Role.CALL_AGENT)
    targeted = list(CampaignMember.objects.filter(campaign=campaign, control=False).exclude(
        customer__marketing_opt_outs__contains=["outbound_call"]).order_by("id")[:3])  # fmt: skip
    accepted = campaign_respond(member=targeted[0], outcome="accepted", channel="outbound_call", actor=agent, at=NOON)
    campaign_respond(member=targeted[1], outcome="declined", channel="outbound_call", actor=agent, at=NOON)
    campaign_respond(member=targeted[2], outcome="unreachable", channel="outbound_call", actor=agent, at=NOON)
    held_out = CampaignMember.objects.filter(campaign=campaign, control=True).order_by("id").first()
    line = Product.objects.get(customer=held_out.customer, specification__kind="mobile")
    intake.order_submit(
        request=OrderRequest(order_type=OrderType.VAS_ADD, customer=held_out.customer,
                             offering=ProductOffering.objects.get(code=OFFER), product=line, channel="hotline",
                             idempotency_key="control-own-order"),
        actor=agent,
    )  # fmt: skip
    return campaign, accepted, held_out


def test_the_report_shows_the_figures_against_the_control_group(
    english, analyst, make_staff, population, django_assert_max_num_queries
):
    campaign, _accepted, _held_out = _launched_with_responses(analyst, make_staff)
    english.force_login(analyst)
    english.get(reverse("analytics:campaigns"))  # the session and the user's caches are warm

    with django_assert_max_num_queries(25):
        response = english.get(reverse("analytics:campaign", args=[campaign.pk]))

    report = response.context["report"]
    monthly = ProductOfferingPrice.objects.get(offering__code=OFFER, price_type="recurring").amount
    assert response.status_code == 200
    assert (report.members, report.contacted, report.accepted, report.suppressed) == (18, 3, 1, 0)
    assert report.control == CampaignMember.objects.filter(campaign=campaign, control=True).count()
    assert report.effect.treated_converted == 1 and report.effect.control_converted == 1
    assert report.effect.uplift == pytest.approx(1 / report.targeted - 1 / report.control)
    assert report.treated_revenue == monthly and report.control_revenue == monthly
    assert report.effect.incremental_revenue == pytest.approx(
        float(monthly) * (1 / report.targeted - 1 / report.control) * report.targeted
    )
    channel = report.by_channel[0]
    assert (channel["channel"], channel["contacted"], channel["answered"], channel["accepted"]) == (
        "outbound_call", 3, 2, 1,
    )  # fmt: skip
    assert channel["response_rate"] == pytest.approx(2 / 3) and channel["conversion_rate"] == pytest.approx(1 / 3)
    page = response.content.decode()
    assert 'data-testid="report-accepted">1<' in page
    assert f'data-testid="effect-control">1 / {report.control} ' in page
    assert 'data-chart="columns"' in page and "chart-conversion-data" in page
    assert response.context["chart"].data["series"][1]["values"][0] == pytest.approx(100 / report.control, abs=0.01)
    assert [t.key for t in response.context["tables"]] == ["channels", "segments", "offers"]
    # The list shows the campaign's figures too.
    listed = dict(english.get(reverse("analytics:campaigns")).context["rows"])
    assert listed[campaign]["accepted"] == 1 and listed[campaign]["effect"].control_converted == 1


def test_the_export_has_the_members_neutralised_and_is_audited(english, analyst, make_staff, population):
    from openpyxl import load_workbook

    campaign, accepted, held_out = _launched_with_responses(analyst, make_staff)
    CampaignMember.objects.filter(pk=held_out.pk).update(segment='=HYPERLINK("http://x")')
    english.force_login(analyst)
    url = reverse("analytics:campaign_report", args=[campaign.pk])

    members_csv = english.get(url, {"export": "csv", "table": "members"})
    workbook = english.get(url, {"export": "xlsx"})
    archive = english.get(url, {"export": "csv"})

    assert members_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(members_csv.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:-2]
    assert header[0] == "customer number" and "order number" in header
    assert len(body) == 18 and rows[-1][0].startswith("Exported by")
    by_customer = {r[0]: r for r in body}
    assert by_customer[accepted.customer.customer_no][4] == "Accepted"
    assert by_customer[accepted.customer.customer_no][7] == accepted.order.order_no
    assert by_customer[held_out.customer.customer_no][2] == '\'=HYPERLINK("http://x")'  # not a formula
    assert by_customer[held_out.customer.customer_no][3] == "yes"
    assert all(name not in members_csv.content.decode("utf-8-sig") for name in ("客户", "VIEW0"))  # no personal data

    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["Summary", "By channel", "By segment", "Conversions by offer", "Members"]
    sheet_rows = list(book["Members"].iter_rows(values_only=True))
    assert len([r for r in sheet_rows[1:] if r and r[0] and str(r[0]).startswith("CV")]) == 18
    assert any(r[2] == '\'=HYPERLINK("http://x")' for r in sheet_rows[1:] if r)
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == [
        "channels.csv", "members.csv", "offers.csv", "segments.csv", "summary.csv",
    ]  # fmt: skip
    exports = AuditEntry.objects.filter(action="export", object_id__startswith=f"campaign:{campaign.code}")
    assert exports.count() == 3 and {e.changes["rows"] for e in exports} == {18}


def test_a_regional_analyst_exports_only_the_members_of_their_region(english, make_staff, analyst, population, hefei):
    campaign = _draft(analyst)
    campaign_launch(campaign=campaign, actor=analyst)
    english.force_login(make_staff(Role.MARKETING_ANALYST, region=hefei))
    url = reverse("analytics:campaign_report", args=[campaign.pk])

    rows = english.get(url, {"export": "csv", "table": "members"}).content.decode("utf-8-sig").splitlines()

    assert len(rows) == 1 + 12 + 2  # header, Hefei's 12 members, a blank line and the watermark
    assert campaign_report(campaign).members == 18  # the report's totals still cover the whole campaign
    assert english.get(url, {"export": "pdf"}).status_code == 404


def test_a_regional_analysts_campaign_stays_in_their_region(english, make_staff, hefei, wuhu, population):
    english.force_login(make_staff(Role.MARKETING_ANALYST, region=hefei))

    other_region = english.post(reverse("analytics:campaign_new"), _form(regions=[wuhu.pk]))
    preview = english.get(reverse("analytics:campaign_preview"), {"churn_bands": ["high"], "levels": ["gold"]})
    saved = english.post(reverse("analytics:campaign_new"), _form())

    assert "regions" in other_region.context["form"].errors  # Wuhu is not a choice for them
    assert preview.context["preview"].size == 12  # Hefei's gold high-risk customers only
    assert saved.status_code == 302 and Campaign.objects.get().target["regions"] == [hefei.pk]
