"""The offer-simulation job (模拟出账): params ``{proposal_id, month, takeup: {...}}``. Each chunk re-rates its target
customers' usage of the month under the proposal and replaces their ``SimulationResult`` rows; finish totals the
revenue change, gainers and losers and the expected take-up per segment into ``job.result``."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd

from analytics.jobs import JobSpec, register
from analytics.models import AnalyticsJob
from analytics.models.jobs import JobKind
from analytics.models.simulation import OfferProposal, SimulationResult

from .loader import usage_frame
from .rating import Tariff, rerate, round_half_up
from .takeup import segment_takeup


def job_month(job: AnalyticsJob) -> datetime.date:
    return datetime.date.fromisoformat(str(job.params["month"])).replace(day=1)


def run_chunk(job: AnalyticsJob, lo: int, hi: int) -> int:
    """Re-rate ``[lo, hi)`` and replace that range's results (delete-then-insert: a retry writes the same)."""
    proposal = OfferProposal.objects.get(pk=job.params["proposal_id"])
    frame = usage_frame(proposal.target or {}, job_month(job), lo=lo, hi=hi)
    SimulationResult.objects.filter(job=job, customer_id__gte=lo, customer_id__lt=hi).delete()
    if frame.empty:
        return 0
    out = rerate(frame, Tariff.from_proposal(proposal)).join(frame[["region_id", "segment"]])
    SimulationResult.objects.bulk_create(
        (
            SimulationResult(
                job=job,
                customer_id=int(pk),
                region_id=int(row.region_id),
                segment=str(row.segment)[:64],
                current_charge=Decimal(f"{row.current_charge:.2f}"),
                simulated_charge=Decimal(f"{row.simulated_charge:.2f}"),
                difference=Decimal(f"{row.difference:.2f}"),
                gains=bool(row.gains),
            )
            for pk, row in zip(out.index, out.itertuples(index=False), strict=True)
        ),
        batch_size=5000,
    )
    return len(out)


def results_frame(job: AnalyticsJob) -> pd.DataFrame:
    rows = SimulationResult.objects.filter(job=job).values_list(
        "segment", "current_charge", "simulated_charge", "difference"
    )
    frame = pd.DataFrame(list(rows), columns=["segment", "current_charge", "simulated_charge", "difference"])
    for column in ("current_charge", "simulated_charge", "difference"):
        frame[column] = frame[column].astype("float64")
    return frame


def summarise(frame: pd.DataFrame, params: dict) -> dict:
    """Totals and the per-segment take-up table of a finished run (pure: the frame is the job's results)."""
    takeup = segment_takeup(frame, params) if len(frame) else pd.DataFrame()
    return {
        "customers": len(frame),
        "current_total": round_half_up(float(frame["current_charge"].sum())) if len(frame) else 0.0,
        "simulated_total": round_half_up(float(frame["simulated_charge"].sum())) if len(frame) else 0.0,
        "revenue_change": round_half_up(float(frame["difference"].sum())) if len(frame) else 0.0,
        "gainers": int((frame["difference"] < 0).sum()) if len(frame) else 0,
        "losers": int((frame["difference"] > 0).sum()) if len(frame) else 0,
        "expected_takeup": round(float(takeup["expected_takeup"].sum()), 1) if len(takeup) else 0.0,
        "revenue_change_if_taken": round_half_up(float(takeup["revenue_change_if_taken"].sum()))
        if len(takeup)
        else 0.0,
        "segments": {
            (segment or "-"): {
                "customers": int(r.customers),
                "would_gain": int(r.would_gain),
                "expected_takeup": float(r.expected_takeup),
                "revenue_change_if_taken": float(r.revenue_change_if_taken),
            }
            for segment, r in takeup.iterrows()
        },
    }


def finish(job: AnalyticsJob) -> dict:
    """Total the run (the take-up rule's params come from ``job.params['takeup']``)."""
    return summarise(results_frame(job), job.params.get("takeup") or {})


SPEC = register(JobSpec(kind=JobKind.SIMULATION, run_chunk=run_chunk, finish=finish))
