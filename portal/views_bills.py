"""Portal pages of bills, usage details (详单) and payment history: only the logged-in customer's, read through
``portal.selectors`` (another customer's bill number, subscription or payment reads as not found).

User-facing notes (for the README):

- **Bills** (/portal/bills/): the bills of all the customer's billing accounts by month, with what was due, paid and
  is still open, the due date and the state; each opens to its items. /portal/bills/<bill number>/ shows one bill
  and prints.
- **Usage details** (/portal/usage/): the calls, messages and data sessions of one subscription, this month by
  default, or another month with records, or a date range of up to 31 days; by type and by the start of the other
  party's number; 50 a page, newest first. "Download CSV" gives the same records (UTF-8, opens in Excel),
  "Download PDF" the same as a printable document (up to 3,000 records; narrow the filter for more).
- A bill's page has "Download PDF" (/portal/bills/<bill number>/pdf/): the bill with its items, in Chinese or
  English as the page.
- **Payments** (/portal/payments/): every payment to the customer's accounts, with the bills it paid.
"""

from __future__ import annotations

import csv
import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from billing_sync.models import UsageRecord

from . import selectors
from .auth import portal_login_required
from .exports import safe_cell
from .forms_bills import UsageFilterForm
from .pdf import PdfDocument, PdfTable, document_pdf

BILLS_PER_PAGE = 12
USAGE_PER_PAGE = 50
PAYMENTS_PER_PAGE = 20
USAGE_PDF_MAX_ROWS = 3000  # about 60 pages; a CSV has no such cap (a 31-day range bounds it)


