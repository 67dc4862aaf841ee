"""The prompt a clerk sees on the customer's 360 view when the customer is at the counter (柜台营销提示): the offers of
the running hall-prompt campaigns the customer is a targeted member of, with Accept and Decline. The 360 view loads
it after the page (htmx), so it adds nothing to the 360 view's own queries. The answer goes through
``campaign_respond`` (channel "hall_prompt"); an acceptance is an order taken at the counter by the clerk."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from analytics.campaigns import channels
from analytics.campaigns.services import CampaignError, campaign_respond
from analytics.models import CampaignMember
from customers.models import Customer
from customers.selectors import customers_visible_to

CHANNEL = "hall_prompt"
TEMPLATE = "analytics/campaign_channels/_prompt.html"


def _customer(request, customer_no: str) -> Customer:
    """A customer of the clerk's own scope (another region's is a 404: a guessed number reveals nothing)."""
    customer = customers_visible_to(request.user).filter(customer_no=customer_no.upper()).first()
    if customer is None:
        raise Http404
    return customer


@require_GET
@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def hall_prompt(request, customer_no: str):
    """htmx fragment: the customer's open campaign offers at the counter (empty when there is none)."""
    customer = _customer(request, customer_no)
    prompts = channels.campaign_prompts_for(customer, CHANNEL)
    return render(request, TEMPLATE, {"customer": customer, "prompts": prompts})


@require_POST
@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def hall_prompt_answer(request, customer_no: str, member_id: int):
    """htmx: record the customer's answer at the counter and show the prompt box again, with what happened."""
    customer = _customer(request, customer_no)
    member = channels.campaign_prompt_member(customer, member_id, CHANNEL)
    if member is None:
        raise Http404
    outcome = request.POST.get("outcome", "")
    result = {"member": member, "error": ""}
    if outcome not in (CampaignMember.Outcome.ACCEPTED, CampaignMember.Outcome.DECLINED):
        result["error"] = _("Choose what the customer answered.")
    else:
        offering = channels.offering_of(member, request.POST.get("offering"))
        try:
            result["member"] = campaign_respond(member=member, outcome=outcome, channel=CHANNEL, actor=request.user,
                                                offering=offering)  # fmt: skip
        except CampaignError as exc:
            result["error"] = str(exc)
    prompts = channels.campaign_prompts_for(customer, CHANNEL)
    return render(request, TEMPLATE, {"customer": customer, "prompts": prompts, "result": result})
