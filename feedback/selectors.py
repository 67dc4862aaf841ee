"""Reads of the after-closure surveys: the satisfaction index (满意度指数) and the open care tasks of a region."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from crm.accounts.models import OrgUnit, Region
from crm.accounts.selectors import visibility_scope

from .models import CareTask, SurveyInvitation

GROUPS = ("region", "team", "product_kind")


@dataclass(frozen=True)
class IndexRow:
    """One line of the satisfaction index: answered surveys, satisfied ones and their share in percent."""

    key: object
    label: str
    answered: int
    satisfied: int
    index: Decimal | None

    @property
    def dissatisfied(self) -> int:
        return self.answered - self.satisfied


def satisfaction_percent(satisfied: int, answered: int) -> Decimal | None:
    """The satisfaction index (满意度指数): satisfied answers in percent of the answered surveys, one decimal. The one
    definition, used by this page and by the satisfaction dashboard's aggregate table."""
    return (Decimal(satisfied) * 100 / answered).quantize(Decimal("0.1")) if answered else None


def _product_kind_labels() -> dict[str, str]:
    from orders.models import ProductSpecification

    labels = {str(value): str(label) for value, label in ProductSpecification.Kind.choices}
    labels["bundle"] = _("Bundle")
    return labels


def satisfaction_index(
    *,
    since: datetime.datetime,
    until: datetime.datetime,
    group_by: str = "region",
    region: Region | int | None = None,
    user=None,
) -> list[IndexRow]:
    """Surveys answered in [since, until) per region, team or product kind; satisfied ones in percent, worst first."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    invitations = SurveyInvitation.objects.filter(
        status=SurveyInvitation.Status.ANSWERED, answered_at__gte=since, answered_at__lt=until
    )
    if user is not None:
        invitations = visibility_scope(user).filter(invitations)
    if region is not None:
        invitations = invitations.filter(region=region)
    field = {"region": "region_id", "team": "team_id", "product_kind": "product_kind"}[group_by]
    counts = (
        invitations.values(field)
        .annotate(answered=Count("id"), satisfied=Count("id", filter=Q(satisfied=True)))
        .order_by(field)
    )
    if group_by == "region":
        names = dict(Region.objects.filter(pk__in=[c[field] for c in counts]).values_list("pk", "name"))
    elif group_by == "team":
        names = dict(OrgUnit.objects.filter(pk__in=[c[field] for c in counts if c[field]]).values_list("pk", "name"))
    else:
        names = _product_kind_labels()
    rows = [
        IndexRow(
            key=c[field],
            label=names.get(c[field], c[field]) if c[field] not in (None, "") else _("(none)"),
            answered=c["answered"],
            satisfied=c["satisfied"],
            index=satisfaction_percent(c["satisfied"], c["answered"]),
        )
        for c in counts
    ]
    return sorted(rows, key=lambda r: (r.index if r.index is not None else Decimal(101), str(r.label)))


def satisfaction_total(rows: list[IndexRow]) -> IndexRow:
    answered = sum(r.answered for r in rows)
    satisfied = sum(r.satisfied for r in rows)
    return IndexRow(
        key=None, label="", answered=answered, satisfied=satisfied, index=satisfaction_percent(satisfied, answered)
    )


def care_tasks_open(user) -> QuerySet[CareTask]:
    """Open care tasks of the user's region (all regions for province staff), the most urgent first."""
    tasks = CareTask.objects.filter(state=CareTask.State.OPEN).select_related(
        "customer__party", "region", "assigned_to", "invitation__survey", "ticket"
    )
    return visibility_scope(user).filter(tasks).order_by("due_at", "id")
