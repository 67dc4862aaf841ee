"""The subscriptions demo orders can be about, sorted into pools by what an order of each type needs.

Three reads, none of them per customer: the products that started or ended in the last 180 days or still await
installation (new, port-in, VAS, terminate, port-out orders and open installs); the live products of a random
sample of customers (changes, suspensions, moves, transfers); and live fixed-network products in Hefei for the
demo logins' open work."""

from __future__ import annotations

import datetime
import random
from typing import NamedTuple

from django.db.models import Max, Min, Q

from customers.models import BillingAccount, Customer

from ..models import Product
from .world import World

WINDOW_DAYS = 180
SAMPLE_SHARE = 0.04  # customers whose live products are read for the orders on existing subscriptions
SAMPLE_RUNS = 40  # in that many runs of consecutive customer ids
PENDING = (Product.Status.CREATED, Product.Status.PENDING_ACTIVE)
LIVE = (Product.Status.ACTIVE, Product.Status.SUSPENDED)
FIELDS = ("id", "customer_id", "offering_id", "status", "start_date", "termination_date", "region_id", "area_id",
          "grid_id", "billing_account_id", "service_number", "customer__customer_class",
          "customer__service_level")  # fmt: skip
HEFEI = "340100"


class Cand(NamedTuple):
    """A top-level product (a bundle or a stand-alone subscription) with what an order needs of its customer."""

    id: int
    customer_id: int
    offering_id: int
    status: str
    start: datetime.date | None
    end: datetime.date | None
    region_id: int
    area_id: int | None
    grid_id: int | None
    account_id: int | None
    number: str
    customer_class: str
    level: str


class Owner(NamedTuple):
    """A customer who may have given a subscription away (the old owner of a transfer)."""

    id: int
    account_id: int | None
    customer_class: str
    level: str


class Pools:
    """Named lists of candidates, shuffled once; each product is handed out at most once."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.lists: dict[str, list[Cand]] = {}
        self.used: set[int] = set()
        self.owners: dict[int, list[Owner]] = {}  # by region

    def add(self, name: str, cand: Cand) -> None:
        self.lists.setdefault(name, []).append(cand)

    def shuffle(self) -> None:
        for name in sorted(self.lists):
            self.rng.shuffle(self.lists[name])

    def take(self, *names: str) -> tuple[str, Cand] | None:
        """The next unused candidate of the first pool that has one, with that pool's name."""
        for name in names:
            pool = self.lists.get(name, [])
            while pool:
                cand = pool.pop()
                if cand.id not in self.used:
                    self.used.add(cand.id)
                    return name, cand
        return None

    def owner(self, region_id: int, not_customer: int) -> Owner | None:
        owners = self.owners.get(region_id, [])
        for _ in range(5):
            if owners:
                owner = self.rng.choice(owners)
                if owner.id != not_customer:
                    return owner
        return None


def load_pools(ctx, world: World, rng: random.Random) -> Pools:
    """Every pool the planner draws from, shuffled with the step's generator."""
    pools = Pools(rng)  # the subscriptions step analyzed the products it wrote, so the planner knows them
    window = ctx.today - datetime.timedelta(days=WINDOW_DAYS)
    _recent(pools, world, window)
    _sample(ctx, pools, world, rng)
    _hefei(pools, world)
    pools.shuffle()
    return pools


def _kind(world: World, cand: Cand) -> tuple[str, bool]:
    offering = world.offerings[cand.offering_id]
    return offering.main_kind, offering.is_bundle


