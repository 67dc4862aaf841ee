"""The life of one demo work order: its steps from the template, dispatch, the field visit with the customer's
receipt (回单), and its SLA clock — finished in the past, or still running today."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.sla.selectors import warn_at

from .world import Address, Offering, Template, World

MINUTE, HOUR = datetime.timedelta(minutes=1), datetime.timedelta(hours=1)
REASSIGNED = 0.05
RATINGS, RATING_WEIGHTS, LATE_RATING_WEIGHTS = (5, 4, 3, 2, 1), (58, 28, 9, 3, 2), (15, 35, 30, 12, 8)
COMMENTS = {
    5: ("师傅很专业，装得又快又好", "准时上门，服务热情", "走线整齐，还教了怎么用", "非常满意"),
    4: ("整体满意", "比约定时间晚到了一会儿", "服务不错，网速正常"),
    3: ("等的时间有点长", "一般，线没有理整齐"),
    2: ("上门时间改了两次", "装好后还要自己重启光猫"),
    1: ("拖了好几天才来装，不满意", "装完网络不稳定"),
}
MATERIALS = {
    "field_install": [{"item": "皮线光缆（米）", "quantity": 60}, {"item": "光猫", "quantity": 1},
                      {"item": "冷接子", "quantity": 2}],
    "field_move": [{"item": "皮线光缆（米）", "quantity": 40}, {"item": "冷接子", "quantity": 2}],
    "field_remove": [{"item": "回收光猫", "quantity": 1}],
    "site_survey": [],
}  # fmt: skip
REPORTS = {
    "install": ("光猫安装调试完成，测速正常，已向客户演示使用。", "入户光缆敷设完成，光功率正常，业务已开通。"),
    "move": ("新址布线完成，原址设备已拆回，业务恢复正常。",),
    "remove": ("设备已回收，入户光缆已拆除，端口已释放。",),
}
HOLD_REASONS = ("客户出差，约下周上门", "客户家中装修未完成", "小区物业暂不允许施工", "客户要求改约周末")
REASSIGN_REASONS = ("原技术员请假，改派", "客户改约时间，原技术员无法到场", "跨网格支援")
STEP_WEIGHT = {"field": 1.0, "back_office": 0.25, "care": 0.5}
STEP_NOTES = {"document_review": "资料齐全，审核通过", "retention_contact": "已介绍在网优惠，客户仍坚持携出",
              "port_out_confirm": "携出确认完成", "acceptance_test": "测试达标，客户签字验收"}  # fmt: skip


@dataclass
class Plan:
    """One order to generate: what, for whom, where taken, and (for open ones) where its work stands today."""

    order_type: str
    channel: str
    offering: Offering
    customer_id: int
    account_id: int | None
    product_id: int | None
    item_product_id: int | None
    region_id: int
    area_id: int | None
    grid_id: int | None
    level: str
    customer_class: str
    service_number: str = ""
    new_owner_id: int | None = None
    address: Address | None = None
    day: datetime.date | None = None  # the product's start or end date the order led to
    state: str | None = None  # None: finished in the past; else the open work order's state today
    overdue: bool = False  # open work already past its deadline
    late: bool = False  # finished work that ends past its deadline
    demo: str = ""  # "technician" (the demo technician's list) or "waiting" (the dispatcher's board)
    outlet_id: int | None = None
    created_by_id: int | None = None


@dataclass
class Life:
    """The rows one order's work order makes (WorkOrder columns as a dict, the rest as row tuples)."""

    work_order: dict
    steps: list[tuple] = field(default_factory=list)
    assignments: list[tuple] = field(default_factory=list)
    breach: tuple | None = None


def between(rng: random.Random, low: datetime.timedelta, high: datetime.timedelta) -> datetime.timedelta:
    return low + (high - low) * rng.random() if high > low else low


LOCAL = timezone.get_default_timezone()  # the operator's time zone: opening hours, working days, order numbers


def to_local(moment: datetime.datetime) -> datetime.datetime:
    """``timezone.localtime`` without its per-call lookup of the active zone (the seed never activates another)."""
    return moment.astimezone(LOCAL)


def _automatic() -> str:
    """The reason automatic dispatch records, in the words (and language) of ``work_order_auto_assign``."""
    return _("least-loaded team covering the grid")


def _daytime(rng, moment: datetime.datetime, low: datetime.datetime, high: datetime.datetime) -> datetime.datetime:
    """Move a field visit's end into 08:00–20:00 local time when the bounds allow (technicians work by day)."""
    local = to_local(moment)
    if 8 <= local.hour < 20:
        return moment
    morning = local.replace(hour=8, minute=0) + datetime.timedelta(days=local.hour >= 20) + rng.randrange(150) * MINUTE
    if low <= morning <= high:
        return morning
    evening = local.replace(hour=19, minute=0) - datetime.timedelta(days=local.hour < 8) - rng.randrange(90) * MINUTE
    return evening if low <= evening <= high else moment


