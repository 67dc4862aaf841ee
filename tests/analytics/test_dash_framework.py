"""The dashboards framework: filters scoped to the user, exports, aggregate refresh times, the marts job, and report
subscriptions e-mailed once a day through the local e-mail gateway."""

from __future__ import annotations

import datetime
import email
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from analytics.dashboards.base import Column, Dashboard, DashboardData, Figure, Table, register_dashboard
from analytics.dashboards.marts import MartSpec, mart_refresh, marts_last_refreshed, register_mart
from analytics.dashboards.reports import report_subscribe, reports_send_due
from analytics.models import MartRefresh, ReportDelivery
from analytics.services import jobs
from crm.accounts.models import Region
from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from crm.messaging.email import outbox_dir

REFRESHED: list[tuple[datetime.date, datetime.date]] = []  # what the test mart was asked to rebuild


def _refresh(since: datetime.date, until: datetime.date) -> int:
    REFRESHED.append((since, until))
    return 7


register_mart(MartSpec(name="test_mart", refresh=_refresh, default_days=2))


@register_dashboard
class RegionsDashboard(Dashboard):
    """Lists the regions the filters allow: enough to see scoping, periods, export and reports."""

    key = "test-regions"
    title = "Regions"
    marts = ("test_mart",)
    params = ("grid",)

    def build(self, user, filters) -> DashboardData:
        regions = [filters.region] if filters.region else list(Region.objects.order_by("code"))
        rows = [{"code": r.code, "name": r.name, "share": 12.5} for r in regions]
        table = Table(
            key="regions",
            title="Regions",
            columns=[Column("code", "code"), Column("name", "name"), Column("share", "share", "percent")],
            rows=rows,
            links={i: f"/somewhere/{r.code}/" for i, r in enumerate(regions)},
        )
        grid = filters.params.get("grid", "")
        crumbs = [("All", ""), (grid, "")]
        return DashboardData(figures=[Figure("regions", len(rows))], tables=[table], breadcrumbs=crumbs)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_regional_manager_sees_only_their_region_whatever_the_url_says(make_staff, hefei, wuhu):
    client = _client(make_staff(Role.MANAGER, region=wuhu))

    page = client.get("/analytics/dashboards/test-regions/", {"region": hefei.pk, "grid": "G1"})

    assert page.status_code == 200
    assert page.context["filters"].region == wuhu
    assert page.context["data"].tables[0].rows == [{"code": wuhu.code, "name": wuhu.name, "share": 12.5}]
    assert b'href="/somewhere/' in page.content and b"12.5 %" in page.content
    province = _client(make_staff(Role.MANAGER)).get("/analytics/dashboards/test-regions/", {"region": hefei.pk})
    assert province.context["filters"].region == hefei


@pytest.mark.django_db
def test_periods_and_bad_dates(make_staff):
    client = _client(make_staff(Role.MANAGER))
    today = timezone.localdate()

    week = client.get("/analytics/dashboards/test-regions/", {"period": "week"}).context["filters"]
    assert week.until == today and week.since == today - datetime.timedelta(days=today.weekday())
    bad = client.get("/analytics/dashboards/test-regions/", {"period": "custom", "date_from": "2026-05-01",
                                                             "date_to": "2026-04-01"})  # fmt: skip
    assert b"starts after it ends" in bad.content


