"""Customer pages: the list, the 360 view (客户全息视图) with its actions, the audited cross-region lookup, and the
key-account manager's portfolio."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts.selectors import visibility_scope
from crm.ui.lists import Column, StaffListView
from portal.models import NominatedContact, PortalAccount
from portal.services_contacts import nominated_contact_add, nominated_contact_remove

from . import selectors, services
from .filtersets import CustomerFilterSet
from .models import (
    PUBLIC_LEVELS,
    AccountVisit,
    CommunicationPlan,
    Customer,
    KeyAccountContract,
    MarketingChannel,
    PartyInteraction,
    ServiceLevel,
)
from .privacy import mask_id_number, mask_phone

GRANTS_SESSION_KEY = "cross_region_grants"


def _grants(request) -> dict[str, float]:
    """Customers this session may open after an audited cross-region lookup, with when the grant ends."""
    now = time.time()
    grants = {no: until for no, until in request.session.get(GRANTS_SESSION_KEY, {}).items() if until > now}
    return grants


def _visible_customer(request, customer_no: str) -> Customer:
    try:
        return selectors.customer_360(request.user, customer_no, cross_region_grants=_grants(request))
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def _masked_identifier(party) -> str:
    return mask_id_number(party.id_number) if party.id_number else party.credit_code


# --- List -------------------------------------------------------------------------------------------------


class CustomerListView(StaffListView):
    list_key = "customers"
    title = gettext_lazy("Customers")
    permission_required = "accounts.search_customers"
    filterset_class = CustomerFilterSet
    personal_data = True
    default_sort = "customer_no"
    columns = [
        Column(
            "customer_no",
            gettext_lazy("customer number"),
            sort="customer_no",
            link=lambda c: reverse("customers:detail", args=[c.customer_no]),
        ),
        Column("party.name", gettext_lazy("name"), sort="party__name"),
        Column("customer_class", gettext_lazy("class"), sort="customer_class"),
        Column("service_level", gettext_lazy("service level"), sort="service_level"),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("region.name", gettext_lazy("region"), sort="region__code"),
        Column("identifier", gettext_lazy("ID / credit code"), value=lambda c: _masked_identifier(c.party)),
        Column("phone", gettext_lazy("Phone"), value=lambda c: mask_phone(_first_phone(c))),
        Column("since", gettext_lazy("customer since (入网时间)"), sort="since"),
    ]

    def get_base_queryset(self):
        return (
            selectors.customers_visible_to(self.request.user)
            .select_related("party", "region")
            .prefetch_related("party__contact_media")
        )


def _first_phone(customer: Customer) -> str:
    return next((c.value for c in customer.party.contact_media.all() if c.kind == "phone"), "")


# --- 360 view ---------------------------------------------------------------------------------------------


@login_required
@permission_required("accounts.search_customers", raise_exception=True)
def customer_view(request, customer_no: str):
    customer = _visible_customer(request, customer_no)
    party = customer.party
    contacts = list(party.contact_media.all())
    user = request.user
    products = _products(customer)
    accounts = list(customer.accounts.all())
    context = {
        "customer": customer,
        "party": party,
        "masked_identifier": _masked_identifier(party),
        "phones": [mask_phone(c.value) for c in contacts if c.kind == "phone"],
        "addresses": [c.value for c in contacts if c.kind == "address"],
        "accounts": accounts,
        "products": products,
        "orders": _orders(customer),
        "offers": _offers(customer, products),
        "can_order": user.has_perm("accounts.take_orders"),
        "can_reveal": user.has_perm("accounts.reveal_personal_data"),
        "can_pin": user.has_perm("accounts.approve_sensitive"),
        "can_edit_consent": any(user.has_perm(p) for p in CONSENT_PERMISSIONS),
        "can_manage_key_account": user.has_perm("accounts.manage_key_accounts")
        and customer.customer_class == Customer.CustomerClass.KEY_ACCOUNT,
        "levels_for_class": [
            (v, lbl) for v, lbl in ServiceLevel.choices if (v in PUBLIC_LEVELS) == (customer.customer_class == "public")
        ],
        "level_history": selectors.level_history(customer, limit=6),
        "marketing_channels": MarketingChannel.choices,
        "timeline": selectors.customer_timeline(
            customer, channel=request.GET.get("channel", ""), interaction_type=request.GET.get("type", "")
        ),
        "channels": PartyInteraction.Channel.choices,
        "current_channel": request.GET.get("channel", ""),
        "cross_region": not visibility_scope(user).allows_region(customer.region_id),
        "visit_kinds": AccountVisit.Kind.choices,
        "plan_frequencies": CommunicationPlan.Frequency.choices,
        "today": timezone.localdate(),
        "now": timezone.now(),
        **selectors.key_account_panels(customer),
        "portal_contacts": _portal_contacts(customer),
        **_billing(customer, accounts, products),
        "can_take_payment": user.has_perm("accounts.take_payments"),
        "can_open_tickets": any(user.has_perm(p) for p in TICKET_PERMISSIONS),
        "open_tickets": _open_tickets(customer),
        "care_tasks": _open_care_tasks(customer),
    }
    return render(request, "customers/customer_360.html", context)


def _portal_contacts(customer: Customer) -> list:
    """A key account's active portal contacts, with whether each has signed up yet."""
    if customer.customer_class != Customer.CustomerClass.KEY_ACCOUNT:
        return []
    signed_up = PortalAccount.objects.filter(nominated_contact=OuterRef("pk"), is_active=True)
    contacts = NominatedContact.objects.filter(organisation=customer, is_active=True).annotate(
        signed_up=Exists(signed_up)
    )
    contacts = list(contacts.select_related("nominated_by").order_by("id"))
    for contact in contacts:
        contact.masked_phone = mask_phone(contact.phone)
    return contacts


