"""Surveys after a ticket or a work order closes (回访), their answers, and the follow-up care tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import OrgUnit, Region
from customers.models import Customer


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

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="care_tasks")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
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
