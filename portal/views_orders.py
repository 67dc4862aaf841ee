"""Portal orders (网上受理) through the same intake service as the counter (``orders.services.intake.order_submit``,
channel "portal", no staff actor): the same checks, and a failed check shows as a form error.

User-facing notes (for the README):

- **My orders** (/portal/orders/): every order with its state; an open order whose work has not changed the
  subscription yet can be cancelled (with a confirmation).
- **New service** (/portal/orders/new/): a mobile plan from the portal catalog.
- **New installation** (/portal/orders/install/): broadband (FTTH), fixed line, IPTV or a bundle with them from the
  portal catalog, at a standard address (标准地址) picked by typing part of it (only the customer's own city is
  listed), with an optional preferred appointment. The counter's checks apply: an address without coverage or without
  a free port at its access point is refused with the reason. The order gets its installation work order as at the
  counter.
- **Move** (移机, /portal/products/<product>/move/) an installed broadband, fixed line or IPTV subscription (a bundled
  line moves with its bundle) to another standard address of the city, with the same picker and checks.
- **Value-added services** (/portal/vas/, 统一订购、查询、退订): the services on each line, subscribe and unsubscribe.
- **Change plan, suspend, resume** one of my subscriptions (/portal/products/<product>/<change|suspend|resume>/).
- The address search (/portal/orders/addresses/?address_q=...) answers the picker's htmx requests with ``<option>``s.

Each form carries an idempotency key made when it is shown, so sending it twice gives one order.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from orders.eligibility import INSTALL_KINDS, OrderRequest, kinds_of
from orders.models import OrderType, Product, ProductOffering
from orders.services import ServiceNumberTaken, intake
from orders.services.resources import NoFreePort

from . import selectors
from .auth import portal_login_required

CHANNEL = "portal"
# The order types on one subscription the portal offers (URL action → order type, and the states they apply to).
PRODUCT_ACTIONS = {
    "change": OrderType.CHANGE,
    "suspend": OrderType.SUSPEND,
    "resume": OrderType.RESUME,
    "vas-add": OrderType.VAS_ADD,
    "vas-remove": OrderType.VAS_REMOVE,
    "move": OrderType.MOVE,
}
ASKS_OFFERING = {OrderType.NEW, OrderType.CHANGE, OrderType.VAS_ADD}


class AddressSelect(forms.Select):
    """The address ``<select>`` the search fills (htmx); rendered with only the chosen address, never the region's
    thousands."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"data-testid": "address", **(attrs or {})})
        self.choices = [("", gettext_lazy("Type part of the address above, then choose it here."))]


