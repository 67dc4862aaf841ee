"""What the demo orders step reads once before generating: the catalog, templates and time limits, the organisation
(outlets, staff, teams and the grids they cover) and the network (addresses and free ports)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from crm.accounts.models import Area, OrgUnit, Region, StaffProfile
from crm.accounts.roles import Role
from crm.sla.clock import CALENDAR, deadline
from crm.sla.models import ServiceLimit
from crm.sla.selectors import limit_for, work_calendar

from ..eligibility import INSTALL_KINDS
from ..models import (
    AccessPoint,
    CommissionRule,
    ProductOffering,
    ProductOfferingPrice,
    StandardAddress,
    TeamCoverage,
    WorkOrder,
    WorkOrderTemplate,
)
from ..services.work import FIELD_TEAM_KINDS, KIND_PRECEDENCE


@dataclass(frozen=True)
class Offering:
    id: int
    code: str
    is_bundle: bool
    kinds: frozenset[str]
    one_off: Decimal
    main_kind: str = field(init=False)  # the kind that picks the template, as ``services.work.main_kind`` decides
    installs: bool = field(init=False)  # needs a port and a field visit

    def __post_init__(self) -> None:
        object.__setattr__(self, "main_kind", next((k for k in KIND_PRECEDENCE if k in self.kinds), ""))
        object.__setattr__(self, "installs", bool(self.kinds & INSTALL_KINDS))


@dataclass(frozen=True)
class Template:
    id: int
    work_type: str
    steps: tuple[tuple[int, str, str, str, int | None], ...]  # seq, code, name, kind, limit minutes
    needs_field_visit: bool = field(init=False)
    has_people: bool = field(init=False)  # a step someone does (not only automatic ones)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs_field_visit", any(step[3] == "field" for step in self.steps))
        object.__setattr__(self, "has_people", any(step[3] != "system" for step in self.steps))


@dataclass(frozen=True)
class Address:
    id: int
    region_id: int
    area_id: int
    grid_id: int
    access_point_id: int
    cable: str


@dataclass
class World:
    offerings: dict[int, Offering]
    templates: dict[tuple[str, str], Template]
    area_kind: dict[int, str]
    region_code: dict[int, str]
    addresses: dict[int, list[Address]]  # covered addresses by grid
    free_ports: dict[int, int]  # access point -> ports still free
    outlets: dict[tuple[int, str], list[int]]  # (region, kind) -> outlet ids
    staff: dict[tuple[int, str], list[int]]  # (org unit, role) -> user ids
    region_staff: dict[tuple[int, str], list[int]]  # (region, role) -> user ids
    province_managers: list[int]
    teams_by_grid: dict[int, list[int]]
    grids_by_team: dict[int, list[int]]
    team_region: dict[int, int]
    escalate_to: dict[int, list[str]]  # region -> usernames of the dispatch centre's lead
    commission_rules: list[tuple]  # id, outlet kind, order type, offering id, kind, amount, from, to
    work_order_type: int
    demo: dict[str, int | None] = field(default_factory=dict)
    _limits: dict[tuple[str, str, str, str], ServiceLimit | None] = field(default_factory=dict)

    def template(self, order_type: str, kind: str) -> Template | None:
        return self.templates.get((order_type, kind)) or self.templates.get((order_type, ""))

    def limit(self, work_type: str, area_id: int | None, level: str, variant: str) -> ServiceLimit | None:
        key = (work_type, self.area_kind.get(area_id, ""), level, variant)
        if key not in self._limits:
            self._limits[key] = limit_for(work_type=key[0], area_kind=key[1], service_level=key[2], variant=key[3])
        return self._limits[key]

    def deadline(self, start: datetime.datetime, minutes: int, clock: str) -> datetime.datetime:
        return deadline(start, minutes, clock, None if clock == CALENDAR else work_calendar())

    def commission_rule(self, outlet_kind: str, order_type: str, offering: Offering, day: datetime.date):
        """The rule ``orders.services.commission.rule_for`` would pick: the offering's own, then a kind's, then any."""
        found = [
            rule
            for rule in self.commission_rules
            if rule[1] == outlet_kind and rule[2] == order_type and rule[3] in (None, offering.id)
            and (rule[4] == "" or rule[4] in offering.kinds) and rule[6] <= day and (rule[7] is None or rule[7] >= day)
        ]  # fmt: skip
        return max(found, key=lambda r: (r[3] is not None, r[4] != "", r[6], r[0]), default=None)


def load_world() -> World:
    return World(
        offerings=_offerings(),
        templates=_templates(),
        area_kind=dict(Area.objects.values_list("id", "kind")),
        region_code=dict(Region.objects.values_list("id", "code")),
        **_network(),
        **_organisation(),
        commission_rules=list(
            CommissionRule.objects.order_by("id").values_list(
                "id", "outlet_kind", "order_type", "offering_id", "spec_kind", "amount", "valid_from", "valid_to"
            )
        ),
        work_order_type=ContentType.objects.get_for_model(WorkOrder).pk,
    )


def _offerings() -> dict[int, Offering]:
    one_off = dict(
        ProductOfferingPrice.objects.filter(price_type=ProductOfferingPrice.PriceType.ONE_TIME)
        .values_list("offering_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    offerings = {}
    for offering in ProductOffering.objects.select_related("specification").prefetch_related(
        "bundled_offerings__specification"
    ):
        parts = list(offering.bundled_offerings.all()) if offering.is_bundle else [offering]
        kinds = frozenset(p.specification.kind for p in parts if p.specification_id)
        fee = sum((one_off.get(p.pk, Decimal(0)) for p in {offering, *parts}), Decimal(0))
        offerings[offering.pk] = Offering(offering.pk, offering.code, offering.is_bundle, kinds, fee)
    return offerings


def _templates() -> dict[tuple[str, str], Template]:
    templates = {}
    for template in WorkOrderTemplate.objects.prefetch_related("steps"):
        steps = tuple(
            (s.seq, s.code, s.name, s.kind, s.limit_minutes) for s in sorted(template.steps.all(), key=lambda s: s.seq)
        )
        templates[(template.order_type, template.spec_kind)] = Template(template.pk, template.work_type, steps)
    return templates


def _network() -> dict:
    addresses: dict[int, list[Address]] = {}
    for row in (
        StandardAddress.objects.filter(access_point__isnull=False, grid__isnull=False)
        .order_by("id")
        .values_list("id", "region_id", "area_id", "grid_id", "access_point_id", "cable_extension")
    ):
        addresses.setdefault(row[3], []).append(Address(*row))
    free = {pk: total - used for pk, total, used in AccessPoint.objects.values_list("id", "total_ports", "used_ports")}
    teams_by_grid: dict[int, list[int]] = {}
    grids_by_team: dict[int, list[int]] = {}
    for team_id, grid_id in TeamCoverage.objects.filter(team__is_active=True).values_list("team_id", "grid_id"):
        teams_by_grid.setdefault(grid_id, []).append(team_id)
        grids_by_team.setdefault(team_id, []).append(grid_id)
    return {"addresses": addresses, "free_ports": free, "teams_by_grid": teams_by_grid, "grids_by_team": grids_by_team}


def _organisation() -> dict:
    outlets: dict[tuple[int, str], list[int]] = {}
    team_region: dict[int, int] = {}
    leads: dict[int, int] = {}
    for unit_id, kind, region_id, lead_id in (
        OrgUnit.objects.filter(is_active=True, region__isnull=False)
        .order_by("code")
        .values_list("id", "kind", "region_id", "lead_id")
    ):
        outlets.setdefault((region_id, kind), []).append(unit_id)
        if kind in FIELD_TEAM_KINDS:
            team_region[unit_id] = region_id
        if kind == OrgUnit.Kind.DISPATCH_CENTRE and lead_id:
            leads.setdefault(region_id, lead_id)
    staff: dict[tuple[int, str], list[int]] = {}
    region_staff: dict[tuple[int, str], list[int]] = {}
    province_managers = []
    for user_id, role, region_id, unit_id in StaffProfile.objects.order_by("user_id").values_list(
        "user_id", "role", "region_id", "org_unit_id"
    ):
        if unit_id:
            staff.setdefault((unit_id, role), []).append(user_id)
        if region_id:
            region_staff.setdefault((region_id, role), []).append(user_id)
        elif role == Role.MANAGER:
            province_managers.append(user_id)
    users = get_user_model().objects
    names = dict(users.filter(id__in=leads.values()).values_list("id", "username"))
    demo = dict(users.filter(username__in=["clerk", "dispatcher", "technician"]).values_list("username", "id"))
    profiles = dict(StaffProfile.objects.filter(user_id__in=demo.values()).values_list("user_id", "org_unit_id"))
    return {
        "outlets": outlets,
        "staff": staff,
        "region_staff": region_staff,
        "province_managers": province_managers,
        "team_region": team_region,
        "escalate_to": {region: [names[user]] for region, user in leads.items() if user in names},
        "demo": {
            "clerk": demo.get("clerk"),
            "clerk_hall": profiles.get(demo.get("clerk")),
            "dispatcher": demo.get("dispatcher"),
            "technician": demo.get("technician"),
            "crew": profiles.get(demo.get("technician")),
        },
    }
