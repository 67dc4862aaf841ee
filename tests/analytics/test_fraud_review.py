"""The analyst queue: confirm (suspension order, fraud flag, timeline, audit) or dismiss an alert, the rules page's
precision, permissions and region scoping."""

import datetime
import itertools

import pytest

from analytics.fraud.services import FraudReviewError, fraud_alert_review
from analytics.models import FraudAlert
from crm.audit.models import AuditEntry
from customers.models import Customer, PartyInteraction
from orders.models import OrderType, Product, ProductOrder
from tests.customers.conftest import people, subscribe  # noqa: F401

from .fraud_fixtures import DAY
from .test_fraud_job import fraud_rules  # noqa: F401

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


@pytest.fixture
def templates(db):
    """The work-order templates a suspension order runs through."""
    from tests.orders.conftest import _reseed_migration_data

    _reseed_migration_data()


@pytest.fixture
def make_alert(fraud_rules):  # noqa: F811
    def make(customer, product=None, *, rule="sim-box", severity="critical", status="open", day=None, **extra):
        n = next(_numbers)
        day = day or DAY - datetime.timedelta(days=n)  # one alert per rule, subject and day
        reviewed = {"reviewed_at": datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)} if status != "open" else {}
        return FraudAlert.objects.create(
            alert_no=f"FA{day:%Y%m%d}{n:010d}", detector=rule, rule=fraud_rules.get(rule), customer=customer,
            product=product, subject=product.service_number if product else customer.customer_no, day=day,
            region_id=customer.region_id, severity=severity, reason_code="SIM_BOX", score=1.2, status=status,
            evidence={"outgoing_calls": 120, "cells": 1, "daily": {"calls": 120.0, "cells": 1.0}}, **reviewed, **extra,
        )  # fmt: skip

    return make


@pytest.fixture
def analyst_client(client, make_staff):
    client.force_login(make_staff("marketing_analyst"))
    client.cookies["django_language"] = "en"  # these tests read the English strings, not the catalogue's Chinese
    return client


@pytest.mark.usefixtures("templates")
def test_confirm_with_suspension_orders_it_and_flags_the_customer(people, subscribe, make_alert, analyst_client):  # noqa: F811
    line = subscribe(people["zhang"], "59", number="17490000001")
    alert = make_alert(people["zhang"], line)
    # when: the analyst confirms on the alert page and asks for the suspension
    response = analyst_client.post(
        f"/analytics/fraud/{alert.pk}/", {"verdict": "confirmed", "note": "SIM box at one cell", "suspend": "on"}
    )
    # then
    assert response.status_code == 302 and response["Location"] == "/analytics/fraud/"
    alert.refresh_from_db()
    assert alert.status == "confirmed" and alert.review_note == "SIM box at one cell" and alert.reviewed_at
    order = alert.suspension_order
    assert order.order_type == OrderType.SUSPEND and order.product == line and order.channel == "api"
    assert order.idempotency_key == f"fraud-{alert.pk}-suspend-{line.pk}" and order.description == "欺诈停机"
    assert Product.objects.get(pk=line.pk).status == "suspended"
    assert Customer.objects.get(pk=people["zhang"].pk).fraud_flag is True
    timeline = PartyInteraction.objects.get(customer=people["zhang"], interaction_type="fraud")
    assert order.order_no in timeline.description and timeline.staff == alert.reviewed_by
    audit = AuditEntry.objects.get(object_type="analytics.fraudalert", object_id=str(alert.pk))
    assert audit.changes["status"] == ["open", "confirmed"] and audit.changes["orders"] == [order.order_no]
    assert AuditEntry.objects.filter(object_type="customers.customer", changes__fraud_flag=[False, True]).exists()


