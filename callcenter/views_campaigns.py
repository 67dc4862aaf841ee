"""Campaign calls (营销外呼) on the agent's desk: the running outbound-call campaigns of the agent's region, the next
members to call, and the call page with the customer, the script, the offers and the response form. The response goes
through ``analytics.campaigns.services.campaign_respond`` (channel "outbound_call"), which asks the contact policy
again and turns an acceptance into an order."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.campaigns import channels
from analytics.campaigns.selectors import agent_call_list
from analytics.campaigns.services import CampaignError, campaign_respond
from analytics.models import Campaign, CampaignMember
from customers.privacy import mask_phone
from customers.selectors import preferred_phone

from . import selectors
from .views import AGENT, _perms_required

CHANNEL = "outbound_call"
CALL_OUTCOMES = [
    (value, label)
    for value, label in CampaignMember.Outcome.choices
    if value in ("accepted", "declined", "no_answer", "unreachable")
]


class CampaignCallForm(forms.Form):
    """What the customer answered, which offer they took (when the campaign has several) and a note."""

    outcome = forms.ChoiceField(label=gettext_lazy("answer"), choices=CALL_OUTCOMES, widget=forms.RadioSelect)
    offering = forms.ChoiceField(label=gettext_lazy("offer accepted"), required=False)
    note = forms.CharField(label=gettext_lazy("note"), max_length=300, required=False)

    def __init__(self, *args, member: CampaignMember, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        offers = list(member.campaign.offerings.all())
        self.fields["offering"].choices = [("", "—")] + [(str(o.pk), o.name) for o in offers]

    def clean(self):
        data = super().clean()
        offering = channels.offering_of(self.member, data.get("offering"))
        if data.get("outcome") == "accepted" and offering is None and len(self.fields["offering"].choices) > 2:
            self.add_error("offering", _("Choose which of the campaign's offers the customer accepted."))
        data["offering"] = offering
        return data


@_perms_required(AGENT)
def campaign_calls(request):
    """The running outbound-call campaigns with the calls left in the agent's region."""
    return render(request, "callcenter/campaigns/list.html", {"campaigns": channels.call_campaigns_for(request.user)})


@_perms_required(AGENT)
def campaign_calls_summary(request):
    """htmx fragment on the agent desktop: the running campaigns and their calls left (loaded after the page)."""
    campaigns = channels.call_campaigns_for(request.user)
    return render(request, "callcenter/campaigns/_summary.html", {"campaigns": campaigns})


@_perms_required(AGENT)
def campaign_call_list(request, pk: int):
    """The next members of one campaign to call (never the control group; the contact policy's cap applies)."""
    campaign = next((c for c in channels.call_campaigns_for(request.user) if c.pk == pk), None)
    if campaign is None:
        raise Http404
    members = agent_call_list(campaign, region_id=channels.call_region(request.user), limit=20)
    return render(request, "callcenter/campaigns/call_list.html", {"campaign": campaign, "members": members})


@_perms_required(AGENT)
def campaign_call(request, member_id: int):
    """The call: the customer, the campaign's script and offers, and the response form."""
    member = channels.call_member_for(request.user, member_id)
    if member is None:
        raise Http404
    form = CampaignCallForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            done = campaign_respond(member=member, outcome=form.cleaned_data["outcome"], channel=CHANNEL,
                                    actor=request.user, note=form.cleaned_data["note"],
                                    offering=form.cleaned_data["offering"])  # fmt: skip
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            if done.outcome == CampaignMember.Outcome.SUPPRESSED:
                messages.warning(request, _("Not contacted (contact policy): %(reason)s") % {"reason": done.note})
            elif done.order_id:
                messages.success(request, _("Accepted: order %(order)s.") % {"order": done.order.order_no})
            else:
                messages.success(request, _("The answer is recorded."))
            return redirect("callcenter:campaign_call", member_id=member.pk)
    customer = member.customer
    context = {
        "member": member,
        "campaign": member.campaign,
        "customer": customer,
        "masked_phone": mask_phone(preferred_phone(customer)),
        "products": selectors.live_products(customer),
        "churn": channels.latest_churn_score(customer),
        "offers": list(member.campaign.offerings.all()),
        "form": form,
        "running": member.campaign.status == Campaign.Status.LAUNCHED,
    }
    return render(request, "callcenter/campaigns/call.html", context)


urlpatterns = [
    path("", campaign_calls, name="campaign_calls"),
    path("summary/", campaign_calls_summary, name="campaign_calls_summary"),
    path("<int:pk>/", campaign_call_list, name="campaign_call_list"),
    path("calls/<int:member_id>/", campaign_call, name="campaign_call"),
]
