"""Satisfaction dashboard (满意度): invited, answered and satisfied surveys per month with the feedback page's index
per region, product line and team; complaints per 10,000 customers, repeat and regulator complaints; scoping and
exports. Counted by hand on a small fixture."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from analytics.dashboards.customer_base.marts import region_names
from analytics.dashboards.marts import mart_refresh
from analytics.dashboards.satisfaction import refresh_satisfaction
from analytics.models import CustomerBaseMonthly, SatisfactionMonthly, TicketDaily
from callcenter.models import TroubleTicket
from crm.accounts.models import OrgUnit
from crm.accounts.roles import Role
from feedback.models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion
from feedback.selectors import satisfaction_index

from .dash_h7_fixtures import client_for, make_customer

OCT, NOV = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
PAGE = "/analytics/dashboards/satisfaction/"
PERIOD = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(11)))


@pytest.fixture
def surveys(db, hefei, wuhu, make_staff):
    """Hefei: five surveys after tickets (mobile ×3, broadband, IPTV), one sent in October and answered on 1 Nov, one
    not answered; Wuhu: one fixed-line survey answered dissatisfied. Teams T1 (Hefei) and T2 (Wuhu)."""
    survey = Survey.objects.create(code="h7-ticket", name="回访", trigger="ticket_closed")
    question = SurveyQuestion.objects.create(survey=survey, seq=1, text="满意吗", kind="rating", dissatisfied_below=3)
    t1 = OrgUnit.objects.create(code="H7-T1", name="瑶海班组", kind="field_crew", region=hefei)
    t2 = OrgUnit.objects.create(code="H7-T2", name="镜湖班组", kind="field_crew", region=wuhu)
    owner = make_staff(Role.CALL_AGENT)
    spec = [
        # region, kind, team, sent, answered, satisfied, rating
        (hefei, "mobile", t1, datetime.date(2026, 11, 2), datetime.date(2026, 11, 3), True, 5),
        (hefei, "broadband", t1, datetime.date(2026, 11, 5), datetime.date(2026, 11, 6), False, 2),
        (hefei, "iptv", None, datetime.date(2026, 11, 10), datetime.date(2026, 11, 10), True, 4),
        (hefei, "mobile", t1, datetime.date(2026, 11, 20), None, None, None),
        (hefei, "mobile", t1, datetime.date(2026, 10, 30), datetime.date(2026, 11, 1), True, 5),
        (wuhu, "fixed_line", t2, datetime.date(2026, 11, 4), datetime.date(2026, 11, 5), False, 1),
    ]
    for i, (region, kind, team, sent, answered, satisfied, rating) in enumerate(spec):
        customer = make_customer(region)
        ticket = TroubleTicket.objects.create(
            ticket_no=f"H7T{i}",
            ticket_type="fault",
            customer=customer,
            description="x",
            owner=owner,
            region=region,
        )
        invitation = SurveyInvitation.objects.create(
            survey=survey,
            customer=customer,
            ticket=ticket,
            token=f"h7-token-{i}",
            region=region,
            team=team,
            product_kind=kind,
            status="answered" if answered else "sent",
            satisfied=satisfied,
            answered_at=_at(answered) if answered else None,
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(sent_at=_at(sent))
        if rating:
            SurveyAnswer.objects.create(invitation=invitation, question=question, rating=rating)
    return {"t1": t1, "t2": t2}


@pytest.fixture
def complaints(db, hefei, wuhu):
    """Tickets per day as the operations aggregate holds them, and the customer base at November's end (Hefei 2,000,
    Wuhu 500)."""
    for region, day, ticket_type, opened, repeat, regulator in (
        (hefei, datetime.date(2026, 11, 3), "complaint", 3, 1, 0),
        (hefei, datetime.date(2026, 11, 15), "complaint", 2, 0, 1),
        (hefei, datetime.date(2026, 11, 15), "fault", 5, 2, 0),
        (hefei, datetime.date(2026, 11, 20), "regulator_complaint", 1, 0, 1),
        (hefei, datetime.date(2026, 10, 31), "complaint", 7, 3, 2),
        (wuhu, datetime.date(2026, 11, 8), "complaint", 1, 0, 0),
    ):
        TicketDaily.objects.create(
            day=day, region_id=region.pk, ticket_type=ticket_type, opened=opened, repeat=repeat, regulator=regulator
        )
    CustomerBaseMonthly.objects.create(month=NOV, region_id=hefei.pk, customer_class="public", customers=1500)
    CustomerBaseMonthly.objects.create(month=NOV, region_id=hefei.pk, customer_class="key_account", customers=500)
    CustomerBaseMonthly.objects.create(month=NOV, region_id=wuhu.pk, customer_class="public", customers=500)
    CustomerBaseMonthly.objects.create(month=OCT, region_id=wuhu.pk, customer_class="public", customers=9999)


def _total(month, **dims):
    rows = SatisfactionMonthly.objects.filter(month=month, **dims)
    return tuple(
        sum(getattr(r, f) for r in rows) for f in ("invited", "answered", "satisfied", "rating_sum", "ratings")
    )


def test_surveys_per_month_by_when_sent_and_when_answered(surveys, hefei, wuhu):
    refresh_satisfaction(OCT, datetime.date(2026, 11, 30))

    assert _total(OCT) == (1, 0, 0, 0, 0)  # sent in October, answered in November
    assert _total(NOV) == (5, 5, 3, 17, 5)
    assert _total(NOV, region_id=hefei.pk) == (4, 4, 3, 16, 4)
    assert _total(NOV, product_line="broadband") == (2, 2, 1, 6, 2)  # IPTV rides on broadband
    assert _total(NOV, product_line="fixed", team_id=surveys["t2"].pk) == (1, 1, 0, 1, 1)
    assert set(SatisfactionMonthly.objects.values_list("source", flat=True)) == {"ticket"}


def test_refreshing_again_gives_the_same_rows(surveys):
    rows = mart_refresh("satisfaction_monthly", since=OCT, until=datetime.date(2026, 11, 30))
    before = set(SatisfactionMonthly.objects.values_list("month", "region_id", "product_line", "team_id", "answered"))
    assert mart_refresh("satisfaction_monthly", since=OCT, until=datetime.date(2026, 11, 30)) == rows
    after = set(SatisfactionMonthly.objects.values_list("month", "region_id", "product_line", "team_id", "answered"))
    assert after == before and len(before) == rows


def _table(page, key):
    return {
        r["name"] if "name" in r else r["region"]: r
        for r in next(t for t in page.context["data"].tables if t.key == key).rows
    }


def _figures(page):
    return {str(f.label): f.value for f in page.context["data"].figures}


def test_the_province_dashboard(surveys, complaints, make_staff, hefei, wuhu):
    refresh_satisfaction(OCT, datetime.date(2026, 11, 30))
    page = client_for(make_staff(Role.MANAGER)).get(PAGE, PERIOD)

    assert page.status_code == 200
    figures = _figures(page)
    assert figures["Surveys sent"] == 5 and figures["Answered"] == 5 and figures["Satisfaction index"] == 60.0
    assert str(figures["Average rating"]) == "3.40"
    # Complaints opened in November (6) per 10,000 of 2,500 customers; repeat 1; regulator 2 (one complaint, one
    # regulator complaint).
    assert figures["Complaints per 10,000 customers"] == 24.0
    assert figures["Repeat complaints"] == 1 and figures["Regulator complaints or risk"] == 2
    by_region = _table(page, "by_region")
    assert (by_region[hefei.name]["answered"], by_region[hefei.name]["index"]) == (4, 75.0)
    assert by_region[hefei.name]["rating"] == 4.0 and by_region[wuhu.name]["index"] == 0.0
    # The same index as the feedback page's selector over the same answers.
    feedback = {r.label: r.index for r in satisfaction_index(since=_at(NOV), until=_at(datetime.date(2026, 12, 1)))}
    assert float(feedback[hefei.name]) == by_region[hefei.name]["index"]
    lines = _table(page, "by_product_line")
    assert lines["Mobile (移动)"]["index"] == 100.0 and lines["Broadband (宽带)"]["index"] == 50.0
    assert lines["Fixed line (固话)"]["index"] == 0.0
    assert _table(page, "by_source")["After a trouble ticket"]["answered"] == 5
    teams = _table(page, "by_team")
    assert teams["瑶海班组"]["index"] == 66.7 and teams["(none)"]["index"] == 100.0
    rates = _table(page, "complaints")
    assert (rates[hefei.name]["customers"], rates[hefei.name]["complaints"], rates[hefei.name]["rate"]) == (
        2000,
        5,
        25.0,
    )
    assert rates[wuhu.name]["rate"] == 20.0 and rates[hefei.name]["regulator"] == 2
    table = next(t for t in page.context["data"].tables if t.key == "by_region")
    assert f"region={hefei.pk}" in table.links[[r["name"] for r in table.rows].index(hefei.name)]


def test_a_regional_manager_sees_their_region_only(surveys, complaints, make_staff, hefei, wuhu):
    refresh_satisfaction(OCT, datetime.date(2026, 11, 30))
    page = client_for(make_staff(Role.MANAGER, region=wuhu)).get(PAGE, {**PERIOD, "region": hefei.pk})

    figures = _figures(page)
    assert figures["Answered"] == 1 and figures["Satisfaction index"] == 0.0
    assert figures["Complaints per 10,000 customers"] == 20.0 and figures["Regulator complaints or risk"] == 0
    assert list(_table(page, "by_region")) == [wuhu.name] and list(_table(page, "complaints")) == [wuhu.name]
    assert list(_table(page, "by_team")) == ["镜湖班组"]


def test_exports_and_bounded_queries(surveys, complaints, make_staff, hefei, django_assert_max_num_queries):
    refresh_satisfaction(OCT, datetime.date(2026, 11, 30))
    client = client_for(make_staff(Role.MANAGER))

    workbook = load_workbook(io.BytesIO(client.get(PAGE, {**PERIOD, "export": "xlsx"}).content))
    cells = [c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert "瑶海班组" in cells and hefei.name in cells and 25 in cells
    csv = client.get(PAGE, {**PERIOD, "export": "csv", "table": "complaints"}).content.decode("utf-8-sig")
    assert hefei.name in csv and "2000" in csv
    with django_assert_max_num_queries(20):
        assert client.get(PAGE, PERIOD).status_code == 200
    assert region_names([hefei.pk])[hefei.pk] == hefei.name
