"""Portal service pages (服务): my fault reports and complaints, a new one, one ticket's history with its survey link,
and help (the offers guide 优惠指南 and public knowledge-base articles). Only the logged-in customer's tickets, read
through ``portal.selectors`` (another customer's ticket number reads as not found).

User-facing notes (for the README):

- **Fault reports and complaints** (/portal/tickets/): every ticket of mine (20 a page) with its status and the time
  it is promised by (the same deadline the hotline 10000 gives). /portal/tickets/new/ reports a fault on one of my
  subscriptions or files a complaint; it goes to the call centre's queue (channel "Portal") with the same SLA.
- /portal/tickets/<ticket number>/ shows its history; when the ticket is resolved and a satisfaction survey waits
  for my answer, a link opens it (/portal/survey/<token>/).
- **Help** (/portal/help/): the offers guide (the portal catalog's offerings with their monthly fees) and the
  knowledge-base articles the call centre marked public (admin → Knowledge articles → "public"), searchable.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import selectors
from .auth import portal_login_required
from .forms_service import TicketForm
from .services_service import portal_ticket_open

TICKETS_PER_PAGE = 20


@portal_login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """My tickets, newest first, 20 a page, with a survey link where one waits for an answer."""
    account = request.portal_account
    page = Paginator(selectors.portal_tickets(account), TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    surveys = selectors.portal_open_surveys(account, page.object_list)
    for ticket in page.object_list:
        ticket.survey_token = surveys.get(ticket.pk)
    return render(request, "portal/service/tickets.html", {"tickets": page.object_list, "page": page})


@portal_login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Report a fault on one of my subscriptions, or file a complaint."""
    account = request.portal_account
    initial = {"ticket_type": request.GET.get("type", "fault"), "product": request.GET.get("number", "")}
    form = TicketForm(request.POST or None, initial=initial, products=selectors.portal_products(account))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = portal_ticket_open(
                account=account, ticket_type=data["ticket_type"], description=data["description"],
                product=data["product_obj"],
            )  # fmt: skip
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you. Your ticket %(no)s is registered.") % {"no": ticket.ticket_no})
            return redirect("portal:ticket", ticket_no=ticket.ticket_no)
    return render(request, "portal/service/ticket_new.html", {"form": form}, status=400 if form.errors else 200)


@portal_login_required
def ticket(request: HttpRequest, ticket_no: str) -> HttpResponse:
    """One of my tickets with its history and, when open, the survey link."""
    account = request.portal_account
    found = selectors.portal_ticket_get(account, ticket_no)
    survey_token = selectors.portal_open_surveys(account, [found]).get(found.pk)
    context = {"ticket": found, "history": selectors.portal_ticket_history(found), "survey_token": survey_token}
    return render(request, "portal/service/ticket.html", context)


@portal_login_required
def help_page(request: HttpRequest) -> HttpResponse:
    """The offers guide and the public knowledge-base articles, searchable by a term."""
    term = request.GET.get("q", "").strip()[:100]
    context = {
        "term": term,
        "offerings": selectors.portal_offers_guide(request.portal_account),
        "articles": selectors.portal_help_articles(term),
    }
    return render(request, "portal/service/help.html", context)
