"""Campaign pages (营销活动) for analysts: the list, a draft's form with a live audience preview (htmx), the detail page
with launch / cancel / finish, and the report — response and conversion by channel and segment, uplift against the
control group with its 95 % interval, the revenue effect, a chart — with its export (Excel, CSV)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.audit.services import audit_export
from crm.ui.exports import watermark

from .campaigns import selectors
from .campaigns.forms import CHANNEL_LABELS, CampaignForm, PreviewForm
from .campaigns.services import (
    CampaignError,
    campaign_cancel,
    campaign_create,
    campaign_finish,
    campaign_launch,
    campaign_update,
)
from .campaigns.tables import conversion_chart, effect_shown, members_table, report_tables
from .dashboards.files import tables_download
from .models import Campaign

PERMISSION = "accounts.run_campaigns"
EXPORT_PERMISSION = "accounts.export_lists"


def _campaign(pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("created_by").prefetch_related("offerings"), pk=pk)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def campaign_list(request):
    """Every campaign (or those of one status), newest first, with members, contacts, acceptances and uplift."""
    status = request.GET.get("status", "")
    if status not in Campaign.Status.values:
        status = ""
    rows = selectors.campaigns_with_figures(status=status)
    for _campaign_row, figures in rows:
        if figures.get("effect"):
            figures["shown"] = effect_shown(figures["effect"])
    context = {"rows": rows, "status": status, "statuses": Campaign.Status.choices}
    return render(request, "analytics/campaigns/list.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def campaign_new(request):
    today = timezone.localdate()
    initial = {
        "goal": Campaign.Goal.RETENTION,
        "code": selectors.campaign_code_suggest(Campaign.Goal.RETENTION, today),
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=30),
        "holdout_percent": 10,
        "budget": 0,
    }
    form = CampaignForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                offerings=list(form.cleaned_data["offerings"]),
                **form.fields_for_service(),
            )
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft campaign %(name)s saved.") % {"name": campaign.name})
            return redirect("analytics:campaign", campaign.pk)
    return render(request, "analytics/campaigns/form.html", {"form": form, "campaign": None})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def campaign_edit(request, pk: int):
    """A draft's form; a launched campaign keeps the definition its members were chosen by."""
    campaign = _campaign(pk)
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, _("Only a draft campaign can be changed."))
        return redirect("analytics:campaign", campaign.pk)
    form = CampaignForm(request.POST or None, instance=_campaign(pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_update(
                campaign=campaign,
                actor=request.user,
                offerings=list(form.cleaned_data["offerings"]),
                **form.fields_for_service(),
            )
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Campaign %(name)s saved.") % {"name": campaign.name})
            return redirect("analytics:campaign", campaign.pk)
    return render(request, "analytics/campaigns/form.html", {"form": form, "campaign": campaign})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def campaign_preview(request):
    """htmx fragment: the audience of the form's target as the analyst edits it (nothing is saved)."""
    form = PreviewForm(request.GET, user=request.user)
    args = form.preview_args()
    preview = selectors.campaign_audience_preview(**args)
    return render(request, "analytics/campaigns/_preview.html", _preview_context(preview, args["holdout_percent"]))


def _preview_context(preview: selectors.AudiencePreview, holdout_percent: int) -> dict:
    from customers.models import ServiceLevel

    levels = dict(ServiceLevel.choices)
    return {
        "preview": preview,
        "holdout_percent": holdout_percent,
        "within_cap": [{**r, "label": CHANNEL_LABELS.get(r["channel"], r["channel"])} for r in preview.within_cap],
        "by_level": [{**r, "label": levels.get(r["service_level"], r["service_level"])} for r in preview.by_level],
    }


@login_required
@permission_required(PERMISSION, raise_exception=True)
def campaign_detail(request, pk: int):
    """The campaign's definition and actions; once launched, its report."""
    campaign = _campaign(pk)
    context = {
        "campaign": campaign,
        "target": _target_display(campaign),
        "channels": [CHANNEL_LABELS.get(c, c) for c in campaign.channels],
        "can_export": request.user.has_perm(EXPORT_PERMISSION),
    }
    if campaign.status == Campaign.Status.DRAFT:
        preview = selectors.campaign_audience_preview(
            campaign.target or {}, holdout_percent=campaign.holdout_percent, channels=campaign.channels,
            goal=campaign.goal,
        )  # fmt: skip
        context.update(_preview_context(preview, campaign.holdout_percent))
    else:
        report = selectors.campaign_report(campaign)
        context.update(
            {
                "report": report,
                "shown": effect_shown(report.effect) if report.effect else None,
                "tables": report_tables(report)[1:],  # the summary is shown as figures
                "chart": conversion_chart(report),
            }
        )
    return render(request, "analytics/campaigns/detail.html", context)


def _post_action(request, pk: int, action, done: str):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        result = action(campaign=campaign, actor=request.user)
    except CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"name": campaign.name, "n": result if isinstance(result, int) else 0})
    return redirect("analytics:campaign", campaign.pk)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def campaign_launch_view(request, pk: int):
    return _post_action(request, pk, campaign_launch, _("Campaign %(name)s launched to %(n)s customers."))


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def campaign_cancel_view(request, pk: int):
    return _post_action(request, pk, campaign_cancel, _("Campaign %(name)s cancelled."))


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def campaign_finish_view(request, pk: int):
    return _post_action(request, pk, campaign_finish, _("Campaign %(name)s finished."))


@login_required
@permission_required(PERMISSION, raise_exception=True)
def campaign_report(request, pk: int):
    """``?export=xlsx`` (a workbook: summary, channels, segments, offers, members) or ``?export=csv`` (a zip of the
    same as CSV files, or one with ``&table=key``); without ``export``, the report on the campaign's page."""
    campaign = _campaign(pk)
    export = request.GET.get("export")
    if not export:
        return redirect(reverse("analytics:campaign", args=[campaign.pk]) + "#report")
    if export not in ("xlsx", "csv"):
        raise Http404
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404
    table_key = request.GET.get("table")
    tables = report_tables(selectors.campaign_report(campaign))
    if not table_key or table_key == "members":
        tables.append(members_table(campaign, request.user))
    if table_key:
        tables = [t for t in tables if t.key == table_key]
        if not tables:
            raise Http404
    mark = watermark(request.user)
    stamp = f"campaign-{campaign.code}"
    response = tables_download(tables, kind=export, table_key=table_key, stamp=stamp, watermark=mark)
    members = next((t for t in tables if t.key == "members"), None)
    audit_export(
        list_name=f"campaign:{campaign.code}" + (f":{table_key}" if table_key else ""),
        row_count=len(members.rows) if members else sum(len(t.rows) for t in tables),
        filters=request.GET.urlencode(),
        actor=request.user,
    )
    return response


# What the pages and files show ----------------------------------------------------------------------------------


def _target_display(campaign: Campaign) -> list[tuple[str, str]]:
    from crm.accounts.models import Region

    target = campaign.target or {}
    shown = []
    for key in ("churn_bands", "levels", "segments", "value_groups", "product_kinds"):
        field = CampaignForm.base_fields[key]
        if target.get(key):
            choices = dict(field.choices)
            shown.append((str(field.label), ", ".join(str(choices.get(v, v)) for v in target[key])))
    if target.get("regions"):
        names = Region.objects.filter(pk__in=target["regions"]).order_by("code").values_list("name", flat=True)
        shown.append((_("Regions"), ", ".join(names)))
    return shown