class PortalOrderForm(forms.Form):
    """One portal order: the offering when the type needs one, the address (and a preferred appointment) for an
    installation or a move, and the key that makes a resubmit harmless."""

    offering = forms.ChoiceField(label=gettext_lazy("Offering"), required=False)
    address = forms.IntegerField(
        label=gettext_lazy("Installation address"), required=False, min_value=1, widget=AddressSelect
    )
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("Preferred appointment (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("The installer calls you to confirm the visit."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, offerings: list[ProductOffering] | None = None, account=None, **kwargs):
        """``account`` (the portal account) asks for a standard address of the customer's region."""
        super().__init__(*args, **kwargs)
        self.offerings = {o.code: o for o in offerings or []}
        self.account, self.address = account, None
        if offerings is None:
            del self.fields["offering"]
        else:
            self.fields["offering"].required = True
            self.fields["offering"].choices = [("", "—")] + [(o.code, o.name) for o in offerings]
        if account is None:
            del self.fields["address"], self.fields["appointment_at"]

    def clean_address(self) -> int:
        address_id = self.cleaned_data.get("address")
        if address_id is None:
            raise forms.ValidationError(_("Search for the address and choose it from the list."))
        try:
            self.address = selectors.portal_address_get(self.account, address_id)
        except Http404:
            raise forms.ValidationError(_("Choose an address from the list; this one is not in your city.")) from None
        self.fields["address"].widget.choices = [(self.address.pk, self.address.text)]
        return address_id

    def clean_appointment_at(self):
        when = self.cleaned_data.get("appointment_at")
        if when is not None and when <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return when

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"].strip()
        if not key.replace("-", "").isalnum():
            raise forms.ValidationError(_("The form has expired; open it again."))
        return key


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why (optional)"), required=False, max_length=200)


def _offerings_for(
    account, order_type: str, product: Product | None, *, install: bool = False
) -> list[ProductOffering] | None:
    """The portal catalog's offerings that fit the order type (None when the type takes no offering); a new service
    is either installed at an address (``install``) or not, and each has its own page."""
    if order_type not in ASKS_OFFERING:
        return None
    offerings = selectors.portal_catalog_offerings(account)
    if order_type == OrderType.VAS_ADD:
        return [o for o in offerings if kinds_of(o) == {"vas"}]
    if order_type == OrderType.NEW:
        kinds = {o.pk: kinds_of(o) for o in offerings}
        return [o for o in offerings if kinds[o.pk] - {"vas"} and bool(kinds[o.pk] & INSTALL_KINDS) == install]
    kind = product.specification.kind if product is not None and product.specification_id else None
    return [o for o in offerings if not o.is_bundle and kind in kinds_of(o) and o.pk != product.offering_id]


def _submit(request: HttpRequest, form: PortalOrderForm, order_type: str, product: Product | None):
    """The order through the counter's service, or None with the refusal as form errors."""
    account = request.portal_account
    data = form.cleaned_data
    req = OrderRequest(order_type=order_type, customer=account.customer, product=product, channel=CHANNEL)
    if "offering" in form.fields:
        req.offering = form.offerings[data["offering"]]
    if "address" in form.fields:
        req.address, req.appointment_at = form.address, data.get("appointment_at")
    req.idempotency_key = f"portal:{account.pk}:{data['idempotency_key']}"
    try:
        return intake.order_submit(request=req, actor=None)
    except intake.OrderRefused as exc:
        for check in exc.checks:
            form.add_error(None, check.reason)
    except (ServiceNumberTaken, NoFreePort, intake.OrderStateError, ValueError) as exc:
        form.add_error(None, str(exc))
    return None


def _take(
    request: HttpRequest, order_type: str, product: Product | None, template_context: dict, *, install: bool = False
) -> HttpResponse:
    """Show the order form and take the order; ``install`` (a new installation, a move) asks for the address."""
    account = request.portal_account
    offerings = _offerings_for(account, order_type, product, install=install)
    asks = {"offerings": offerings, "account": account if install else None}
    if request.method == "POST":
        form = PortalOrderForm(request.POST, **asks)
        if form.is_valid():
            order = _submit(request, form, order_type, product)
            if order is not None:
                messages.success(request, _("Order %(order)s submitted: %(state)s.")
                                 % {"order": order.order_no, "state": order.get_state_display()})  # fmt: skip
                if install:
                    messages.info(request, _("An installer will call you to agree the visit."))
                return redirect("portal:orders")
    else:
        form = PortalOrderForm(initial={"idempotency_key": uuid.uuid4().hex}, **asks)
    if order_type == OrderType.MOVE:
        form.fields["address"].label = _("Move to")
    context = {"form": form, "order_type": order_type, "type_label": OrderType(order_type).label, "product": product,
               "install": install}  # fmt: skip
    context.update(template_context)
    return render(request, "portal/orders/take.html", context)


@portal_login_required
def orders(request: HttpRequest) -> HttpResponse:
    """My orders, newest first, with their state (the last 100)."""
    mine = list(selectors.portal_orders(request.portal_account)[:100])
    return render(request, "portal/orders/list.html", {"orders": mine})


@portal_login_required
@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, order_no: str) -> HttpResponse:
    """Confirm, then cancel one of my open orders (the service refuses once the subscription has changed)."""
    order = selectors.portal_order_get(request.portal_account, order_no)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"].strip()
        reason = (
            _("Cancelled by the customer online: %(reason)s") % {"reason": reason}
            if reason
            else _("Cancelled by the customer online.")
        )
        try:
            intake.order_cancel(order=order, actor=None, reason=reason)
        except (ValueError, intake.OrderStateError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Order %(order)s cancelled.") % {"order": order.order_no})
        return redirect("portal:orders")
    return render(request, "portal/orders/cancel.html", {"order": order, "form": form})


@portal_login_required
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    """Apply for a new service from the portal catalog (the ones without an installation)."""
    return _take(request, OrderType.NEW, None, {})


@portal_login_required
@require_http_methods(["GET", "POST"])
def order_install(request: HttpRequest) -> HttpResponse:
    """Apply for broadband, fixed line, IPTV or a bundle with them, installed at a standard address."""
    return _take(request, OrderType.NEW, None, {}, install=True)


@portal_login_required
def addresses(request: HttpRequest) -> HttpResponse:
    """Standard addresses of the customer's city matching the typed text, as the picker's ``<option>``s (htmx)."""
    q = request.GET.get("address_q", "").strip()
    found = selectors.portal_addresses_matching(request.portal_account, q)
    return render(request, "portal/orders/_address_options.html", {"addresses": found, "q": q})


@portal_login_required
def vas(request: HttpRequest) -> HttpResponse:
    """My value-added services by line, with subscribe and unsubscribe (统一订购、查询、退订)."""
    account = request.portal_account
    services = selectors.portal_vas_products(account)
    lines = [p for p in selectors.portal_products(account) if p.specification_id and p.specification.kind != "vas"]
    for line in lines:
        line.services = [s for s in services if s.attached_to and s.attached_to == line.service_number]
        line.can_move = selectors.portal_can_move(line)
    unattached = [s for s in services if not any(s in line.services for line in lines)]
    return render(request, "portal/orders/vas.html", {"lines": lines, "unattached": unattached})


@portal_login_required
@require_http_methods(["GET", "POST"])
def product_order(request: HttpRequest, product_no: str, action: str) -> HttpResponse:
    """Change the plan, suspend, resume, move, add or remove a value-added service on one of my subscriptions."""
    if action not in PRODUCT_ACTIONS:
        raise Http404("Not found.")
    product = selectors.portal_product_get(request.portal_account, product_no)
    if action == "move":
        product = selectors.portal_move_subject(request.portal_account, product)
    return _take(request, PRODUCT_ACTIONS[action], product, {"action": action}, install=action == "move")