@portal_login_required
def bills(request: HttpRequest) -> HttpResponse:
    """The customer's bills, newest month first, each with its items (3 queries a page)."""
    bills = selectors.portal_bills(request.portal_account).prefetch_related("items")
    page = Paginator(bills, BILLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/bills/list.html", {"page": page, "today": timezone.localdate()})


@portal_login_required
def bill(request: HttpRequest, bill_no: str) -> HttpResponse:
    bill = selectors.portal_bill_get(request.portal_account, bill_no)
    return render(request, "portal/bills/detail.html", {"bill": bill, "today": timezone.localdate()})


@portal_login_required
def bill_pdf(request: HttpRequest, bill_no: str) -> HttpResponse:
    """One of my bills as a PDF (the same content as the bill page)."""
    bill = selectors.portal_bill_get(request.portal_account, bill_no)
    customer = request.portal_account.customer
    items = [
        [item.name, item.get_rate_type_display(), item.service_number, f"{item.amount:.2f}"]
        for item in bill.items.all()
    ]
    footer = [[_("Of which tax"), "", "", f"{bill.tax_amount:.2f}"]] if bill.tax_amount else []
    document = PdfDocument(
        title=_("China Telecom bill %(no)s") % {"no": bill.bill_no},
        lines=[
            f"{_('Customer')}: {customer.party.name} ({customer.customer_no})",
            f"{_('Account')}: {bill.account.account_no}",
            f"{_('Period')}: {bill.period_start:%Y-%m-%d} – {bill.period_end:%Y-%m-%d} · "
            f"{_('Bill date')}: {bill.bill_date:%Y-%m-%d} · {_('Due date')}: {bill.due_date:%Y-%m-%d}",
            f"{_('Amount due')}: ¥{bill.amount_due:.2f} · {_('Paid')}: ¥{bill.amount_paid:.2f} · "
            f"{_('Outstanding')}: ¥{bill.outstanding:.2f} · {_('State')}: {bill.get_state_display()}",
        ]
        + ([f"{_('Written off')}: ¥{bill.written_off:.2f}"] if bill.written_off else []),
        tables=[
            PdfTable(
                header=[_("Item"), _("Type"), _("Number"), _("Amount (¥)")], rows=items, numeric=[3],
                widths=[0.45, 0.2, 0.2, 0.15], footer=footer,
            )
        ],
        notes=[] if items else [_("No items on this bill.")],
        author=_("China Telecom"),
        subject=bill.bill_no,
    )  # fmt: skip
    return _pdf_response(document_pdf(document), f"bill-{bill.bill_no}.pdf")


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@portal_login_required
def payments(request: HttpRequest) -> HttpResponse:
    payments = selectors.portal_payments(request.portal_account)
    page = Paginator(payments, PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/bills/payments.html", {"page": page})


def _usage_query(request: HttpRequest) -> dict:
    """The subscription, the filter form and (when valid) the records it selects; 404 for anyone else's
    subscription."""
    account = request.portal_account
    products = selectors.portal_usage_products(account)
    product_no = request.GET.get("subscription", "").strip()
    product = products[0] if products else None
    if product_no:
        product = selectors.portal_product_get(account, product_no)
    months = selectors.portal_usage_months(account, product) if product else []
    form = UsageFilterForm(request.GET, months=months)  # bound even when empty: all fields are optional
    context = {"products": products, "product": product, "form": form, "records": None}
    if product is None or not form.is_valid():
        return context
    first, last = form.period()
    tz = timezone.get_current_timezone()
    context.update(
        first=first,
        last=last,
        records=selectors.portal_usage_records(
            account, product,
            since=datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
            until=datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
            usage_type=form.cleaned_data.get("type") or "",
            number=form.cleaned_data.get("number") or "",
        ),
    )  # fmt: skip
    return context


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@portal_login_required
def usage(request: HttpRequest) -> HttpResponse:
    context = _usage_query(request)
    context["page"] = None
    if context["records"] is not None:
        page = Paginator(context["records"], USAGE_PER_PAGE).get_page(request.GET.get("page"))
        for record in page.object_list:
            record.direction = direction(record)
        context["page"] = page
    context["query"] = _filter_query(request)
    return render(request, "portal/bills/usage.html", context)


@portal_login_required
def usage_csv(request: HttpRequest) -> HttpResponse:
    """The records of the same filter as a CSV file Excel opens (UTF-8 with BOM), streamed; ``format=pdf`` gives
    them as a PDF instead (at most USAGE_PDF_MAX_ROWS)."""
    context = _usage_query(request)
    if context["records"] is None:  # no subscription, or a filter to correct: the page says what is wrong
        context["query"] = _filter_query(request)
        return render(request, "portal/bills/usage.html", context, status=400)
    product, first, last = context["product"], context["first"], context["last"]
    if request.GET.get("format") == "pdf":
        return _usage_pdf(request, context)
    response = StreamingHttpResponse(
        _csv_lines(context["records"].iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    number = product.service_number or product.product_no
    response["Content-Disposition"] = f'attachment; filename="usage-{number}-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _usage_header() -> list[str]:
    return [_("Time"), _("Type"), _("Direction"), _("Other party"), _("Duration (s)"), _("Data (KB)"),
            _("Roaming"), _("Charge (¥)")]  # fmt: skip


def _usage_row(record: UsageRecord, tz) -> list:
    return [
        f"{timezone.localtime(record.started_at, tz):%Y-%m-%d %H:%M:%S}",
        record.get_usage_type_display(),
        direction(record),
        record.other_number,
        record.duration_s if record.usage_type == UsageRecord.Type.VOICE else "",
        record.volume_kb if record.usage_type == UsageRecord.Type.DATA else "",
        record.get_roaming_display(),
        record.charge,
    ]


def _csv_lines(records):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(_usage_header())
    tz = timezone.get_current_timezone()
    for record in records:
        yield writer.writerow([safe_cell(value) for value in _usage_row(record, tz)])


def _usage_pdf(request: HttpRequest, context: dict) -> HttpResponse:
    product, first, last = context["product"], context["first"], context["last"]
    records = list(context["records"][: USAGE_PDF_MAX_ROWS + 1])
    tz = timezone.get_current_timezone()
    rows = [["" if v is None else str(v) for v in _usage_row(r, tz)] for r in records[:USAGE_PDF_MAX_ROWS]]
    number = product.service_number or product.product_no
    customer = request.portal_account.customer
    notes = []
    if len(records) > USAGE_PDF_MAX_ROWS:
        notes.append(
            _("Only the newest %(n)d records are in this file. Choose a shorter period or a type for the rest.")
            % {"n": USAGE_PDF_MAX_ROWS}
        )
    elif not rows:
        notes.append(_("No records in this period."))
    document = PdfDocument(
        title=_("Usage details of %(number)s") % {"number": number},
        lines=[
            f"{_('Customer')}: {customer.party.name} ({customer.customer_no})",
            f"{_('Period')}: {first:%Y-%m-%d} – {last:%Y-%m-%d}",
        ],
        tables=[
            PdfTable(
                header=_usage_header(), rows=rows, numeric=[4, 5, 7],
                widths=[0.19, 0.09, 0.09, 0.17, 0.11, 0.11, 0.12, 0.12],
            )
        ],
        notes=notes,
        author=_("China Telecom"),
        subject=number,
    )  # fmt: skip
    return _pdf_response(document_pdf(document), f"usage-{number}-{first:%Y%m%d}-{last:%Y%m%d}.pdf")


def direction(record: UsageRecord) -> str:
    if record.usage_type == UsageRecord.Type.DATA:
        return ""
    if record.usage_type == UsageRecord.Type.SMS:
        return _("Sent") if record.outgoing else _("Received")
    return _("Outgoing") if record.outgoing else _("Incoming")
