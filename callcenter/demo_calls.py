"""Demo calls (step ``calls``): a year of 10000-hotline calls, about 8 per 100 customers, each on the customer's
timeline; fault reports and complaints open trouble tickets with their SLA clock (a few late, with breach records),
their status history, surveys after resolution (with care tasks for the dissatisfied), and today's open work —
tickets and callbacks of the demo ``agent`` in Hefei among them.

Everything is computed in Python and written with ``SeedContext.copy_rows`` (COPY on PostgreSQL); due dates come
from ``limit_for`` and ``fault_work_type`` exactly as ``callcenter.services.ticket_open`` computes them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.accounts.models import Area, Region, StaffProfile
from crm.accounts.roles import Role
from crm.demo.engine import SeedContext, demo_step, quota
from crm.sla.clock import CALENDAR, deadline
from crm.sla.models import ServiceLimit, SlaBreach
from crm.sla.selectors import limit_for, work_calendar
from customers.models import ContactMedium, Customer, PartyInteraction
from feedback.models import CareTask, Survey, SurveyAnswer, SurveyInvitation
from orders.models import Product

from .models import Call, Callback, ReasonCategory, TicketStatusChange, TroubleTicket
from .services import fault_work_type

CALLS_PER_CUSTOMER = 0.08
DAYS = 365
TYPE_MIX = [("inquiry", 45), ("fault_report", 25), ("complaint", 12), ("vas_self_service", 10),
            ("maintenance", 5), ("suggestion", 3)]  # fmt: skip
TICKET_CALL_TYPES = {"fault_report": "fault", "complaint": "complaint"}
OPEN_SHARE = 0.02  # of the tickets, still open today
LATE_SHARE = 0.03  # of the finished tickets, resolved past their deadline
SURVEY_SHARE = 0.30  # of the resolved tickets
DISSATISFIED_SHARE = 0.12  # of the answered surveys
REGULATOR_SHARE = 0.04  # of the complaints, taken to the regulator (工信部申诉)
REPEAT_SHARE = 0.08  # of the complaints, a second one within 30 days
DEMO_AGENT_OPEN = 6  # open tickets owned by the demo agent
DEMO_AGENT_CALLBACKS = 4  # callbacks due today for the demo agent
HEFEI = "340100"
CHUNK = 5000
# Fault reasons by the kind of subscription concerned.
FAULT_REASONS = {"broadband": ["flt-broadband-down", "flt-broadband-slow"], "fixed_line": ["flt-fixed-dead",
                 "flt-fixed-noise"], "iptv": ["flt-iptv-nosignal"], "dia": ["flt-dia-down"],
                 "mobile": ["flt-broadband-slow"], "": ["flt-fixed-dead", "flt-fixed-noise"]}  # fmt: skip
FAULT_KINDS = ("broadband", "fixed_line", "iptv", "dia")
FAULT_PREFIX = {"broadband": "flt-broadband", "fixed_line": "flt-fixed", "iptv": "flt-iptv", "dia": "flt-dia"}
NOTES = {
    "inquiry": ["客户咨询套餐资费，已详细解释", "咨询携号转网办理条件，已告知", "咨询移机流程及费用",
                "咨询国际漫游资费"],
    "fault_report": ["客户反映无法上网，已远程排查，派障碍单", "客户反映网速慢，测速不达标，派单处理",
                     "固话无拨号音，派单", "IPTV无信号，重启无效，派单"],
    "complaint": ["客户对本月扣费有异议，要求核查", "投诉增值业务未经同意扣费", "投诉家中信号差",
                  "投诉装机不及时", "对营业员服务态度不满"],
    "vas_self_service": ["协助客户退订增值业务", "协助订购流量包", "查询已订购增值业务"],
    "maintenance": ["客户申请线路维护，已登记", "室内线路整理，预约上门"],
    "suggestion": ["建议推出更多家庭融合套餐", "建议延长营业厅营业时间"],
}  # fmt: skip
OUTCOMES = {"inquiry": "已解答", "vas_self_service": "已办理", "maintenance": "已登记维护", "suggestion": "已记录建议",
            "fault_report": "已派障碍单", "complaint": "已受理投诉"}  # fmt: skip
RESOLUTIONS = {"fault": ["更换光猫后恢复", "线路熔接后恢复", "远程重置端口后恢复", "更换入户线后恢复"],
               "complaint": ["核实后退还多扣费用", "已向客户解释并致歉", "优化基站参数后改善",
                             "已协调装维上门处理"]}  # fmt: skip
COMMENTS = ["", "", "", "处理及时，谢谢", "师傅很专业", "希望以后少出问题"]
BAD_COMMENTS = ["问题没有解决", "等了太久", "态度不好", "还是经常断网"]


@dataclass
class Cust:
    id: int
    region_id: int
    area_id: int | None
    grid_id: int | None
    segment: str
    level: str
    phone: str = ""
    products: list[tuple[int, str, str]] = field(default_factory=list)  # id, kind, grade


@dataclass
class Ticket:
    id: int
    call: int  # index of the call
    ticket_type: str
    customer: Cust
    owner_id: int
    reason_id: int | None
    product: tuple[int, str, str] | None
    started: datetime.datetime
    status: str = "closed"
    late: bool = False
    is_repeat: bool = False
    paired: bool = False  # one of a repeat pair: its time is fixed
    demo: bool = False
    limit: ServiceLimit | None = None
    work_type: str = ""
    due_at: datetime.datetime | None = None
    response_due_at: datetime.datetime | None = None
    resolved_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    responded_at: datetime.datetime | None = None


@dataclass
class CallPlan:
    id: int
    interaction_id: int
    call_type: str
    customer: Cust
    agent_id: int
    reason_id: int | None
    started: datetime.datetime
    answered: datetime.datetime = None  # type: ignore[assignment]
    ended: datetime.datetime = None  # type: ignore[assignment]
    ticket: Ticket | None = None


@demo_step(order=55, name="calls")
def seed_calls(ctx: SeedContext) -> None:
    """A year of hotline calls with their tickets, surveys and today's open work (see the module docstring)."""
    if ctx.customers <= 0 or Call.objects.exists():
        ctx.log("  no customers, or calls already there; no calls")
        return
    gen = _Generator(ctx)
    if not gen.agents_by_region:
        ctx.log("  no call agents; no calls")
        return
    counts = gen.run()
    ctx.log(
        f"  {counts['calls']} calls, {counts['tickets']} tickets ({counts['open']} open, {counts['late']} late), "
        f"{counts['surveys']} surveys ({counts['care']} care tasks), {counts['callbacks']} callbacks"
    )


