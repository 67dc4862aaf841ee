"""Staff home per role, the global search, and approvals of bulk exports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import select_template
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.selectors import user_role
from crm.audit.selectors import actions_per_day, recent_activity

from . import search as search_registry
from . import selectors, services
from .home_widgets import home_widgets

HOME_ROLES = {
    "hall_clerk",
    "call_agent",
    "dispatcher",
    "field_technician",
    "account_manager",
    "marketing_analyst",
    "manager",
    "admin",
    "api_client",
}


@login_required
def home(request):
    role = user_role(request.user) or "none"
    context = {"role": role, "recent_activity": recent_activity(request.user, limit=8)}
    if request.user.has_perm("accounts.view_audit_log"):
        context["activity_chart"] = actions_per_day(request.user, days=14)
    widgets = select_template([f"ui/home/{role}.html", "ui/home/none.html"]) if role in HOME_ROLES else None
    context["widgets_template"] = widgets.template.name if widgets else "ui/home/none.html"
    context["w"] = home_widgets(role, request.user) if role in HOME_ROLES else {}
    return render(request, "ui/home.html", context)


@login_required
def search(request):
    query = request.GET.get("q", "").strip()
    results = search_registry.search_all(request.user, query)
    context = {"q": query, "results": results, "min_query": search_registry.MIN_QUERY}
    template = "ui/_search_results.html" if request.headers.get("HX-Request") else "ui/search.html"
    return render(request, template, context)


# --- Bulk export approvals ----------------------------------------------------------------------------


@login_required
@permission_required("accounts.export_lists", raise_exception=True)
def export_approval_request(request):
    """Ask for a bulk export of personal data; the list page sends the user here when approval is needed."""
    source = request.POST if request.method == "POST" else request.GET
    list_key, query, fmt = source.get("list", "")[:64], source.get("query", "")[:2000], source.get("format", "xlsx")
    list_path = source.get("path", "")
    if not url_has_allowed_host_and_scheme(list_path, allowed_hosts={request.get_host()}) or not list_key:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.export_approval_request(
                requester=request.user, list_key=list_key, list_path=list_path, query=query, export_format=fmt,
                reason=request.POST.get("reason", ""), row_count=int(request.POST.get("rows") or 0),
            )  # fmt: skip
        except ValueError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your request was sent to the managers. You will find the download here."))
            return redirect("ui:export_approvals")
    context = {"list_key": list_key, "list_path": list_path, "query": query, "format": fmt, "error": error,
               "threshold": settings.CRM_EXPORT_WITHOUT_APPROVAL_ROWS}  # fmt: skip
    return render(request, "ui/export_approval_request.html", context)


@login_required
def export_approvals(request):
    """My export requests (with the download once approved) and, for managers, the requests to decide."""
    context = {
        "mine": selectors.export_requests_of(request.user)[:50],
        "to_decide": selectors.export_requests_to_decide(request.user)[:100]
        if request.user.has_perm("accounts.approve_sensitive")
        else [],
    }
    return render(request, "ui/export_approvals.html", context)


@require_POST
@login_required
@permission_required("accounts.approve_sensitive", raise_exception=True)
def export_approval_decide(request, pk: int):
    approval = get_object_or_404(selectors.export_requests_to_decide(request.user), pk=pk)
    try:
        services.export_approval_decide(
            approval_id=approval.pk, approver=request.user, approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("ui:export_approvals")
