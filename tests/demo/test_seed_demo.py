"""seed_demo: the organisation of Anhui, a staff user per role, deterministic per seed, bulk writes."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from billing_sync.models import CustomerBill, UsageRecord
from crm.accounts.models import Area, Grid, OrgUnit, Region, StaffProfile
from crm.accounts.roles import Role
from crm.demo.engine import SeedContext, registered_steps, run_steps
from customers.models import Customer

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def fingerprint() -> list[tuple]:
    return [
        tuple(Grid.objects.order_by("code").values_list("code", "name")),
        tuple(OrgUnit.objects.order_by("name").values_list("name", "kind")),
        tuple(
            StaffProfile.objects.order_by("user__username").values_list(
                "user__username", "user__last_name", "user__first_name", "role", "region__code", "grid__code"
            )
        ),
    ]


def seeded_fingerprint(seed: int) -> list[tuple]:
    captured: list[tuple] = []
    try:
        with transaction.atomic():
            run_steps(SeedContext(customers=10, seed=seed, log=lambda _m: None))
            captured = fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    return captured


def test_seed_creates_anhui_regions_areas_and_staff_of_every_role():
    out = io.StringIO()
    call_command("seed_demo", "--customers", "10", "--seed", "3", stdout=out)
    assert Region.objects.count() == 16
    assert Region.objects.get(code="340100").name == "合肥"
    assert Area.objects.get(name="长丰县").kind == Area.Kind.COUNTY
    assert Area.objects.get(name="瑶海区").kind == Area.Kind.URBAN
    assert set(Area.objects.values_list("kind", flat=True)) == {"urban", "county"}
    assert Grid.objects.filter(region__code="340100").count() > 10
    roles = set(StaffProfile.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert "Demo API tokens" in out.getvalue() and "crm_" in out.getvalue()
    text = out.getvalue()
    for username in ("clerk", "agent", "dispatcher", "technician", "accountmgr", "analyst", "manager", "admin"):
        assert f"  {username} " in text
    # The demo logins really log in, with their role's permissions.
    clerk = get_user_model().objects.get(username="clerk")
    assert clerk.check_password("crm-demo-2026") and clerk.has_perm("accounts.take_orders")
    assert clerk.staff_profile.region.code == "340100" and clerk.staff_profile.org_unit.kind == "own_hall"
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_seed_refuses_a_database_with_data_unless_if_empty():
    call_command("seed_demo", "--customers", "5", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has data"):
        call_command("seed_demo", "--customers", "5", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--customers", "5", "--if-empty", stdout=out)
    assert "nothing to do" in out.getvalue()


def test_same_seed_same_data_other_seed_other_data():
    first, again, other = seeded_fingerprint(7), seeded_fingerprint(7), seeded_fingerprint(8)
    assert first and first == again
    assert other != first


def test_copy_rows_and_reserved_ids_agree_with_the_sequence(hefei):
    ctx = SeedContext(customers=0, seed=1, log=lambda _m: None)
    ids = ctx.reserve_ids(OrgUnit, 3)
    written = ctx.copy_rows(
        OrgUnit,
        ["id", "code", "name", "kind", "region_id", "grid_id", "is_active"],
        [(i, f"C{i}", f"厅{i}", "own_hall", hefei.id, None, True) for i in ids],
    )
    assert written == 3
    assert set(OrgUnit.objects.filter(code__startswith="C").values_list("id", flat=True)) == set(ids)
    # A normal insert afterwards gets an id past the reserved ones (the sequence was advanced).
    after = OrgUnit.objects.create(code="NEXT", name="下一个", kind="own_hall", region=hefei)
    assert after.id > max(ids)


def test_steps_are_discovered_from_apps_in_order():
    steps = registered_steps()
    assert steps[0].name == "organisation"
    assert "api-clients" in [s.name for s in steps]
    assert [s.order for s in steps] == sorted(s.order for s in steps)


def test_until_order_stops_before_the_later_steps():
    # Given a seed that stops after the call centre (order 55)
    out = io.StringIO()
    call_command("seed_demo", "--customers", "10", "--seed", "3", "--until-order", "55", stdout=out)
    # Then the earlier steps ran and billing (60) and the API clients (900) did not.
    assert Region.objects.count() == 16 and Customer.objects.count() == 10
    assert not CustomerBill.objects.exists() and not UsageRecord.objects.exists()
    assert "billing:" not in out.getvalue() and "Demo API tokens" not in out.getvalue()
    assert [s.order for s in registered_steps(until_order=55)] == sorted(
        s.order for s in registered_steps() if s.order <= 55
    )


def test_workers_split_the_steps_around_a_parallel_one_and_end_in_a_transaction():
    from crm.demo.engine import DemoStep
    from crm.demo.management.commands.seed_demo import _phases

    def step(order, parallel=False):
        return DemoStep(order=order, name=str(order), func=lambda ctx: None, parallel=parallel)

    def names(phases):
        return [[s.name for s in phase] for phase in phases]

    phases = _phases([step(10), step(20), step(60, True), step(65), step(70)])
    assert names(phases) == [["10", "20"], ["60"], ["65", "70"]]
    # A parallel step last still leaves a (here empty) phase after it for the audit entry's transaction.
    assert names(_phases([step(10), step(60, True)])) == [["10"], ["60"], []]
    assert names(_phases([step(10), step(20)])) == [["10", "20"]]


def test_workers_must_be_one_or_more():
    with pytest.raises(CommandError, match="--workers"):
        call_command("seed_demo", "--customers", "0", "--workers", "0", stdout=io.StringIO())
