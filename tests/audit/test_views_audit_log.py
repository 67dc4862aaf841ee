"""The audit log page: scope, filters, sorting, saved filters, and exports with a watermark."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.ui.exports import safe_cell
from crm.ui.models import SavedFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(make_staff, hefei, wuhu):
    hefei_clerk = make_staff(Role.HALL_CLERK, region=hefei, username="hf_clerk")
    wuhu_clerk = make_staff(Role.HALL_CLERK, region=wuhu, username="wh_clerk")
    AuditEntry.objects.all().delete()
    audit_record(
        action="export", object_type="export", object_id="customers", object_repr="=cmd|'/c calc'!A1", actor=hefei_clerk
    )
    audit_record(
        action="update",
        object_type="accounts.orgunit",
        object_id="7",
        object_repr="合肥厅",
        actor=hefei_clerk,
        changes={"name": ["旧", "新"]},
    )
    audit_record(action="update", object_type="accounts.orgunit", object_id="8", object_repr="芜湖厅", actor=wuhu_clerk)
    return hefei_clerk, wuhu_clerk


def list_rows(response) -> list[str]:
    return [row["cells"][5] for row in response.context["rows"]] if response.status_code == 200 else []


def objects(response) -> list[str]:
    return [str(row["cells"][5][0]) for row in response.context["rows"]]


def test_only_managers_and_admins_open_it(client, make_staff):
    for role, status in ((Role.HALL_CLERK, 403), (Role.DISPATCHER, 403), (Role.MANAGER, 200), (Role.ADMIN, 200)):
        client.force_login(make_staff(role))
        assert client.get(reverse("audit:list")).status_code == status, role


def test_region_manager_sees_only_their_region(client, make_staff, entries, wuhu):
    client.force_login(make_staff(Role.MANAGER, region=wuhu))
    assert objects(client.get(reverse("audit:list"), {"action": "update"})) == ["芜湖厅"]
    client.force_login(make_staff(Role.MANAGER))
    assert sorted(objects(client.get(reverse("audit:list"), {"action": "update"}))) == ["合肥厅", "芜湖厅"]


def test_filters_and_sort(client, make_staff, entries):
    client.force_login(make_staff(Role.MANAGER))
    url = reverse("audit:list")
    assert objects(client.get(url, {"actor": "wh_"})) == ["芜湖厅"]
    assert objects(client.get(url, {"object_type": "accounts.orgunit", "object_id": "7"})) == ["合肥厅"]
    by_object = objects(client.get(url, {"object_type": "accounts.orgunit", "sort": "object_type"}))
    assert sorted(by_object) == ["合肥厅", "芜湖厅"]
    assert objects(client.get(url, {"since": "2999-01-01"})) == []
    html = client.get(url, {"since": "not-a-date"}).content.decode()
    assert "Enter a valid date" in html or "输入一个有效的日期" in html


def test_export_csv_has_watermark_and_neutralised_formulas(client, make_staff, entries):
    manager = make_staff(Role.MANAGER, username="boss")
    client.force_login(manager)
    response = client.get(reverse("audit:list"), {"action": "export", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert "boss" in rows[0][0]  # the watermark: who exported, and when
    assert len(rows) == 3  # watermark, header, one entry
    assert rows[2][5] == "'=cmd|'/c calc'!A1"
    export = AuditEntry.objects.filter(action="export", actor=manager).latest("id")
    assert export.object_id == "audit" and export.changes["rows"] == 1 and "action=export" in export.changes["filters"]


def test_export_xlsx(client, make_staff, entries):
    client.force_login(make_staff(Role.ADMIN, username="it"))
    response = client.get(reverse("audit:list"), {"export": "xlsx", "object_type": "accounts.orgunit"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert "it" in values[0][0] and len(values) == 4


def test_export_needs_the_export_permission(client, make_staff, entries, settings):
    from django.contrib.auth.models import Group

    manager = make_staff(Role.MANAGER)
    group = Group.objects.get(name="role:manager")
    group.permissions.remove(*group.permissions.filter(codename="export_lists"))
    client.force_login(manager)
    assert client.get(reverse("audit:list"), {"export": "csv"}).status_code == 403
    assert 'data-testid="export-csv"' not in client.get(reverse("audit:list")).content.decode()


def test_safe_cell():
    assert [safe_cell(v) for v in ("=1+1", "+86", "-x", "@sum", "\tx", "ok", 5, None)] == [
        "'=1+1",
        "'+86",
        "'-x",
        "'@sum",
        "'\tx",
        "ok",
        5,
        "",
    ]


def test_saved_filters_private_shared_and_owner_only_delete(client, make_staff, entries):
    alice, bob = make_staff(Role.MANAGER, username="alice"), make_staff(Role.MANAGER, username="bob")
    client.force_login(alice)
    save = reverse("ui:saved_filter_save", args=["audit"])
    client.post(save, {"name": "exports", "query": "action=export", "shared": "on", "next": "/audit/"})
    client.post(save, {"name": "mine", "query": "action=update", "next": "/audit/"})
    assert set(SavedFilter.objects.values_list("name", "shared")) == {("exports", True), ("mine", False)}
    client.force_login(bob)
    names = [f.name for f in client.get(reverse("audit:list")).context["saved_filters"]]
    assert names == ["exports"]
    shared = SavedFilter.objects.get(name="exports")
    assert client.post(reverse("ui:saved_filter_delete", args=[shared.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=shared.pk).exists()
    client.force_login(alice)
    client.post(reverse("ui:saved_filter_delete", args=[shared.pk]), {"next": "/audit/"})
    assert not SavedFilter.objects.filter(pk=shared.pk).exists()


def test_entry_detail_shows_before_and_after(client, make_staff, entries):
    client.force_login(make_staff(Role.MANAGER))
    entry = AuditEntry.objects.get(object_repr="合肥厅")
    html = client.get(reverse("audit:detail", args=[entry.pk])).content.decode()
    assert "旧" in html and "新" in html


def test_list_query_count_is_bounded(client, make_staff, entries, django_assert_max_num_queries):
    client.force_login(make_staff(Role.MANAGER))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("audit:list")).status_code == 200
