"""Demo orders (step ``orders``): six months of orders in every channel with their work orders, dispatch records,
receipts, time-limit breaches and commissions, plus about 2 % still open today — including work on the demo
technician's list and on the Hefei dispatcher's board."""

from __future__ import annotations

import random
from collections import Counter

from crm.demo.engine import SeedContext, demo_step, quota

from ..models import Product, ProductOrder
from .pools import Cand, Pools, load_pools
from .rows import write_orders
from .timeline import Plan
from .world import World, load_world

ORDERS_PER_CUSTOMER = 0.03
OPEN_SHARE = 0.02
CHUNK = 5000  # customers per query for the mobile lines of VAS orders
LATE_FIELD, LATE_OFFICE = 0.04, 0.02  # finished past the deadline: field work, back-office or care work
TYPE_MIX = [("new", 45), ("change", 15), ("vas_add", 12), ("move", 6), ("suspend", 4), ("resume", 4),
            ("terminate", 6), ("transfer", 3), ("port_out", 3), ("port_in", 2)]  # fmt: skip
CHANNEL_MIX = [("own_hall", 55), ("partner_hall", 15), ("agent_outlet", 12), ("hotline", 10), ("portal", 8)]
# Where a type's pool runs dry, the order becomes one of these instead.
FALLBACK = {"port_in": ["new"], "port_out": ["terminate", "change"], "terminate": ["change"],
            "suspend": ["suspend_active", "resume", "change"], "resume": ["change"], "vas_add": ["change"],
            "transfer": ["change"], "move": ["change"], "change": ["new"], "new": ["change"]}  # fmt: skip
OWNER_TYPES = {"transfer", "terminate", "port_out"}  # the owner shows the ID card: at a counter
COUNTERS = ("own_hall", "partner_hall", "agent_outlet")
# Open work: (state, overdue) for the demo technician's crew and for the Hefei dispatcher's board.
DEMO_TECHNICIAN = [("assigned", False), ("assigned", False), ("assigned", True), ("inProgress", False),
                   ("inProgress", False), ("held", False), ("assigned", False)]  # fmt: skip
DEMO_WAITING = [("open", False)] * 5 + [("open", True)]
OPEN_TYPES = [("new", 55), ("move", 25), ("transfer", 8), ("port_out", 12)]
OPEN_STATES = [("open", 30), ("assigned", 40), ("inProgress", 18), ("held", 12)]


@demo_step(order=40, name="orders")
def seed_orders(ctx: SeedContext) -> None:
    """Orders of the last six months with their work, and today's open work (see the module docstring)."""
    if ctx.customers <= 0 or ProductOrder.objects.exists():
        ctx.log("  no customers, or orders already there; no orders")
        return
    world = load_world()
    if not world.templates or not world.offerings:
        ctx.log("  no catalog or work-order templates; no orders")
        return
    rng = ctx.rng("orders")
    pools = load_pools(ctx, world, rng)
    planner = _Planner(ctx, world, pools, rng)
    plans = planner.plans(round(ctx.customers * ORDERS_PER_CUSTOMER))
    counts = write_orders(ctx, world, plans, planner.extra_coverage, rng)
    ctx.log(
        f"  {counts['orders']} orders ({counts['open']} open), {counts['work_orders']} work orders, "
        f"{counts['late']} past their time limit, {counts['commissions']} commission entries, "
        f"{counts['ports']} ports reserved"
    )