class _Generator:
    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.rng = ctx.rng("calls")
        self.tz = timezone.get_default_timezone()
        self.now = ctx.now
        self.agents_by_region: dict[int, list[int]] = {}
        for user_id, region_id in (
            StaffProfile.objects.filter(role=Role.CALL_AGENT, region__isnull=False)
            .order_by("user_id")
            .values_list("user_id", "region_id")
        ):
            self.agents_by_region.setdefault(region_id, []).append(user_id)
        self.agent_team = dict(StaffProfile.objects.filter(role=Role.CALL_AGENT).values_list("user_id", "org_unit_id"))
        self.demo_agent = get_user_model().objects.filter(username="agent").values_list("id", flat=True).first()
        self.hefei = Region.objects.filter(code=HEFEI).values_list("id", flat=True).first()
        self.area_kind = dict(Area.objects.values_list("id", "kind"))
        self.reasons = dict(ReasonCategory.objects.values_list("code", "id"))
        self.reason_names = {
            pk: f"{parent} / {name}" if parent else name
            for pk, name, parent in ReasonCategory.objects.values_list("id", "name", "parent__name")
        }
        leaves: dict[str, list[int]] = {}
        parents = set(ReasonCategory.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
        for pk, itype in ReasonCategory.objects.filter(is_active=True).values_list("id", "interaction_type"):
            if pk not in parents:
                leaves.setdefault(itype, []).append(pk)
        self.leaves = {k: sorted(v) for k, v in leaves.items()}
        self._limits: dict[tuple[str, str, str, str], ServiceLimit | None] = {}
        self._cal = None

    # --- helpers --------------------------------------------------------------------------------------------------
    def limit(self, work_type: str, area_kind: str, level: str, variant: str) -> ServiceLimit | None:
        key = (work_type, area_kind, level, variant)
        if key not in self._limits:
            self._limits[key] = limit_for(
                work_type=work_type, area_kind=area_kind, service_level=level, variant=variant
            )
        return self._limits[key]

    def deadline(self, start: datetime.datetime, minutes: int, clock: str) -> datetime.datetime:
        if clock == CALENDAR:
            return deadline(start, minutes, clock, None)
        if self._cal is None:
            self._cal = work_calendar()
        return deadline(start, minutes, clock, self._cal)

    def local(self, day: datetime.date, seconds: int) -> datetime.datetime:
        naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=seconds)
        return timezone.make_aware(naive, self.tz)

    def call_time(self, days_back: int) -> datetime.datetime:
        """A time in opening hours (8:00–22:00, busier by day) ``days_back`` days ago, always before now."""
        hour = self.rng.choices(range(8, 22), weights=[4, 8, 10, 10, 8, 6, 7, 8, 8, 7, 6, 5, 4, 3])[0]
        when = self.local(self.ctx.today - datetime.timedelta(days=days_back), hour * 3600 + self.rng.randrange(3600))
        if when >= self.now - datetime.timedelta(minutes=20):
            when = self.now - datetime.timedelta(minutes=20 + self.rng.randrange(600))
        return when

    # --- customers ------------------------------------------------------------------------------------------------
    def customers(self, total: int) -> tuple[list[Cust], list[Cust]]:
        """A random sample of customers (about one per call; some call twice), and a sample of Hefei's."""
        bounds = Customer.objects.order_by("id").values_list("id", flat=True)
        first, last = bounds.first(), Customer.objects.order_by("-id").values_list("id", flat=True).first()
        if first is None:
            return [], []
        wanted = sorted({self.rng.randint(first, last) for _ in range(int(total * 1.05) + 20)})
        found: list[Cust] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            found += [
                Cust(*row)
                for row in Customer.objects.filter(id__in=chunk)
                .exclude(status="prospect")
                .values_list("id", "region_id", "area_id", "grid_id", "segment", "service_level")
            ]
        hefei: list[Cust] = []
        if self.hefei and self.demo_agent:
            ids = list(Customer.objects.filter(region_id=self.hefei).order_by("id").values_list("id", flat=True)[:2000])
            picked = set(self.rng.sample(ids, min(len(ids), 40)))
            have = {c.id for c in found}
            hefei = [
                Cust(*row)
                for row in Customer.objects.filter(id__in=picked - have).values_list(
                    "id", "region_id", "area_id", "grid_id", "segment", "service_level"
                )
            ]
        everyone = found + hefei
        self._details(everyone)
        return found, hefei

    def _details(self, customers: list[Cust]) -> None:
        by_id = {c.id: c for c in customers}
        ids = sorted(by_id)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for customer_id, pk, kind, grade, number in (
                Product.objects.filter(customer_id__in=chunk)
                .exclude(status="terminated")
                .order_by("id")
                .values_list("customer_id", "id", "specification__kind", "specification__grade", "service_number")
            ):
                cust = by_id[customer_id]
                cust.products.append((pk, kind or "", grade or ""))
                if kind == "mobile" and number and not cust.phone:
                    cust.phone = number
            for customer_id, value in (
                ContactMedium.objects.filter(party__customers__id__in=chunk, kind="phone")
                .order_by("id")
                .values_list("party__customers__id", "value")
            ):
                if not by_id[customer_id].phone:
                    by_id[customer_id].phone = value
        for cust in customers:
            if not cust.phone:
                cust.phone = f"0551{cust.id % 10000000:07d}"

    # --- planning ---------------------------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        ctx, rng = self.ctx, self.rng
        total = max(50, round(ctx.customers * CALLS_PER_CUSTOMER))
        sample, hefei = self.customers(total)
        if not sample:
            return dict.fromkeys(("calls", "tickets", "open", "late", "surveys", "care", "callbacks"), 0)
        types = quota(total, TYPE_MIX)
        rng.shuffle(types)
        call_ids = ctx.reserve_ids(Call, total)
        interaction_ids = ctx.reserve_ids(PartyInteraction, total)
        calls: list[CallPlan] = []
        complaints: list[CallPlan] = []
        demo_left = DEMO_AGENT_OPEN if hefei else 0
        for i, call_type in enumerate(types):
            if demo_left and call_type in TICKET_CALL_TYPES:
                cust, agent, days_back, demo = hefei[demo_left % len(hefei)], self.demo_agent, 0, True
                demo_left -= 1
            else:
                cust = sample[i % len(sample)] if i < len(sample) else rng.choice(sample)
                agents = self.agents_by_region.get(cust.region_id) or next(iter(self.agents_by_region.values()))
                agent, days_back, demo = rng.choice(agents), rng.randint(0, DAYS - 1), False
            started = self.call_time(days_back)
            plan = CallPlan(call_ids[i], interaction_ids[i], call_type, cust, agent, None, started)
            plan.answered = started + datetime.timedelta(seconds=rng.randint(3, 60))
            plan.ended = plan.answered + datetime.timedelta(seconds=rng.randint(60, 720))
            plan.reason_id = self._reason(call_type, cust)
            if call_type in TICKET_CALL_TYPES:
                plan.ticket = Ticket(0, i, TICKET_CALL_TYPES[call_type], cust, agent, plan.reason_id, None, started)
                plan.ticket.demo = demo
                if call_type == "fault_report":
                    plan.ticket.product = self._fault_product(cust, plan.reason_id)
                else:
                    complaints.append(plan)
            calls.append(plan)
        self._repeats(complaints)
        tickets = [c.ticket for c in calls if c.ticket is not None]
        for ticket_id, ticket in zip(ctx.reserve_ids(TroubleTicket, len(tickets)), tickets, strict=True):
            ticket.id = ticket_id
        self._regulator(complaints)
        self._statuses(calls, tickets)
        for ticket in tickets:
            self._sla(ticket, calls[ticket.call])
        counts = self._write(calls, tickets)
        counts.update(self._surveys(tickets))
        counts["callbacks"] = self._callbacks(calls, hefei)
        return counts

    def _reason(self, call_type: str, cust: Cust) -> int | None:
        if call_type == "fault_report":
            kinds = [p[1] for p in cust.products if p[1] in FAULT_KINDS]
            codes = FAULT_REASONS[self.rng.choice(kinds) if kinds else ""]
            pk = self.reasons.get(self.rng.choice(codes))
            if pk:
                return pk
        leaves = self.leaves.get(call_type)
        return self.rng.choice(leaves) if leaves else None

    def _fault_product(self, cust: Cust, reason_id: int | None) -> tuple[int, str, str] | None:
        code = next((c for c, pk in self.reasons.items() if pk == reason_id), "")
        for product in cust.products:
            if product[1] in FAULT_KINDS and code.startswith(FAULT_PREFIX[product[1]]):
                return product
        return None

    def _repeats(self, complaints: list[CallPlan]) -> None:
        """A few customers complain again about the same thing within 30 days (重复投诉)."""
        history = [c for c in complaints if not c.ticket.demo]
        count = min(len(history) // 2, max(2, round(len(complaints) * REPEAT_SHARE)))
        chosen = self.rng.sample(history, count * 2) if count else []
        for first, second in zip(chosen[::2], chosen[1::2], strict=True):
            start = first.started + datetime.timedelta(days=self.rng.randint(3, 25), minutes=self.rng.randint(0, 600))
            if start >= self.now - datetime.timedelta(hours=2):
                continue
            second.customer, second.reason_id, second.started = first.customer, first.reason_id, start
            agents = self.agents_by_region.get(first.customer.region_id) or [second.agent_id]
            second.agent_id = self.rng.choice(agents)
            second.answered = start + datetime.timedelta(seconds=self.rng.randint(3, 60))
            second.ended = second.answered + datetime.timedelta(seconds=self.rng.randint(120, 720))
            ticket = second.ticket
            ticket.customer, ticket.reason_id, ticket.started, ticket.owner_id = (
                first.customer, first.reason_id, start, second.agent_id
            )  # fmt: skip
            ticket.is_repeat = ticket.paired = first.ticket.paired = True

    def _regulator(self, complaints: list[CallPlan]) -> None:
        history = [c for c in complaints if not c.ticket.demo and not c.ticket.is_repeat]
        for plan in self.rng.sample(history, min(len(history), max(2, round(len(complaints) * REGULATOR_SHARE)))):
            plan.ticket.ticket_type = "regulator_complaint"

    def _statuses(self, calls: list[CallPlan], tickets: list[Ticket]) -> None:
        """About 2 % open today (the demo agent's among them, on recent calls); 3 % of the rest late."""
        demo = [t for t in tickets if t.demo]
        others = [t for t in tickets if not t.demo and not t.paired]
        extra = self.rng.sample(others, min(len(others), max(0, round(len(tickets) * OPEN_SHARE) - len(demo))))
        for ticket in demo + extra:
            ticket.status = self.rng.choice(["acknowledged", "inProgress", "inProgress"])
            plan = calls[ticket.call]
            if not ticket.demo:  # a recent call: still being worked on
                plan.started = self.call_time(self.rng.randint(0, 1))
                plan.answered = plan.started + datetime.timedelta(seconds=self.rng.randint(3, 60))
                plan.ended = plan.answered + datetime.timedelta(seconds=self.rng.randint(60, 720))
                ticket.started = plan.started
        finished = [t for t in tickets if t.status == "closed"]
        for ticket in self.rng.sample(finished, round(len(finished) * LATE_SHARE)):
            ticket.late = True

    def _sla(self, ticket: Ticket, plan: CallPlan, *, moved: bool = False) -> None:
        """The limit and deadlines as ``ticket_open`` sets them, then a resolution time before (or after) the due."""
        rng, cust = self.rng, ticket.customer
        opened = plan.answered + (plan.ended - plan.answered) * rng.uniform(0.5, 0.95)
        ticket.started = opened
        product_kind, grade = (ticket.product[1], ticket.product[2]) if ticket.product else ("", "")
        product = _ProductView(product_kind, grade) if ticket.product else None
        work_type, variant = fault_work_type(ticket.ticket_type, product, reported_at=opened, segment=cust.segment)
        ticket.work_type = work_type
        limit = self.limit(work_type, self.area_kind.get(cust.area_id, ""), cust.level, variant)
        ticket.limit = limit
        if limit is not None:
            ticket.due_at = self.deadline(opened, limit.resolution_minutes, limit.clock)
            if limit.response_minutes:
                ticket.response_due_at = self.deadline(opened, limit.response_minutes, limit.clock)
        if ticket.status in ("acknowledged", "inProgress"):
            if ticket.due_at is not None and ticket.due_at <= self.now and not moved:  # a later call, still in time
                self._recent(plan, ticket)
                self._sla(ticket, plan, moved=True)
                return
            if ticket.status == "inProgress":
                ticket.responded_at = min(self.now, opened + datetime.timedelta(minutes=rng.randint(5, 60)))
            return
        span = (ticket.due_at - opened) if ticket.due_at else datetime.timedelta(hours=24)
        if ticket.late and ticket.due_at is None:  # no service limit applies: nothing to be late against
            ticket.late = False
        if ticket.late:
            resolved = ticket.due_at + datetime.timedelta(minutes=rng.randint(30, 2880))
        else:
            resolved = opened + span * rng.uniform(0.08, 0.9)
        if resolved >= self.now - datetime.timedelta(minutes=10):  # a late one of the last days: not late after all
            ticket.late = False
            resolved = opened + (self.now - opened) * rng.uniform(0.3, 0.8)
        ticket.resolved_at = resolved
        ticket.responded_at = opened + (resolved - opened) * rng.uniform(0.02, 0.2)
        closed = resolved + datetime.timedelta(hours=rng.uniform(2, 72))
        if closed < self.now:
            ticket.closed_at = closed
        else:
            ticket.status = "resolved"

    def _recent(self, plan: CallPlan, ticket: Ticket) -> None:
        plan.started = self.now - datetime.timedelta(minutes=self.rng.randint(25, 90))
        plan.answered = plan.started + datetime.timedelta(seconds=self.rng.randint(3, 60))
        plan.ended = plan.answered + datetime.timedelta(seconds=self.rng.randint(60, 600))
        ticket.started = plan.started

    # --- writing ----------------------------------------------------------------------------------------------
    def _write(self, calls: list[CallPlan], tickets: list[Ticket]) -> dict[str, int]:
        ctx, rng = self.ctx, self.rng
        interactions, call_rows = [], []
        for plan in calls:
            ticket = plan.ticket
            call_id = f"DEMO-{plan.id:09d}"
            note = rng.choice(NOTES[plan.call_type])
            related = [{"@referredType": "Call", "id": call_id,
                        "durationSeconds": int((plan.ended - plan.started).total_seconds())}]  # fmt: skip
            outcome = OUTCOMES[plan.call_type]
            if ticket is not None:
                ticket_no = _ticket_no(ticket, self.tz)
                related.append({"@referredType": "TroubleTicket", "id": ticket_no})
                outcome = f"{outcome} {ticket_no}"
            reason = self.reason_names.get(plan.reason_id, "")
            status = "open" if ticket is not None and ticket.status in ("acknowledged", "inProgress") else "completed"
            interactions.append(
                (plan.interaction_id, plan.customer.id, "hotline", "inbound", plan.call_type, reason, note, status,
                 plan.agent_id, related, plan.started)
            )  # fmt: skip
            call_rows.append(
                (plan.id, call_id, plan.customer.phone, plan.agent_id, plan.customer.id, "ended", plan.call_type,
                 plan.reason_id, note, outcome, plan.interaction_id, plan.started, plan.answered, plan.ended)
            )  # fmt: skip
        ctx.copy_rows(
            PartyInteraction,
            ["id", "customer_id", "channel", "direction", "interaction_type", "reason", "description", "status",
             "staff_id", "related_entities", "occurred_at"],
            interactions,
        )  # fmt: skip
        count = ctx.copy_rows(
            Call,
            ["id", "call_id", "calling_number", "agent_id", "customer_id", "state", "interaction_type", "reason_id",
             "notes", "outcome", "interaction_id", "started_at", "answered_at", "ended_at"],
            call_rows,
        )  # fmt: skip
        ticket_rows, changes, breaches = [], [], []
        ticket_ct = ContentType.objects.get_for_model(TroubleTicket).pk
        for ticket in tickets:
            plan = calls[ticket.call]
            limit = ticket.limit
            risk = []
            if ticket.ticket_type in ("complaint", "regulator_complaint"):
                if ticket.is_repeat:
                    risk.append("repeat")
                if ticket.customer.level in ("diamond", "gold", "1A", "2A"):
                    risk.append("high_level")
            breached = ticket.due_at if ticket.late else None
            stopped = ticket.resolved_at
            warned = None
            if limit is not None and ticket.late:
                warned = ticket.started + (ticket.due_at - ticket.started) * float(limit.warn_fraction)
            priority = (limit.priority if limit else 0) + (5 if ticket.is_repeat else 0)
            severity = "major" if ticket.ticket_type == "regulator_complaint" or (
                ticket.product and ticket.product[1] == "dia") else "minor"  # fmt: skip
            resolution = rng.choice(RESOLUTIONS["fault" if ticket.ticket_type == "fault" else "complaint"])
            ticket_rows.append(
                (ticket.id, _ticket_no(ticket, self.tz), ticket.ticket_type, severity, ticket.status,
                 ticket.customer.id,
                 ticket.product[0] if ticket.product else None, ticket.reason_id, plan_description(plan, ticket),
                 ticket.owner_id, ticket.owner_id if ticket.status != "acknowledged" else None, plan.id,
                 ticket.customer.region_id, ticket.customer.area_id, ticket.customer.grid_id, priority,
                 ticket.is_repeat, bool(risk), risk, resolution if ticket.resolved_at else "", ticket.started,
                 ticket.resolved_at, ticket.closed_at, ticket.closed_at or ticket.resolved_at or ticket.started,
                 limit.pk if limit else None, ticket.started if limit else None, ticket.response_due_at,
                 ticket.responded_at, ticket.due_at, 0, warned, breached, stopped)
            )  # fmt: skip
            changes += _history(ticket)
            if ticket.late and limit is not None:
                breaches.append(
                    (ticket_ct, ticket.id, "resolution", limit.pk, ticket.work_type, ticket.customer.region_id,
                     ticket.due_at, ticket.due_at, ticket.resolved_at, [])
                )  # fmt: skip
        ctx.copy_rows(
            TroubleTicket,
            ["id", "ticket_no", "ticket_type", "severity", "status", "customer_id", "product_id", "reason_id",
             "description", "owner_id", "assignee_id", "call_id", "region_id", "area_id", "grid_id", "priority",
             "is_repeat", "regulator_risk", "risk_reasons", "resolution", "created_at", "resolved_at", "closed_at",
             "updated_at", "sla_limit_id", "sla_started_at", "response_due_at", "responded_at", "due_at",
             "paused_minutes", "warned_at", "breached_at", "sla_stopped_at"],
            ticket_rows,
        )  # fmt: skip
        ctx.copy_rows(TicketStatusChange, ["ticket_id", "from_status", "to_status", "by_id", "note", "at"], changes)
        ctx.copy_rows(
            SlaBreach,
            ["content_type_id", "object_id", "kind", "limit_id", "work_type", "region_id", "due_at", "breached_at",
             "finished_at", "escalated_to"],
            breaches,
        )  # fmt: skip
        return {
            "calls": count,
            "tickets": len(tickets),
            "open": sum(t.status in ("acknowledged", "inProgress") for t in tickets),
            "late": len(breaches),
        }

    def _surveys(self, tickets: list[Ticket]) -> dict[str, int]:
        """30 % of the resolved tickets surveyed by SMS; most answered and satisfied, the others followed up."""
        survey = Survey.objects.filter(trigger="ticket_closed", is_active=True).order_by("code").first()
        if survey is None:
            return {"surveys": 0, "care": 0}
        questions = {q.kind: q.pk for q in survey.questions.order_by("seq")}
        rng = self.rng
        resolved = [t for t in tickets if t.resolved_at is not None]
        chosen = sorted(rng.sample(resolved, round(len(resolved) * SURVEY_SHARE)), key=lambda t: t.id)
        ids = self.ctx.reserve_ids(SurveyInvitation, len(chosen))
        invitations, answers, tasks = [], [], []
        for pk, ticket in zip(ids, chosen, strict=True):
            sent = ticket.resolved_at + datetime.timedelta(minutes=rng.randint(5, 120))
            answered = sent + datetime.timedelta(minutes=rng.randint(3, 2880))
            status, satisfied = "answered", None
            if answered >= self.now or rng.random() < 0.1:  # not answered (yet)
                status, answered = ("sent" if self.now - sent < datetime.timedelta(days=30) else "expired"), None
            if status == "answered":
                unhappy = (ticket.late and rng.random() < 0.5) or rng.random() < DISSATISFIED_SHARE
                solved = not unhappy or rng.random() < 0.6
                rating = rng.choice([1, 2, 3]) if unhappy else rng.choice([4, 5, 5, 5])
                satisfied = not unhappy
                comment = rng.choice(BAD_COMMENTS) if unhappy else rng.choice(COMMENTS)
                if "yes_no" in questions:
                    answers.append((pk, questions["yes_no"], None, solved, ""))
                if "rating" in questions:
                    answers.append((pk, questions["rating"], rating, None, ""))
                if "text" in questions:
                    answers.append((pk, questions["text"], None, None, comment))
                if unhappy:
                    due = answered + datetime.timedelta(hours=24)
                    done = due - datetime.timedelta(hours=rng.randint(1, 20)) if due < self.now else None
                    note = f"服务满意度: {rating}/5" + ("" if solved else "; 问题是否解决: 否")
                    note += f"; 意见: {comment}" if comment else ""
                    tasks.append(
                        (ticket.customer.id, "survey_follow_up", pk, ticket.id, None, ticket.customer.region_id,
                         note, due, "done" if done else "open", done, answered)
                    )  # fmt: skip
            kind = ticket.product[1] if ticket.product else ""
            invitations.append(
                (pk, survey.pk, ticket.customer.id, ticket.id, "sms", f"demo{pk:010d}{rng.getrandbits(48):012x}",
                 status, ticket.customer.region_id, self.agent_team.get(ticket.owner_id), kind, satisfied, sent,
                 answered)
            )  # fmt: skip
        ctx = self.ctx
        count = ctx.copy_rows(
            SurveyInvitation,
            ["id", "survey_id", "customer_id", "ticket_id", "channel", "token", "status", "region_id", "team_id",
             "product_kind", "satisfied", "sent_at", "answered_at"],
            invitations,
        )  # fmt: skip
        ctx.copy_rows(SurveyAnswer, ["invitation_id", "question_id", "rating", "yes", "text"], answers)
        ctx.copy_rows(
            CareTask,
            ["customer_id", "kind", "invitation_id", "ticket_id", "assigned_to_id", "region_id", "note", "due_at",
             "state", "done_at", "created_at"],
            tasks,
        )  # fmt: skip
        return {"surveys": count, "care": len(tasks)}

    def _callbacks(self, calls: list[CallPlan], hefei: list[Cust]) -> int:
        """Callbacks done over the year, and a few due later today for the demo agent (预约回电)."""
        rng, rows = self.rng, []
        for plan in rng.sample(calls, min(len(calls), max(5, len(calls) // 100))):
            due = plan.ended + datetime.timedelta(hours=rng.randint(1, 48))
            if due >= self.now:
                continue
            ticket = plan.ticket.id if plan.ticket else None
            rows.append((plan.customer.id, ticket, plan.agent_id, plan.customer.phone, due, "约定时间回电",
                         "done", due + datetime.timedelta(minutes=rng.randint(0, 20))))  # fmt: skip
        demo_tickets = [c for c in calls if c.ticket is not None and c.ticket.demo]
        end_of_day = self.local(self.ctx.today, 22 * 3600)
        for i in range(DEMO_AGENT_CALLBACKS if self.demo_agent and hefei else 0):
            plan = demo_tickets[i] if i < len(demo_tickets) else None
            cust = plan.customer if plan else hefei[i % len(hefei)]
            due = self.now + datetime.timedelta(minutes=30 + 45 * i)
            if due > end_of_day:  # late in the evening: the next minutes, still today where possible
                due = self.now + datetime.timedelta(minutes=5 + 5 * i)
            note = "回复障碍处理进度" if plan else "客户要求回电咨询套餐"
            rows.append((cust.id, plan.ticket.id if plan else None, self.demo_agent, cust.phone, due, note,
                         "scheduled", None))  # fmt: skip
        return self.ctx.copy_rows(
            Callback, ["customer_id", "ticket_id", "agent_id", "phone", "due_at", "note", "state", "done_at"], rows
        )


@dataclass(frozen=True)
class _Spec:
    kind: str
    grade: str


class _ProductView:
    """Just what ``fault_work_type`` reads of a product: its specification's kind and grade."""

    def __init__(self, kind: str, grade: str):
        self.specification = _Spec(kind, grade)
        self.specification_id = 1 if kind else None


def _ticket_no(ticket: Ticket, tz) -> str:
    return f"T{timezone.localtime(ticket.started, tz):%Y%m%d}{ticket.id:08d}"


def plan_description(plan: CallPlan, ticket: Ticket) -> str:
    text = NOTES[plan.call_type][plan.id % len(NOTES[plan.call_type])]
    if ticket.ticket_type == "regulator_complaint":
        return f"工信部申诉转办：{text}"
    if ticket.is_repeat:
        return f"重复投诉：{text}"
    return text


def _history(ticket: Ticket) -> list[tuple]:
    """The status moves of a ticket: opened, worked on, resolved, closed (as far as it got)."""
    owner, rows = ticket.owner_id, [(ticket.id, "", "acknowledged", ticket.owner_id, "Opened", ticket.started)]
    if ticket.status == "acknowledged":
        return rows
    worked = ticket.responded_at or ticket.started
    rows.append((ticket.id, "acknowledged", "inProgress", owner, "", worked))
    if ticket.resolved_at is None:
        return rows
    rows.append((ticket.id, "inProgress", "resolved", owner, "", ticket.resolved_at))
    if ticket.closed_at is not None:
        rows.append((ticket.id, "resolved", "closed", None, "客户确认/自动关闭", ticket.closed_at))
    return rows
