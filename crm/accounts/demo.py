"""Demo data for the organisation: Anhui's regions, areas, grids, teams and outlets, and staff of every role."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from crm.demo.anhui import CITIES, GRID_WORDS
from crm.demo.engine import DemoLogin, SeedContext, demo_step
from crm.demo.names import chinese_name

from .models import Area, Grid, OrgUnit, Region, StaffProfile
from .roles import Role, group_name
from .services import sync_role_groups

DEMO_PASSWORD = "crm-demo-2026"  # noqa: S105 - the documented password of the demo logins, for make run only

# The demo logins printed at the end: (username, role, region code or None for province level, description).
DEMO_LOGINS = [
    ("clerk", Role.HALL_CLERK, "340100", "Hefei business hall clerk"),
    ("agent", Role.CALL_AGENT, "340100", "10000 hotline agent, Hefei"),
    ("dispatcher", Role.DISPATCHER, "340100", "Back-office dispatcher, Hefei"),
    ("technician", Role.FIELD_TECHNICIAN, "340100", "Field technician, Hefei install crew"),
    ("accountmgr", Role.ACCOUNT_MANAGER, "340100", "Key-account manager, Hefei"),
    ("analyst", Role.MARKETING_ANALYST, None, "Marketing analyst, province"),
    ("manager", Role.MANAGER, None, "Province manager (sees every region)"),
    ("manager_wuhu", Role.MANAGER, "340200", "Wuhu branch manager"),
    ("clerk_wuhu", Role.HALL_CLERK, "340200", "Wuhu business hall clerk"),
    ("admin", Role.ADMIN, None, "IT administrator (Django admin too)"),
]

# Which kind of team or outlet each role works in.
ROLE_UNIT_KIND = {
    Role.HALL_CLERK: OrgUnit.Kind.OWN_HALL,
    Role.CALL_AGENT: OrgUnit.Kind.HOTLINE_TEAM,
    Role.DISPATCHER: OrgUnit.Kind.DISPATCH_CENTRE,
    Role.FIELD_TECHNICIAN: OrgUnit.Kind.FIELD_CREW,
    Role.ACCOUNT_MANAGER: OrgUnit.Kind.KEY_ACCOUNT_TEAM,
    Role.MANAGER: OrgUnit.Kind.MANAGEMENT,
}
PROVINCE_UNIT_KIND = {
    Role.MANAGER: OrgUnit.Kind.MANAGEMENT,
    Role.MARKETING_ANALYST: OrgUnit.Kind.MARKETING_DEPT,
    Role.ADMIN: OrgUnit.Kind.IT,
}


def _units_for_region(rng, region_code: str, size: int) -> list[tuple[str, str]]:
    """(kind, name suffix) of the teams and outlets of one region; bigger cities get more."""
    units = [(OrgUnit.Kind.OWN_HALL, f"营业厅{i + 1}") for i in range(2 + size)]
    units += [(OrgUnit.Kind.PARTNER_HALL, f"合作厅{i + 1}") for i in range(1 + size // 2)]
    units += [(OrgUnit.Kind.AGENT_OUTLET, f"代销点{i + 1}") for i in range(2 + size + rng.randint(0, 3))]
    units += [
        (OrgUnit.Kind.HOTLINE_TEAM, "10000号班组"),
        (OrgUnit.Kind.DISPATCH_CENTRE, "调度中心"),
        (OrgUnit.Kind.KEY_ACCOUNT_TEAM, "政企客户部"),
        (OrgUnit.Kind.MANAGEMENT, "分公司管理层"),
    ]
    units += [(OrgUnit.Kind.FIELD_CREW, f"装维班组{i + 1}") for i in range(1 + size)]
    units += [(OrgUnit.Kind.MAINTENANCE_CONTRACTOR, f"代维公司{i + 1}") for i in range(1 + size // 2)]
    return units


@demo_step(order=10, name="organisation")
def seed_organisation(ctx: SeedContext) -> None:
    rng = ctx.rng("organisation")
    # City size in the demo: Hefei biggest; it scales how many outlets, grids and staff a region gets.
    regions = Region.objects.bulk_create(
        [
            Region(code=code, name=name, name_en=name_en, area_code=area_code)
            for code, name, name_en, area_code, _d, _c in CITIES
        ]
    )
    region_by_code = {r.code: r for r in regions}
    areas = Area.objects.bulk_create(
        [
            Area(region=region_by_code[code], code=a_code, name=a_name, kind=kind)
            for code, _n, _e, _ac, districts, counties in CITIES
            for kind, group in ((Area.Kind.URBAN, districts), (Area.Kind.COUNTY, counties))
            for a_code, a_name in group
        ]
    )
    grid_ids = ctx.reserve_ids(Grid, sum(2 + (a.kind == Area.Kind.URBAN) * 2 for a in areas))
    grid_rows = []
    grid_iter = iter(grid_ids)
    for area in areas:
        words = rng.sample(GRID_WORDS, 2 + (area.kind == Area.Kind.URBAN) * 2)
        for i, word in enumerate(words):
            grid_rows.append(
                (next(grid_iter), area.region_id, area.id, f"{area.code}-G{i + 1:02d}", f"{area.name}·{word}网格")
            )
    ctx.copy_rows(Grid, ["id", "region_id", "area_id", "code", "name"], grid_rows)
    grids_by_region: dict[int, list[int]] = {}
    for gid, region_id, _area_id, _code, _name in grid_rows:
        grids_by_region.setdefault(region_id, []).append(gid)

    unit_rows = []
    for region in regions:
        size = 4 if region.code == "340100" else (2 if region.code in ("340200", "340300", "340800", "341200") else 1)
        for kind, suffix in _units_for_region(rng, region.code, size):
            grid_id = rng.choice(grids_by_region[region.id]) if kind in (OrgUnit.Kind.AGENT_OUTLET,) else None
            unit_rows.append(
                (f"{region.code}-{len(unit_rows) + 1:03d}", kind, f"{region.name}{suffix}", region.id, grid_id)
            )
    province_units = [
        ("340000-001", OrgUnit.Kind.MANAGEMENT, "省公司管理层", None, None),
        ("340000-002", OrgUnit.Kind.MARKETING_DEPT, "省公司市场部", None, None),
        ("340000-003", OrgUnit.Kind.IT, "省公司信息化部", None, None),
    ]
    unit_rows += province_units
    unit_ids = ctx.reserve_ids(OrgUnit, len(unit_rows))
    rows = [
        (uid, code, name, kind, region_id, grid_id, True)
        for uid, (code, kind, name, region_id, grid_id) in zip(unit_ids, unit_rows, strict=True)
    ]
    ctx.copy_rows(OrgUnit, ["id", "code", "name", "kind", "region_id", "grid_id", "is_active"], rows)
    units = list(OrgUnit.objects.filter(id__in=unit_ids))
    _seed_staff(ctx, regions=regions, units=units, grids_by_region=grids_by_region)
    ctx.shared["regions"] = regions
    ctx.shared["grids_by_region"] = grids_by_region
    ctx.log(f"  {len(regions)} regions, {len(areas)} areas, {len(grid_rows)} grids, {len(units)} teams and outlets")


def _seed_staff(ctx: SeedContext, *, regions, units, grids_by_region) -> None:
    rng = ctx.rng("staff")
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: the same demo password for every demo user
    region_by_code = {r.code: r for r in regions}
    units_by_region_kind: dict[tuple[int | None, str], list[OrgUnit]] = {}
    for unit in units:
        units_by_region_kind.setdefault((unit.region_id, unit.kind), []).append(unit)

    people: list[tuple[str, str, int | None, int | None, int | None, bool]] = []  # username, role, region, grid, unit
    for username, role, region_code, _description in DEMO_LOGINS:
        region = region_by_code.get(region_code) if region_code else None
        kind = ROLE_UNIT_KIND.get(role)
        unit = None
        if region is not None and kind:
            unit = units_by_region_kind[(region.id, kind)][0]
        elif region is None:
            unit = units_by_region_kind[(None, PROVINCE_UNIT_KIND[role])][0]
        people.append(
            (username, role, region.id if region else None, None, unit.id if unit else None, role == Role.ADMIN)
        )
    # Everyone else: a few staff per team or outlet, with roles that fit the unit.
    kind_role = {
        OrgUnit.Kind.OWN_HALL: Role.HALL_CLERK,
        OrgUnit.Kind.PARTNER_HALL: Role.HALL_CLERK,
        OrgUnit.Kind.AGENT_OUTLET: Role.HALL_CLERK,
        OrgUnit.Kind.HOTLINE_TEAM: Role.CALL_AGENT,
        OrgUnit.Kind.DISPATCH_CENTRE: Role.DISPATCHER,
        OrgUnit.Kind.FIELD_CREW: Role.FIELD_TECHNICIAN,
        OrgUnit.Kind.MAINTENANCE_CONTRACTOR: Role.FIELD_TECHNICIAN,
        OrgUnit.Kind.KEY_ACCOUNT_TEAM: Role.ACCOUNT_MANAGER,
        OrgUnit.Kind.MANAGEMENT: Role.MANAGER,
        OrgUnit.Kind.MARKETING_DEPT: Role.MARKETING_ANALYST,
    }
    per_unit = {Role.CALL_AGENT: 8, Role.FIELD_TECHNICIAN: 4, Role.HALL_CLERK: 3, Role.ACCOUNT_MANAGER: 3}
    for unit in units:
        role = kind_role.get(unit.kind)
        if role is None:
            continue
        for i in range(rng.randint(1, per_unit.get(role, 2))):
            grid_id = unit.grid_id
            if grid_id is None and unit.region_id and role in (Role.HALL_CLERK, Role.FIELD_TECHNICIAN):
                grid_id = rng.choice(grids_by_region[unit.region_id])
            people.append((f"s{unit.code.replace('-', '')}{i + 1}", role, unit.region_id, grid_id, unit.id, False))

    User = get_user_model()
    user_ids = ctx.reserve_ids(User, len(people))
    names = [chinese_name(rng) for _ in people]
    ctx.copy_rows(
        User,
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        (
            (uid, password_hash, admin, username, name[1:], name[0], f"{username}@demo.crm.local", admin, True, ctx.now)
            for uid, (username, _role, _r, _g, _u, admin), name in zip(user_ids, people, names, strict=True)
        ),
    )
    profile_ids = ctx.reserve_ids(StaffProfile, len(people))
    ctx.copy_rows(
        StaffProfile,
        ["id", "user_id", "role", "region_id", "grid_id", "org_unit_id", "employee_no", "phone"],
        (
            (
                pid,
                uid,
                role,
                region_id,
                grid_id,
                unit_id,
                f"E{uid:07d}",
                f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
            )
            for pid, uid, (_u, role, region_id, grid_id, unit_id, _a) in zip(profile_ids, user_ids, people, strict=True)
        ),
    )
    sync_role_groups()
    groups = {g.name: g.id for g in Group.objects.filter(name__startswith="role:")}
    through = User.groups.through
    ctx.copy_rows(
        through,
        ["user_id", "group_id"],
        ((uid, groups[group_name(role)]) for uid, (_u, role, *_rest) in zip(user_ids, people, strict=True)),
    )
    for username, role, _region_code, description in DEMO_LOGINS:
        ctx.logins.append(DemoLogin(role=str(role), username=username, password=DEMO_PASSWORD, description=description))
    ctx.log(f"  {len(people)} staff users")
