"""Roles become groups with the right permissions, and the visibility selector scopes by region and grid."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from crm.accounts.models import Area, Grid, OrgUnit, Region, StaffProfile
from crm.accounts.roles import PERMISSIONS, ROLE_PERMISSIONS, Role, group_name
from crm.accounts.selectors import org_units_visible_to, regions_visible_to, role_api_scopes, visibility_scope
from crm.accounts.services import staff_role_change, staff_user_create, sync_role_groups

pytestmark = pytest.mark.django_db


def test_every_role_has_a_group_with_exactly_its_permissions():
    for role in Role:
        group = Group.objects.get(name=group_name(role))
        assert set(group.permissions.values_list("codename", flat=True)) == ROLE_PERMISSIONS[role]


def test_sync_role_groups_repairs_a_group_edited_by_hand():
    group = Group.objects.get(name=group_name(Role.CALL_AGENT))
    group.permissions.clear()
    sync_role_groups()
    assert set(group.permissions.values_list("codename", flat=True)) == ROLE_PERMISSIONS[Role.CALL_AGENT]


def test_role_permissions_only_name_declared_permissions():
    declared = {codename for codename, _ in PERMISSIONS}
    for role, perms in ROLE_PERMISSIONS.items():
        assert perms <= declared, role


def test_staff_user_gets_role_permissions(make_staff):
    clerk = make_staff(Role.HALL_CLERK)
    assert clerk.has_perm("accounts.take_orders")
    assert not clerk.has_perm("accounts.view_audit_log")
    manager = make_staff(Role.MANAGER)
    assert manager.has_perm("accounts.view_audit_log")


def test_regional_role_needs_a_region_in_the_service_and_the_database(hefei):
    with pytest.raises(ValueError, match="needs a region"):
        staff_user_create(username="x", password=None, role=Role.HALL_CLERK)
    user = staff_user_create(username="y", password=None, role=Role.MANAGER)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.filter(user=user).update(role=Role.HALL_CLERK)


def test_grid_without_region_is_rejected_by_the_database(make_staff, hefei):
    area = hefei.areas.first()
    grid = Grid.objects.create(region=hefei, area=area, code="G1", name="grid")
    user = make_staff(Role.MANAGER)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.filter(user=user).update(grid=grid)


def test_hefei_clerk_sees_only_hefei(make_staff, hefei, wuhu):
    OrgUnit.objects.create(code="HF1", name="合肥营业厅", kind=OrgUnit.Kind.OWN_HALL, region=hefei)
    OrgUnit.objects.create(code="WH1", name="芜湖营业厅", kind=OrgUnit.Kind.OWN_HALL, region=wuhu)
    clerk = make_staff(Role.HALL_CLERK, region=hefei)
    assert list(regions_visible_to(clerk)) == [hefei]
    assert [u.code for u in org_units_visible_to(clerk)] == ["HF1"]
    scope = visibility_scope(clerk)
    assert scope.allows_region(hefei.id) and not scope.allows_region(wuhu.id)


def test_province_manager_sees_all_and_region_manager_only_theirs(make_staff, hefei, wuhu):
    assert set(regions_visible_to(make_staff(Role.MANAGER))) == {hefei, wuhu}
    assert list(regions_visible_to(make_staff(Role.MANAGER, region=wuhu))) == [wuhu]


def test_grid_staff_are_narrowed_to_their_grid(make_staff, hefei):
    area = Area.objects.filter(region=hefei).first()
    g1 = Grid.objects.create(region=hefei, area=area, code="G1", name="一")
    g2 = Grid.objects.create(region=hefei, area=area, code="G2", name="二")
    OrgUnit.objects.create(code="A", name="a", kind=OrgUnit.Kind.AGENT_OUTLET, region=hefei, grid=g1)
    OrgUnit.objects.create(code="B", name="b", kind=OrgUnit.Kind.AGENT_OUTLET, region=hefei, grid=g2)
    tech = make_staff(Role.FIELD_TECHNICIAN, grid=g1)
    scoped = visibility_scope(tech).filter(OrgUnit.objects.all(), grid_lookup="grid_id")
    assert [u.code for u in scoped] == ["A"]


def test_inactive_or_profileless_users_see_nothing(make_staff, django_user_model, hefei):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not regions_visible_to(nobody).exists()
    clerk = make_staff(Role.HALL_CLERK)
    clerk.is_active = False
    assert not regions_visible_to(clerk).exists()


def test_role_api_scopes(make_staff):
    assert "order:write" in role_api_scopes(make_staff(Role.HALL_CLERK))
    assert "billing:feed" not in role_api_scopes(make_staff(Role.HALL_CLERK))
    assert "billing:feed" in role_api_scopes(make_staff(Role.ADMIN))


def test_role_change_swaps_group(make_staff):
    user = make_staff(Role.HALL_CLERK)
    staff_role_change(user=user, role=Role.DISPATCHER)
    assert list(user.groups.values_list("name", flat=True)) == [group_name(Role.DISPATCHER)]
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("accounts.dispatch_work_orders") and not user.has_perm("accounts.take_orders")


def test_region_codes_unique(hefei):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="340100", name="重复", name_en="dup")
