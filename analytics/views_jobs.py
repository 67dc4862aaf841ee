"""The analytics jobs page (分析作业): every run with its progress and ETA, starting a job on demand, and the model
registry with each version's quality, where a manager promotes the version scoring uses."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .models import AnalyticsJob, ModelVersion
from .models.jobs import JobKind
from .selectors import job_progress, jobs_recent, model_versions
from .services import jobs, registry

VIEW_PERMISSION = "accounts.view_dashboards"
# Marketing analysts start the jobs they work with; managers (manage_analytics_models) any of them.
START_PERMISSIONS = ("accounts.run_campaigns", "accounts.manage_analytics_models")
JOBS_PER_PAGE = 25


def _may_start(user) -> bool:
    return any(user.has_perm(p) for p in START_PERMISSIONS)


class JobStartForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Job"), choices=JobKind.choices)
    as_of = forms.DateField(
        label=gettext_lazy("Cut-off date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("The cut-off date cannot be in the future."))
        return as_of


def _rows(page) -> list[tuple[AnalyticsJob, object]]:
    return [(job, job_progress(job)) for job in page]


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def job_list(request):
    """Jobs, newest first, with progress; a form to start one for those allowed."""
    form = JobStartForm(request.POST or None) if _may_start(request.user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                job = jobs.job_start(
                    kind=form.cleaned_data["kind"], as_of=form.cleaned_data["as_of"], actor=request.user
                )
            except jobs.JobAlreadyRunning:
                form.add_error("kind", _("A job of this kind is already pending or running; wait for it to finish."))
            else:
                messages.success(request, _("Job %(key)s started.") % {"key": job.run_key})
                return redirect("analytics:job", job.pk)
    page = Paginator(jobs_recent(), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    live = any(job.status in ("pending", "running") for job in page)
    template = "analytics/jobs/_table.html" if request.headers.get("HX-Request") else "analytics/jobs/list.html"
    return render(request, template, {"page": page, "rows": _rows(page), "form": form, "live": live})


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def job_detail(request, pk: int):
    """One job: progress (polled while it runs), chunks, result summary, error; resume when it failed."""
    job = get_object_or_404(AnalyticsJob, pk=pk)
    chunks = Paginator(job.chunks.order_by("seq"), 100).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "progress": job_progress(job),
        "chunks": chunks,
        "summary": {k: v for k, v in job.result.items() if not k.startswith("_")},
        "may_start": _may_start(request.user),
    }
    template = "analytics/jobs/_progress.html" if request.headers.get("HX-Request") else "analytics/jobs/detail.html"
    return render(request, template, context)


@login_required
@require_POST
def job_resume(request, pk: int):
    if not _may_start(request.user):
        raise PermissionDenied
    job = get_object_or_404(AnalyticsJob, pk=pk)
    jobs.job_resume(job.pk)
    messages.success(request, _("Job %(key)s resumed: its missing chunks run again.") % {"key": job.run_key})
    return redirect("analytics:job", job.pk)


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def model_list(request):
    """The model registry: per kind, every version with its training period and quality; promote a candidate."""
    kind = request.GET.get("kind") or ""
    versions = list(model_versions(kind or None)[:200])
    return render(
        request,
        "analytics/jobs/models.html",
        {
            "versions": versions,
            "kind": kind,
            "kinds": ModelVersion._meta.get_field("kind").choices,
            "may_promote": request.user.has_perm("accounts.manage_analytics_models"),
        },
    )


@login_required
@require_POST
@permission_required("accounts.manage_analytics_models", raise_exception=True)
def model_promote(request, pk: int):
    version = get_object_or_404(ModelVersion, pk=pk)
    registry.model_version_promote(version=version, actor=request.user)
    messages.success(request, _("%(model)s is now in use.") % {"model": version})
    return redirect(f"{reverse('analytics:models')}?kind={version.kind}")
