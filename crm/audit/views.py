"""The audit log page for managers and admins: search, sort, export, and the before/after of each entry.

Province-level viewers see every entry; a manager with a region sees the entries of actors in that region.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.ui.lists import Column, StaffListView

from .filtersets import AuditEntryFilterSet
from .selectors import audit_entries_visible_to


class AuditLogView(StaffListView):
    list_key = "audit"
    title = _("Audit log")
    permission_required = "accounts.view_audit_log"
    filterset_class = AuditEntryFilterSet
    default_sort = "-at"
    columns = [
        Column("at", _("Time"), sort="at", link=lambda e: reverse("audit:detail", args=[e.pk])),
        Column("actor_repr", _("Actor"), sort="actor_repr"),
        Column("action", _("Action"), sort="action"),
        Column("object_type", _("Object type"), sort="object_type"),
        Column("object_id", _("Object id")),
        Column("object_repr", _("Object")),
        Column("channel", _("Channel"), sort="channel"),
        Column("ip", _("Client IP")),
        Column("request_id", _("Request id")),
    ]

    def get_base_queryset(self):
        return audit_entries_visible_to(self.request.user)


@permission_required("accounts.view_audit_log", raise_exception=True)
def entry_detail(request, pk: int):
    entry = get_object_or_404(audit_entries_visible_to(request.user), pk=pk)
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = [
        (field, value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (field, "", value)
        for field, value in changes.items()
    ]
    return render(request, "audit/entry_detail.html", {"entry": entry, "change_rows": rows})
