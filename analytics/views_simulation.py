"""Offer simulation pages (优惠策略仿真): proposals, a form to define one, running one for a past month as an
analytics job, and a run's result (totals, take-up by segment, top gainers and losers in the user's regions, CSV)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from crm.audit.services import audit_export
from crm.ui.exports import safe_cell, watermark

from .models import AnalyticsJob
from .models.jobs import JobKind
from .models.simulation import OfferProposal
from .selectors import job_progress
from .services.jobs import JobAlreadyRunning
from .simulation import selectors
from .simulation.forms import OfferProposalForm, SimulationRunForm
from .simulation.services import offer_proposal_create, simulation_start

PERMISSION = "accounts.run_campaigns"
EXPORT_PERMISSION = "accounts.export_lists"


@login_required
@permission_required(PERMISSION, raise_exception=True)
def proposal_list(request):
    """Every proposal, newest first."""
    return render(request, "analytics/simulation/list.html", {"proposals": selectors.proposals()[:200]})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def proposal_create(request):
    form = OfferProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        prices = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "name"}
        proposal = offer_proposal_create(
            actor=request.user, name=form.cleaned_data["name"], target=form.target(), **prices
        )
        messages.success(request, _("Proposal %(name)s saved.") % {"name": proposal.name})
        return redirect("analytics:simulation_proposal", proposal.pk)
    return render(request, "analytics/simulation/form.html", {"form": form})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def proposal_detail(request, pk: int):
    """A proposal, its runs and the form to run it for a month (the job's progress is on the jobs page)."""
    proposal = get_object_or_404(OfferProposal, pk=pk)
    form = SimulationRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = simulation_start(
                proposal=proposal,
                month=form.cleaned_data["month"],
                actor=request.user,
                min_saving_percent=form.cleaned_data["min_saving_percent"],
                base_probability=form.cleaned_data["base_probability"],
            )
        except JobAlreadyRunning:
            form.add_error(None, _("A simulation is already pending or running; wait for it to finish."))
        else:
            messages.success(request, _("Simulation %(key)s started.") % {"key": job.run_key})
            return redirect("analytics:job", job.pk)
    runs = [(job, job_progress(job)) for job in selectors.proposal_runs(proposal)]
    return render(request, "analytics/simulation/detail.html", {"proposal": proposal, "form": form, "runs": runs})


def _simulation_job(pk: int) -> AnalyticsJob:
    job = get_object_or_404(AnalyticsJob, pk=pk, kind=JobKind.SIMULATION)
    return job


@login_required
@permission_required(PERMISSION, raise_exception=True)
def simulation_result(request, pk: int):
    """A run's totals, take-up by segment and the top 50 gainers and losers the user may see; ``?export=csv``."""
    job = _simulation_job(pk)
    proposal = OfferProposal.objects.filter(pk=job.params.get("proposal_id")).first()
    if request.GET.get("export") == "csv":
        return _csv(request, job)
    if request.GET.get("export"):
        raise Http404
    context = {
        "job": job,
        "proposal": proposal,
        "summary": job.result if job.status == "done" else None,
        "segments": sorted((job.result.get("segments") or {}).items()),
        "gainers": selectors.top_gainers(request.user, job),
        "losers": selectors.top_losers(request.user, job),
    }
    return render(request, "analytics/simulation/result.html", context)


def _csv(request, job: AnalyticsJob) -> HttpResponse:
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    rows = selectors.simulation_results_visible_to(request.user, job).order_by("customer_id")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([watermark(request.user)])
    writer.writerow(
        [_("customer"), _("region"), _("segment"), _("current bill"), _("simulated bill"), _("difference"), _("gains")]
    )
    count = 0
    for r in rows.iterator(chunk_size=2000):
        count += 1
        writer.writerow(
            [
                safe_cell(r.customer.customer_no),
                safe_cell(r.region.name),
                safe_cell(r.segment),
                r.current_charge,
                r.simulated_charge,
                r.difference,
                int(r.gains),
            ]
        )
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="simulation-{job.pk}.csv"'
    audit_export(list_name=f"simulation:{job.pk}", row_count=count, actor=request.user)
    return response
