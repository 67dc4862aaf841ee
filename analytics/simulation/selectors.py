"""Reads of the offer simulation: proposals, their runs, and a run's results scoped to the user's regions."""

from __future__ import annotations

from django.db.models import QuerySet

from analytics.models import AnalyticsJob
from analytics.models.jobs import JobKind
from analytics.models.simulation import OfferProposal, SimulationResult
from crm.accounts.selectors import visibility_scope

TOP = 50


def proposals() -> QuerySet[OfferProposal]:
    return OfferProposal.objects.select_related("created_by")


def proposal_runs(proposal: OfferProposal) -> QuerySet[AnalyticsJob]:
    return AnalyticsJob.objects.filter(kind=JobKind.SIMULATION, params__proposal_id=proposal.pk)


def simulation_results_visible_to(user, job: AnalyticsJob) -> QuerySet[SimulationResult]:
    """A run's per-customer rows in the user's region (and grid); all regions for province staff."""
    rows = SimulationResult.objects.filter(job=job).select_related("customer__party", "region")
    return visibility_scope(user).filter(rows, region_lookup="region_id", grid_lookup="customer__grid_id")


def top_gainers(user, job: AnalyticsJob, limit: int = TOP) -> list[SimulationResult]:
    """Who would save most (most negative difference)."""
    return list(simulation_results_visible_to(user, job).filter(difference__lt=0).order_by("difference", "pk")[:limit])


def top_losers(user, job: AnalyticsJob, limit: int = TOP) -> list[SimulationResult]:
    """Who would pay most extra."""
    return list(simulation_results_visible_to(user, job).filter(difference__gt=0).order_by("-difference", "pk")[:limit])
