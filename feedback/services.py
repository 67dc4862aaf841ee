"""Writes of the after-closure surveys (回访): send one, take its answers once, follow up the dissatisfied ones."""

from __future__ import annotations

import datetime
import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.messaging.services import sms_send
from customers.selectors import preferred_phone
from customers.services import interaction_record

from .models import CareTask, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion

logger = logging.getLogger(__name__)

FOLLOW_UP_HOURS = 24
EXPIRES_AFTER_DAYS = 30  # a link older than this no longer takes answers
TEXT_MAX = 500
PORTAL_PATH = "/portal/survey/{token}/"


def survey_link(invitation: SurveyInvitation) -> str:
    return PORTAL_PATH.format(token=invitation.token)


def survey_expired(invitation: SurveyInvitation, *, now: datetime.datetime | None = None) -> bool:
    """Marked expired, or unanswered for longer than the link stays valid."""
    if invitation.status == SurveyInvitation.Status.EXPIRED:
        return True
    age = (now or timezone.now()) - invitation.sent_at
    return invitation.status == SurveyInvitation.Status.SENT and age > datetime.timedelta(days=EXPIRES_AFTER_DAYS)


def _product_kind(product=None, offering=None) -> str:
    """The specification kind (broadband, mobile…) of the product or offering concerned; "bundle" for a bundle."""
    if product is not None:
        spec = product.specification or product.offering.specification
        if spec is not None:
            return spec.kind
        offering = offering or product.offering
    if offering is not None:
        if offering.specification_id:
            return offering.specification.kind
        if offering.is_bundle:
            return "bundle"
    return ""


def _ticket_team(ticket):
    from crm.accounts.selectors import staff_profile

    for user in (ticket.assignee, ticket.owner):
        profile = staff_profile(user) if user is not None else None
        if profile is not None and profile.org_unit_id:
            return profile.org_unit
    return None


@transaction.atomic
def survey_send(*, work_order=None, ticket=None) -> SurveyInvitation | None:
    """Send the active survey about a completed work order or a resolved ticket (once): an SMS link, or a call task."""
    if (work_order is None) == (ticket is None):
        raise ValueError("Pass exactly one of work_order or ticket")
    about = {"work_order": work_order} if work_order is not None else {"ticket": ticket}
    trigger = Survey.Trigger.WORK_ORDER_COMPLETED if work_order is not None else Survey.Trigger.TICKET_CLOSED
    # Lock what closed, so two closures racing on it send one survey.
    subject = work_order if work_order is not None else ticket
    type(subject).objects.select_for_update().filter(pk=subject.pk).first()
    existing = SurveyInvitation.objects.filter(**about).first()
    if existing is not None:
        return existing
    survey = Survey.objects.filter(trigger=trigger, is_active=True).order_by("code").first()
    if survey is None:
        logger.info("No active survey for %s", trigger)
        return None

    if work_order is not None:
        order = work_order.order if work_order.order_id else None
        if order is not None:
            customer, product_kind = order.customer, _product_kind(order.product, order.offering)
        else:  # a repair from a trouble ticket: no order, the customer and product on the work order itself
            customer = getattr(work_order, "customer", None)
            product_kind = _product_kind(getattr(work_order, "product", None))
        if customer is None:
            return None
        region, team = work_order.region, work_order.team
        related = [{"@referredType": "WorkOrder", "id": work_order.wo_no}]
    else:
        customer, region, team = ticket.customer, ticket.region, _ticket_team(ticket)
        product_kind = _product_kind(ticket.product)
        related = [{"@referredType": "TroubleTicket", "id": ticket.ticket_no}]

    phone = preferred_phone(customer)
    invitation = SurveyInvitation(
        survey=survey,
        customer=customer,
        channel=SurveyInvitation.Channel.SMS if phone else SurveyInvitation.Channel.OUTBOUND_CALL,
        token=secrets.token_urlsafe(16),
        region=region,
        team=team,
        product_kind=product_kind,
        **about,
    )
    invitation.save()
    if phone:
        # A service survey, not marketing: the customer's marketing opt-outs do not apply.
        with translation.override("zh-hans"):  # customers get Chinese texts
            body = _("[China Telecom] Thank you for using our service. Please tell us how we did: %(link)s") % {
                "link": survey_link(invitation)
            }
        sms_send(recipient=phone, body=body, purpose="survey", related=related)
        interaction_record(
            customer=customer,
            channel="sms",
            direction="outbound",
            interaction_type="survey",
            reason=survey.name,
            description=body,
            related_entities=related,
        )
    return invitation


def _clean_answer(question: SurveyQuestion, value) -> dict:
    """One raw answer → the SurveyAnswer fields; raises ValidationError naming the question."""
    kind = question.kind
    if kind == SurveyQuestion.Kind.TEXT:
        text = "" if value is None else str(value).strip()
        if len(text) > TEXT_MAX:
            raise ValidationError(_("%(question)s: at most %(n)s characters.") % {"question": question, "n": TEXT_MAX})
        return {"text": text}
    if kind == SurveyQuestion.Kind.YES_NO:
        if isinstance(value, bool):
            return {"yes": value}
        mapped = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(
            str(value).strip().lower() if value is not None else ""
        )
        if mapped is None:
            raise ValidationError(_("%(question)s: answer yes or no.") % {"question": question})
        return {"yes": mapped}
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if isinstance(value, bool) or not 1 <= rating <= 5 or str(value).strip() != str(rating):
        raise ValidationError(_("%(question)s: choose a rating from 1 to 5.") % {"question": question})
    return {"rating": rating}


