"""Demo network (step ``network``): access points per area, standard addresses per grid, the grids each field team
covers, and the leads of the dispatch centres who hear of breached time limits."""

from __future__ import annotations

import math

from django.contrib.auth import get_user_model
from django.db.models import Count

from crm.accounts.demo import DEMO_LOGINS
from crm.accounts.models import Area, Grid, OrgUnit, Region, StaffProfile
from crm.accounts.roles import Role
from crm.demo.engine import SeedContext, demo_step

from ..models import AccessPoint, Product, StandardAddress, TeamCoverage
from ..services.work import FIELD_TEAM_KINDS

LIVE_STATUSES = (Product.Status.ACTIVE, Product.Status.SUSPENDED, Product.Status.PENDING_TERMINATE)
# A household's broadband, IPTV and fixed line share one fibre drop (one port); a dedicated line has its own.
HOUSEHOLD_KINDS = ("broadband", "iptv", "fixed_line")
PORT_BLOCK = 512  # access points come in cards of 512 ports, 512–2048 per access point
MAX_PORTS = 2048
TARGET_FILL = 0.8  # capacity planned so that about 80 % of the ports are in use
MAX_FILL = 0.95  # where demand outgrows three full access points, the counter stops here (free ports for new orders)
ADDRESSES_PER_GRID = (18, 22)
UNCOVERED, CABLE_SHORT, CABLE_LONG = 0.05, 0.10, 0.03  # shares of the standard addresses
TOWNS = ("城关镇", "新城镇", "双墩镇", "水湖镇", "杨庙镇", "桃园镇", "三河镇", "白湖镇", "临湖镇", "石塘镇", "高桥镇",
         "永安镇", "柏林镇", "古城镇")  # fmt: skip
PLACE_STREETS = ("幸福路", "团结路", "民主路", "健康路", "振兴路", "育才路", "商业街", "花园路", "迎宾大道", "工业大道")
ESTATES = ("幸福里", "阳光花园", "金色港湾", "翡翠湖畔", "绿地新城", "万科城", "锦绣华庭", "新华苑", "东方明珠",
           "梧桐苑", "滨江花园", "文苑")  # fmt: skip


@demo_step(order=35, name="network")
def seed_network(ctx: SeedContext) -> None:
    """Access points sized to the live fixed-network products of each area, addresses, team coverage, centre leads."""
    if AccessPoint.objects.exists():
        ctx.log("  network already there; nothing to do")
        return
    rng = ctx.rng("network")
    regions = {r.id: r for r in Region.objects.all()}
    areas = list(Area.objects.order_by("code"))
    grids_by_area: dict[int, list[Grid]] = {}
    for grid in Grid.objects.order_by("code"):
        grids_by_area.setdefault(grid.area_id, []).append(grid)

    points = _access_points(ctx, rng, areas, grids_by_area, _port_demand())
    addresses = _addresses(ctx, rng, areas, regions, grids_by_area, points)
    coverage = _team_coverage(ctx, rng, areas, grids_by_area)
    leads = _dispatch_centre_leads()
    total = sum(p[6] for area_points in points.values() for p in area_points)
    used = sum(p[7] for area_points in points.values() for p in area_points)
    count = sum(len(p) for p in points.values())
    ctx.log(
        f"  {count} access points ({total} ports, {used} in use), {addresses} standard addresses, "
        f"{coverage} team coverage rows, {leads} dispatch centre leads"
    )


def _port_demand() -> dict[int, int]:
    """Ports in use per area: one per household with a live broadband / IPTV / fixed line, one per dedicated line."""
    live = Product.objects.filter(status__in=LIVE_STATUSES)
    households = live.filter(specification__kind__in=HOUSEHOLD_KINDS).values_list("area_id")
    demand = dict(households.annotate(n=Count("customer_id", distinct=True)).order_by())
    for area_id, lines in (
        live.filter(specification__kind="dia").values_list("area_id").annotate(n=Count("id")).order_by()
    ):
        demand[area_id] = demand.get(area_id, 0) + lines
    return demand


def _grid_word(grid: Grid) -> str:
    """The place word of a grid named like "瑶海区·长江路网格"."""
    return grid.name.split("·", 1)[-1].removesuffix("网格")


