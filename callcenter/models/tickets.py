"""Trouble tickets (障碍单/投诉单, TMF621) with first-contact ownership, their history, outages and callbacks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Grid, Region
from crm.sla.models import SlaTracked
from customers.models import Customer

from .calls import Call, ReasonCategory


class TicketStatus(models.TextChoices):
    """TMF621 trouble-ticket states."""

    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "inProgress", _("In progress")
    PENDING = "pending", _("Pending")
    HELD = "held", _("Held")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


OPEN_TICKET_STATUSES = ("acknowledged", "inProgress", "pending", "held")


class TroubleTicket(SlaTracked):
    """A fault or complaint to resolve (障碍单/投诉单): owned by the agent who took the first call (首问负责)."""

    class TicketType(models.TextChoices):
        FAULT = "fault", _("Fault (障碍)")
        COMPLAINT = "complaint", _("Complaint (投诉)")
        REGULATOR_COMPLAINT = "regulator_complaint", _("Complaint to the regulator (工信部申诉)")
        MAINTENANCE = "maintenance", _("Maintenance request (维护请求)")

    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        MAJOR = "major", _("Major")
        MINOR = "minor", _("Minor")

    Status = TicketStatus

    ticket_no = models.CharField(_("ticket number"), max_length=20, unique=True)
    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MINOR)
    status = models.CharField(_("status"), max_length=16, choices=TicketStatus.choices, default="acknowledged")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer"))
    product = models.ForeignKey(
        "orders.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
        verbose_name=_("subscription concerned"),
    )  # fmt: skip
    reason = models.ForeignKey(
        ReasonCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
        verbose_name=_("reason"),
    )  # fmt: skip
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_tickets",
        verbose_name=_("owner (首问负责人)"),
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_tickets",
        verbose_name=_("worked by"),
    )  # fmt: skip
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("first call")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    is_repeat = models.BooleanField(_("repeat complaint"), default=False)
    regulator_risk = models.BooleanField(_("risk of a complaint to the regulator"), default=False)
    risk_reasons = models.JSONField(_("why at risk"), default=list, blank=True)
    escalated_at = models.DateTimeField(_("escalated to a supervisor"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent ticket (outage)"),
    )  # fmt: skip
    work_order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets",
        verbose_name=_("repair work order"),
    )  # fmt: skip
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Optimistic locking: every change people make (and the lifecycle moves it causes) adds one; an editor's change is
    # refused when the ticket moved on since they loaded it (callcenter.services.ticket_for_update). The sweeps' own
    # markers (warned, late, at risk) leave it alone, so a timer never refuses somebody's edit.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)  # rows COPYed without it

    class Meta:
        verbose_name = _("trouble ticket (障碍/投诉单)")
        verbose_name_plural = _("trouble tickets")
        ordering = ["-priority", "due_at", "id"]
        indexes = [
            models.Index(fields=["owner", "status"], name="ticket_owner_status_idx"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_idx"),
            models.Index(fields=["status", "region"], name="ticket_status_region_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"),
            models.CheckConstraint(
                condition=Q(ticket_type__in=["fault", "complaint", "regulator_complaint", "maintenance"]),
                name="ticket_type_valid",
            ),
            models.CheckConstraint(condition=Q(severity__in=["critical", "major", "minor"]), name="ticket_severity"),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="ticket_resolved_has_time",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="ticket_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.ticket_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES


class TicketStatusChange(models.Model):
    """One move of a ticket through its lifecycle (状态变更), by whom and why."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket status change")
        verbose_name_plural = _("ticket status changes")
        ordering = ["ticket_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_status} → {self.to_status}"


class TicketOwnerChange(models.Model):
    """A transfer of first-contact ownership (首问转移): only with a reason."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="owner_changes")
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=255)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("ownership transfer (首问转移)")
        verbose_name_plural = _("ownership transfers")
        ordering = ["ticket_id", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="owner_change_has_reason"),
            models.CheckConstraint(condition=~Q(from_owner=F("to_owner")), name="owner_change_to_another"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_owner_id} → {self.to_owner_id}"


class Outage(models.Model):
    """A declared outage (障碍关联) of an area, an access point or a cell; fault reports there join its ticket."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    outage_no = models.CharField(_("outage number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    access_point = models.ForeignKey(
        "orders.AccessPoint", on_delete=models.PROTECT, null=True, blank=True, related_name="outages",
        verbose_name=_("access point"),
    )  # fmt: skip
    cell = models.CharField(_("mobile cell"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    parent_ticket = models.OneToOneField(
        TroubleTicket, on_delete=models.PROTECT, null=True, blank=True, related_name="outage",
        verbose_name=_("parent ticket"),
    )  # fmt: skip
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("outage (网络障碍)")
        verbose_name_plural = _("outages")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "resolved"]), name="outage_status_valid"),
            models.CheckConstraint(
                condition=Q(area__isnull=False) | Q(access_point__isnull=False) | ~Q(cell=""),
                name="outage_has_a_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Callback(models.Model):
    """A call back at the time the customer chose (预约回电); missed ones are escalated."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="callbacks")
    ticket = models.ForeignKey(
        TroubleTicket, on_delete=models.SET_NULL, null=True, blank=True, related_name="callbacks"
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="callbacks")
    phone = models.CharField(_("phone"), max_length=32)
    due_at = models.DateTimeField(_("call back at"), db_index=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("callback (预约回电)")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["scheduled", "done", "missed"]), name="callback_state"),
            models.CheckConstraint(condition=~Q(state="done") | Q(done_at__isnull=False), name="callback_done_time"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.due_at:%m-%d %H:%M}"
