"""The counter (营业厅受理): pick the customer and the order type, fill the guided form, see the checks, the fees
and the next-best offers, submit, let the customer sign, print the confirmation; the order list and its page,
cancelling, and the second staff member's check (双人复核)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts.selectors import staff_profile
from crm.ui.lists import Column, StaffListView
from customers.models import Customer
from customers.privacy import mask_id_number
from customers.selectors import customers_visible_to

from .. import selectors
from ..eligibility import OrderRequest, needs_install, order_checks
from ..filtersets import OrderFilterSet
from ..forms import FIELDS_BY_TYPE, OrderForm
from ..models import OrderType, Product, ProductOffering, ProductOrder, SalesChannel
from ..services import ServiceNumberTaken, intake
from ..services.resources import NoFreePort

ORDER_NO = r"(?P<order_no>D\d{8,20})"
# The order types offered on each subscription, by its state.
PRODUCT_ACTIONS = {
    "active": ("change", "move", "suspend", "vas_add", "transfer", "terminate", "port_out"),
    "suspended": ("resume", "move", "transfer", "terminate", "port_out"),
}


def _customer(request, customer_no: str) -> Customer:
    try:
        return customers_visible_to(request.user).select_related("party", "region").get(customer_no=customer_no.upper())
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def _order(request, order_no: str) -> ProductOrder:
    try:
        return selectors.order_for_user(request.user, order_no)
    except ProductOrder.DoesNotExist as exc:
        raise Http404 from exc


# --- Choosing the customer and the order type -------------------------------------------------------------------


@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def order_new(request):
    customer_no = request.GET.get("customer", "").strip()
    if customer_no:
        return redirect("orders:new_for", customer_no=customer_no.upper())
    return render(request, "orders/counter/new.html", {})


@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def pick_customers(request):
    """Customers matching the typed text (name, number, phone, ID), masked, for the new-order page."""
    from customers.privacy import mask_phone
    from customers.selectors import customer_search

    query = request.GET.get("q", "").strip()
    customers = customer_search(request.user, query, limit=10) if len(query) >= 2 else []
    hits = [
        (c, mask_id_number(c.party.id_number) or c.party.credit_code,
         mask_phone(next((m.value for m in c.party.contact_media.all() if m.kind == "phone"), "")))
        for c in customers
    ]  # fmt: skip
    return render(request, "orders/counter/_customer_hits.html", {"hits": hits, "q": query})


@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def order_types(request, customer_no: str):
    customer = _customer(request, customer_no)
    products = [(p, PRODUCT_ACTIONS.get(p.status, ())) for p in selectors.live_products_of(customer)]
    return render(request, "orders/counter/types.html", {
        "customer": customer, "products": products, "order_types": OrderType.choices,
        "open_orders": [o for o in selectors.orders_of_customer(customer) if o.is_open],
        "masked_id": mask_id_number(customer.party.id_number) or customer.party.credit_code,
    })  # fmt: skip


# --- The guided form --------------------------------------------------------------------------------------------


def _resolve(request, customer: Customer, form: OrderForm) -> OrderRequest | None:
    """The form's references as objects; unknown ones become form errors."""
    data = form.cleaned_data
    req = OrderRequest(order_type=form.order_type, customer=customer)
    if data.get("offering"):
        req.offering = ProductOffering.objects.filter(pk=data["offering"]).select_related("specification").first()
        if req.offering is None:
            form.add_error("offering", _("Unknown offering."))
    if data.get("product"):
        req.product = (
            Product.objects.filter(pk=data["product"], customer=customer).select_related("specification").first()
        )
        if req.product is None:
            form.add_error("product", _("Choose one of the customer's subscriptions."))
    if data.get("address"):
        req.address = selectors.addresses_matching_id(request.user, data["address"])
        if req.address is None:
            form.add_error("address", _("Unknown address in your region."))
    if data.get("new_owner"):
        req.new_owner = customers_visible_to(request.user).filter(customer_no=data["new_owner"].strip().upper()).first()
        if req.new_owner is None:
            form.add_error("new_owner", _("No customer with this number in your region."))
    if form.errors:
        return None
    profile = staff_profile(request.user)
    outlet = profile.org_unit if profile and profile.org_unit_id else None
    channel = outlet.kind if outlet and outlet.kind in SalesChannel.values else SalesChannel.OWN_HALL
    req.channel, req.outlet_id = channel, outlet.pk if outlet else None
    req.service_number = data.get("service_number") or ""
    req.presented_id = data.get("presented_id") or ""
    req.appointment_at = data.get("appointment_at")
    req.payment_method = data.get("payment_method") or ""
    req.description = data.get("description") or ""
    req.override_reason = data.get("override_reason") or ""
    key = data.get("idempotency_key") or ""
    req.idempotency_key = f"ui:{request.user.pk}:{key}" if key else ""
    return req


