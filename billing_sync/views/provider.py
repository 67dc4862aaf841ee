"""The payment provider's side: the notification endpoint providers call, and the simulated provider's page.

The simulated page stands for the provider's own site: the payer confirms or declines, the page notifies the CRM the
way a provider does (a signed payload to the notification service) and sends the payer back."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import OnlinePayment
from ..providers import InvalidNotification, SimulatedProvider, payment_provider
from ..services.online import online_payment_notify


@csrf_exempt  # server to server; trusted by its signature, not a cookie
@require_POST
def provider_notify(request):
    """A provider's notification (form-encoded or JSON). 200 once applied (also when repeated), 400 if invalid."""
    payload = request.POST.dict()
    if not payload and request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return HttpResponseBadRequest("bad JSON")
    try:
        online = online_payment_notify(payload=payload)
    except InvalidNotification as exc:
        return JsonResponse({"code": "invalidNotification", "reason": str(exc), "status": "400"}, status=400)
    return JsonResponse({"reference": online.reference, "state": online.state})


def simulated_provider(request, reference: str):
    """The simulated provider's payment page: confirm or decline, then back to where the payer came from."""
    provider = payment_provider()
    if not isinstance(provider, SimulatedProvider) or not settings.CRM_SIMULATED_PAYMENTS:
        raise Http404
    online = OnlinePayment.objects.filter(reference=reference).select_related("account").first()
    if online is None:
        raise Http404
    back = request.GET.get("next") or request.POST.get("next") or "/portal/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/portal/"
    if request.method == "POST" and online.state == OnlinePayment.State.PENDING:
        approved = request.POST.get("decision") == "approve"
        payload = provider.notification(reference=online.reference, transaction_id=f"SIM{secrets.token_hex(8)}",
                                        approved=approved, amount=online.amount)  # fmt: skip
        online_payment_notify(payload=payload)
        return redirect(back)
    return render(request, "billing_sync/provider/simulated.html", {"online": online, "next": back})
