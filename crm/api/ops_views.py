"""Operator pages for API events: a per-system outbox (counts by status per downstream system, every delivery with
its outcome, the dead-letter list of failed ones) with replay of one delivery or of all failed ones of a system."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.ui.lists import Column, RowAction, StaffListView

from . import services
from .filtersets import EventDeliveryFilterSet
from .models import EventDelivery
from .selectors import event_deliveries

STATUSES = [s for s, _label in EventDelivery.Status.choices]


def outbox_deliveries():
    """Every delivery with its event, subscription and the downstream system it goes to (``system``)."""
    return event_deliveries().annotate(system=services.delivery_system())


def outbox_summary() -> list[dict]:
    """Per system: deliveries by status (one grouped query), the failed ones first, then by name."""
    rows = outbox_deliveries().order_by().values("system", "status").annotate(n=Count("pk"))
    systems: dict[str, dict] = {}
    for row in rows:
        entry = systems.setdefault(row["system"], {"system": row["system"], **dict.fromkeys(STATUSES, 0)})
        entry[row["status"]] = row["n"]
    for entry in systems.values():
        entry["total"] = sum(entry[s] for s in STATUSES)
        entry["failed_query"] = urlencode({"system": entry["system"], "status": EventDelivery.Status.FAILED})
        entry["all_query"] = urlencode({"system": entry["system"]})
    return sorted(systems.values(), key=lambda e: (-e["failed"], e["system"]))


class OutboxFilterSet(EventDeliveryFilterSet):
    system = django_filters.CharFilter(field_name="system", lookup_expr="exact", label=gettext_lazy("system"))

    class Meta(EventDeliveryFilterSet.Meta):
        fields = []


class EventDeliveryListView(StaffListView):
    list_key = "event-deliveries"
    title = gettext_lazy("Event outbox")
    template_name = "api/event_deliveries.html"
    row_action = RowAction(
        gettext_lazy("Replay"), "api-ops:event_delivery_replay", gettext_lazy("Send this delivery again?")
    )
    permission_required = "accounts.manage_event_deliveries"
    filterset_class = OutboxFilterSet
    default_sort = "-created_at"
    columns = [
        Column("created_at", gettext_lazy("created"), sort="created_at"),
        Column("system", gettext_lazy("system"), sort="system"),
        Column("event.event_type", gettext_lazy("event type"), sort="event__event_type"),
        Column("event.api_name", gettext_lazy("API")),
        Column("event_id", gettext_lazy("idempotency key")),
        Column("subscription.callback", gettext_lazy("callback")),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("attempts", gettext_lazy("attempts"), sort="attempts"),
        Column("last_status_code", gettext_lazy("last HTTP status")),
        Column("last_error", gettext_lazy("last error")),
        Column("next_attempt_at", gettext_lazy("next attempt")),
        Column("delivered_at", gettext_lazy("delivered")),
    ]

    def get_base_queryset(self):
        return outbox_deliveries()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["systems"] = outbox_summary()
        context["statuses"] = EventDelivery.Status.choices
        context["dead_letters"] = self.request.GET.get("status") == EventDelivery.Status.FAILED
        context["current_system"] = self.request.GET.get("system", "")
        return context


@require_POST
@permission_required("accounts.manage_event_deliveries", raise_exception=True)
def event_delivery_replay_view(request, pk: int):
    try:
        services.event_delivery_replay(delivery_id=pk, actor=request.user)
    except EventDelivery.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("Delivery %(id)s queued again.") % {"id": pk})
    return redirect(reverse("api-ops:event_deliveries") + "?" + request.POST.get("query", "")[:2000])


@require_POST
@permission_required("accounts.manage_event_deliveries", raise_exception=True)
def event_deliveries_replay_failed_view(request):
    """Replay every failed delivery of one system (after it is back up)."""
    system = request.POST.get("system", "").strip()[:150]
    if not system:
        raise Http404
    count = services.event_deliveries_replay_failed(system=system, actor=request.user)
    if count:
        messages.success(
            request, _("%(count)s failed deliveries to %(system)s queued again.") % {"count": count, "system": system}
        )
    else:
        messages.info(request, _("No failed deliveries to %(system)s.") % {"system": system})
    return redirect(reverse("api-ops:event_deliveries") + "?" + urlencode({"system": system}))
