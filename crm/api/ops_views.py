"""Operator pages for API events: every delivery with its outcome, and a replay button for failed ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.ui.lists import Column, RowAction, StaffListView

from . import services
from .filtersets import EventDeliveryFilterSet
from .models import EventDelivery
from .selectors import event_deliveries


class EventDeliveryListView(StaffListView):
    list_key = "event-deliveries"
    title = gettext_lazy("Event deliveries")
    row_action = RowAction(
        gettext_lazy("Replay"), "api-ops:event_delivery_replay", gettext_lazy("Send this delivery again?")
    )
    permission_required = "accounts.manage_event_deliveries"
    filterset_class = EventDeliveryFilterSet
    default_sort = "-created_at"
    columns = [
        Column("created_at", gettext_lazy("created"), sort="created_at"),
        Column("event.event_type", gettext_lazy("event type"), sort="event__event_type"),
        Column("event.api_name", gettext_lazy("API")),
        Column("subscription.callback", gettext_lazy("callback")),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("attempts", gettext_lazy("attempts"), sort="attempts"),
        Column("last_status_code", gettext_lazy("last HTTP status")),
        Column("last_error", gettext_lazy("last error")),
        Column("next_attempt_at", gettext_lazy("next attempt")),
    ]

    def get_base_queryset(self):
        return event_deliveries()


@require_POST
@permission_required("accounts.manage_event_deliveries", raise_exception=True)
def event_delivery_replay_view(request, pk: int):
    try:
        services.event_delivery_replay(delivery_id=pk, actor=request.user)
    except EventDelivery.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("Delivery %(id)s queued again.") % {"id": pk})
    return redirect(reverse("api-ops:event_deliveries") + "?" + request.POST.get("query", "")[:2000])