def test_dismissing_needs_a_note_and_changes_nothing_else(people, subscribe, make_alert, analyst_client):  # noqa: F811
    line = subscribe(people["zhang"], "59")
    alert = make_alert(people["zhang"], line)
    response = analyst_client.post(f"/analytics/fraud/{alert.pk}/", {"verdict": "dismissed", "note": ""})
    assert response.status_code == 200 and "Say why the alert is not fraud" in response.content.decode()
    response = analyst_client.post(
        f"/analytics/fraud/{alert.pk}/", {"verdict": "dismissed", "note": "A call centre, known to the branch"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "dismissed" and alert.suspension_order is None
    assert not ProductOrder.objects.exists() and Customer.objects.get(pk=people["zhang"].pk).fraud_flag is False
    # a reviewed alert cannot be reviewed again
    with pytest.raises(FraudReviewError):
        fraud_alert_review(alert=alert, verdict="confirmed", note="", actor=alert.reviewed_by)


def test_a_refused_suspension_records_no_verdict(people, subscribe, make_alert, make_staff):  # noqa: F811
    line = subscribe(people["zhang"], "59", status="suspended")  # already suspended: nothing to suspend
    alert = make_alert(people["zhang"], line)
    with pytest.raises(FraudReviewError, match="no active line"):
        fraud_alert_review(alert=alert, verdict="confirmed", note="", actor=make_staff("manager"), suspend=True)
    alert.refresh_from_db()
    assert alert.status == "open" and not Customer.objects.get(pk=people["zhang"].pk).fraud_flag


def test_the_queue_shows_open_alerts_by_severity_then_newest(people, subscribe, make_alert, analyst_client):  # noqa: F811
    line = subscribe(people["zhang"], "59")
    medium = make_alert(people["zhang"], line, rule="usage-spike", severity="medium")
    critical = make_alert(people["zhang"], line, rule="sim-box")
    newer_medium = make_alert(people["zhang"], line, rule="wangiri", severity="medium")
    make_alert(people["zhang"], line, rule="simultaneous-calls", severity="high", status="dismissed")
    page = analyst_client.get("/analytics/fraud/").content.decode()
    order = [page.index(a.alert_no) for a in (critical, newer_medium, medium)]
    assert order == sorted(order)
    assert "1 row" not in page and "3 rows" in page  # the dismissed one is not in the open queue
    all_rows = analyst_client.get("/analytics/fraud/?status=all&severity=high").content.decode()
    assert "1 row" in all_rows
    detail = analyst_client.get(f"/analytics/fraud/{critical.pk}/").content.decode()
    assert "outgoing calls" in detail and "cells used" in detail and 'data-testid="review-form"' in detail


def test_regional_staff_see_only_their_regions_alerts(people, subscribe, make_alert, client, make_staff, wuhu):  # noqa: F811
    hefei_alert = make_alert(people["zhang"], subscribe(people["zhang"], "59"))
    wuhu_alert = make_alert(people["zhangw"], subscribe(people["zhangw"], "39"))
    manager = make_staff("manager", region=wuhu)
    client.force_login(manager)
    page = client.get("/analytics/fraud/").content.decode()
    assert wuhu_alert.alert_no in page and hefei_alert.alert_no not in page
    assert client.get(f"/analytics/fraud/{hefei_alert.pk}/").status_code == 404
    assert client.post(f"/analytics/fraud/{hefei_alert.pk}/", {"verdict": "confirmed"}).status_code == 404


def test_staff_without_the_review_permission_are_refused(people, subscribe, make_alert, client, make_staff):  # noqa: F811
    alert = make_alert(people["zhang"], subscribe(people["zhang"], "59"))
    clerk = make_staff("hall_clerk")
    client.force_login(clerk)
    assert client.get("/analytics/fraud/").status_code == 403
    assert client.post(f"/analytics/fraud/{alert.pk}/", {"verdict": "confirmed"}).status_code == 403
    assert client.get("/analytics/fraud/rules/").status_code == 403
    with pytest.raises(FraudReviewError):
        fraud_alert_review(alert=alert, verdict="confirmed", note="", actor=clerk)
    assert FraudAlert.objects.get(pk=alert.pk).status == "open"


def test_the_rules_page_reports_each_rules_precision(people, subscribe, make_alert, analyst_client, make_staff):  # noqa: F811
    line = subscribe(people["zhang"], "59")
    for status in ("confirmed", "confirmed", "confirmed", "dismissed", "open"):
        make_alert(people["zhang"], line, rule="sim-box", status=status)
    make_alert(people["zhang"], line, rule="wangiri", status="dismissed")
    make_alert(people["zhang"], line, rule="anomaly", status="confirmed")
    page = analyst_client.get("/analytics/fraud/rules/").content.decode()

    def row(code: str) -> str:
        start = page.index(f'data-rule="{code}"')
        return page[start : page.index("</tr>", start)]

    assert ">5</a>" in row("sim-box") and ">75 %<" in row("sim-box")
    assert ">0 %<" in row("wangiri") and ">100 %<" in row("anomaly")
    assert ">—<" in row("subscription-fraud")  # nothing reviewed yet
    assert "Edit in the admin" not in page  # analysts tune nothing; administrators do
    analyst_client.force_login(make_staff("admin"))
    assert "/admin/analytics/fraudrule/" in analyst_client.get("/analytics/fraud/rules/").content.decode()
