"""The 360 view of a customer (客户全息视图) and the audited reveal of personal data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Customer, PartyInteraction
from .privacy import mask_id_number, mask_phone


def _visible_customer(request, customer_no: str) -> Customer:
    try:
        return selectors.customer_360(request.user, customer_no)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@permission_required("accounts.search_customers", raise_exception=True)
def customer_view(request, customer_no: str):
    customer = _visible_customer(request, customer_no)
    party = customer.party
    contacts = list(party.contact_media.all())
    context = {
        "customer": customer,
        "party": party,
        "masked_identifier": mask_id_number(party.id_number) if party.id_number else party.credit_code,
        "phones": [mask_phone(c.value) for c in contacts if c.kind == "phone"],
        "addresses": [c.value for c in contacts if c.kind == "address"],
        "accounts": list(customer.accounts.all()),
        "can_reveal": request.user.has_perm("accounts.reveal_personal_data"),
        "timeline": selectors.customer_timeline(
            customer, channel=request.GET.get("channel", ""), interaction_type=request.GET.get("type", "")
        ),
        "channels": PartyInteraction.Channel.choices,
        "current_channel": request.GET.get("channel", ""),
    }
    return render(request, "customers/customer_360.html", context)


@require_POST
@login_required
def reveal_personal_data(request, customer_no: str):
    customer = _visible_customer(request, customer_no)
    try:
        revealed = services.personal_data_reveal(
            customer=customer, actor=request.user, purpose=request.POST.get("purpose", "")[:200]
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(request, "customers/_revealed.html", {"revealed": revealed})
