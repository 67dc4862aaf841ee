"""Portal privacy page (/portal/privacy/): marketing consent per channel, who at the operator accessed my data
(their region and role, never their name) and the download of my personal data.

User-facing notes (for the README):

- **Marketing consent**: one switch per channel (SMS, outbound calls, e-mail, app notifications, offers in the
  online service hall). A channel switched off is a marketing opt-out (营销免打扰), the same one the counter and the
  hotline set and respect; service messages (bills, faults, orders) still come. A change is on the customer's
  timeline (channel "Web portal") and in the audit log.
- **Who accessed my data**: staff views of unmasked personal data, changes to the customer, their contacts and
  accounts, and cross-region lookups that found them, newest first, with the staff member's region and role.
- **Download my personal data**: a JSON file of the party, contact media, customer, accounts, subscriptions, orders,
  tickets, the last 12 bills, payments and interactions; or the same as a zip of CSV files, one per section, that
  Excel opens. Every download is in the audit log (an export, channel "Portal").
"""

from __future__ import annotations

import json

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from customers.models import MarketingChannel, PartyInteraction
from customers.services import marketing_opt_outs_set

from . import selectors_privacy
from .auth import portal_login_required
from .exports import sections_zip
from .services import PortalActor

ACCESS_PER_PAGE = 20


class ConsentForm(forms.Form):
    """The channels the customer allows marketing in; every other channel becomes an opt-out."""

    allowed = forms.MultipleChoiceField(
        label=gettext_lazy("Marketing I accept"),
        choices=MarketingChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _page(request: HttpRequest, form: ConsentForm) -> HttpResponse:
    account = request.portal_account
    page = Paginator(selectors_privacy.portal_access_log(account), ACCESS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "consent": selectors_privacy.portal_marketing_consent(account),
        "page": page,
        "rows": selectors_privacy.access_rows(page.object_list),
        "saved": request.GET.get("saved") == "1",
    }
    return render(request, "portal/privacy/privacy.html", context)


@never_cache
@portal_login_required
def privacy(request: HttpRequest) -> HttpResponse:
    account = request.portal_account
    allowed = [c.value for c in selectors_privacy.portal_marketing_consent(account) if c.allowed]
    return _page(request, ConsentForm(initial={"allowed": allowed}))


@require_POST
@portal_login_required
def consent(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    allowed = set(form.cleaned_data["allowed"])
    marketing_opt_outs_set(
        customer=request.portal_account.customer,
        channels=[value for value in MarketingChannel.values if value not in allowed],
        interaction_channel=PartyInteraction.Channel.PORTAL,
    )
    return redirect(reverse("portal:privacy") + "?saved=1")


@require_POST
@portal_login_required
def download(request: HttpRequest) -> HttpResponse:
    """My personal data as JSON, or (``format=zip``, in the form or the query) as a zip of one CSV per section."""
    account = request.portal_account
    as_zip = (request.POST.get("format") or request.GET.get("format")) == "zip"
    data = selectors_privacy.portal_personal_data(account)
    audit_record(
        action=AuditEntry.Action.EXPORT, obj=account.customer, object_repr=account.customer.customer_no,
        actor=PortalActor.of(account), detail=f"portal personal data download ({'zip of CSV' if as_zip else 'JSON'})",
        changes={
            "sections": {name: len(rows) for name, rows in data.items() if isinstance(rows, list)},
            "format": "zip" if as_zip else "json",
        },
    )  # fmt: skip
    name = f"my-data-{account.customer.customer_no}-{timezone.localdate():%Y%m%d}"
    if as_zip:
        content = sections_zip(data, comment=f"{account.customer.customer_no} {data.get('generated_at', '')}")
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    else:
        body = json.dumps(data, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    response["Cache-Control"] = "no-store"
    return response
