"""Bills feed (账单): a bill with its items per record; region and customer come from the account, items link to
the account's subscription with that service number. A bill number loaded before counts as already loaded."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from customers.models import BillingAccount
from orders.models import Product

from ...models import BillItem, CustomerBill, FeedBatch
from ..accounts import account_arrears_refresh
from .values import Chunk, RowError, amount, choice, day, mark_validated, text, whole

RATE_TYPES = frozenset(BillItem.RateType.values)


def _accounts(rows) -> dict[str, BillingAccount]:
    numbers = {str(r.get("accountNo")) for _n, r in rows if r.get("accountNo")}
    return {a.account_no: a for a in BillingAccount.objects.filter(account_no__in=numbers).select_related("customer")}


def _items(record: dict, *, account: BillingAccount, products: dict) -> list[BillItem]:
    items = record.get("items")
    if items is None or items == "":
        items = []
    if not isinstance(items, list):
        raise RowError("items", "badType", "items must be a list")
    result, numbers = [], set()
    for position, item in enumerate(items):
        where = f"items[{position}]"
        if not isinstance(item, dict):
            raise RowError(where, "badType", f"{where} must be an object")
        try:
            item_no = whole(item, "itemNo", default=-1, maximum=32767)
            if item_no < 1:
                raise RowError("itemNo", "missing" if item_no == -1 else "badNumber", "itemNo must be 1 or more")
            if item_no in numbers:
                raise RowError("itemNo", "duplicateInBatch", f"item {item_no} appears twice in the bill")
            numbers.add(item_no)
            rate_type = choice(item, "rateType", RATE_TYPES)
            name = text(item, "name", max_length=100)
            value = amount(item, "amount", negative=True)
            number = text(item, "serviceNumber", max_length=32, required=False)
            product = None
            if number:
                product = products.get((account.pk, number)) or products.get(
                    (("customer", account.customer_id), number)
                )
                if product is None:
                    raise RowError("serviceNumber", "unknownSubscription",
                                   f"account {account.account_no} has no subscription {number}")  # fmt: skip
        except RowError as error:
            raise RowError(f"{where}.{error.field}", error.code, f"{where}: {error.reason}") from None
        result.append(BillItem(item_no=item_no, rate_type=rate_type, name=name, amount=value, product=product,
                               service_number=number))  # fmt: skip
    return result


def load_chunk(*, batch: FeedBatch, rows: list[tuple[int, dict]], context: dict) -> Chunk:
    chunk = Chunk()
    seen: set = context["seen"]
    today = timezone.localdate()
    accounts = _accounts(rows)
    # An item's number must be a subscription billed to that account (or, without its own account, of its customer).
    products: dict[tuple, Product] = {}
    for p in (
        Product.objects.filter(
            Q(billing_account__in=accounts.values())
            | Q(billing_account__isnull=True, customer__in=[a.customer_id for a in accounts.values()])
        )
        .exclude(service_number="")
        .order_by("status", "id")
    ):
        products.setdefault((p.billing_account_id or ("customer", p.customer_id), p.service_number), p)
    numbers = [str(r.get("billNo")) for _n, r in rows if r.get("billNo")]
    existing = set(CustomerBill.objects.filter(bill_no__in=numbers).values_list("bill_no", flat=True))
    bills: list[tuple[CustomerBill, list[BillItem]]] = []
    for row_no, record in rows:
        key = str(record.get("billNo") or "")[:100]
        try:
            bill_no = text(record, "billNo", max_length=40)
            if bill_no in seen:
                raise RowError("billNo", "duplicateInBatch", f"bill {bill_no} appears twice in the batch")
            account_no = text(record, "accountNo", max_length=20)
            account = accounts.get(account_no)
            if account is None:
                raise RowError("accountNo", "unknownAccount", f"no billing account {account_no}")
            period_start, period_end = day(record, "periodStart"), day(record, "periodEnd")
            if period_end < period_start:
                raise RowError("periodEnd", "badDate", "periodEnd is before periodStart")
            bill_date = day(record, "billDate", today=today)
            due_date = day(record, "dueDate")
            if due_date < bill_date:
                raise RowError("dueDate", "badDate", "dueDate is before billDate")
            due, tax = amount(record, "amountDue"), amount(record, "taxAmount", required=False)
            items = _items(record, account=account, products=products)
        except RowError as error:
            chunk.reject(batch, row_no, key, error)
            continue
        seen.add(bill_no)
        if bill_no in existing:
            chunk.duplicate += 1
            continue
        bill = CustomerBill(
            bill_no=bill_no, account=account, customer=account.customer, region_id=account.customer.region_id,
            period_start=period_start, period_end=period_end, bill_date=bill_date, due_date=due_date,
            amount_due=due, tax_amount=tax, batch=batch,
            state=CustomerBill.State.SETTLED if due == 0 else CustomerBill.State.SENT,
            settled_at=timezone.now() if due == 0 else None,
        )  # fmt: skip
        bills.append((bill, items))
    mark_validated(context)
    CustomerBill.objects.bulk_create([b for b, _items in bills], batch_size=2000)
    items = []
    for bill, bill_items in bills:
        for item in bill_items:
            item.bill = bill
            items.append(item)
    BillItem.objects.bulk_create(items, batch_size=5000)
    chunk.loaded = len(bills)
    touched = {b.account_id for b, _items in bills}
    if touched:
        account_arrears_refresh(account_ids=touched)
    return chunk