TICKET_PERMISSIONS = ("accounts.handle_interactions", "accounts.supervise_hotline")  # who may open a ticket's page


def _billing(customer: Customer, accounts: list, products: list) -> dict:
    """Bills, payments, balances and usage (billing_sync reads them; 7 queries whatever the history)."""
    from billing_sync.selectors import customer as billing

    return {
        "account_summaries": billing.account_summaries(customer, accounts=accounts),
        "bills": billing.customer_bills(customer, limit=12),
        "payments": billing.customer_payments(customer, limit=8),
        "usage_products": products,
        "usage_product": None,
        **billing.usage_panel(customer),  # terminated subscriptions' recent calls count too
    }


def _open_tickets(customer: Customer, *, limit: int = 10) -> list:
    """The customer's open trouble tickets and complaints, earliest deadline first, with their time left (1 query)."""
    from callcenter.models import TroubleTicket
    from callcenter.models.tickets import OPEN_TICKET_STATUSES
    from crm.sla import selectors as sla_selectors
    from crm.sla.display import SLA_LABELS, time_left_text

    tickets = list(
        TroubleTicket.objects.filter(customer=customer, status__in=OPEN_TICKET_STATUSES)
        .select_related("owner", "sla_limit", "reason")
        .order_by(F("due_at").asc(nulls_last=True), "pk")[:limit]
    )
    now = timezone.now()
    for ticket in tickets:
        ticket.sla = sla_selectors.sla_state(ticket, now)
        ticket.sla_label = SLA_LABELS[ticket.sla]
        ticket.time_left = time_left_text(sla_selectors.time_left(ticket, now))
    return tickets


def _open_care_tasks(customer: Customer, *, limit: int = 10) -> list:
    """The customer's open care tasks (follow-ups of dissatisfied answers, retention calls), most urgent first."""
    from feedback.models import CareTask

    tasks = CareTask.objects.filter(customer=customer, state=CareTask.State.OPEN).select_related("assigned_to")
    return list(tasks.order_by("due_at", "id")[:limit])


def _products(customer: Customer) -> list:
    from orders import selectors as order_selectors  # the inventory belongs to ordering; the 360 page reads it

    reader = getattr(order_selectors, "products_of_customer", None)
    return list(reader(customer)) if reader else []


def _orders(customer: Customer) -> list:
    from orders import selectors as order_selectors

    return order_selectors.orders_of_customer(customer, limit=8)


def _offers(customer: Customer, products: list) -> list:
    from orders import selectors as order_selectors

    return order_selectors.next_best_offers(customer, products=products)


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