def _access_points(ctx, rng, areas, grids_by_area, demand) -> dict[int, list[tuple]]:
    """1–3 per area (a county also keeps its exchange), 512–2048 ports each, sized so that about 80 % are in use."""
    rows_by_area: dict[int, list[tuple]] = {}
    plans = []
    for area in areas:
        need = demand.get(area.id, 0)
        wanted = math.ceil(need / TARGET_FILL)
        count = 1 if wanted <= 2 * PORT_BLOCK else (2 if wanted <= 3 * MAX_PORTS // 2 else 3)
        count = min(3, count + (rng.random() < 0.3))
        if area.kind == Area.Kind.COUNTY:
            count = max(count, 2)
        kinds = [AccessPoint.Kind.OLT] * count
        if area.kind == Area.Kind.COUNTY:
            kinds[0] = AccessPoint.Kind.EXCHANGE
        blocks = max(1, math.ceil(wanted / count / PORT_BLOCK))
        sizes = [min(MAX_PORTS, (blocks + (rng.random() < 0.3)) * PORT_BLOCK) for _ in kinds]
        plans.append((area, need, kinds, sizes))
    ids = iter(ctx.reserve_ids(AccessPoint, sum(len(p[2]) for p in plans)))
    for area, need, kinds, sizes in plans:
        words = [_grid_word(g) for g in grids_by_area.get(area.id, [])] or ["城区"]
        capacity = sum(sizes)
        rows = []
        for i, (kind, size) in enumerate(zip(kinds, sizes, strict=True), start=1):
            used = min(need * size // capacity, int(size * MAX_FILL))
            if kind == AccessPoint.Kind.EXCHANGE:
                code, name = f"EX-{area.code}-{i:02d}", f"{area.name}{rng.choice(TOWNS)}局站"
            else:
                code, name = f"OLT-{area.code}-{i:02d}", f"{area.name}{words[(i - 1) % len(words)]}OLT-{i}"
            rows.append((next(ids), code, name, kind, area.region_id, area.id, size, used, True))
        rows_by_area[area.id] = rows
    ctx.copy_rows(
        AccessPoint,
        ["id", "code", "name", "kind", "region_id", "area_id", "total_ports", "used_ports", "is_active"],
        [row for rows in rows_by_area.values() for row in rows],
    )
    return rows_by_area


def _streets(rng, grid: Grid) -> list[str]:
    word = _grid_word(grid)
    if word.endswith("路"):
        base = word.removesuffix("路")
        return [f"{base}路", f"{base}东路", f"{base}西路", f"{base}中路"]
    return [f"{word}大道", f"{word}一路", f"{word}二路", *rng.sample(PLACE_STREETS, 2)]


def _address_text(rng, region: Region, area: Area, street: str) -> str:
    if area.kind == Area.Kind.URBAN:
        estate = f"{rng.choice(ESTATES)}小区" if rng.random() < 0.3 else ""
        return (
            f"{region.name}市{area.name}{street}{rng.randint(1, 399)}号{estate}{rng.randint(1, 30)}栋"
            f"{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}"
        )
    text = f"{region.name}市{area.name}{rng.choice(TOWNS)}{street}{rng.randint(1, 199)}号"
    if rng.random() < 0.4:
        text += f"{rng.randint(1, 12)}栋{rng.randint(1, 3)}单元{rng.randint(1, 6)}{rng.randint(1, 2):02d}"
    return text


def _addresses(ctx, rng, areas, regions, grids_by_area, points) -> int:
    """About 20 standard addresses per grid: 5 % not covered yet, 10 % needing a short and 3 % a long cable run."""
    rows, seen = [], set()
    for area in areas:
        region = regions[area.region_id]
        area_points = [(row[0], row[6]) for row in points.get(area.id, [])]
        for grid in grids_by_area.get(area.id, []):
            streets = _streets(rng, grid)
            for _ in range(rng.randint(*ADDRESSES_PER_GRID)):
                text = _address_text(rng, region, area, rng.choice(streets))
                while text in seen:
                    text = _address_text(rng, region, area, rng.choice(streets))
                seen.add(text)
                draw = rng.random()
                point = None
                if draw >= UNCOVERED and area_points:
                    point = rng.choices([p for p, _n in area_points], weights=[n for _p, n in area_points])[0]
                cable = ""
                if point and draw < UNCOVERED + CABLE_SHORT:
                    cable = StandardAddress.CableExtension.SHORT
                elif point and draw < UNCOVERED + CABLE_SHORT + CABLE_LONG:
                    cable = StandardAddress.CableExtension.LONG
                rows.append((text, area.region_id, area.id, grid.id, point, cable))
    return ctx.copy_rows(
        StandardAddress, ["text", "region_id", "area_id", "grid_id", "access_point_id", "cable_extension"], rows
    )


def _split(items: list, parts: int) -> list[list]:
    """``items`` in ``parts`` contiguous, nearly equal runs (neighbouring grids go to the same team)."""
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for i in range(parts):
        end = start + size + (i < extra)
        runs.append(items[start:end])
        start = end
    return runs


def _team_coverage(ctx, rng, areas, grids_by_area) -> int:
    """Crews split their region's grids between them (a few also help a neighbouring grid); maintenance contractors
    take the county grids (or the city's, where a region has no county), so every grid has at least one team."""
    kind_of_area = {a.id: a.kind for a in areas}
    grids_by_region: dict[int, list[Grid]] = {}
    for area in areas:
        grids_by_region.setdefault(area.region_id, []).extend(grids_by_area.get(area.id, []))
    teams: dict[tuple[int, str], list[int]] = {}
    for unit_id, region_id, kind in (
        OrgUnit.objects.filter(kind__in=FIELD_TEAM_KINDS, is_active=True, region__isnull=False)
        .order_by("code")
        .values_list("id", "region_id", "kind")
    ):
        teams.setdefault((region_id, kind), []).append(unit_id)
    pairs: set[tuple[int, int]] = set()
    for region_id, grids in grids_by_region.items():
        if not grids:
            continue
        crews = teams.get((region_id, OrgUnit.Kind.FIELD_CREW), [])
        contractors = teams.get((region_id, OrgUnit.Kind.MAINTENANCE_CONTRACTOR), [])
        for i, (crew, run) in enumerate(zip(crews, _split(grids, len(crews)) if crews else [], strict=True)):
            for grid in run or [rng.choice(grids)]:
                pairs.add((crew, grid.id))
            if run and i + 1 < len(crews) and rng.random() < 0.3:  # helps out in the next crew's first grid
                following = grids.index(run[-1]) + 1
                if following < len(grids):
                    pairs.add((crew, grids[following].id))
        county = [g for g in grids if kind_of_area[g.area_id] == Area.Kind.COUNTY] or grids
        for contractor, run in zip(contractors, _split(county, len(contractors)) if contractors else [], strict=True):
            for grid in run or [rng.choice(county)]:
                pairs.add((contractor, grid.id))
        if not crews and not contractors:
            continue
        for grid in grids:  # only without crews can a city grid be left over: the first team takes it
            if not any((team, grid.id) in pairs for team in crews + contractors):
                pairs.add(((crews or contractors)[0], grid.id))
    return ctx.copy_rows(TeamCoverage, ["team_id", "grid_id"], sorted(pairs))


def _dispatch_centre_leads() -> int:
    """Each dispatch centre's lead: the region's demo dispatcher login where there is one, else its first dispatcher."""
    users = get_user_model().objects
    demo = {code: username for username, role, code, _d in DEMO_LOGINS if role == Role.DISPATCHER and code}
    demo_ids = dict(users.filter(username__in=demo.values()).values_list("username", "id"))
    staff: dict[int, int] = {}
    for unit_id, user_id in (
        StaffProfile.objects.filter(role=Role.DISPATCHER, org_unit__isnull=False)
        .order_by("user_id")
        .values_list("org_unit_id", "user_id")
    ):
        staff.setdefault(unit_id, user_id)
    updated = 0
    for centre in OrgUnit.objects.filter(kind=OrgUnit.Kind.DISPATCH_CENTRE, region__isnull=False).select_related(
        "region"
    ):
        lead = demo_ids.get(demo.get(centre.region.code, "")) or staff.get(centre.pk)
        if lead:
            updated += OrgUnit.objects.filter(pk=centre.pk).update(lead_id=lead)
    return updated
