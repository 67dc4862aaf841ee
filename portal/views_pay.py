"""Online payment (在线交费) on the portal: choose one of my accounts and an amount, confirm, pay at the provider, see
the outcome.

The payment is started with ``billing_sync.services.online.online_payment_start`` and posted only when the provider's
verified notification approves it (through the counter's ``payment_post``, once per online payment), so these pages
never post anything themselves: coming back to the outcome page, or to the provider's page, changes nothing.

User-facing notes (for the README):

- **Pay** at /portal/pay/ (or the "Pay" button on the home page's balance card when something is owed): the account
  with arrears comes first, the amount is what its open bills still owe; any other amount is allowed (a top-up goes
  to the balance). The confirmation shows which bills the money pays, oldest due first, and what goes to the balance.
- The provider's page (with `make run`, the simulated provider: "Pay" or "Decline") sends the customer back to
  /portal/pay/<reference>/: paid (the bills paid and the new balance), declined ("try again") or still waiting.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from billing_sync.models import OnlinePayment
from billing_sync.providers import payment_provider
from billing_sync.selectors.customer import open_bills, payment_preview
from billing_sync.services.online import online_payment_start
from billing_sync.services.payments import PaymentRefused, payment_amount

from . import selectors
from .auth import portal_login_required

# The look of the portal's text inputs (static/css/portal.css styles inputs only).
SELECT_STYLE = "width:100%;font:inherit;padding:12px;border:2px solid #c7d0db;border-radius:8px;background:#fff"


class PayForm(forms.Form):
    """The account (one of the customer's, resolved through the selectors: another's is a 404) and the amount."""

    account = forms.CharField(
        label=_("Billing account"), max_length=32, widget=forms.Select(attrs={"style": SELECT_STYLE})
    )
    amount = forms.CharField(
        label=_("Amount (yuan)"), max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("What the open bills still owe; any other amount is allowed, what is left goes to the balance."),
    )  # fmt: skip

    def __init__(self, *args, summaries: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.choices = [(s.account.account_no, _account_label(s)) for s in summaries]

    def clean_amount(self) -> Decimal:
        try:
            return payment_amount(self.cleaned_data["amount"])
        except PaymentRefused as exc:
            raise forms.ValidationError(str(exc)) from None


def _account_label(summary) -> str:
    owed = _owed(summary)
    if owed:
        return gettext("%(account)s · owes ¥%(owed)s") % {"account": summary.account.account_no, "owed": owed}
    return gettext("%(account)s · balance ¥%(balance)s") % {
        "account": summary.account.account_no, "balance": summary.balance,
    }  # fmt: skip


def _owed(summary) -> Decimal:
    """What to suggest paying: everything still open on the account's bills (at least its arrears)."""
    return max(summary.outstanding, summary.arrears)


def _default(summaries: list):
    """The first account with arrears, else the first with open bills, else the first."""
    for test in (lambda s: s.arrears > 0, lambda s: s.outstanding > 0, lambda s: True):
        for summary in summaries:
            if test(summary):
                return summary
    return None


@portal_login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET, or POST without ``confirm``): account and amount; step 2: confirm → the provider's page."""
    me = request.portal_account
    summaries = selectors.portal_payable_summaries(me)
    chosen = request.GET.get("account")
    if chosen:
        selectors.portal_billing_account_get(me, chosen)  # another customer's account reads as not found
        summary = next((s for s in summaries if s.account.account_no == chosen), None)
    else:
        summary = _default(summaries)
    initial = {}
    if summary is not None:
        owed = _owed(summary)
        initial = {"account": summary.account.account_no, "amount": request.GET.get("amount") or (owed or "")}
    form = PayForm(request.POST or None, initial=initial, summaries=summaries)
    if request.method == "POST" and form.is_valid():
        account = selectors.portal_billing_account_get(me, form.cleaned_data["account"])
        amount = form.cleaned_data["amount"]
        if request.POST.get("confirm"):
            try:
                description = gettext("China Telecom account %(account)s") % {"account": account.account_no}
                online, url = online_payment_start(account=account, amount=amount, description=description)
            except PaymentRefused as exc:
                form.add_error(None, str(exc))
            else:
                back = reverse("portal:pay_outcome", args=[online.reference])
                return redirect(url + ("&" if "?" in url else "?") + urlencode({"next": back}))
        else:
            preview = payment_preview(account, amount, bills=open_bills(account))
            context = {"account": account, "amount": amount, "preview": preview}
            return render(request, "portal/pay/confirm.html", context)
    return render(request, "portal/pay/pay.html", {"form": form, "summaries": summaries})


@portal_login_required
def pay_outcome(request: HttpRequest, reference: str) -> HttpResponse:
    """What became of one of my online payments: waiting, paid (the bills paid, the new balance) or declined."""
    me = request.portal_account
    online = selectors.portal_online_payment_get(me, reference)
    context = {"online": online, "bills": [], "retry_url": "", "provider_url": ""}
    if online.state == OnlinePayment.State.CONFIRMED:
        context["bills"] = selectors.portal_payment_bills(me, online.payment)
    elif online.state == OnlinePayment.State.DECLINED:
        query = urlencode({"account": online.account.account_no, "amount": online.amount})
        context["retry_url"] = f"{reverse('portal:pay')}?{query}"
    else:
        url = payment_provider().start_url(reference=online.reference, amount=online.amount, description="")
        context["provider_url"] = url + ("&" if "?" in url else "?") + urlencode({"next": request.path})
    return render(request, "portal/pay/outcome.html", context)
