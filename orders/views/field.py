"""The technician's phone pages (装维): today's work, then on site: start, finish with the customer's signed receipt
(回单) and rating, and the report due within 24 hours."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from customers.privacy import mask_phone

from ..models import StepKind, WorkOrder
from ..selectors import work as selectors
from ..services import work
from .dispatch import SERVICE_ERRORS, label_cards, posted_version

FIELD = "accounts.work_field_orders"
SIGNATURE_PREFIX = "data:image/png;base64,"


class FinishForm(forms.Form):
    notes = forms.CharField(label=gettext_lazy("Work notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Customer's satisfaction"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Ask the customer for a rating from 1 to 5.")},
    )
    comment = forms.CharField(label=gettext_lazy("Customer's comment"), required=False, max_length=500)
    signature = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": gettext_lazy("The customer must sign on the pad.")},
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_signature(self):
        signature = self.cleaned_data["signature"]
        if not signature.startswith(SIGNATURE_PREFIX):
            raise forms.ValidationError(_("The customer must sign on the pad."))
        return signature


class MaterialForm(forms.Form):
    item = forms.CharField(label=gettext_lazy("Material"), required=False, max_length=80)
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), required=False, min_value=Decimal("0.01"), max_value=9999, decimal_places=2
    )

    def clean(self):
        data = super().clean()
        if data.get("item", "").strip() and data.get("quantity") is None:
            self.add_error("quantity", _("How many?"))
        if data.get("quantity") is not None and not data.get("item", "").strip():
            self.add_error("item", _("Which material?"))
        return data


MaterialFormSet = forms.formset_factory(MaterialForm, extra=3, max_num=20)


class ReportForm(forms.Form):
    report = forms.CharField(
        label=gettext_lazy("Installation / fault report"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


def _materials(formset) -> list[dict]:
    rows = []
    for form in formset:
        item, quantity = form.cleaned_data.get("item", "").strip(), form.cleaned_data.get("quantity")
        if item and quantity is not None:
            rows.append(
                {"item": item, "quantity": int(quantity) if quantity == quantity.to_integral() else float(quantity)}
            )
    return rows


def _phone(work_order: WorkOrder) -> str:
    return mask_phone(selectors.customer_phone(work_order))


@login_required
@permission_required(FIELD, raise_exception=True)
def field_list_view(request):
    cards = label_cards(selectors.field_work_of(request.user))
    for card in cards:
        card.phone = _phone(card.work_order)
    return render(request, "orders/field/list.html", {"cards": cards})


def _work_order(request, wo_no: str) -> WorkOrder:
    try:
        return selectors.field_work_order(request.user, wo_no)
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc


def _detail(request, work_order: WorkOrder, *, finish_form=None, materials=None, report_form=None):
    steps = list(work_order.steps.all())
    open_step = next((s for s in steps if s.state == "open"), None)
    field_step = open_step if open_step is not None and open_step.kind == StepKind.FIELD else None
    mine = work_order.technician_id in (None, request.user.pk)
    context = {
        "work_order": work_order,
        "card": label_cards([selectors.card_for(work_order, timezone.now())])[0],
        "phone": _phone(work_order),
        "steps": steps,
        "field_step": field_step,
        "can_start": mine and field_step is not None and work_order.state == WorkOrder.State.ASSIGNED,
        "can_finish": mine and field_step is not None and work_order.state == WorkOrder.State.IN_PROGRESS,
        "needs_report": work_order.technician_id == request.user.pk
        and work_order.finished_at is not None
        and work_order.reported_at is None,
        "finish_form": finish_form or FinishForm(initial={"version": work_order.version}),
        "materials": materials or MaterialFormSet(prefix="materials"),
        "report_form": report_form or ReportForm(initial={"version": work_order.version}),
    }
    return render(request, "orders/field/detail.html", context)


@login_required
@permission_required(FIELD, raise_exception=True)
def field_detail_view(request, wo_no: str):
    return _detail(request, _work_order(request, wo_no))


@require_POST
@login_required
@permission_required(FIELD, raise_exception=True)
def field_start_view(request, wo_no: str):
    work_order = _work_order(request, wo_no)
    try:
        work.field_start(work_order=work_order, technician=request.user, expected_version=posted_version(request))
    except SERVICE_ERRORS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Started on site."))
    return redirect("orders:field_detail", wo_no=wo_no)


@require_POST
@login_required
@permission_required(FIELD, raise_exception=True)
def field_finish_view(request, wo_no: str):
    work_order = _work_order(request, wo_no)
    form = FinishForm(request.POST)
    materials = MaterialFormSet(request.POST, prefix="materials")
    if form.is_valid() and materials.is_valid():
        data = form.cleaned_data
        try:
            work.field_finish(
                work_order=work_order,
                technician=request.user,
                signature=data["signature"],
                rating=data["rating"],
                comment=data["comment"],
                notes=data["notes"],
                materials=_materials(materials),
                expected_version=data["version"],
            )
        except ValueError as exc:  # the receipt itself is wrong: the technician corrects the form
            form.add_error(None, str(exc))
        except SERVICE_ERRORS as exc:  # not in a state to finish, or changed meanwhile: say so on its page
            messages.error(request, str(exc))
            return redirect("orders:field_detail", wo_no=wo_no)
        else:
            messages.success(request, _("Finished with the customer's receipt. Write the report now or later."))
            return redirect("orders:field_detail", wo_no=wo_no)
    return _detail(request, work_order, finish_form=form, materials=materials)


@require_POST
@login_required
@permission_required(FIELD, raise_exception=True)
def field_report_view(request, wo_no: str):
    work_order = _work_order(request, wo_no)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            work.field_report(work_order=work_order, technician=request.user, report=form.cleaned_data["report"],
                              expected_version=form.cleaned_data["version"])  # fmt: skip
        except ValueError as exc:
            form.add_error(None, str(exc))
        except SERVICE_ERRORS as exc:
            messages.error(request, str(exc))
            return redirect("orders:field_detail", wo_no=wo_no)
        else:
            messages.success(request, _("Report saved."))
            return redirect("orders:field_detail", wo_no=wo_no)
    return _detail(request, work_order, report_form=form)


urlpatterns = [
    path("field/", field_list_view, name="field_list"),
    path("field/<str:wo_no>/", field_detail_view, name="field_detail"),
    path("field/<str:wo_no>/start/", field_start_view, name="field_start"),
    path("field/<str:wo_no>/finish/", field_finish_view, name="field_finish"),
    path("field/<str:wo_no>/report/", field_report_view, name="field_report"),
]
