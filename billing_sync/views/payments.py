"""Payments at the counter (营业厅缴费): amount and method, a confirmation of what will be paid, then the receipt.

The form carries an idempotency key made when it is first shown, so a double click, a resubmitted confirmation or a
reload after posting all land on the one payment. Posting goes through ``payment_post``; reads through selectors."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import BillingAccount

from ..models import Payment
from ..selectors import customer as billing_selectors
from ..services.payments import PaymentRefused, payment_amount, payment_post

TAKE_PAYMENTS = "accounts.take_payments"
COUNTER_METHODS = [
    (Payment.Method.CASH.value, Payment.Method.CASH.label),
    (Payment.Method.BANK_CARD.value, Payment.Method.BANK_CARD.label),
    (Payment.Method.QR.value, Payment.Method.QR.label),
]


class CounterPaymentForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount (yuan)"), max_length=20)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=COUNTER_METHODS, widget=forms.RadioSelect)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, min_length=16, max_length=100)

    def clean_amount(self):
        try:
            return payment_amount(self.cleaned_data["amount"])
        except PaymentRefused as exc:
            raise forms.ValidationError(str(exc)) from None


def _account(request, account_no: str) -> BillingAccount:
    try:
        return billing_selectors.payable_account(request.user, account_no)
    except BillingAccount.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@permission_required(TAKE_PAYMENTS, raise_exception=True)
def payment_index(request):
    """The counter's start: find the payer by any number they bring, and the payments I took today."""
    query = request.GET.get("q", "").strip()[:64]
    found = billing_selectors.payer_search(request.user, query) if query else []
    today = billing_selectors.counter_payments_of_day(request.user)
    context = {
        "q": query,
        "found": found,
        "taken_today": today,
        "taken_total": sum((p.amount for p in today), start=billing_selectors.ZERO),
    }
    return render(request, "billing_sync/payments/index.html", context)


@login_required
@permission_required(TAKE_PAYMENTS, raise_exception=True)
def payment_new(request, account_no: str):
    """Step 1 the form, step 2 (``step=review``) what the payment will pay, step 3 (``step=confirm``) post it."""
    account = _account(request, account_no)
    bills = billing_selectors.open_bills(account)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step in ("review", "confirm"):
        form = CounterPaymentForm(request.POST)
    else:
        form = CounterPaymentForm(
            request.POST or None,
            initial={
                "amount": sum((b.outstanding for b in bills), start=billing_selectors.ZERO) or "",
                "method": Payment.Method.CASH,
                "idempotency_key": f"counter-{uuid.uuid4().hex}",
            },
        )
    context = {
        "account": account, "customer": account.customer, "bills": bills, "form": form, "today": timezone.localdate(),
    }  # fmt: skip
    if step in ("review", "confirm") and form.is_valid():
        data = form.cleaned_data
        if step == "confirm":
            try:
                payment, created = payment_post(
                    account=account, amount=data["amount"], channel=Payment.Channel.COUNTER, method=data["method"],
                    actor=request.user, idempotency_key=data["idempotency_key"],
                )  # fmt: skip
            except PaymentRefused as exc:
                form.add_error(None, str(exc))
                return render(request, "billing_sync/payments/new.html", context, status=422)
            if created:
                messages.success(request, _("Payment %(no)s posted.") % {"no": payment.payment_no})
            else:
                messages.info(request, _("Payment %(no)s was already posted; it was not taken twice.")
                              % {"no": payment.payment_no})  # fmt: skip
            return redirect("payments:receipt", payment_no=payment.payment_no)
        context["preview"] = billing_selectors.payment_preview(account, data["amount"], bills=bills)
        context["method_label"] = dict(COUNTER_METHODS)[data["method"]]
        return render(request, "billing_sync/payments/confirm.html", context)
    status = 422 if step in ("review", "confirm") else 200  # "edit" goes back to the form with what was typed
    return render(request, "billing_sync/payments/new.html", context, status=status)


@login_required
@permission_required(TAKE_PAYMENTS, raise_exception=True)
def payment_receipt(request, payment_no: str):
    """The printable receipt (缴费凭证): who took it when, the bills it paid, the account's balance and arrears."""
    try:
        payment = billing_selectors.payment_visible(request.user, payment_no)
    except Payment.DoesNotExist as exc:
        raise Http404 from exc
    context = {
        "payment": payment,
        "account": payment.account,
        "customer": payment.customer,
        "paid_bills": billing_selectors.receipt_bills(payment),
        "dunning_case": billing_selectors.dunning_resolved_by(payment),
    }
    return render(request, "billing_sync/payments/receipt.html", context)