@require_POST
@login_required
@permission_required("accounts.approve_sensitive", raise_exception=True)
def service_level_pin(request, customer_no: str):
    customer = _visible_customer(request, customer_no)
    try:
        if request.POST.get("action") == "unpin":
            services.service_level_unpin(customer=customer, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The level follows the monthly recomputation again."))
        else:
            services.service_level_pin(customer=customer, level=request.POST.get("level", ""),
                                       reason=request.POST.get("reason", ""), actor=request.user)  # fmt: skip
            messages.success(request, _("Service level pinned."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("customers:detail", customer_no=customer.customer_no)


@require_POST
@login_required
@permission_required("accounts.approve_sensitive", raise_exception=True)
def personal_data_erase(request, customer_no: str):
    """A manager erases a person's data at their written request (PIPL); bills, payments and orders stay."""
    customer = _visible_customer(request, customer_no)
    try:
        services.party_anonymize(
            customer=customer, actor=request.user, request_reference=request.POST.get("reference", "")[:100]
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Personal data erased. Bills, payments, orders and invoices are kept."))
    return redirect("customers:detail", customer_no=customer.customer_no)


CONSENT_PERMISSIONS = ("accounts.take_orders", "accounts.handle_interactions", "accounts.manage_key_accounts")


@require_POST
@login_required
def marketing_opt_outs(request, customer_no: str):
    """The customer tells a clerk or agent which marketing channels they refuse (营销免打扰)."""
    if not any(request.user.has_perm(p) for p in CONSENT_PERMISSIONS):
        raise PermissionDenied
    customer = _visible_customer(request, customer_no)
    try:
        services.marketing_opt_outs_set(customer=customer, channels=request.POST.getlist("opt_out"), actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Marketing preferences saved."))
    return redirect("customers:detail", customer_no=customer.customer_no)


# --- Cross-region lookup ----------------------------------------------------------------------------------


class CrossRegionLookupForm(forms.Form):
    query = forms.CharField(label=gettext_lazy("Exact number"), max_length=40,
                            help_text=gettext_lazy("Service number, ID-card number, customer or account number, "
                                                   "or credit code. Names are not accepted."))  # fmt: skip
    reason = forms.CharField(label=gettext_lazy("Reason"), min_length=4, max_length=255)


@login_required
@permission_required("accounts.cross_region_lookup", raise_exception=True)
def cross_region_lookup(request):
    """Find a customer of another region by an exact key, for a stated reason; audited, time-limited access."""
    form = CrossRegionLookupForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        found = services.cross_region_lookup(
            actor=request.user, query=form.cleaned_data["query"], reason=form.cleaned_data["reason"]
        )
        grants = _grants(request)
        until = time.time() + settings.CRM_CROSS_REGION_GRANT_MINUTES * 60
        grants.update({c.customer_no: until for c in found})
        request.session[GRANTS_SESSION_KEY] = grants
    context = {"form": form, "found": found, "minutes": settings.CRM_CROSS_REGION_GRANT_MINUTES}
    return render(request, "customers/cross_region_lookup.html", context)


# --- Key accounts (政企) -----------------------------------------------------------------------------------


class PortfolioView(StaffListView):
    """The account manager's key accounts: level, open issues, renewals due, next planned contact."""

    list_key = "key_account_portfolio"
    title = gettext_lazy("My key accounts")
    template_name = "customers/portfolio.html"
    permission_required = "accounts.manage_key_accounts"
    filterset_class = CustomerFilterSet
    default_sort = "-renewals_due"
    columns = [
        Column(
            "customer_no",
            gettext_lazy("customer number"),
            sort="customer_no",
            link=lambda c: reverse("customers:detail", args=[c.customer_no]),
        ),
        Column("party.name", gettext_lazy("name"), sort="party__name"),
        Column("service_level", gettext_lazy("service level"), sort="service_level"),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("region.name", gettext_lazy("region"), sort="region__code"),
        Column(
            "monthly_revenue", gettext_lazy("Monthly revenue (yuan)"), value=lambda c: getattr(c, "monthly_revenue", "")
        ),
        Column("open_interactions", gettext_lazy("Open issues"), sort="open_interactions"),
        Column("renewals_due", gettext_lazy("Renewals due (90 days)"), sort="renewals_due"),
    ]

    def get_base_queryset(self):
        return selectors.key_account_portfolio(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contracts_due"] = selectors.contracts_due(self.request.user)[:20]
        context["plans_due"] = selectors.communication_plans_due(self.request.user)[:20]
        context["today"] = timezone.localdate()
        return context

    def paginate_queryset(self, queryset, page_size):
        paginator, page, objects, is_paginated = super().paginate_queryset(queryset, page_size)
        objects = list(objects)
        _attach_revenue(objects)  # one query for the page's revenue, not one per row
        return paginator, page, objects, is_paginated


def _attach_revenue(customers: list[Customer]) -> None:
    from . import levels

    revenue = levels.average_monthly_spend([c.pk for c in customers])
    for customer in customers:
        customer.monthly_revenue = revenue.get(customer.pk, 0)


class VisitForm(forms.ModelForm):
    class Meta:
        model = AccountVisit
        fields = ["kind", "visited_at", "contact_person", "purpose", "summary", "next_steps", "next_visit_on"]
        widgets = {
            "visited_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "next_visit_on": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }


class PlanForm(forms.ModelForm):
    class Meta:
        model = CommunicationPlan
        fields = ["topic", "channel", "frequency", "next_due_on", "notes"]
        widgets = {"next_due_on": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 2})}


class ContractForm(forms.ModelForm):
    class Meta:
        model = KeyAccountContract
        fields = ["contract_no", "title", "start_date", "end_date", "value", "sla_level", "status",
                  "remind_days_before_end"]  # fmt: skip
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sla_level"].choices = [(v, lbl) for v, lbl in ServiceLevel.choices if v not in PUBLIC_LEVELS]


KEY_ACCOUNT_FORMS = {"visit": (VisitForm, "visit"), "plan": (PlanForm, "plan"), "contract": (ContractForm, "contract")}


@login_required
@permission_required("accounts.manage_key_accounts", raise_exception=True)
def key_account_record(request, customer_no: str, kind: str):
    """Add a visit record, a communication plan or a contract to a key account (GET: the form, POST: save)."""
    customer = _visible_customer(request, customer_no)
    if kind not in KEY_ACCOUNT_FORMS or customer.customer_class != Customer.CustomerClass.KEY_ACCOUNT:
        raise Http404
    form_class, _name = KEY_ACCOUNT_FORMS[kind]
    initial = {"visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "next_due_on": timezone.localdate()}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "visit":
                services.account_visit_record(customer=customer, visitor=request.user, **data)
            elif kind == "plan":
                services.communication_plan_save(customer=customer, owner=request.user, **data)
            else:
                services.contract_save(customer=customer, actor=request.user, **data)
        except (ValueError, forms.ValidationError) as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("customers:detail", args=[customer.customer_no]) + "#key-account")
    titles = {"visit": _("Log a visit"), "plan": _("Add a communication plan"), "contract": _("Add a contract")}
    return render(request, "customers/key_account_form.html",
                  {"customer": customer, "form": form, "title": titles[kind]})  # fmt: skip


class NominatedContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("contact name"), max_length=100)
    phone = forms.CharField(label=gettext_lazy("mobile phone"), max_length=20)


@login_required
@permission_required("accounts.manage_key_accounts", raise_exception=True)
@require_POST
def portal_contact_nominate(request, customer_no: str):
    """Nominate a contact of a key account for the self-service portal (the key-account panel's form)."""
    customer = _visible_customer(request, customer_no)
    if customer.customer_class != Customer.CustomerClass.KEY_ACCOUNT:
        raise Http404
    form = NominatedContactForm(request.POST)
    if form.is_valid():
        try:
            nominated_contact_add(organisation=customer, actor=request.user, **form.cleaned_data)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The contact may now sign up on the portal with the organisation's code."))
    else:
        messages.error(request, _("Enter the contact's name and an 11-digit mobile phone number."))
    return redirect(reverse("customers:detail", args=[customer.customer_no]) + "#key-account")


@login_required
@permission_required("accounts.manage_key_accounts", raise_exception=True)
@require_POST
def portal_contact_remove(request, customer_no: str, contact_id: int):
    """Remove a nominated contact: their portal access ends at their next request."""
    customer = _visible_customer(request, customer_no)
    try:
        nominated_contact_remove(organisation=customer, contact_id=contact_id, actor=request.user)
    except NominatedContact.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("The contact was removed; their portal access has ended."))
    return redirect(reverse("customers:detail", args=[customer.customer_no]) + "#key-account")
