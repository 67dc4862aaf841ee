"""Surveys after a ticket or a work order closes (回访), their answers, and the follow-up care tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import OrgUnit, Region
from customers.models import Customer, MarketingChannel, ServiceLevel


class Survey(models.Model):
    """A questionnaire (回访问卷) sent when something closes: a ticket or a work order."""

    class Trigger(models.TextChoices):
        TICKET_CLOSED = "ticket_closed", _("A trouble ticket is resolved")
        WORK_ORDER_COMPLETED = "work_order_completed", _("A work order is completed")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    trigger = models.CharField(_("sent when"), max_length=24, choices=Trigger.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey (回访问卷)")
        verbose_name_plural = _("surveys")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SurveyQuestion(models.Model):
    """A question of a survey: a 1–5 rating (below the threshold is dissatisfied), yes/no, or free text."""

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating 1–5")
        YES_NO = "yes_no", _("Yes / no")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    seq = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    dissatisfied_below = models.PositiveSmallIntegerField(_("dissatisfied below"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["survey", "seq"], name="survey_question_unique_seq")]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(models.Model):
    """One survey sent to one customer about one closed ticket or work order (回访记录), answered once."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS link to the portal")
        OUTBOUND_CALL = "outbound_call", _("Outbound call")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="survey_invitations")
    ticket = models.ForeignKey(
        "callcenter.TroubleTicket", on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    work_order = models.ForeignKey(
        "orders.WorkOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.SMS)
    token = models.CharField(_("link token"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    team = models.ForeignKey(OrgUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_kind = models.CharField(_("product kind"), max_length=16, blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation (回访记录)")
        verbose_name_plural = _("survey invitations")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["region", "answered_at"], name="survey_index_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(work_order__isnull=False), name="survey_about"
            ),
            models.CheckConstraint(condition=Q(status__in=["sent", "answered", "expired"]), name="survey_status"),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_at__isnull=False), name="survey_answered_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.customer_id}"


class SurveyAnswer(models.Model):
    """The answer to one question of one invitation."""

    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    yes = models.BooleanField(_("yes"), null=True, blank=True)
    text = models.CharField(_("text"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["invitation_id", "question__seq"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)), name="survey_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}/{self.question_id}"


class CareTask(models.Model):
    """Something to do for one customer (关怀/跟进任务): a follow-up of a dissatisfied answer, a retention call."""

    class Kind(models.TextChoices):
        SURVEY_FOLLOW_UP = "survey_follow_up", _("Follow up a dissatisfied answer")
        RETENTION = "retention", _("Retention (维系)")
        # One kind per care rule kind (基于事件触发的主动服务).
        CHURN_RISK_RISE = "churn_risk_rise", _("Churn risk above the threshold")
        BILL_SHOCK = "bill_shock", _("Bill shock (账单突增)")
        CONTRACT_EXPIRING = "contract_expiring", _("Contract expiring")
        REPEATED_FAULTS = "repeated_faults", _("Repeated faults")
        COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint past its deadline")
        KEY_ACCOUNT_USAGE_DROP = "key_account_usage_drop", _("Key account's spending dropped")
        BIRTHDAY = "birthday", _("Birthday greeting")
        HOLIDAY = "holiday", _("Holiday greeting (节日问候)")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="care_tasks")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    rule = models.ForeignKey(
        "CareRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("care rule")
    )
    firing = models.OneToOneField(
        "CareRuleFiring", on_delete=models.SET_NULL, null=True, blank=True, related_name="task", verbose_name=_("event")
    )
    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ticket = models.ForeignKey(
        "callcenter.TroubleTicket", on_delete=models.SET_NULL, null=True, blank=True, related_name="care_tasks"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="care_tasks"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("care task (关怀任务)")
        verbose_name_plural = _("care tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["open", "done"]), name="care_task_state"),
            models.CheckConstraint(condition=~Q(state="done") | Q(done_at__isnull=False), name="care_task_done_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"


class ContactPolicy(models.Model):
    """At most ``max_contacts`` marketing contacts per ``period_days`` (频次控制) for a service level and channel;
    a blank level is the channel's default. Counted across every channel and campaign."""

    service_level = models.CharField(
        _("service level"), max_length=8, choices=ServiceLevel.choices, blank=True, help_text=_("Blank: any level.")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=MarketingChannel.choices)
    max_contacts = models.PositiveSmallIntegerField(_("max marketing contacts"))
    period_days = models.PositiveSmallIntegerField(_("per days"))

    class Meta:
        verbose_name = _("contact policy (频次控制)")
        verbose_name_plural = _("contact policies")
        ordering = ["channel", "service_level"]
        constraints = [
            models.UniqueConstraint(fields=["service_level", "channel"], name="contact_policy_unique"),
            models.CheckConstraint(condition=Q(period_days__gte=1), name="contact_policy_period_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service_level or '*'} · {self.channel}: {self.max_contacts}/{self.period_days}d"


class QuietHours(models.Model):
    """No marketing or care contact in this channel between ``start`` and ``end`` local time (may wrap midnight)."""

    channel = models.CharField(_("channel"), max_length=16, choices=MarketingChannel.choices, unique=True)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("quiet hours (免打扰时段)")
        verbose_name_plural = _("quiet hours")
        ordering = ["channel"]
        constraints = [models.CheckConstraint(condition=~Q(start=F("end")), name="quiet_hours_not_empty")]

    def __str__(self) -> str:
        return f"{self.channel} {self.start:%H:%M}–{self.end:%H:%M}"


class MarketingContact(models.Model):
    """One contact made with a customer (接触记录): marketing ones count against the contact policy's cap."""

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        CARE = "care", _("Care (关怀)")
        SERVICE = "service", _("Service")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="marketing_contacts", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=MarketingChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    campaign_ref = models.CharField(_("campaign"), max_length=64, blank=True)
    at = models.DateTimeField(_("at"))
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("contact record (接触记录)")
        verbose_name_plural = _("contact records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "at"], name="marketing_contact_cap_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=["marketing", "care", "service"]), name="marketing_contact_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {self.purpose} {self.at:%Y-%m-%d %H:%M}"


class CareRule(models.Model):
    """A rule that turns an event into a care task (主动关怀规则); its thresholds are ``params``, kept as data."""

    class Kind(models.TextChoices):
        CHURN_RISK_RISE = "churn_risk_rise", _("Churn risk above a threshold")
        BILL_SHOCK = "bill_shock", _("Bill shock: bill above k × the average of the last N")
        CONTRACT_EXPIRING = "contract_expiring", _("Contract expiring within days")
        REPEATED_FAULTS = "repeated_faults", _("n faults within d days")
        COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint past its deadline")
        KEY_ACCOUNT_USAGE_DROP = "key_account_usage_drop", _("Key account's bill dropped by a percentage")
        BIRTHDAY = "birthday", _("Birthday")
        HOLIDAY = "holiday", _("Holiday")

    class Owner(models.TextChoices):
        ACCOUNT_MANAGER = "account_manager", _("Account manager, else the outbound list")
        OUTBOUND_LIST = "outbound_list", _("Outbound call list")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    owner = models.CharField(_("owner"), max_length=16, choices=Owner.choices, default=Owner.ACCOUNT_MANAGER)
    due_days = models.PositiveSmallIntegerField(_("due in days"), default=3)
    message_template = models.CharField(
        _("greeting SMS"),
        max_length=300,
        blank=True,
        help_text=_("{name} is the customer's name, {holiday} the holiday's."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("care rule (关怀规则)")
        verbose_name_plural = _("care rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CareRuleFiring(models.Model):
    """A rule fired for one customer and one event; unique, so each event fires once however often rules run."""

    rule = models.ForeignKey(CareRule, on_delete=models.CASCADE, related_name="firings", verbose_name=_("rule"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    event_key = models.CharField(_("event"), max_length=80)
    fired_at = models.DateTimeField(_("fired"), auto_now_add=True)

    class Meta:
        verbose_name = _("care rule firing")
        verbose_name_plural = _("care rule firings")
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "customer", "event_key"], name="care_rule_fires_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} · {self.customer_id} · {self.event_key}"
