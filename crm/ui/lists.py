"""The list page every app reuses: scoped queryset, filters, sortable columns, paging, saved filters, export.

    class AuditLogView(StaffListView):
        list_key = "audit"                      # saved filters and export file name
        title = _("Audit log")
        permission_required = "accounts.view_audit_log"
        filterset_class = AuditEntryFilterSet   # django-filter
        columns = [Column("at", _("Time"), sort="at"), Column("actor_repr", _("Actor"), sort="actor_repr"), ...]
        default_sort = "-at"

        def get_base_queryset(self):           # from a selector that applies the user's scope
            return audit_entries_visible_to(self.request.user)

Export (`?export=csv|xlsx`) needs `accounts.export_lists` (or ``export_permission``) and is audit-logged.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from crm.audit.services import audit_export

from . import services
from .exports import MAX_EXPORT_ROWS, csv_response, xlsx_response
from .models import SavedFilter

CONTROL_PARAMS = {"page", "sort", "export", "saved", "approval"}


@dataclass(frozen=True)
class Column:
    key: str  # attribute path on the row ("actor_repr", "region.name") or a callable's name
    label: str | Promise
    sort: str | None = None  # ORM ordering expression; None = not sortable
    value: Callable[[object], object] | None = None
    link: Callable[[object], str] | None = None

    def get(self, obj) -> object:
        if self.value is not None:
            return self.value(obj)
        value = obj
        for part in self.key.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        display = getattr(obj, f"get_{self.key}_display", None)
        if callable(display):
            return display()
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
        return value


@dataclass(frozen=True)
class RowAction:
    """A POST button on each row (e.g. replay, approve), with a confirmation question."""

    label: str | Promise
    url_name: str  # reversed with the row's pk
    confirm: str | Promise = ""


class StaffListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    template_name = "ui/list.html"
    paginate_by = 50
    list_key: str = ""
    title: str | Promise = ""
    columns: list[Column] = []
    filterset_class = None
    default_sort: str = "-pk"
    export_permission: str = "accounts.export_lists"
    permission_required: str | tuple = ()
    row_action: RowAction | None = None
    personal_data: bool = False  # rows show people: bulk exports need a manager's approval (批量导出审批)

    def get_permission_required(self):
        perms = self.permission_required
        return (perms,) if isinstance(perms, str) else tuple(perms)

    # Rows -----------------------------------------------------------------------------------------
    def get_base_queryset(self):
        raise NotImplementedError

    def filter_params(self):
        params = self.request.GET.copy()
        for name in CONTROL_PARAMS:
            params.pop(name, None)
        return params

    def get_queryset(self):
        queryset = self.get_base_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.filter_params(), queryset=queryset, request=self.request)
            queryset = self.filterset.qs if self.filterset.is_valid() else queryset.none()
        return queryset.order_by(*self.ordering_for(self.current_sort()))

    def current_sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        sortable = {c.key for c in self.columns if c.sort}
        return requested if requested.lstrip("-") in sortable else self.default_sort

    def ordering_for(self, sort: str) -> list[str]:
        by_key = {c.key: c.sort for c in self.columns if c.sort}
        key = sort.lstrip("-")
        if key in by_key:
            return [("-" if sort.startswith("-") else "") + by_key[key], "-pk" if sort.startswith("-") else "pk"]
        return [sort, "-pk"]

    # Export ---------------------------------------------------------------------------------------
    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in ("csv", "xlsx"):
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def can_export(self) -> bool:
        return self.request.user.has_perm(self.export_permission)

    def export(self, fmt: str):
        if not self.can_export():
            raise PermissionDenied(_("You may not export this list."))
        queryset = self.get_queryset()
        if self.needs_export_approval(queryset):
            return self.export_with_approval(fmt, queryset)
        return self.export_rows(fmt, queryset)

    def needs_export_approval(self, queryset) -> bool:
        if not self.personal_data or self.request.user.has_perm("accounts.approve_sensitive"):
            return False
        return (
            queryset[: settings.CRM_EXPORT_WITHOUT_APPROVAL_ROWS + 1].count()
            > settings.CRM_EXPORT_WITHOUT_APPROVAL_ROWS
        )

    def export_with_approval(self, fmt: str, queryset):
        query = self.filter_params().urlencode()
        approval_id = self.request.GET.get("approval", "")
        if approval_id.isdigit():
            try:
                services.export_approval_use(
                    approval_id=int(approval_id), user=self.request.user, list_key=self.list_key, query=query
                )
            except ValueError as exc:
                messages.error(self.request, str(exc))
            else:
                return self.export_rows(fmt, queryset)
        params = urlencode({"list": self.list_key, "path": self.request.path, "query": query, "format": fmt})
        return redirect(f"{reverse('ui:export_approval_request')}?{params}")

    def export_rows(self, fmt: str, queryset):
        # Rows are read before the export is audited, so the file is exactly what the audit entry describes.
        rows = [[c.get(obj) for c in self.columns] for obj in queryset[:MAX_EXPORT_ROWS].iterator(chunk_size=2000)]
        header = [str(c.label) for c in self.columns]
        audit_export(list_name=self.list_key, row_count=len(rows), filters=self.filter_params().urlencode())
        builder = csv_response if fmt == "csv" else xlsx_response
        return builder(self.list_key, self.request.user, header, rows)

    # Page -----------------------------------------------------------------------------------------
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.filter_params()
        pairs = [(k, v) for k, values in params.lists() for v in values]
        current = self.current_sort()
        headers = []
        for column in self.columns:
            next_sort = None
            if column.sort:
                next_sort = f"-{column.key}" if current == column.key else column.key
            direction = "asc" if current == column.key else "desc" if current == f"-{column.key}" else ""
            query = urlencode([*pairs, ("sort", next_sort)]) if next_sort else ""
            headers.append({"label": column.label, "sort_query": query, "direction": direction})
        base_query = params.urlencode()
        context.update(
            {
                "title": self.title,
                "list_key": self.list_key,
                "headers": headers,
                "rows": [
                    {
                        "cells": [(c.get(obj), c.link(obj) if c.link else "") for c in self.columns],
                        "action_url": reverse(self.row_action.url_name, args=[obj.pk]) if self.row_action else "",
                    }
                    for obj in context["object_list"]
                ],
                "row_action": self.row_action,
                "filterset": self.filterset,
                "filter_query": base_query,
                "sort_query": urlencode({"sort": current}),
                "can_export": self.can_export(),
                "saved_filters": SavedFilter.objects.filter(list_key=self.list_key)
                .filter(Q(owner=self.request.user) | Q(shared=True))
                .select_related("owner"),
                "total": context["paginator"].count if context.get("paginator") else len(context["object_list"]),
            }
        )
        return context


@require_POST
@login_required
def saved_filter_save_view(request, list_key: str):
    """POST name (+ shared) and the current query: saves the filters of a list for later (and for colleagues)."""
    back = _safe_next(request)
    try:
        saved = services.saved_filter_save(
            owner=request.user,
            list_key=list_key,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "on",
        )
    except ValueError:
        messages.error(request, _("Give the filter a name."))
        return redirect(back)
    messages.success(request, _("Saved the filter “%(name)s”.") % {"name": saved.name})
    return redirect(back)


@require_POST
@login_required
def saved_filter_delete_view(request, pk: int):
    """POST: deletes one of your own saved filters (others' shared filters are not yours to delete)."""
    try:
        saved = services.saved_filter_delete(owner=request.user, saved_filter_id=pk)
    except SavedFilter.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("Deleted the filter “%(name)s”.") % {"name": saved.name})
    return redirect(_safe_next(request))


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"
