"""Every write of a registered model is audited with actor, request id, IP and changed fields."""

import pytest
from django.urls import reverse

from crm import context
from crm.accounts.models import OrgUnit
from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from crm.audit.services import audit_export, audit_personal_data_view
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_audited_with_before_and_after(hefei):
    with context.acting_as(channel="system", request_id="req-1"):
        unit = OrgUnit.objects.create(code="U1", name="旧名", kind=OrgUnit.Kind.OWN_HALL, region=hefei)
        unit.name = "新名"
        unit.save()
        unit_id = unit.pk
        unit.delete()
    entries = list(AuditEntry.objects.filter(object_type="accounts.orgunit", object_id=str(unit_id)).order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[0].changes["name"] == [None, "旧名"]
    assert entries[1].changes == {"name": ["旧名", "新名"]}
    assert entries[2].changes["code"] == ["U1", None]
    assert {e.request_id for e in entries} == {"req-1"}


def test_a_queryset_delete_is_audited_row_by_row_only_for_audited_models(hefei):
    """Deleting an audited model's rows in bulk still writes one entry a row; any other model's bulk delete is one
    DELETE statement (Django reads the rows first only for a model with delete listeners)."""
    from django.db.models.deletion import Collector

    from analytics.models import ChurnScore

    OrgUnit.objects.create(code="U3", name="甲", kind=OrgUnit.Kind.OWN_HALL, region=hefei)
    OrgUnit.objects.create(code="U4", name="乙", kind=OrgUnit.Kind.OWN_HALL, region=hefei)
    OrgUnit.objects.filter(code__in=["U3", "U4"]).delete()
    deleted = AuditEntry.objects.filter(object_type="accounts.orgunit", action="delete")
    assert sorted(e.changes["code"][0] for e in deleted) == ["U3", "U4"]
    collector = Collector(using="default")
    assert collector.can_fast_delete(ChurnScore.objects.all())
    assert not collector.can_fast_delete(OrgUnit.objects.all())


def test_save_without_change_writes_no_entry(hefei):
    unit = OrgUnit.objects.create(code="U2", name="n", kind=OrgUnit.Kind.OWN_HALL, region=hefei)
    before = AuditEntry.objects.count()
    unit.save()
    assert AuditEntry.objects.count() == before


def test_password_is_never_written_to_the_audit_log(make_staff):
    user = make_staff(Role.HALL_CLERK)
    user.set_password("Another-pass-1")
    user.save()
    entry = AuditEntry.objects.filter(object_type="auth.user", action="update").latest("id")
    before, after = entry.changes["password"]
    assert before.startswith("***") and after.startswith("***") and before != after
    assert "Another-pass-1" not in str(entry.changes) and user.password not in str(entry.changes)


def test_personal_data_view_and_export_are_recorded(make_staff):
    manager = make_staff(Role.MANAGER)
    entry = audit_personal_data_view(
        obj=manager, fields=["id_number", "phone"], purpose="customer asked", actor=manager
    )
    assert entry.action == AuditEntry.Action.VIEW_PERSONAL_DATA
    assert entry.changes == {"fields": ["id_number", "phone"]}
    assert entry.actor == manager
    export = audit_export(list_name="audit", row_count=12, filters="action=login", actor=manager)
    assert export.changes == {"rows": 12, "filters": "action=login"}


def test_ui_write_is_audited_with_actor_ip_and_request_id(client, make_staff):
    admin = make_staff(Role.ADMIN, username="root")
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_region_add"),
        {
            "code": "349900",
            "name": "测试市",
            "name_en": "Test",
            "area_code": "0999",
            "areas-TOTAL_FORMS": "0",
            "areas-INITIAL_FORMS": "0",
        },
        HTTP_X_REQUEST_ID="abc-123",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="accounts.region", action="create", object_repr="测试市")
    assert entry.actor == admin
    assert entry.request_id == "abc-123"
    assert entry.ip == "10.1.2.3"
    assert entry.channel == "admin"
    assert entry.changes["name"] == [None, "测试市"]


def test_login_logout_and_failed_login_are_audited(client, make_staff):
    clerk = make_staff(Role.HALL_CLERK, username="clerk1")
    client.post(reverse("accounts:login"), {"username": "clerk1", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "clerk1", "password": STAFF_PASSWORD})
    client.post(reverse("accounts:logout"))
    actions = list(
        AuditEntry.objects.filter(action__in=["login", "login_failed", "logout"]).values_list("action", "actor")
    )
    assert ("login_failed", None) in actions
    assert ("login", clerk.pk) in actions
    assert ("logout", clerk.pk) in actions
