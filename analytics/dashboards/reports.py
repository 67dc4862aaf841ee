"""Scheduled reports (定期报表): a manager subscribes to a dashboard with its filters; the daily job builds the tables
as that manager (so their region scoping applies), writes Excel or zipped CSV, and e-mails it — once per day at most."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.models import ReportDelivery, ReportSubscription
from crm.audit.services import audit_record
from crm.db_router import reading_from_replica
from crm.messaging.email import Attachment, email_gateway
from crm.ui.exports import watermark

from .base import PeriodForm, dashboard, filters_from
from .files import tables_csv_zip, tables_xlsx

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@transaction.atomic
def report_subscribe(
    *, owner, dashboard_key: str, params: dict, frequency: str, file_format: str, email: str
) -> ReportSubscription:
    """Subscribe a manager to a dashboard with its current filters (audited)."""
    board = dashboard(dashboard_key)
    if not owner.has_perm(board.permission):
        raise PermissionDenied
    if frequency not in ReportSubscription.Frequency.values or file_format not in ReportSubscription.Format.values:
        raise ValidationError(_("Choose a frequency and a format."))
    kept = {k: v for k, v in params.items() if k in ("period", "date_from", "date_to", "region", *board.params) and v}
    subscription = ReportSubscription.objects.create(
        owner=owner, dashboard=dashboard_key, params=kept, frequency=frequency, file_format=file_format, email=email
    )
    audit_record(action="create", obj=subscription, actor=owner, detail=f"report {dashboard_key} {frequency}")
    return subscription


@transaction.atomic
def report_unsubscribe(*, subscription: ReportSubscription, actor) -> None:
    """End a subscription (its owner or an administrator)."""
    if subscription.owner_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    subscription.active = False
    subscription.save(update_fields=["active"])
    audit_record(action="update", obj=subscription, actor=actor, changes={"active": [True, False]})


def report_is_due(subscription: ReportSubscription, today: datetime.date) -> bool:
    if subscription.frequency == ReportSubscription.Frequency.WEEKLY:
        return today.weekday() == 0
    if subscription.frequency == ReportSubscription.Frequency.MONTHLY:
        return today.day == 1
    return True


def report_tables(subscription: ReportSubscription, *, today: datetime.date | None = None):
    """The dashboard's tables as the subscriber would see them today with the subscribed filters."""
    board = dashboard(subscription.dashboard)
    query = QueryDict(mutable=True)
    query.update({k: str(v) for k, v in subscription.params.items()})
    form = PeriodForm(query, user=subscription.owner, default_period=board.default_period)
    extra = {k: str(subscription.params[k]) for k in board.params if k in subscription.params}
    filters = filters_from(form, subscription.owner, extra=extra)
    with reading_from_replica():  # aggregates: the read replica when there is one
        return board, filters, board.build(subscription.owner, filters).tables


def report_send(subscription: ReportSubscription, *, today: datetime.date) -> ReportDelivery | None:
    """Build and send one subscription's report for today, unless it was already sent today."""
    with transaction.atomic():
        locked = ReportSubscription.objects.select_for_update().select_related("owner").get(pk=subscription.pk)
        if not locked.active or ReportDelivery.objects.filter(subscription=locked, run_on=today).exists():
            return None
        with translation.override(settings.LANGUAGE_CODE):  # reports go out in the operator's language
            try:
                if not locked.owner.is_active or not locked.owner.has_perm(dashboard(locked.dashboard).permission):
                    raise PermissionDenied(_("The subscriber may no longer see this dashboard."))
                board, filters, tables = report_tables(locked, today=today)
                mark = watermark(locked.owner)
                if locked.file_format == ReportSubscription.Format.XLSX:
                    content, name, mimetype = tables_xlsx(tables, watermark=mark), f"{board.key}-{today}.xlsx", XLSX
                else:
                    content, name = tables_csv_zip(tables, watermark=mark), f"{board.key}-{today}.zip"
                    mimetype = "application/zip"
                subject = _("%(title)s, %(since)s – %(until)s") % {
                    "title": board.title,
                    "since": filters.since,
                    "until": filters.until,
                }
                body = _("The %(title)s report you subscribed to is attached (%(tables)d tables).") % {
                    "title": board.title,
                    "tables": len(tables),
                }
                result = email_gateway().send(
                    to=locked.email, subject=str(subject), body=str(body),
                    attachments=[Attachment(filename=name, content=content, mimetype=mimetype)],
                )  # fmt: skip
                if not result.ok:
                    raise RuntimeError(result.error or "the mail relay refused the message")
            except Exception as exc:  # a broken report is recorded, and the other subscriptions still go out
                log.exception("report subscription %s failed", locked.pk)
                return ReportDelivery.objects.create(
                    subscription=locked, run_on=today, status=ReportDelivery.Status.FAILED, error=str(exc)[:2000]
                )
        locked.last_sent_on = today
        locked.save(update_fields=["last_sent_on"])
        return ReportDelivery.objects.create(
            subscription=locked, run_on=today, status=ReportDelivery.Status.SENT, file_name=name,
            rows=sum(len(t.rows) for t in tables), message_id=result.reference,
        )  # fmt: skip


def reports_send_due(*, today: datetime.date | None = None) -> int:
    """Send every active subscription due today that has not gone out today; returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    for subscription in ReportSubscription.objects.filter(active=True).order_by("pk"):
        if report_is_due(subscription, today):
            delivery = report_send(subscription, today=today)
            sent += bool(delivery and delivery.status == ReportDelivery.Status.SENT)
    return sent
