"""Calls to the 10000 hotline and the reason-code table they are filed under."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, PartyInteraction


class InteractionType(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry (业务咨询)")
    COMPLAINT = "complaint", _("Complaint (投诉)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    FAULT_REPORT = "fault_report", _("Fault report (障碍申报)")
    MAINTENANCE = "maintenance", _("Maintenance request (维护请求)")
    VAS_SELF_SERVICE = "vas_self_service", _("VAS self-service (增值业务自助)")


class ReasonCategory(models.Model):
    """A reason code (原因分类), two levels: a top category and its detailed reasons, per interaction type."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    interaction_type = models.CharField(_("interaction type"), max_length=20, choices=InteractionType.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    sort_order = models.PositiveSmallIntegerField(_("order of display"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reason code (原因分类)")
        verbose_name_plural = _("reason codes")
        ordering = ["interaction_type", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(interaction_type__in=InteractionType.values), name="reason_type_valid")
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class Call(models.Model):
    """One call at the hotline (来电): who called which agent, the customer found, how long, why, the outcome."""

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ACTIVE = "active", _("In the call")
        ENDED = "ended", _("Ended")

    call_id = models.CharField(_("telephony call id"), max_length=64, unique=True)
    calling_number = models.CharField(_("calling number"), max_length=32, db_index=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls", verbose_name=_("agent")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="calls", verbose_name=_("customer")
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RINGING)
    interaction_type = models.CharField(_("type"), max_length=20, choices=InteractionType.choices, blank=True)
    reason = models.ForeignKey(
        ReasonCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="calls", verbose_name=_("reason")
    )
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    interaction = models.OneToOneField(
        PartyInteraction, on_delete=models.SET_NULL, null=True, blank=True, related_name="call",
        verbose_name=_("timeline entry"),
    )  # fmt: skip
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("call (来电)")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["agent", "state"], name="call_agent_state_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["ringing", "active", "ended"]), name="call_state_valid"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="call_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.calling_number} → {self.agent_id}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - (self.answered_at or self.started_at)).total_seconds())
