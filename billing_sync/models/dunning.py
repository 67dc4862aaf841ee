"""Arrears management (欠费管理): the phases and rules as data, one case per account in arrears, and its work.

Following the operator's practice (seed 003, article 5): reminders first, then linked suspension (关联停机), then
disconnection (拆机) and legal collection; key accounts and high levels get their manager instead of automatics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Region
from customers.models import BillingAccount, Customer, ServiceLevel

LIVE_CASE_STATES = ("open", "paused", "legal")


class DunningPhase(models.Model):
    """One phase of the dunning process (催缴阶段) and what happens when an account enters it."""

    number = models.PositiveSmallIntegerField(_("phase"), unique=True)
    name = models.CharField(_("name"), max_length=64)
    starts_after_days = models.PositiveSmallIntegerField(
        _("starts after (days overdue)"), help_text=_("Days since the oldest unpaid bill fell due.")
    )
    send_sms = models.BooleanField(_("send an SMS reminder"), default=False)
    remind_every_days = models.PositiveSmallIntegerField(
        _("repeat the SMS every (days)"), default=0, help_text=_("0 = once, on entering the phase.")
    )
    create_call_task = models.BooleanField(_("create an outbound-call task"), default=False)
    suspend_services = models.BooleanField(_("suspend the services (关联停机)"), default=False)
    terminate_services = models.BooleanField(_("disconnect the services (拆机)"), default=False)
    hand_to_legal = models.BooleanField(_("hand over to legal collection"), default=False)

    class Meta:
        verbose_name = _("dunning phase (催缴阶段)")
        verbose_name_plural = _("dunning phases")
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(number__gte=1), name="dunning_phase_number_positive")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class DunningRule(models.Model):
    """Thresholds and exemptions (欠费策略) by customer class and service level; blank means any.

    The most specific row applies (class and level, then level, then class, then the default). Where automatic
    suspension or disconnection is off, the account manager (or the branch) gets a task instead."""

    customer_class = models.CharField(
        _("customer class"), max_length=16, choices=Customer.CustomerClass.choices, blank=True
    )
    service_level = models.CharField(_("service level"), max_length=8, choices=ServiceLevel.choices, blank=True)
    min_arrears = models.DecimalField(_("act from arrears of (yuan)"), max_digits=10, decimal_places=2, default=10)
    grace_days = models.PositiveSmallIntegerField(_("extra days of grace"), default=0)
    automatic_suspension = models.BooleanField(_("suspend automatically"), default=True)
    automatic_disconnection = models.BooleanField(_("disconnect automatically"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dunning rule (欠费策略)")
        verbose_name_plural = _("dunning rules")
        ordering = ["customer_class", "service_level"]
        constraints = [
            models.UniqueConstraint(fields=["customer_class", "service_level"], name="dunning_rule_once"),
            models.CheckConstraint(condition=Q(min_arrears__gte=0), name="dunning_rule_min_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_class or '*'} / {self.service_level or '*'}"


class DunningCreditBand(models.Model):
    """Grace by credit rating (信用度调整): customers rated within the band get extra days before each phase
    (negative: earlier reminders and suspension), on top of their rule's grace. Unrated customers get none."""

    min_rating = models.PositiveSmallIntegerField(_("from credit rating"))
    max_rating = models.PositiveSmallIntegerField(_("to credit rating (inclusive)"))
    extra_grace_days = models.SmallIntegerField(
        _("extra days of grace"), help_text=_("Added to the rule's grace days; negative brings every phase forward.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dunning credit band (信用度宽限)")
        verbose_name_plural = _("dunning credit bands")
        ordering = ["min_rating"]
        constraints = [
            models.UniqueConstraint(fields=["min_rating"], name="dunning_credit_band_once"),
            models.CheckConstraint(
                condition=Q(min_rating__lte=F("max_rating")) & Q(max_rating__lte=100), name="dunning_credit_band_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.min_rating}–{self.max_rating}: {self.extra_grace_days:+d}"


class DunningCase(models.Model):
    """The collection of one account's arrears (催缴案件), from the first overdue day until paid or closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        PAUSED = "paused", _("Paused (promise or instalments)")
        LEGAL = "legal", _("Legal collection (法律清缴)")
        RESOLVED = "resolved", _("Paid")
        WRITTEN_OFF = "written_off", _("Written off (核销)")

    account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="dunning_cases", verbose_name=_("account")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="dunning_cases", verbose_name=_("customer")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    phase = models.PositiveSmallIntegerField(_("phase"), default=0)
    phase_entered_at = models.DateTimeField(_("phase entered"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"))
    arrears = models.DecimalField(_("arrears"), max_digits=12, decimal_places=2)
    arrears_at_open = models.DecimalField(_("arrears when opened"), max_digits=12, decimal_places=2)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    next_reminder_at = models.DateTimeField(_("next reminder"), null=True, blank=True)
    exempt = models.BooleanField(_("manager instead of automatics"), default=False)
    agency = models.CharField(_("collection agency"), max_length=100, blank=True)
    agency_since = models.DateField(_("with the agency since"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("collector"),
    )  # fmt: skip
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dunning case (催缴案件)")
        verbose_name_plural = _("dunning cases")
        ordering = ["overdue_since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(status__in=LIVE_CASE_STATES), name="dunning_one_live_case_per_account"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "paused", "legal", "resolved", "written_off"]),
                name="dunning_case_status_valid",
            ),
            models.CheckConstraint(condition=Q(arrears__gte=0), name="dunning_case_arrears_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=LIVE_CASE_STATES) | Q(closed_at__isnull=False),
                name="dunning_closed_case_has_time",
            ),
        ]
        indexes = [models.Index(fields=["region", "status", "overdue_since"], name="dunning_worklist_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} · {self.get_status_display()} · {self.phase}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_CASE_STATES


class DunningAction(models.Model):
    """One step of a case, automatic or by staff (催缴记录); also on the customer's timeline and audited."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        PHASE = "phase", _("Entered a phase")
        SMS = "sms", _("SMS reminder")
        CALL_TASK = "call_task", _("Outbound-call task")
        MANAGER_TASK = "manager_task", _("Task for the account manager")
        SUSPEND = "suspend", _("Linked suspension (关联停机)")
        RESUME = "resume", _("Services resumed (复机)")
        TERMINATE = "terminate", _("Disconnection (拆机)")
        LEGAL = "legal", _("Handed to legal collection")
        CONTACT = "contact", _("Contact result")
        PROMISE = "promise", _("Promise to pay")
        PROMISE_KEPT = "promise_kept", _("Promise kept")
        PROMISE_BROKEN = "promise_broken", _("Promise broken")
        INSTALMENT = "instalment", _("Instalment plan")
        INSTALMENT_BROKEN = "instalment_broken", _("Instalment missed")
        AGENCY = "agency", _("Handed to a collection agency")
        WRITE_OFF_REQUESTED = "write_off_requested", _("Write-off requested")
        WRITE_OFF_APPROVED = "write_off_approved", _("Write-off approved")
        WRITE_OFF_REFUSED = "write_off_refused", _("Write-off refused")
        PAYMENT = "payment", _("Payment received")
        RESOLVED = "resolved", _("Arrears cleared")
        FAILED = "failed", _("Step failed")

    case = models.ForeignKey(DunningCase, on_delete=models.CASCADE, related_name="actions", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    phase = models.PositiveSmallIntegerField(_("phase"), default=0)
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    orders = models.JSONField(_("orders"), default=list, blank=True)
    product_ids = models.JSONField(_("subscriptions"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dunning step (催缴记录)")
        verbose_name_plural = _("dunning steps")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CollectionTask(models.Model):
    """A call to make or a visit to pay about arrears (催缴任务), for the branch or the account manager."""

    class Kind(models.TextChoices):
        REMINDER_CALL = "reminder_call", _("Reminder call (催缴电话)")
        MANAGER = "manager", _("Account manager contact (客户经理催缴)")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        REACHED = "reached", _("Reached, will pay")
        PROMISED = "promised", _("Promised a date")
        REFUSED = "refused", _("Refused to pay")
        DISPUTED = "disputed", _("Disputes the bill")
        UNREACHABLE = "unreachable", _("Not reachable")

    case = models.ForeignKey(DunningCase, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("case"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    phase = models.PositiveSmallIntegerField(_("phase"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("assigned to"),
    )  # fmt: skip
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("collection task (催缴任务)")
        verbose_name_plural = _("collection tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "done", "cancelled"]), name="collection_task_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(done_at__isnull=False), name="collection_task_closed_time"
            ),
        ]
        indexes = [models.Index(fields=["region", "state", "due_at"], name="collection_task_list_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.case_id}"


class PromiseToPay(models.Model):
    """The customer's promise to pay by a date (承诺缴费): the process waits until then; a broken one resumes it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")

    case = models.ForeignKey(DunningCase, on_delete=models.CASCADE, related_name="promises", verbose_name=_("case"))
    promised_on = models.DateField(_("promised date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"))
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("promise to pay (承诺缴费)")
        verbose_name_plural = _("promises to pay")
        ordering = ["case", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.UniqueConstraint(fields=["case"], condition=Q(state="pending"), name="promise_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.promised_on} {self.amount}"


class InstalmentPlan(models.Model):
    """Paying the arrears in parts on agreed dates (分期还款); the process waits while instalments are met."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken")

    case = models.ForeignKey(
        DunningCase, on_delete=models.CASCADE, related_name="instalment_plans", verbose_name=_("case")
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("instalment plan (分期还款)")
        verbose_name_plural = _("instalment plans")
        ordering = ["case", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="instalment_plan_total_positive"),
            models.UniqueConstraint(fields=["case"], condition=Q(state="active"), name="instalment_one_active_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.total}"


class Instalment(models.Model):
    plan = models.ForeignKey(InstalmentPlan, on_delete=models.CASCADE, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid = models.DecimalField(_("paid"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="instalment_once"),
            models.CheckConstraint(condition=Q(amount__gt=0, paid__gte=0), name="instalment_amounts"),
            models.CheckConstraint(condition=Q(paid__lte=F("amount")), name="instalment_not_overpaid"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.seq}"


class WriteOff(models.Model):
    """Writing off arrears as bad debt (坏账核销): requested by one person, approved by another."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(DunningCase, on_delete=models.CASCADE, related_name="write_offs", verbose_name=_("case"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("write-off (坏账核销)")
        verbose_name_plural = _("write-offs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive"),
            models.CheckConstraint(condition=~Q(decided_by=F("requested_by")), name="write_off_four_eyes"),
            models.UniqueConstraint(fields=["case"], condition=Q(state="requested"), name="write_off_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount} {self.state}"
