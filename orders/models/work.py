"""Work orders (工单): an order decomposed into steps from a template kept as data, dispatched to a team or a
technician, run against its time limit, and closed with the customer's signed receipt (回单)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Grid, OrgUnit, Region
from crm.sla.models import SlaTracked

from .ordering import OrderType, ProductOrder


class StepKind(models.TextChoices):
    SYSTEM = "system", _("Automatic (system)")
    BACK_OFFICE = "back_office", _("Back office")
    FIELD = "field", _("Field work (上门)")
    CARE = "care", _("Customer care (维系)")


class WorkOrderTemplate(models.Model):
    """The steps an order type needs for a kind of product (流程模板); blank kind is the fallback."""

    order_type = models.CharField(
        _("order type"), max_length=16, choices=[*OrderType.choices, ("repair", _("Repair (障碍维修)"))]
    )
    spec_kind = models.CharField(_("product kind"), max_length=16, blank=True)
    work_type = models.CharField(_("work type for time limits"), max_length=32)  # install, move, remove, …
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("work-order template (流程模板)")
        verbose_name_plural = _("work-order templates")
        ordering = ["order_type", "spec_kind"]
        constraints = [models.UniqueConstraint(fields=["order_type", "spec_kind"], name="wo_template_unique")]

    def __str__(self) -> str:
        return self.name


class WorkOrderStepTemplate(models.Model):
    """One step of a template (环节): its code (what it does), who does it, and its own time limit."""

    template = models.ForeignKey(
        WorkOrderTemplate, on_delete=models.CASCADE, related_name="steps", verbose_name=_("template")
    )
    seq = models.PositiveSmallIntegerField(_("step number"))
    code = models.CharField(_("code"), max_length=32)  # resource_check, port_assignment, field_install, activation …
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=StepKind.choices)
    limit_minutes = models.PositiveIntegerField(_("step time limit (minutes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("work-order step template (环节)")
        verbose_name_plural = _("work-order step templates")
        ordering = ["template_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["template", "seq"], name="wo_step_template_unique_seq"),
            models.CheckConstraint(
                condition=Q(kind__in=["system", "back_office", "field", "care"]), name="wo_step_template_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"


class WorkOrderState(models.TextChoices):
    OPEN = "open", _("Waiting for dispatch")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "inProgress", _("In progress")
    HELD = "held", _("Waiting on the customer")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class WorkOrder(SlaTracked):
    """The back-office work for one order (工单/派工单): its steps, its team and technician, its deadline."""

    State = WorkOrderState

    wo_no = models.CharField(_("work order number"), max_length=20, unique=True)
    # An order's work, or a repair from a trouble ticket (then no order, and the customer and product directly).
    order = models.ForeignKey(
        ProductOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("order"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders",
        verbose_name=_("customer"),
    )  # fmt: skip
    product = models.ForeignKey(
        "orders.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="repair_work_orders",
        verbose_name=_("subscription repaired"),
    )  # fmt: skip
    template = models.ForeignKey(WorkOrderTemplate, on_delete=models.PROTECT, related_name="+")
    work_type = models.CharField(_("work type"), max_length=32)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    needs_field_visit = models.BooleanField(_("needs a field visit"), default=False)
    team = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders", verbose_name=_("team")
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="field_work_orders",
        verbose_name=_("technician"),
    )  # fmt: skip
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    started_at = models.DateTimeField(_("started on site"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on site"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    notes = models.TextField(_("technician notes"), blank=True)
    materials = models.JSONField(_("materials used"), default=list, blank=True)  # [{"item", "quantity"}]
    # The receipt (回单): signed by the customer with a satisfaction rating.
    signature = models.TextField(_("customer signature"), blank=True)
    rating = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    rating_comment = models.CharField(_("customer comment"), max_length=500, blank=True)
    report = models.TextField(_("installation / fault report"), blank=True)
    report_due_at = models.DateTimeField(_("report due"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    # Set once by the sweep, so each lateness is told once: not on site in time, report not written in time.
    arrival_late_at = models.DateTimeField(_("late on site"), null=True, blank=True)
    report_overdue_at = models.DateTimeField(_("report overdue"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_default=Now())  # rows COPYed without it
    # Optimistic locking: every change people make (and the lifecycle moves it causes) adds one; a dispatcher's
    # or technician's change is refused when the work order moved on since they loaded it
    # (orders.services.work.work_order_for_update). The sweeps' own markers (warned, late, overdue) leave it alone,
    # so a timer never refuses somebody's edit.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        verbose_name = _("work order (工单)")
        verbose_name_plural = _("work orders")
        ordering = ["-priority", "due_at", "id"]
        indexes = [
            models.Index(fields=["state", "region", "grid"], name="wo_queue_idx"),
            models.Index(fields=["technician", "state"], name="wo_technician_idx"),
            models.Index(fields=["team", "state"], name="wo_team_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=WorkOrderState.values), name="wo_state_valid"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)), name="wo_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["assigned", "inProgress"])
                | Q(team__isnull=False)
                | Q(technician__isnull=False),
                name="wo_assigned_has_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(state="completed") | Q(completed_at__isnull=False), name="wo_completed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.wo_no


class WorkOrderStep(models.Model):
    """One step of a work order (环节); completing it opens the next."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveSmallIntegerField(_("step number"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=StepKind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.WAITING)
    limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("completed by"),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("work-order step (环节)")
        verbose_name_plural = _("work-order steps")
        ordering = ["work_order_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "seq"], name="wo_step_unique_seq"),
            models.CheckConstraint(
                condition=Q(state__in=["waiting", "open", "completed", "cancelled"]), name="wo_step_state"
            ),
            # Steps run one at a time.
            models.UniqueConstraint(fields=["work_order"], condition=Q(state="open"), name="wo_one_open_step"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"


class WorkOrderAssignment(models.Model):
    """Who a work order went to, when, by whom and why (派工记录): first dispatch and every reassignment."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments")
    team = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch record (派工记录)")
        verbose_name_plural = _("dispatch records")
        ordering = ["work_order_id", "assigned_at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id} → {self.team_id or self.technician_id}"


class TeamCoverage(models.Model):
    """Which grids a field crew or a maintenance contractor covers (班组服务网格), for automatic dispatch."""

    team = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("team"))
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="teams", verbose_name=_("grid"))

    class Meta:
        verbose_name = _("team coverage (服务网格)")
        verbose_name_plural = _("team coverage")
        ordering = ["team_id", "grid_id"]
        constraints = [models.UniqueConstraint(fields=["team", "grid"], name="team_coverage_unique")]

    def __str__(self) -> str:
        return f"{self.team} · {self.grid}"