@pytest.mark.django_db
def test_exports_hold_the_tables_and_are_audited(make_staff, hefei):
    client = _client(make_staff(Role.MANAGER))

    xlsx = client.get("/analytics/dashboards/test-regions/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == ["code", "name", "share"]
    assert hefei.code in [row[0].value for row in sheet.iter_rows(min_row=2)]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/analytics/dashboards/test-regions/", {"export": "csv"}).content))
    assert archive.namelist() == ["regions.csv"]
    one = client.get("/analytics/dashboards/test-regions/", {"export": "csv", "table": "regions"})
    assert one["Content-Type"].startswith("text/csv") and hefei.code in one.content.decode("utf-8-sig")
    assert client.get("/analytics/dashboards/test-regions/", {"export": "csv", "table": "nope"}).status_code == 404
    assert AuditEntry.objects.filter(action="export", object_id__startswith="dashboard:test-regions").count() == 3


@pytest.mark.django_db
def test_staff_without_dashboards_are_refused(make_staff):
    clerk = _client(make_staff(Role.HALL_CLERK))
    assert clerk.get("/analytics/dashboards/test-regions/").status_code == 403
    assert clerk.get("/analytics/dashboards/").status_code == 403
    assert _client(make_staff(Role.MANAGER)).get("/analytics/dashboards/no-such/").status_code == 404


@pytest.mark.django_db
def test_refresh_times_are_recorded_and_the_marts_job_runs_each_table():
    REFRESHED.clear()
    until = datetime.date(2026, 11, 30)

    assert marts_last_refreshed(("test_mart",)) is None
    assert mart_refresh("test_mart", until=until) == 7
    assert REFRESHED[-1] == (datetime.date(2026, 11, 28), until) and len(REFRESHED) == 1
    assert marts_last_refreshed(("test_mart",)) == MartRefresh.objects.get(mart="test_mart").refreshed_at

    job = jobs.job_run_now("marts", as_of=until, params={"marts": ["test_mart"], "days": 10})
    assert job.status == "done" and job.chunks_total == 1
    assert REFRESHED[-1] == (datetime.date(2026, 11, 20), until)


@pytest.mark.django_db
def test_a_subscribed_report_is_mailed_once_a_day_with_the_subscribers_scope(make_staff, wuhu, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    manager = make_staff(Role.MANAGER, region=wuhu)
    subscription = report_subscribe(owner=manager, dashboard_key="test-regions", params={"period": "month", "x": "1"},
                                    frequency="daily", file_format="xlsx", email="boss@example.cn")  # fmt: skip
    assert subscription.params == {"period": "month"}  # only the filters the dashboard knows
    today = datetime.date(2026, 12, 3)

    assert reports_send_due(today=today) == 1
    assert reports_send_due(today=today) == 0  # not twice the same day

    delivery = ReportDelivery.objects.get(subscription=subscription)
    assert delivery.status == "sent" and delivery.rows == 1
    files = list((outbox_dir()).rglob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] == "boss@example.cn"
    attachment = next(part for part in message.walk() if part.get_filename())
    sheet = load_workbook(io.BytesIO(attachment.get_payload(decode=True))).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2, max_row=2)] == [wuhu.code]


@pytest.mark.django_db
def test_weekly_reports_wait_for_monday_and_a_lost_permission_is_recorded(make_staff, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    manager = make_staff(Role.MANAGER)
    weekly = report_subscribe(owner=manager, dashboard_key="test-regions", params={}, frequency="weekly",
                              file_format="csv", email="m@example.cn")  # fmt: skip
    thursday, monday = datetime.date(2026, 12, 3), datetime.date(2026, 12, 7)
    assert reports_send_due(today=thursday) == 0

    manager.groups.clear()
    assert reports_send_due(today=monday) == 0
    failed = ReportDelivery.objects.get(subscription=weekly)
    with translation.override(settings.LANGUAGE_CODE):  # reports are built in the operator's language
        reason = translation.gettext("The subscriber may no longer see this dashboard.")
    assert failed.status == "failed" and failed.error == reason


@pytest.mark.django_db
def test_subscribing_and_unsubscribing_from_the_page(make_staff):
    client = _client(make_staff(Role.MANAGER))

    response = client.post("/analytics/dashboards/test-regions/subscribe/?period=week",
                           {"frequency": "monthly", "file_format": "csv", "email": "me@example.cn"})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("/test-regions/?period=week")
    listing = client.get("/analytics/dashboards/subscriptions/")
    subscription = listing.context["rows"][0][0]
    assert subscription.params == {"period": "week"} and subscription.frequency == "monthly"

    client.post("/analytics/dashboards/subscriptions/", {"subscription": subscription.pk})
    subscription.refresh_from_db()
    assert subscription.active is False


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["ops", "customers", "satisfaction", "finance", "network", "competitor", "consumption"])
def test_every_dashboard_answers_hostile_parameters_without_a_server_error(make_staff, key):
    client = _client(make_staff(Role.MANAGER))
    hostile = [
        {"period": "bogus"},
        {"region": "abc"},
        {"period": "custom", "date_from": "2026-13-45", "date_to": "x"},
        {"grid": "abc", "team": "'; DROP TABLE x; --", "area": "<script>", "by": "nope"},
        {"export": "pdf"},
    ]
    for params in hostile:
        response = client.get(f"/analytics/dashboards/{key}/", params)
        assert response.status_code in (200, 400, 404), (params, response.status_code)
        assert b"<script>" not in response.content


@pytest.mark.django_db
def test_ending_a_subscription_that_is_not_a_number_is_a_404(make_staff):
    client = _client(make_staff(Role.MANAGER))
    assert client.post("/analytics/dashboards/subscriptions/", {"subscription": "abc"}).status_code == 404
