"""Staff home per role and the global search."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import select_template

from crm.accounts.selectors import user_role
from crm.audit.selectors import actions_per_day, recent_activity

from . import search as search_registry

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
    return render(request, "ui/home.html", context)


@login_required
def search(request):
    query = request.GET.get("q", "").strip()
    results = search_registry.search_all(request.user, query)
    context = {"q": query, "results": results, "min_query": search_registry.MIN_QUERY}
    template = "ui/_search_results.html" if request.headers.get("HX-Request") else "ui/search.html"
    return render(request, template, context)
