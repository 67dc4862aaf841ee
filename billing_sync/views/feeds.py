"""Feed batch pages (数据批次) for managers: the batches with their counts, and one batch's report with its rejected
rows (paged, exportable as CSV)."""

from __future__ import annotations

import django_filters
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit.services import audit_export
from crm.ui.exports import MAX_EXPORT_ROWS, csv_response
from crm.ui.lists import Column, StaffListView

from ..models import FeedBatch

VIEW_PERMISSION = "accounts.view_billing_feeds"
REJECTIONS_PER_PAGE = 50


class FeedBatchFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FeedBatch.Kind.choices, label=gettext_lazy("kind"))
    status = django_filters.ChoiceFilter(choices=FeedBatch.Status.choices, label=gettext_lazy("status"))
    sender = django_filters.CharFilter(lookup_expr="iexact", label=gettext_lazy("sender"))
    batch = django_filters.CharFilter(
        field_name="client_batch_id", lookup_expr="icontains", label=gettext_lazy("batch id")
    )

    class Meta:
        model = FeedBatch
        fields: list[str] = []


def _duration(batch: FeedBatch) -> str:
    if batch.duration_ms is None:
        return ""
    return f"{batch.duration_ms / 1000:.1f} s" if batch.duration_ms >= 1000 else f"{batch.duration_ms} ms"


class FeedBatchListView(StaffListView):
    list_key = "billing-feed-batches"
    title = gettext_lazy("Billing feed batches")
    permission_required = VIEW_PERMISSION
    filterset_class = FeedBatchFilterSet
    default_sort = "-received_at"
    columns = [
        Column("received_at", gettext_lazy("received"), sort="received_at",
               link=lambda b: reverse("billing_feeds:detail", args=[b.pk])),
        Column("kind", gettext_lazy("kind"), sort="kind"),
        Column("client_batch_id", gettext_lazy("batch id"), sort="client_batch_id",
               link=lambda b: reverse("billing_feeds:detail", args=[b.pk])),
        Column("sender", gettext_lazy("sender"), sort="sender"),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("rows_received", gettext_lazy("rows"), sort="rows_received"),
        Column("rows_loaded", gettext_lazy("loaded"), sort="rows_loaded"),
        Column("rows_duplicate", gettext_lazy("already loaded"), sort="rows_duplicate"),
        Column("rows_rejected", gettext_lazy("rejected"), sort="rows_rejected"),
        Column("duration_ms", gettext_lazy("duration"), sort="duration_ms", value=_duration),
    ]  # fmt: skip

    def get_base_queryset(self):
        return FeedBatch.objects.all()


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def feed_batch_detail_view(request, pk: int):
    """One batch: its report and its rejected rows, 50 a page; ``?export=csv`` downloads all rejected rows."""
    batch = get_object_or_404(FeedBatch.objects.select_related("submitted_by"), pk=pk)
    rejections = batch.rejections.order_by("row_no", "id")
    can_export = request.user.has_perm("accounts.export_lists")
    if request.GET.get("export") == "csv":
        if not can_export:
            raise PermissionDenied(_("You may not export this list."))
        rows = [[r.row_no, r.record_key, r.field, r.code, r.reason] for r in rejections[:MAX_EXPORT_ROWS]]
        audit_export(list_name=f"billing-feed-rejections-{batch.pk}", row_count=len(rows), filters=f"batch={batch.pk}")
        header = [_("row"), _("record key"), _("field"), _("reason code"), _("reason")]
        return csv_response(f"feed-batch-{batch.pk}-rejections", request.user, header, rows)
    page = Paginator(rejections, REJECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing_sync/feeds/detail.html",
        {"batch": batch, "page": page, "duration": _duration(batch), "can_export": can_export},
    )
