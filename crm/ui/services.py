"""Writes of the staff UI: saved filters of list pages, and approvals of bulk exports of personal data."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record

from .models import ExportApproval, SavedFilter


@transaction.atomic
def saved_filter_save(*, owner, list_key: str, name: str, query: str, shared: bool) -> SavedFilter:
    """Save (or overwrite, by name) the owner's filters of one list, privately or shared."""
    name = name.strip()[:80]
    if not name:
        raise ValueError("A saved filter needs a name")
    saved, _created = SavedFilter.objects.update_or_create(
        owner=owner, list_key=list_key[:64], name=name, defaults={"query": query[:2000], "shared": shared}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, owner, saved_filter_id: int) -> SavedFilter:
    """Delete one of the owner's saved filters; another user's (even shared) raises DoesNotExist."""
    saved = SavedFilter.objects.select_for_update().get(pk=saved_filter_id, owner=owner)
    saved.delete()
    return saved


# --- Bulk export approval (批量导出审批) -------------------------------------------------------------------

APPROVAL_VALID_FOR = datetime.timedelta(hours=24)


def export_query_normalise(query: str) -> str:
    """One spelling per set of filters (sorted pairs, empty values dropped) so an approval matches its export."""
    pairs = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in ("export", "approval"))
    return urlencode(pairs)


@transaction.atomic
def export_approval_request(*, requester, list_key: str, list_path: str, query: str, export_format: str,
                            reason: str, row_count: int) -> ExportApproval:  # fmt: skip
    """Ask a manager to approve one bulk export of personal data (a pending request for the same export is
    reused, so pressing the button twice asks once)."""
    reason = reason.strip()
    if len(reason) < 4:
        raise ValueError(_("Say why you need this export (at least 4 characters)."))
    if export_format not in ("csv", "xlsx"):
        raise ValueError(_("Unknown export format."))
    query = export_query_normalise(query)
    approval, created = ExportApproval.objects.get_or_create(
        requester=requester, list_key=list_key[:64], query=query[:2000], status=ExportApproval.Status.PENDING,
        defaults={"export_format": export_format, "reason": reason[:255], "row_count": row_count,
                  "list_path": list_path[:200]},
    )  # fmt: skip
    if created:
        audit_record(
            action=AuditEntry.Action.EXPORT_REQUEST,
            obj=approval,
            changes={"list": list_key, "filters": query, "rows": row_count},
            detail=reason,
            actor=requester,
        )
    return approval


@transaction.atomic
def export_approval_decide(*, approval_id: int, approver, approve: bool, note: str = "") -> ExportApproval:
    """A manager approves or rejects a pending request; nobody decides their own."""
    if not approver.has_perm("accounts.approve_sensitive"):
        raise PermissionError("Only managers may approve exports")
    approval = ExportApproval.objects.select_for_update().get(pk=approval_id)
    if approval.requester_id == approver.pk:
        raise ValueError(_("You cannot approve your own export request."))
    if approval.status != ExportApproval.Status.PENDING:
        raise ValueError(_("This request has already been decided."))
    now = timezone.now()
    approval.status = ExportApproval.Status.APPROVED if approve else ExportApproval.Status.REJECTED
    approval.approver, approval.decided_at, approval.decision_note = approver, now, note.strip()[:255]
    approval.expires_at = now + APPROVAL_VALID_FOR if approve else None
    approval.save()
    audit_record(action=AuditEntry.Action.EXPORT_DECISION, obj=approval,
                 changes={"status": approval.status, "requester": approval.requester.get_username()},
                 detail=approval.decision_note, actor=approver)  # fmt: skip
    return approval


@transaction.atomic
def export_approval_use(*, approval_id: int, user, list_key: str, query: str) -> ExportApproval:
    """Spend an approval on the export it was granted for (once, by its requester, before it expires)."""
    approval = ExportApproval.objects.select_for_update().filter(pk=approval_id, requester=user).first()
    if approval is None or approval.list_key != list_key or approval.query != export_query_normalise(query):
        raise ValueError(_("This approval is for another export."))
    if approval.status != ExportApproval.Status.APPROVED:
        raise ValueError(_("This export is not approved (or the approval was used already)."))
    if approval.expires_at and approval.expires_at < timezone.now():
        raise ValueError(_("This approval has expired; ask again."))
    approval.status, approval.used_at = ExportApproval.Status.USED, timezone.now()
    approval.save(update_fields=["status", "used_at"])
    return approval
