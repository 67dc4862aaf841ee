"""Reads of the customer base dashboard beyond its aggregate tables: level ranks for up/down moves and the churn-risk
distribution of the newest scoring run (a grouped count, not a list)."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Count, F, IntegerField
from django.db.models.functions import Cast, Floor, Least
from django.urls import reverse

from analytics.churn.selectors import churn_latest_run
from analytics.models import ChurnScore
from analytics.models.scores import RiskBand
from customers.models import Customer, ServiceLevelThreshold

from ..base import Filters, region_filter


def level_ranks() -> dict[str, tuple[str, int]]:
    """(class, rank) of each level from the level table (服务等级标准): a move is up or down within a class only."""
    return {
        level: (customer_class, rank)
        for customer_class, level, rank in ServiceLevelThreshold.objects.values_list("customer_class", "level", "rank")
    }


def level_direction(from_level: str, to_level: str, ranks: dict[str, tuple[str, int]]) -> int:
    """+1 up, -1 down, 0 when the levels are not comparable (another class, or not in the level table)."""
    a, b = ranks.get(from_level), ranks.get(to_level)
    if a is None or b is None or a[0] != b[0] or a[1] == b[1]:
        return 0
    return 1 if b[1] > a[1] else -1


def churn_risk_distribution(filters: Filters, user) -> dict:
    """Active customers of the newest scoring run per region and band, and per probability decile (the population
    of the retention work list, 挽留工作台)."""
    latest = churn_latest_run()
    if latest is None:
        return {"as_of": None, "bands": {}, "deciles": [0] * 10}
    scores = region_filter(filters, user)(
        ChurnScore.objects.filter(as_of=latest[0], model_id=latest[1], customer__status=Customer.Status.ACTIVE)
    ).order_by()
    bands: dict[int | None, dict[str, int]] = defaultdict(dict)
    for row in scores.values("region_id", "band").annotate(n=Count("id")):
        bands[row["region_id"]][row["band"]] = row["n"]
    decile = Least(Cast(Floor(F("probability") * 10), IntegerField()), 9)
    deciles = [0] * 10
    for row in scores.annotate(decile=decile).values("decile").annotate(n=Count("id")):
        deciles[int(row["decile"])] += row["n"]
    return {"as_of": latest[0], "bands": dict(bands), "deciles": deciles}


def worklist_url(region_id: int | None) -> str:
    query = {"band": RiskBand.HIGH.value}
    if region_id is not None:
        query["region"] = str(region_id)
    return f"{reverse('analytics:churn_worklist')}?{urlencode(query)}"