@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def order_take(request, customer_no: str, order_type: str):
    if order_type not in OrderType.values:
        raise Http404
    customer = _customer(request, customer_no)
    initial = {"product": request.GET.get("product") or None}
    form = OrderForm(request.POST or None, order_type=order_type, initial=initial)
    context = {"customer": customer, "form": form, "order_type": order_type, "asked": FIELDS_BY_TYPE[order_type],
               "type_label": OrderType(order_type).label, "products": selectors.live_products_of(customer),
               "offers": selectors.next_best_offers(customer) if order_type in ("new", "change") else [],
               "offerings": _offerings(customer, order_type, ""),
               "can_override": request.user.has_perm("accounts.override_arrears")}  # fmt: skip
    if request.method == "POST" and form.is_valid():
        req = _resolve(request, customer, form)
        if req is not None and request.POST.get("action") == "check":
            context.update(_check_context(req))
            return render(request, "orders/counter/_checks.html", context)
        if req is not None:
            try:
                order = intake.order_submit(request=req, actor=request.user,
                                            override_arrears=form.cleaned_data["override_arrears"])  # fmt: skip
            except intake.OrderRefused as exc:
                context.update(_check_context(req))
                context["refused"] = exc.checks
            except (ServiceNumberTaken, NoFreePort, intake.OrderStateError, ValueError) as exc:
                form.add_error(None, str(exc))
            else:
                if order.awaiting_second_check:
                    messages.info(request, _("Order %(order)s waits for a second staff member's check.")
                                  % {"order": order.order_no})  # fmt: skip
                else:
                    messages.success(request, _("Order %(order)s submitted.") % {"order": order.order_no})
                return redirect("orders:detail", order_no=order.order_no)
    if request.POST and form.is_valid() and "selected_offering" not in context:
        context["selected_offering"] = form.cleaned_data.get("offering")
    return render(request, "orders/counter/take.html", context)


def _check_context(req: OrderRequest) -> dict:
    checks = order_checks(req)
    fee = intake.one_off_fee(req.offering) if req.order_type in ("new", "port_in", "change", "move") else 0
    return {"checks": checks, "fee": fee, "needs_install": needs_install(req), "checked": True,
            "arrears_failed": any(c.code == "arrears" and not c.ok for c in checks)}  # fmt: skip


def _offerings(customer: Customer, order_type: str, query: str) -> list[ProductOffering]:
    offerings = selectors.offerings_sellable(customer_class=customer.customer_class, query=query, limit=200)
    if order_type == OrderType.VAS_ADD:
        wanted = [o for o in offerings if o.specification_id and o.specification.kind == "vas"]
    elif order_type == OrderType.PORT_IN:
        wanted = [o for o in offerings if o.specification_id and o.specification.kind == "mobile"]
    else:
        wanted = [o for o in offerings if not (o.specification_id and o.specification.kind == "vas")]
    return wanted[:30]


@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def pick_offerings(request, customer_no: str, order_type: str):
    customer = _customer(request, customer_no)
    offerings = _offerings(customer, order_type, request.GET.get("offering_q", ""))
    return render(request, "orders/counter/_offering_options.html", {"offerings": offerings})


@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def pick_addresses(request):
    addresses = selectors.addresses_matching(request.user, request.GET.get("address_q", ""))
    return render(request, "orders/counter/_address_options.html", {"addresses": addresses})


# --- The order page, signature, printing, cancelling ----------------------------------------------------------


@login_required
@permission_required("accounts.search_customers", raise_exception=True)
def order_detail(request, order_no: str):
    order = _order(request, order_no)
    return render(request, "orders/counter/detail.html", {
        "order": order, "work_orders": list(order.work_orders.all()),
        "can_cancel": order.is_open and request.user.has_perm("accounts.take_orders"),
        "can_sign": not order.signed_at and request.user.has_perm("accounts.take_orders")
        and order.state not in ("cancelled", "rejected"),
    })  # fmt: skip