class LifeMaker:
    """Builds work orders for the plans, drawing people from the organisation and times from the seeded generator."""

    def __init__(self, world: World, rng: random.Random, now: datetime.datetime):
        self.world, self.rng, self.now = world, rng, now

    # --- people -----------------------------------------------------------------------------------------------
    def _one(self, ids: list[int] | None) -> int | None:
        return self.rng.choice(ids) if ids else None

    def dispatcher(self, region_id: int) -> int | None:
        return self._one(self.world.region_staff.get((region_id, "dispatcher")))

    def _team_for(self, plan: Plan) -> int | None:
        if plan.demo == "technician":
            return self.world.demo["crew"]
        teams = self.world.teams_by_grid.get(plan.grid_id) or [
            t for t, r in self.world.team_region.items() if r == plan.region_id
        ]
        return self._one(teams)

    def _technician(self, team_id: int | None, plan: Plan, *, solo: bool = True) -> int | None:
        if plan.demo == "technician" and solo:
            return self.world.demo["technician"]
        return self._one(self.world.staff.get((team_id, "field_technician")))

    # --- the clock ----------------------------------------------------------------------------------------------
    def limit_of(self, plan: Plan, template: Template):
        """The time limit of the plan's work: by work type, area kind, the customer's level and a cable run."""
        variant = plan.address.cable if plan.address else ""
        return self.world.limit(template.work_type, plan.area_id, plan.level, variant)

    def make(self, plan: Plan, template: Template, start: datetime.datetime, wo_id: int) -> Life:
        limit = self.limit_of(plan, template)
        wo = {
            "id": wo_id, "sla_limit_id": limit.pk if limit else None, "sla_started_at": start if limit else None,
            "response_due_at": None, "responded_at": None, "due_at": None, "paused_at": None, "paused_minutes": 0,
            "warned_at": None, "breached_at": None, "sla_stopped_at": None,
            "wo_no": f"G{to_local(start):%Y%m%d}{wo_id:08d}", "template_id": template.id,
            "work_type": template.work_type, "region_id": plan.region_id, "area_id": plan.area_id,
            "grid_id": plan.grid_id, "priority": limit.priority if limit else 0,
            "needs_field_visit": template.needs_field_visit, "team_id": None, "technician_id": None,
            "dispatched_at": None, "appointment_at": None, "started_at": None, "finished_at": None,
            "completed_at": None, "notes": "", "materials": [], "signature": "", "rating": None, "rating_comment": "",
            "report": "", "report_due_at": None, "reported_at": None, "created_at": start,
        }  # fmt: skip
        if limit is not None:
            wo["due_at"] = self.world.deadline(start, limit.resolution_minutes, limit.clock)
            if limit.response_minutes:
                wo["response_due_at"] = self.world.deadline(start, limit.response_minutes, limit.clock)
        life = Life(work_order=wo)
        if plan.state is None:
            self._finished(life, plan, template, start, limit)
        else:
            self._running(life, plan, template, start, limit)
        return life

    def _warned(self, wo: dict, limit, until: datetime.datetime) -> None:
        if limit is None or wo["due_at"] is None:
            return
        point = warn_at(SimpleNamespace(sla_limit=limit, due_at=wo["due_at"]))
        if point is not None and point <= until:
            wo["warned_at"] = min(point + self.rng.randint(1, 5) * MINUTE, until)

    def _breach(self, life: Life, plan: Plan, limit, finished: datetime.datetime | None, until) -> None:
        wo = life.work_order
        # The sweep runs every few minutes, so it notices a breach a little after the deadline.
        wo["breached_at"] = min(wo["due_at"] + self.rng.randint(1, 5) * MINUTE, until)
        life.breach = (
            self.world.work_order_type, wo["id"], "resolution", limit.pk, limit.work_type, plan.region_id,
            wo["due_at"], wo["breached_at"], finished, self.world.escalate_to.get(plan.region_id, []),
        )  # fmt: skip

    # --- finished work --------------------------------------------------------------------------------------------
    def _human_time(self, template: Template, bound: datetime.timedelta, late: bool) -> datetime.timedelta:
        rng = self.rng
        if template.needs_field_visit:
            if late:
                return bound + between(rng, HOUR, 30 * HOUR)
            return min(datetime.timedelta(hours=rng.triangular(4, 36, 10)), bound * 0.95)
        if late:
            return bound + between(rng, HOUR / 2, 12 * HOUR)
        return min(between(rng, HOUR / 2, 20 * HOUR), bound * 0.9)

    def _finished(self, life: Life, plan: Plan, template: Template, start, limit) -> None:
        rng, wo = self.rng, life.work_order
        people = [s for s in template.steps if s[3] != "system"]
        bound = (wo["due_at"] - start) if wo["due_at"] else 48 * HOUR
        late = plan.late and bool(people) and limit is not None
        total = self._human_time(template, bound, late) if people else datetime.timedelta()
        weights = sum(STEP_WEIGHT[s[3]] * (0.6 if s[1] == "site_survey" else 1) for s in people) or 1
        team = technician = None
        field_steps = [s for s in template.steps if s[3] == "field"]
        moment, first_field_done = start, None
        for seq, code, name, kind, step_limit in template.steps:
            opened = moment
            if kind == "system":
                done, by = opened + rng.randint(3, 90) * datetime.timedelta(seconds=1), None
            else:
                share = total * STEP_WEIGHT[kind] * (0.6 if code == "site_survey" else 1) / weights
                done = opened + share
                if kind == "field":
                    if team is None:
                        team, technician = self._dispatch(life, plan, opened, done)
                    if (seq, code, name, kind, step_limit) == field_steps[-1] and wo["due_at"]:
                        earliest = max(opened, wo["dispatched_at"]) + HOUR
                        low, high = (
                            (wo["due_at"], wo["due_at"] + 40 * HOUR) if late else (earliest, start + bound * 0.95)
                        )
                        done = _daytime(rng, done, low, high)
                    first_field_done = first_field_done or done
                    by = technician
                elif kind == "back_office":
                    by = self.dispatcher(plan.region_id)
                else:
                    by = self._one(self.world.region_staff.get((plan.region_id, "call_agent")))
            due = opened + step_limit * MINUTE if step_limit else None
            note = STEP_NOTES.get(code, "")
            life.steps.append((wo["id"], seq, code, name, kind, "completed", step_limit, opened, due, done, by, note))
            moment = done
        wo["state"] = "completed"
        wo["completed_at"] = wo["sla_stopped_at"] = moment
        if wo["sla_started_at"] is None:
            wo["sla_stopped_at"] = None
        if wo["response_due_at"]:
            wo["responded_at"] = wo["dispatched_at"] or moment
        if field_steps:
            self._receipt(wo, template, first_field_done, life.steps, late)
        self._warned(wo, limit, moment)
        if wo["due_at"] and moment > wo["due_at"]:
            self._breach(life, plan, limit, moment, moment)

    def _dispatch(self, life: Life, plan: Plan, opened, done) -> tuple[int | None, int | None]:
        """First dispatch soon after the field step opens (automatic when one team covers the grid), sometimes a
        reassignment before the visit."""
        rng, wo = self.rng, life.work_order
        team = self._team_for(plan)
        technician = self._technician(team, plan)
        single = len(self.world.teams_by_grid.get(plan.grid_id, [])) == 1
        at = opened + min(between(rng, 5 * MINUTE, 3 * HOUR), (done - opened) * 0.3)
        by = None if single else self.dispatcher(plan.region_id)
        reason = _automatic() if single else ""
        life.assignments.append((wo["id"], team, technician, by, single, reason, at))
        wo.update(team_id=team, technician_id=technician, dispatched_at=at)
        if plan.state is None and rng.random() < REASSIGNED:
            other = self._technician(team, plan, solo=False)
            if other and other != technician:
                later = at + min(between(rng, 30 * MINUTE, 5 * HOUR), (done - at) * 0.3)
                life.assignments.append((wo["id"], team, other, self.dispatcher(plan.region_id), False,
                                         rng.choice(REASSIGN_REASONS), later))  # fmt: skip
                technician = other
                wo["technician_id"] = other
        return team, technician

    def _receipt(self, wo: dict, template: Template, first_done, steps: list[tuple], late: bool) -> None:
        """The field visit and the customer's receipt (回单): rating and comment; historical receipts carry no image."""
        rng = self.rng
        field_rows = [s for s in steps if s[4] == "field"]
        finished = field_rows[-1][9]
        wo["started_at"] = first_done - min(between(rng, 45 * MINUTE, 3 * HOUR), (first_done - wo["dispatched_at"]) / 2)
        local = to_local(wo["started_at"])
        wo["appointment_at"] = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
        wo["finished_at"] = finished
        rating = rng.choices(RATINGS, weights=LATE_RATING_WEIGHTS if late else RATING_WEIGHTS)[0]
        wo["rating"], wo["rating_comment"] = rating, rng.choice(COMMENTS[rating])
        wo["materials"] = [m for s in field_rows for m in MATERIALS.get(s[2], [])]
        wo["report"] = rng.choice(REPORTS.get(template.work_type, REPORTS["install"]))
        wo["report_due_at"] = finished + 24 * HOUR
        wo["reported_at"] = finished + between(rng, 10 * MINUTE, 20 * HOUR)

    # --- work still running today ------------------------------------------------------------------------------
    def _running(self, life: Life, plan: Plan, template: Template, start, limit) -> None:
        """System steps done, the first step for people open (waiting for dispatch, assigned, on site or held)."""
        rng, wo, now = self.rng, life.work_order, self.now
        moment, open_seen = start, False
        for seq, code, name, kind, step_limit in template.steps:
            if open_seen:
                life.steps.append((wo["id"], seq, code, name, kind, "waiting", step_limit, None, None, None, None, ""))
                continue
            if kind == "system":
                done = moment + rng.randint(3, 90) * datetime.timedelta(seconds=1)
                life.steps.append((wo["id"], seq, code, name, kind, "completed", step_limit, moment,
                                   None, done, None, ""))  # fmt: skip
                moment = done
                continue
            due = moment + step_limit * MINUTE if step_limit else None
            life.steps.append((wo["id"], seq, code, name, kind, "open", step_limit, moment, due, None, None, ""))
            open_seen = True
            if kind == "field" and plan.state != "open":
                self._running_field(life, plan, moment)
        wo["state"] = plan.state if template.needs_field_visit else "open"
        if wo["response_due_at"] and wo["dispatched_at"]:
            wo["responded_at"] = wo["dispatched_at"]
        if wo["state"] == "held":
            wo["paused_at"] = wo["dispatched_at"] + (now - wo["dispatched_at"]) * rng.uniform(0.2, 0.8)
            wo["notes"] = _("Waiting on the customer: %(r)s") % {"r": rng.choice(HOLD_REASONS)}
        self._warned(wo, limit, wo["paused_at"] or now)
        if wo["due_at"] and wo["due_at"] < (wo["paused_at"] or now):
            self._breach(life, plan, limit, None, wo["paused_at"] or now)

    def _running_field(self, life: Life, plan: Plan, opened) -> None:
        rng, wo, now = self.rng, life.work_order, self.now
        team = self._team_for(plan)
        technician = self._technician(team, plan)
        if plan.state == "assigned" and rng.random() < 0.3:
            technician = None  # on the team's list, not yet taken by anyone
        if plan.state == "inProgress" and technician is None:
            technician = self._technician(team, plan, solo=False)
        at = opened + min(between(rng, 5 * MINUTE, 3 * HOUR), (now - opened) / 2)
        single = len(self.world.teams_by_grid.get(plan.grid_id, [])) == 1 and plan.demo != "technician"
        by = None if single else (self.world.demo["dispatcher"] if plan.demo else self.dispatcher(plan.region_id))
        life.assignments.append((wo["id"], team, technician, by, single,
                                 _automatic() if single else "", at))  # fmt: skip
        wo.update(team_id=team, technician_id=technician, dispatched_at=at)
        if plan.state == "inProgress":
            started = now - min(between(rng, 10 * MINUTE, 2 * HOUR), (now - at) / 2)
            local = to_local(started)
            if not 8 <= local.hour < 20:  # seeded at night: the visit began in the evening and is not signed off yet
                evening = local.replace(hour=17, minute=0) - datetime.timedelta(days=local.hour < 8)
                started = min(max(evening + rng.randrange(150) * MINUTE, at + 10 * MINUTE), now)
            wo["started_at"] = started
            local = to_local(started)
            wo["appointment_at"] = local.replace(minute=0, second=0, microsecond=0)
        else:
            soon = to_local(now + between(rng, 2 * HOUR, 40 * HOUR))
            wo["appointment_at"] = soon.replace(hour=min(max(soon.hour, 9), 18), minute=0, second=0, microsecond=0)


def shift(life: Life, delta: datetime.timedelta) -> None:
    """Move a whole life earlier by ``delta`` (an order generated to finish after today finishes before it)."""

    def moved(value):
        return value - delta if isinstance(value, datetime.datetime) else value

    wo = {key: moved(value) for key, value in life.work_order.items()}
    wo["wo_no"] = f"G{to_local(wo['created_at']):%Y%m%d}{wo['id']:08d}"
    life.work_order = wo
    life.steps = [tuple(moved(v) for v in row) for row in life.steps]
    life.assignments = [tuple(moved(v) for v in row) for row in life.assignments]
    life.breach = tuple(moved(v) for v in life.breach) if life.breach else None