def _is_low(question: SurveyQuestion, fields: dict) -> bool:
    if question.kind == SurveyQuestion.Kind.RATING:
        return question.dissatisfied_below is not None and fields["rating"] < question.dissatisfied_below
    if question.kind == SurveyQuestion.Kind.YES_NO:
        return fields["yes"] is False
    return False


def _reopen_ticket(*, invitation: SurveyInvitation, note: str) -> None:
    from callcenter.services import ticket_reopen

    ticket_reopen(ticket=invitation.ticket, actor=None, note=note)


@transaction.atomic
def survey_answer(*, invitation: SurveyInvitation, answers: dict) -> SurveyInvitation:
    """Store the answers to every question once; a dissatisfied answer opens a follow-up care task."""
    invitation = SurveyInvitation.objects.select_for_update().select_related("survey", "customer").get(pk=invitation.pk)
    if invitation.status == SurveyInvitation.Status.ANSWERED:
        raise ValidationError(_("This survey has already been answered."))
    if survey_expired(invitation):
        raise ValidationError(_("This survey has expired."))
    questions = list(invitation.survey.questions.order_by("seq"))
    given = {int(k): v for k, v in answers.items()}
    unknown = set(given) - {q.pk for q in questions}
    if unknown:
        raise ValidationError(_("Answers to questions not in this survey."))
    errors, cleaned = [], []
    for question in questions:
        value = given.get(question.pk)
        if question.kind != SurveyQuestion.Kind.TEXT and value in (None, ""):
            errors.append(ValidationError(_("%(question)s: an answer is required.") % {"question": question}))
            continue
        try:
            cleaned.append((question, _clean_answer(question, value)))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)

    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(invitation=invitation, question=question, **fields) for question, fields in cleaned
    )
    low = [(question, fields) for question, fields in cleaned if _is_low(question, fields)]
    invitation.satisfied = not low
    invitation.status = SurveyInvitation.Status.ANSWERED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["satisfied", "status", "answered_at"])

    if low:
        _follow_up(invitation=invitation, low=low, cleaned=cleaned)
    elif invitation.ticket_id and invitation.ticket.status == "resolved":
        from callcenter.services import ticket_transition  # the customer confirms: the ticket closes

        ticket_transition(ticket=invitation.ticket, status="closed", actor=None, note=_("Confirmed at the survey"))
    return invitation


def _answer_text(question: SurveyQuestion, fields: dict) -> str:
    if question.kind == SurveyQuestion.Kind.RATING:
        return f"{question.text}: {fields['rating']}/5"
    if question.kind == SurveyQuestion.Kind.YES_NO:
        return f"{question.text}: {_('yes') if fields['yes'] else _('no')}"
    return f"{question.text}: {fields['text']}"


def _follow_up(*, invitation: SurveyInvitation, low: list, cleaned: list) -> None:
    comments = [fields["text"] for question, fields in cleaned if question.kind == "text" and fields["text"]]
    with translation.override("zh-hans"):  # the note is read by regional staff
        parts = [_answer_text(question, fields) for question, fields in low]
        parts += [_("Comment: %(text)s") % {"text": text} for text in comments]
        note = "; ".join(parts)[:500]
    CareTask.objects.create(
        customer=invitation.customer,
        kind=CareTask.Kind.SURVEY_FOLLOW_UP,
        invitation=invitation,
        ticket=invitation.ticket,
        region=invitation.region,
        note=note,
        due_at=timezone.now() + datetime.timedelta(hours=FOLLOW_UP_HOURS),
    )
    related = [{"@referredType": "SurveyInvitation", "id": str(invitation.pk)}]
    interaction_record(
        customer=invitation.customer,
        channel="portal" if invitation.channel == SurveyInvitation.Channel.SMS else "outbound_call",
        direction="inbound",
        interaction_type="survey",
        reason=_("Dissatisfied survey answer"),
        description=note,
        status="open",
        related_entities=related,
    )
    if invitation.ticket_id is not None:
        resolved = next((q for q, _f in cleaned if q.kind == SurveyQuestion.Kind.YES_NO), None)
        if resolved is not None and any(q.pk == resolved.pk for q, _f in low):
            _reopen_ticket(invitation=invitation, note=note)


@transaction.atomic
def care_task_done(*, task: CareTask, actor, note: str = "") -> CareTask:
    """Close a care task with what was done; the contact goes on the customer's timeline."""
    task = CareTask.objects.select_for_update().select_related("customer").get(pk=task.pk)
    if task.state == CareTask.State.DONE:
        raise ValidationError(_("This task is already done."))
    note = note.strip()
    if not note:
        raise ValidationError(_("Say what was done."))
    task.state = CareTask.State.DONE
    task.done_at = timezone.now()
    if task.assigned_to_id is None:
        task.assigned_to = actor
    task.note = (f"{task.note}\n{note}" if task.note else note)[:500]
    task.save(update_fields=["state", "done_at", "assigned_to", "note"])
    interaction_record(
        customer=task.customer,
        channel="outbound_call",
        direction="outbound",
        interaction_type="care",
        staff=actor,
        reason=task.get_kind_display(),
        description=note,
        related_entities=[{"@referredType": "CareTask", "id": str(task.pk)}],
    )
    return task
