"""TMF678 customerBill and appliedCustomerBillingRate, TMF635 usage and TMF676 payment: read-only, scope billing:read.

Lists follow the crm/api conventions (offset/limit with X-Total-Count, ``fields=``, TMF630 filters, the TMF error
body) and are scoped to what the caller may see (API clients and province staff: everything; regional staff: their
region's customers). Usage lists always read a bounded window of the month-partitioned table: without
``usageDate.gte`` the last 31 days, and never more than 92 days; their X-Total-Count is capped (USAGE_COUNT_CAP).
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from crm.api.filters import _parse_datetime
from crm.api.pagination import TMFPagination
from crm.api.registry import register_api
from crm.api.views import TMFReadOnlyViewSet

from ..selectors.bills import (
    bill_items_visible_to,
    bills_visible_to,
    payments_visible_to,
    usage_visible_to,
    usage_window,
)
from ..services.payments import PAYMENT_API
from . import filtersets as f
from . import serializers as s

BILL_API = register_api(
    "customerBillManagement", title="TMF678 Customer Bill Management", read_scope="billing:read",
    write_scope="billing:feed",
)  # fmt: skip
USAGE_API = register_api(
    "usageManagement", title="TMF635 Usage Management", read_scope="billing:read", write_scope="billing:feed"
)
USAGE_COUNT_CAP = 10_000
KEY_PATTERN = r"[^/]+"


class CappedCountPagination(TMFPagination):
    """X-Total-Count counts at most USAGE_COUNT_CAP rows (a LIMITed count), so a busy number's month stays cheap;
    a total equal to the cap means "at least"; paging still goes on past it."""

    def count(self, queryset) -> int:
        return queryset[:USAGE_COUNT_CAP].count()

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        if not page and self.limit and self.total >= USAGE_COUNT_CAP:  # past a capped count: there may be more
            page = list(queryset[self.offset : self.offset + self.limit])
        return page


class CustomerBillViewSet(TMFReadOnlyViewSet):
    """Monthly bills (账单); retrieve by bill number."""

    read_scope, write_scope = BILL_API.read_scope, BILL_API.write_scope
    serializer_class = s.CustomerBillSerializer
    lookup_field = "bill_no"
    lookup_url_kwarg = "pk"
    lookup_value_regex = KEY_PATTERN
    tmf_filters = f.BILL_FILTERS

    def get_queryset(self):
        return bills_visible_to(self.request.user).order_by("-period_start", "-id")


class AppliedCustomerBillingRateViewSet(TMFReadOnlyViewSet):
    """The charges on bills (费用明细)."""

    read_scope, write_scope = BILL_API.read_scope, BILL_API.write_scope
    serializer_class = s.AppliedCustomerBillingRateSerializer
    tmf_filters = f.RATE_FILTERS

    def get_queryset(self):
        return bill_items_visible_to(self.request.user).order_by("-bill__period_start", "bill_id", "item_no")


class UsageViewSet(TMFReadOnlyViewSet):
    """Rated usage records (详单), newest first; retrieve by record key."""

    read_scope, write_scope = USAGE_API.read_scope, USAGE_API.write_scope
    serializer_class = s.UsageSerializer
    pagination_class = CappedCountPagination
    lookup_value_regex = KEY_PATTERN
    tmf_filters = f.USAGE_FILTERS

    def get_queryset(self):
        records = usage_visible_to(self.request.user).select_related("account")
        if self.action == "list":
            since, until = self._period()
            try:
                start, _end = usage_window(since, until, now=timezone.now())
            except ValueError as exc:
                raise ValidationError({"usageDate": str(exc)}) from exc
            records = records.filter(started_at__gte=start)
        return records.order_by("-started_at", "-id")

    def _period(self):
        params = self.request.query_params

        def bound(*names):
            for name in names:
                raw = params.get(name)
                if raw:
                    try:
                        return _parse_datetime(raw.split(",")[0].strip())
                    except ValueError as exc:
                        raise ValidationError({name: f"cannot read {raw!r}"}) from exc
            return None

        return bound("usageDate.gte", "usageDate.gt"), bound("usageDate.lte", "usageDate.lt")

    def get_object(self):
        # A record key is unique per start time; the newest record with the key answers.
        record = self.get_queryset().filter(record_key=self.kwargs["pk"]).first()
        if record is None:
            raise Http404
        self.check_object_permissions(self.request, record)
        return record


class PaymentViewSet(TMFReadOnlyViewSet):
    """Payments (缴费) taken by the CRM or reported by billing; retrieve by payment number."""

    read_scope, write_scope = PAYMENT_API.read_scope, PAYMENT_API.write_scope
    serializer_class = s.PaymentSerializer
    lookup_field = "payment_no"
    lookup_url_kwarg = "pk"
    lookup_value_regex = KEY_PATTERN
    tmf_filters = f.PAYMENT_FILTERS

    def get_queryset(self):
        return payments_visible_to(self.request.user).order_by("-paid_at", "-id")