@login_required
@permission_required("accounts.search_customers", raise_exception=True)
def order_print(request, order_no: str):
    order = _order(request, order_no)
    return render(request, "orders/counter/print.html", {"order": order, "masked_id": mask_id_number(
        order.customer.party.id_number) or order.customer.party.credit_code})  # fmt: skip


@require_POST
@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def order_sign(request, order_no: str):
    order = _order(request, order_no)
    try:
        intake.order_sign(order=order, signature=request.POST.get("signature", ""))
    except (ValueError, intake.OrderStateError) as exc:
        messages.error(request, str(exc) if str(exc) else _("Ask the customer to sign in the box."))
    else:
        messages.success(request, _("Signed. You can print the confirmation now."))
    return redirect("orders:detail", order_no=order.order_no)


@require_POST
@login_required
@permission_required("accounts.take_orders", raise_exception=True)
def order_cancel(request, order_no: str):
    order = _order(request, order_no)
    try:
        intake.order_cancel(order=order, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValueError, intake.OrderStateError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Order %(order)s cancelled.") % {"order": order.order_no})
    return redirect("orders:detail", order_no=order.order_no)


# --- Second checks (双人复核) ------------------------------------------------------------------------------------


@login_required
@permission_required("accounts.approve_sensitive", raise_exception=True)
def second_checks(request):
    orders = list(selectors.awaiting_second_check(request.user)[:100])
    return render(request, "orders/counter/second_checks.html", {"orders": orders})


@require_POST
@login_required
@permission_required("accounts.approve_sensitive", raise_exception=True)
def second_check(request, order_no: str):
    order = _order(request, order_no)
    approve = request.POST.get("decision") == "approve"
    note = request.POST.get("note", "").strip()
    if not approve and not note:
        messages.error(request, _("Say why the order is refused."))
        return redirect("orders:second_checks")
    try:
        intake.order_second_check(order=order, checker=request.user, approve=approve, note=note)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except intake.OrderStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Order %(order)s approved.") % {"order": order.order_no} if approve
                         else _("Order %(order)s refused.") % {"order": order.order_no})  # fmt: skip
    return redirect("orders:second_checks")


# --- The order list -----------------------------------------------------------------------------------------------


class OrderListView(StaffListView):
    list_key = "orders"
    title = gettext_lazy("Orders")
    permission_required = "accounts.search_customers"
    filterset_class = OrderFilterSet
    default_sort = "-created_at"
    columns = [
        Column("order_no", gettext_lazy("order number"), sort="order_no",
               link=lambda o: reverse("orders:detail", args=[o.order_no])),
        Column("created_at", gettext_lazy("created"), sort="created_at"),
        Column("order_type", gettext_lazy("order type"), sort="order_type"),
        Column("state", gettext_lazy("state"), sort="state"),
        Column("customer.party.name", gettext_lazy("customer"), sort="customer__party__name"),
        Column("subject", gettext_lazy("service number"),
               value=lambda o: (o.product.service_number if o.product_id else "") or o.service_number),
        Column("offering.name", gettext_lazy("offering")),
        Column("channel", gettext_lazy("channel"), sort="channel"),
        Column("completed_at", gettext_lazy("completed"), sort="completed_at"),
    ]  # fmt: skip

    def get_base_queryset(self):
        return selectors.orders_visible_to(self.request.user).select_related("customer__party", "offering", "product")


urlpatterns = [
    path("", OrderListView.as_view(), name="list"),
    path("new/", order_new, name="new"),
    path("new/customers/", pick_customers, name="pick_customers"),
    path("new/addresses/", pick_addresses, name="pick_addresses"),
    path("new/<str:customer_no>/", order_types, name="new_for"),
    path("new/<str:customer_no>/<str:order_type>/", order_take, name="take"),
    path("new/<str:customer_no>/<str:order_type>/offerings/", pick_offerings, name="pick_offerings"),
    path("second-checks/", second_checks, name="second_checks"),
    re_path(rf"^{ORDER_NO}/$", order_detail, name="detail"),
    re_path(rf"^{ORDER_NO}/print/$", order_print, name="print"),
    re_path(rf"^{ORDER_NO}/sign/$", order_sign, name="sign"),
    re_path(rf"^{ORDER_NO}/cancel/$", order_cancel, name="cancel"),
    re_path(rf"^{ORDER_NO}/second-check/$", second_check, name="second_check"),
]
