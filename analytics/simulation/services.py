"""Writes of the offer simulation: create a proposal, start its simulation job for a month."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from analytics.models import AnalyticsJob
from analytics.models.jobs import JobKind
from analytics.models.simulation import OfferProposal
from analytics.services.jobs import job_start

from .takeup import DEFAULT_MIN_SAVING, DEFAULT_PROBABILITY


@transaction.atomic
def offer_proposal_create(*, actor, name: str, target: dict | None = None, **prices) -> OfferProposal:
    """Save a proposed tariff after validating its prices (non-negative) and discount (0–100 %)."""
    proposal = OfferProposal(name=name, target=target or {}, created_by=actor, **prices)
    proposal.full_clean()
    proposal.save()
    return proposal


def simulation_start(
    *,
    proposal: OfferProposal,
    month: datetime.date,
    actor,
    min_saving_percent: float = DEFAULT_MIN_SAVING,
    base_probability: float = DEFAULT_PROBABILITY,
    segment_probability: dict | None = None,
) -> AnalyticsJob:
    """Start (once per proposal and month) the job that re-rates ``month``'s usage under ``proposal``."""
    month = month.replace(day=1)
    if not 0 <= base_probability <= 1:
        raise ValidationError("base_probability must be between 0 and 1")
    last_day = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    params = {
        "proposal_id": proposal.pk,
        "month": month.isoformat(),
        "takeup": {
            "min_saving_percent": float(min_saving_percent),
            "base_probability": float(base_probability),
            "segment_probability": segment_probability or {},
        },
    }
    return job_start(
        kind=JobKind.SIMULATION,
        as_of=last_day,
        params=params,
        actor=actor,
        run_key=f"simulation:{proposal.pk}:{month.isoformat()}",
    )
