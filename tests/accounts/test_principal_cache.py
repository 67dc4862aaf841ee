"""The staff principal cache (crm/accounts/principal.py): a staff request reads its user's profile and permissions once,
and every change to them is seen on the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.accounts.models import StaffProfile
from crm.accounts.principal import _keys, principal_attach, principal_invalidate
from crm.accounts.roles import Role
from crm.accounts.selectors import staff_profile, visibility_scope
from crm.accounts.services import role_group, staff_role_change

AUDIT_PAGE = "/audit/"


def _tables_read(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, " ".join(q["sql"] for q in queries.captured_queries)


def _fresh(user):
    """The user as the next request reads it: a new row object, nothing attached."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_second_request_reads_the_user_row_but_not_its_profile_or_permissions(client, make_staff):
    manager = make_staff(Role.MANAGER)
    client.force_login(manager)
    status, first = _tables_read(client, AUDIT_PAGE)
    assert status == 200 and '"accounts_staffprofile"' in first and '"auth_permission"' in first
    status, second = _tables_read(client, AUDIT_PAGE)
    assert status == 200
    assert '"auth_user"' in second  # the row the session is checked against, read every time
    assert '"accounts_staffprofile"."role"' not in second.split(" FROM ")[0]
    assert '"auth_permission"' not in second and 'FROM "accounts_staffprofile"' not in second


@pytest.mark.django_db
def test_a_role_change_is_seen_on_the_next_request(client, make_staff):
    clerk = make_staff(Role.HALL_CLERK)
    client.force_login(clerk)
    assert client.get(AUDIT_PAGE).status_code == 403
    staff_role_change(user=clerk, role=Role.MANAGER)
    assert client.get(AUDIT_PAGE).status_code == 200
    staff_role_change(user=_fresh(clerk), role=Role.HALL_CLERK)
    assert client.get(AUDIT_PAGE).status_code == 403


@pytest.mark.django_db
def test_a_permission_taken_from_the_role_group_is_seen_on_the_next_request(client, make_staff):
    manager = make_staff(Role.MANAGER)
    client.force_login(manager)
    assert client.get(AUDIT_PAGE).status_code == 200
    audit = Permission.objects.get(content_type__app_label="accounts", codename="view_audit_log")
    role_group(Role.MANAGER).permissions.remove(audit)
    assert client.get(AUDIT_PAGE).status_code == 403
    audit.group_set.add(role_group(Role.MANAGER))  # given back from the permission's side
    assert client.get(AUDIT_PAGE).status_code == 200
    manager.groups.clear()
    assert client.get(AUDIT_PAGE).status_code == 403


@pytest.mark.django_db
def test_a_deactivated_user_is_refused_on_the_next_request(client, make_staff):
    manager = make_staff(Role.MANAGER)
    client.force_login(manager)
    assert client.get(AUDIT_PAGE).status_code == 200
    get_user_model().objects.filter(pk=manager.pk).update(is_active=False)  # no signal: the row itself decides
    assert client.get(AUDIT_PAGE).status_code == 302


@pytest.mark.django_db
def test_a_moved_profile_and_a_renamed_region_are_seen_at_once(make_staff, hefei, wuhu):
    clerk = make_staff(Role.HALL_CLERK, region=hefei)
    principal_attach(_fresh(clerk))  # cached
    profile = StaffProfile.objects.get(user=clerk)
    profile.region = wuhu
    profile.save()
    moved = _fresh(clerk)
    principal_attach(moved)
    assert visibility_scope(moved).region_id == wuhu.id
    wuhu.name = "芜湖市"
    wuhu.save()
    renamed = _fresh(clerk)
    principal_attach(renamed)
    assert staff_profile(renamed).region.name == "芜湖市"


@pytest.mark.django_db
def test_an_entry_read_before_an_invalidation_is_not_used_after_it(make_staff, hefei):
    clerk = make_staff(Role.HALL_CLERK, region=hefei)
    principal_attach(_fresh(clerk))
    _version, entry_key = _keys(clerk.pk)
    stale = cache.get(entry_key)
    # A request read the old profile while the change was committing, and writes it after the invalidation.
    StaffProfile.objects.filter(user=clerk).update(role=Role.MANAGER)  # no signal
    principal_invalidate([clerk.pk])
    cache.set(entry_key, stale, 300)
    user = _fresh(clerk)
    principal_attach(user)
    assert staff_profile(user).role == Role.MANAGER


@pytest.mark.django_db
def test_an_entry_of_another_user_with_the_same_id_is_not_used(make_staff, hefei):
    """A database made again reuses user ids; the join time tells the users apart."""
    clerk = make_staff(Role.HALL_CLERK, region=hefei)
    user = _fresh(clerk)
    principal_attach(user)
    _version, entry_key = _keys(clerk.pk)
    entry = cache.get(entry_key)
    cache.set(entry_key, {**entry, "joined": entry["joined"].replace(year=2001), "group_perms": {"accounts.x"}}, 300)
    again = _fresh(clerk)
    principal_attach(again)
    assert "accounts.x" not in again.get_all_permissions()
    assert again.get_all_permissions() == user.get_all_permissions() != set()