def _recent(pools: Pools, world: World, window: datetime.date) -> None:
    """Products that started or ended in the window (the orders that led to it), and those awaiting installation."""
    # Add-ons of the subscriptions step that would start in the future start today instead: that pile of
    # products is left out, or half of the new orders would have been taken yesterday.
    today = window + datetime.timedelta(days=WINDOW_DAYS)
    recent = Product.objects.filter(bundle__isnull=True).filter(
        Q(start_date__gte=window, start_date__lt=today) | Q(termination_date__gte=window) | Q(status__in=PENDING)
    )
    for row in recent.order_by("id").values_list(*FIELDS).iterator(chunk_size=20_000):
        cand = Cand(*row)
        kind, bundle = _kind(world, cand)
        if cand.status in PENDING:
            if world.offerings[cand.offering_id].installs:
                pools.add("open_new", cand)
        elif cand.status == Product.Status.TERMINATED:
            if cand.end and cand.end >= window and kind not in ("vas", ""):
                pools.add("port_out" if kind == "mobile" and not bundle else "terminate", cand)
        elif cand.start and cand.start >= window:
            if kind == "vas":
                if cand.status == Product.Status.ACTIVE:
                    pools.add("vas_add", cand)
            elif kind:  # a quarter of the new stand-alone mobile numbers came from another operator
                ported = kind == "mobile" and not bundle and cand.id % 4 == 0
                pools.add("port_in" if ported else "new", cand)


def _sample(ctx, pools: Pools, world: World, rng: random.Random) -> None:
    """Live subscriptions of about 4 % of the customers, and who could be old owners. Customers are generated one
    independent draw at a time, so runs of consecutive ids at random places are as good a sample as scattered ids,
    and each run is one index range scan."""
    bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        return
    span = high - low + 1
    size = min(span, max(400, round(ctx.customers * SAMPLE_SHARE)))
    runs = max(1, min(SAMPLE_RUNS, size // 100))
    length, segment = size // runs, span // runs  # one run at a random place in each segment of the id range
    for i in range(runs):
        first = low + i * segment + rng.randrange(segment - length + 1)
        ids = (first, first + length - 1)
        of_run = {"customer_id__gte": ids[0], "customer_id__lte": ids[1]}  # foreign keys have no __range
        accounts = dict(
            BillingAccount.objects.filter(**of_run).values_list("customer_id").annotate(a=Min("id")).order_by()
        )
        customers = Customer.objects.filter(id__range=ids, status="active").order_by("id")
        for cid, region_id, klass, level in customers.values_list("id", "region_id", "customer_class", "service_level"):
            pools.owners.setdefault(region_id, []).append(Owner(cid, accounts.get(cid), klass, level))
        products = Product.objects.filter(**of_run, bundle__isnull=True, status__in=LIVE)
        for row in products.order_by("id").values_list(*FIELDS):
            cand = Cand(*row)
            kind, bundle = _kind(world, cand)
            if kind in ("vas", ""):
                continue
            offering = world.offerings[cand.offering_id]
            if cand.status == Product.Status.SUSPENDED:
                pools.add("suspend", cand)
                if offering.installs:
                    pools.add("move", cand)
                continue
            pools.add("transfer", cand)
            if kind in ("mobile", "broadband") or bundle:
                pools.add("change", cand)
            if kind == "mobile" or bundle:
                pools.add("resume", cand)
                pools.add("suspend_active", cand)
            if kind == "mobile" and not bundle:
                pools.add("open_port_out", cand)
            if offering.installs:
                pools.add("move", cand)


def _hefei(pools: Pools, world: World) -> None:
    """Open work for the demo logins: installs awaiting their visit, else moves, in the technician's crew's grids
    (for their list) and anywhere in Hefei (for the dispatcher's board)."""
    hefei = next((rid for rid, code in world.region_code.items() if code == HEFEI), None)
    if hefei is None:
        return
    crew_grids = set(world.grids_by_team.get(world.demo.get("crew"), []))
    shared = {g for g, teams in world.teams_by_grid.items() if len(teams) > 1}  # the dispatcher decides there
    for cand in pools.lists.get("open_new", []):
        if cand.region_id == hefei:
            pools.add("demo_new_crew" if cand.grid_id in crew_grids else "demo_new_wait", cand)
    installs = [o.id for o in world.offerings.values() if o.installs]
    live = Product.objects.filter(region_id=hefei, bundle__isnull=True, status="active", offering_id__in=installs)
    for row in live.order_by("id").values_list(*FIELDS)[:3000]:
        cand = Cand(*row)
        if cand.grid_id in crew_grids:
            pools.add("demo_move_crew", cand)
        pools.add("demo_move_wait" if cand.grid_id in shared else "demo_move_hefei", cand)
