"""Aggregate tables of the customer base dashboard (客户规模): ``customer_base_monthly`` and
``level_migration_monthly``; and the month helpers the monthly dashboards share."""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils.translation import gettext as _

from analytics.models import CustomerBaseMonthly, LevelMigrationMonthly
from crm.accounts.models import Region
from customers.models import Customer, ServiceLevelChange

from ..marts import MartSpec, register_mart

# --- Months -------------------------------------------------------------------------------------------------------


def month_starts(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    """The first days of the months touching [since, until], in order."""
    months, month = [], since.replace(day=1)
    while month <= until:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def region_names(ids) -> dict[int | None, str]:
    names: dict[int | None, str] = dict(
        Region.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name")
    )
    names[None] = _("(none)")
    return names


# --- Refreshers ---------------------------------------------------------------------------------------------------

DIMENSIONS = ("region_id", "customer_class", "service_level", "segment", "value_group", "activity_group")


def _customers_with_dates():
    """Customers (not prospects) with the day they joined (入网: ``since``, else when they were recorded) and, for the
    churned, the day their last product ended: the status says they left, the termination date says when."""
    from orders.models import Product

    last_end = (
        Product.objects.filter(customer=OuterRef("pk"))
        .values("customer")
        .annotate(last=Max("termination_date"))
        .values("last")
    )
    return (
        Customer.objects.exclude(status=Customer.Status.PROSPECT)
        .annotate(joined=Coalesce("since", TruncDate("created_at")), left=Subquery(last_end))
        .order_by()
    )


def _level_at(end: datetime.date):
    """The level a customer held at the end of a day, from the level changes (等级变更记录): the last change by then,
    else what the first later change moved them from, else today's level."""
    changes = ServiceLevelChange.objects.filter(customer=OuterRef("pk"))
    return Coalesce(
        Subquery(changes.filter(changed_at__date__lte=end).order_by("-changed_at", "-id").values("to_level")[:1]),
        Subquery(
            changes.filter(changed_at__date__gt=end).exclude(from_level="").order_by("changed_at", "id")
            .values("from_level")[:1]
        ),
        F("service_level"),
    )  # fmt: skip


def refresh_customer_base(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the months of [since, until]: customers at each month's end by their level then (from the level
    changes) and today's region, class, segment and groups (the customer table keeps no history of those), those
    who joined and those who left in the month."""
    CustomerBaseMonthly.objects.filter(month__gte=since.replace(day=1), month__lte=until).delete()
    churned = Customer.Status.CHURNED
    rows = []
    for month in month_starts(since, until):
        end = month_end(month)
        counts = (
            _customers_with_dates()
            .filter(joined__lte=end)
            .exclude(Q(status=churned) & (Q(left__isnull=True) | Q(left__lt=month)))
            .annotate(level_then=_level_at(end))
            .values(*(d if d != "service_level" else "level_then" for d in DIMENSIONS))
            .annotate(
                customers=Count("id", filter=~Q(status=churned) | Q(left__gt=end)),
                added=Count("id", filter=Q(joined__gte=month)),
                churned=Count("id", filter=Q(status=churned, left__gte=month, left__lte=end)),
            )
        )
        rows.extend(
            CustomerBaseMonthly(
                month=month,
                **{k: c[k] or "" for k in DIMENSIONS[1:] if k != "service_level"},
                service_level=c["level_then"] or "",
                region_id=c["region_id"],
                customers=c["customers"],
                added=c["added"],
                churned=c["churned"],
            )
            for c in counts
            if c["customers"] or c["added"] or c["churned"]
        )
    CustomerBaseMonthly.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def refresh_level_migration(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the months of [since, until] from the level changes: customers per month, region, from → to. A first
    level (no "from") is not a move and is left out."""
    first = since.replace(day=1)
    LevelMigrationMonthly.objects.filter(month__gte=first, month__lte=until).delete()
    counts = (
        ServiceLevelChange.objects.filter(changed_at__date__gte=first, changed_at__date__lte=month_end(until))
        .exclude(from_level="")
        .exclude(from_level=F("to_level"))
        .annotate(month=TruncMonth("changed_at"))
        .values("month", "customer__region_id", "from_level", "to_level")
        .annotate(customers=Count("customer_id", distinct=True))
        .order_by()
    )
    rows = [
        LevelMigrationMonthly(
            month=_as_date(c["month"]),
            region_id=c["customer__region_id"],
            from_level=c["from_level"],
            to_level=c["to_level"],
            customers=c["customers"],
        )
        for c in counts
    ]
    LevelMigrationMonthly.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


register_mart(MartSpec(name="customer_base_monthly", refresh=refresh_customer_base, monthly=True, default_days=31))
register_mart(MartSpec(name="level_migration_monthly", refresh=refresh_level_migration, monthly=True, default_days=31))