class _Planner:
    """Decides each order: type, subscription, channel and outlet; open ones first (the demo's, then the rest)."""

    def __init__(self, ctx: SeedContext, world: World, pools: Pools, rng: random.Random):
        self.ctx, self.world, self.pools, self.rng = ctx, world, pools, rng
        self.extra_coverage: set[tuple[int, int]] = set()

    def plans(self, total: int) -> list[Plan]:
        open_plans = self._demo_open()
        for _ in range(max(0, round(total * OPEN_SHARE) - len(open_plans))):
            order_type = self.rng.choices([t for t, _w in OPEN_TYPES], weights=[w for _t, w in OPEN_TYPES])[0]
            state = self.rng.choices([s for s, _w in OPEN_STATES], weights=[w for _s, w in OPEN_STATES])[0]
            plan = self._open(order_type, state, overdue=state != "held" and self.rng.random() < 0.1)
            if plan:
                open_plans.append(plan)
        # The open orders count towards the mix; where more are open of a type than its share (the demo's moves),
        # the difference comes off the new orders, so the total stays about 3 per 100 customers.
        remaining = Counter(quota(max(total, len(open_plans)), TYPE_MIX))
        remaining.subtract(Counter(p.order_type for p in open_plans))
        for order_type in [t for t, n in remaining.items() if n < 0]:
            remaining["new"] += remaining[order_type]
            remaining[order_type] = 0
        types = [order_type for order_type, _w in TYPE_MIX for _ in range(max(0, remaining[order_type]))]
        self.rng.shuffle(types)
        history = [plan for plan in (self._historical(t) for t in types) if plan]
        self._late(history)
        self._lines([p for p in history if p.order_type == "vas_add"])
        plans = open_plans + history
        self._channels(plans)
        return plans

    def _late(self, history: list[Plan]) -> None:
        """Which finished work ends past its deadline: a fixed share, so small data sets have some too."""
        groups: dict[bool, list[Plan]] = {True: [], False: []}
        for plan in history:
            template = self.world.template(plan.order_type, plan.offering.main_kind)
            if template and template.has_people:
                groups[template.needs_field_visit].append(plan)
        for field_work, share in ((True, LATE_FIELD), (False, LATE_OFFICE)):
            plans = groups[field_work]
            count = round(len(plans) * share)
            if field_work and plans:
                count = max(1, count)
            for plan in self.rng.sample(plans, count):
                plan.late = True

    def _lines(self, plans: list[Plan]) -> None:
        """A value-added service is ordered on the customer's mobile line (the order's subscription)."""
        customers = sorted({p.customer_id for p in plans})
        lines: dict[int, tuple[int, str]] = {}
        for start in range(0, len(customers), CHUNK):
            mobiles = Product.objects.filter(
                customer_id__in=customers[start : start + CHUNK], specification__kind="mobile", status="active"
            )
            for customer_id, product_id, number in mobiles.order_by("id").values_list(
                "customer_id", "id", "service_number"
            ):
                lines.setdefault(customer_id, (product_id, number))
        for plan in plans:
            if plan.customer_id in lines:
                plan.product_id, plan.service_number = lines[plan.customer_id]

    # --- open work ------------------------------------------------------------------------------------------------
    def _demo_open(self) -> list[Plan]:
        """Work for the demo logins in Hefei: on the technician's crew's list, and waiting on the dispatcher's board."""
        plans = []
        crew = self.world.demo.get("crew")
        for state, overdue in DEMO_TECHNICIAN if crew else []:
            pools = ("demo_new_crew", "demo_move_crew", "demo_move_wait", "demo_move_hefei")
            plan = self._open_on(pools, state, overdue, demo="technician")
            if plan:
                plans.append(plan)
                self.extra_coverage.add((crew, plan.grid_id))  # (a fallback outside its grids: the crew helps out)
        for state, overdue in DEMO_WAITING:
            plan = self._open_on(("demo_new_wait", "demo_move_wait", "demo_move_hefei"), state, overdue, demo="waiting")
            if plan:
                plans.append(plan)
        return plans

    def _open(self, order_type: str, state: str, *, overdue: bool) -> Plan | None:
        if order_type in ("new", "move"):
            return self._open_on(("open_new",) if order_type == "new" else ("move",), state, overdue)
        found = self.pools.take("transfer" if order_type == "transfer" else "open_port_out")
        plan = self._plan(order_type, found[1]) if found else None
        if plan:
            plan.state, plan.overdue = "open", overdue  # waiting in the back office or with customer care
        return plan

    def _open_on(self, pools: tuple[str, ...], state: str, overdue: bool, demo: str = "") -> Plan | None:
        """An install awaiting its visit (a product still pending) or a move; both hold a port of the new address."""
        while found := self.pools.take(*pools):
            name, cand = found
            plan = self._plan("new" if "new" in name else "move", cand, need_port=True)
            if plan is not None and plan.address is not None:
                plan.state, plan.overdue, plan.demo = state, overdue, demo
                return plan
        return None

    # --- history --------------------------------------------------------------------------------------------------
    def _historical(self, order_type: str) -> Plan | None:
        for candidate_type in [order_type, *FALLBACK.get(order_type, [])]:
            found = self.pools.take(candidate_type)
            if found is None:
                continue
            real_type = {"suspend_active": "suspend"}.get(candidate_type, candidate_type)
            plan = self._plan(real_type, found[1])
            if plan:
                return plan
        return None

    def _plan(self, order_type: str, cand: Cand, *, need_port: bool = False) -> Plan | None:
        world = self.world
        offering = world.offerings[cand.offering_id]
        plan = Plan(
            order_type=order_type, channel="", offering=offering, customer_id=cand.customer_id,
            account_id=cand.account_id, product_id=cand.id, item_product_id=cand.id, region_id=cand.region_id,
            area_id=cand.area_id, grid_id=cand.grid_id, level=cand.level, customer_class=cand.customer_class,
            service_number=cand.number,
        )  # fmt: skip
        if order_type in ("new", "port_in", "vas_add"):
            plan.day = cand.start
        elif order_type in ("terminate", "port_out") and cand.status == "terminated":
            plan.day = cand.end
        if order_type == "transfer":
            owner = self.pools.owner(cand.region_id, cand.customer_id)
            if owner is None:
                return None
            plan.customer_id, plan.account_id, plan.new_owner_id = owner.id, owner.account_id, cand.customer_id
            plan.level, plan.customer_class = owner.level, owner.customer_class
        if (order_type == "new" and offering.installs) or order_type == "move":
            plan.address = self._address(cand, need_port=need_port)
            if plan.address:
                plan.area_id, plan.grid_id = plan.address.area_id, plan.address.grid_id
        return plan

    def _address(self, cand: Cand, *, need_port: bool):
        choices = self.world.addresses.get(cand.grid_id, [])
        if need_port:
            choices = [a for a in choices if self.world.free_ports.get(a.access_point_id, 0) > 0]
        if not choices:
            return None
        address = self.rng.choice(choices)
        if need_port:
            self.world.free_ports[address.access_point_id] -= 1
        return address

    # --- channels, outlets and staff -------------------------------------------------------------------------------
    def _channels(self, plans: list[Plan]) -> None:
        """Channels in the asked mix: a counter for orders that need the owner's ID card, own halls for the demo's."""
        channels = quota(len(plans), CHANNEL_MIX)
        self.rng.shuffle(channels)
        for plan in plans:
            wanted = ("own_hall",) if plan.demo else (COUNTERS if plan.order_type in OWNER_TYPES else None)
            index = next((i for i, c in enumerate(channels) if c in wanted), None) if wanted else 0
            plan.channel = channels.pop(index) if index is not None else wanted[0]
            self._outlet(plan)

    def _outlet(self, plan: Plan) -> None:
        world, rng, demo = self.world, self.rng, self.world.demo
        in_hefei = world.region_code.get(plan.region_id) == "340100"
        if plan.demo and in_hefei and demo.get("clerk_hall") and rng.random() < 0.6:  # the demo clerk's own orders
            plan.outlet_id, plan.created_by_id = demo["clerk_hall"], demo["clerk"]
            return
        kind = {"hotline": "hotline_team"}.get(plan.channel, plan.channel)
        if plan.channel == "portal":
            return
        outlets = world.outlets.get((plan.region_id, kind), [])
        plan.outlet_id = rng.choice(outlets) if outlets else None
        role = "call_agent" if plan.channel == "hotline" else "hall_clerk"
        staff = world.staff.get((plan.outlet_id, role), [])
        plan.created_by_id = rng.choice(staff) if staff else None
