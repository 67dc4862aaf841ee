"""Reads for the collection work lists (催缴工作台), always within the user's region."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.selectors import visibility_scope

from ..models import CollectionTask, CustomerBill, DunningCase
from ..models.dunning import LIVE_CASE_STATES

# Age buckets (账龄) by days overdue: key, label, first day, last day (None = no end). The one definition: the
# collection work lists and the arrears dashboard (analytics.dashboards.finance) both use it.
BUCKETS = [
    ("0-30", _("0–30 days"), 0, 30),
    ("31-60", _("31–60 days"), 31, 60),
    ("61-90", _("61–90 days"), 61, 90),
    ("91-180", _("91–180 days"), 91, 180),
    (">180", _("over 180 days"), 181, None),
]


def bucket_of(days: int) -> str:
    for key, _label, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return key
    return BUCKETS[0][0]


def bucket_condition(key: str, today: datetime.date) -> Q:
    """Cases whose days overdue fall in the bucket, as a condition on ``overdue_since``."""
    for bucket, _label, first, last in BUCKETS:
        if bucket == key:
            condition = Q(overdue_since__lte=today - datetime.timedelta(days=first))
            if last is not None:
                condition &= Q(overdue_since__gte=today - datetime.timedelta(days=last))
            return condition
    return Q(pk__in=[])


def cases_visible_to(user, *, live_only: bool = True) -> QuerySet[DunningCase]:
    """Dunning cases of the user's region (all regions for province staff), with the next open task's due time."""
    next_task = (
        CollectionTask.objects.filter(case_id=OuterRef("pk"), state=CollectionTask.State.OPEN)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    cases = DunningCase.objects.select_related("customer__party", "account", "region", "assigned_to").annotate(
        next_task_at=Subquery(next_task)
    )
    if live_only:
        cases = cases.filter(status__in=LIVE_CASE_STATES)
    return visibility_scope(user).filter(cases)


def bucket_totals(cases: QuerySet[DunningCase], today: datetime.date | None = None) -> list[dict]:
    """Count and arrears per age bucket of the given (already scoped and filtered) cases, in one query."""
    today = today or timezone.localdate()
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    aggregates = {}
    for key, _label, _first, _last in BUCKETS:
        condition = bucket_condition(key, today)
        aggregates[f"n_{key}"] = Count("pk", filter=condition)
        aggregates[f"s_{key}"] = Coalesce(Sum("arrears", filter=condition), zero)
    row = cases.order_by().aggregate(**aggregates)
    return [
        {"key": key, "label": label, "count": row[f"n_{key}"], "arrears": row[f"s_{key}"]}
        for key, label, _first, _last in BUCKETS
    ]


def tasks_visible_to(user) -> QuerySet[CollectionTask]:
    """Open collection tasks of the user's region (or assigned to them)."""
    tasks = CollectionTask.objects.filter(state=CollectionTask.State.OPEN).select_related(
        "case__account", "customer__party", "assigned_to", "region"
    )
    scope = visibility_scope(user)
    if scope.nothing:
        return tasks.none()
    if scope.all_regions:
        return tasks
    return tasks.filter(Q(region_id=scope.region_id) | Q(assigned_to=user))


def case_for(user, pk: int) -> DunningCase:
    """One case (live or closed) the user may see; DoesNotExist otherwise."""
    return cases_visible_to(user, live_only=False).get(pk=pk)


def task_for(user, pk: int) -> CollectionTask:
    return tasks_visible_to(user).get(pk=pk)


def open_bills(case: DunningCase) -> QuerySet[CustomerBill]:
    return (
        CustomerBill.objects.filter(account_id=case.account_id)
        .exclude(state=CustomerBill.State.SETTLED)
        .order_by("due_date", "id")
    )
