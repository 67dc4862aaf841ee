"""Bills, bill items and payments of the demo accounts, in fen, consistent with each other by construction.

Each bill is paid by at most one payment per plan (or stays unpaid), so amounts paid never exceed amounts due and
what overdue bills still owe is exactly the account's arrears."""

from __future__ import annotations

import datetime
import functools
import random
from dataclasses import dataclass, field

from django.utils import timezone

from .usage import fen_text

# By the account's payment method: (channel, method, weight) of its payments.
CHANNELS = {
    "cash": (("counter", "cash", 45), ("counter", "qr", 30), ("counter", "bank_card", 10), ("agent", "cash", 15)),
    "bank_debit": (("bank", "bank_debit", 1),),
    "online": (("portal", "online", 70), ("portal", "qr", 30)),
    "prepaid": (("agent", "voucher", 30), ("portal", "online", 40), ("counter", "qr", 30)),
}
LATE_SHARE = 0.03
DUE_DAY = 20
KEY_DISCOUNT_PERCENT = 10  # 政企协议优惠 on the monthly fees
PUBLIC_DISCOUNT_SHARE = 0.15
PUBLIC_DISCOUNT_FEN = 1000  # 话费返还: 10 yuan off a month


@dataclass(slots=True)
class Charge:
    """What one product costs in a month: its monthly fee (0 for a bundle's component) and its usage."""

    product_id: int
    number: str
    fee_name: str
    fee: int
    usage: int


@dataclass(slots=True)
class Bill:
    id: int
    bill_no: str
    month: datetime.date
    bill_date: datetime.date
    due_date: datetime.date
    items: list[tuple] = field(default_factory=list)  # (product_id, number, rate_type, name, fen)
    amount: int = 0
    paid: int = 0
    settled_at: datetime.datetime | None = None


@dataclass
class Account:
    """A billed account and how its owner pays: ``role`` normal, churn, arrears, bad_debt or fraud."""

    id: int
    customer_id: int
    region_id: int
    method: str
    key_account: bool
    role: str = "normal"
    unpaid_bills: int = 0  # arrears/bad_debt: how many of the latest overdue bills stay unpaid
    partial: bool = False  # arrears: the oldest unpaid bill is half paid
    unpaid_from: datetime.date | None = None  # fraud: bills of this month on stay unpaid
    discount: bool = False
    tops_up: bool = False  # prepaid: the last payment leaves money on the balance
    default_date: datetime.date | None = None  # bad_debt: the due date of the first bill never paid


@functools.cache  # a dozen months, asked for hundreds of thousands of times
@functools.cache
def month_code(month: datetime.date) -> str:
    return f"{month:%Y%m}"


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


class MoneyPlanner:
    """Turns an account's monthly charges into bills and the payments billing reported for them."""

    BILL_COLUMNS = ["id", "bill_no", "account_id", "customer_id", "region_id", "period_start", "period_end",
                    "bill_date", "due_date", "amount_due", "tax_amount", "amount_paid", "written_off", "state",
                    "settled_at", "created_at"]  # fmt: skip
    ITEM_COLUMNS = ["bill_id", "item_no", "product_id", "service_number", "rate_type", "name", "amount"]
    PAYMENT_COLUMNS = ["payment_no", "idempotency_key", "account_id", "customer_id", "amount", "paid_at", "channel",
                       "method", "source", "allocations", "to_balance", "created_at"]  # fmt: skip

    def __init__(self, rng: random.Random, *, today: datetime.date, now: datetime.datetime):
        self.rng, self.today, self.now = rng, today, now
        self.tz = timezone.get_default_timezone()
        self.horizon = datetime.datetime(today.year, today.month, today.day, tzinfo=self.tz)
        self.bills: list[tuple] = []
        self.items: list[tuple] = []
        self.payments: list[tuple] = []
        self.balances: dict[int, int] = {}  # account id -> fen left on the balance

    def at(self, day: datetime.date, earliest_hour: int = 8, latest_hour: int = 21) -> datetime.datetime:
        seconds = self.rng.randrange(earliest_hour * 3600, latest_hour * 3600)
        return datetime.datetime(day.year, day.month, day.day, tzinfo=self.tz) + datetime.timedelta(seconds=seconds)

    def bill(self, bill_id: int, account: Account, month: datetime.date, charges: list[Charge]) -> Bill | None:
        """The bill of one month: monthly fees, usage, discounts; None when nothing was billed."""
        bill_date = next_month(month)
        bill = Bill(bill_id, f"B{month_code(month)}{account.id:010d}", month, bill_date, bill_date.replace(day=DUE_DAY))
        fees = 0
        for charge in charges:
            if charge.fee:
                bill.items.append((charge.product_id, charge.number, "recurring", f"月功能费 {charge.fee_name}",
                                   charge.fee))  # fmt: skip
                fees += charge.fee
            if charge.usage:
                bill.items.append((charge.product_id, charge.number, "usage", "通信费", charge.usage))
        if not bill.items:
            return None
        if account.key_account and fees:
            bill.items.append((None, "", "discount", "政企协议优惠", -(fees * KEY_DISCOUNT_PERCENT // 100)))
        elif account.discount and fees >= PUBLIC_DISCOUNT_FEN:
            bill.items.append((None, "", "discount", "话费返还", -PUBLIC_DISCOUNT_FEN))
        bill.amount = sum(item[4] for item in bill.items)
        return bill

    def settle(self, account: Account, bills: list[Bill]) -> None:
        """Decide the payments of an account's bills (oldest first) and queue the rows."""
        rng = self.rng
        overdue = [b for b in bills if b.due_date < self.today and b.amount]
        unpaid_from = None
        if account.role in ("arrears", "bad_debt") and overdue:
            unpaid_from = overdue[-min(account.unpaid_bills, len(overdue))].month
        elif account.role == "fraud":
            unpaid_from = account.unpaid_from
        payable = [b for b in bills if b.amount and (unpaid_from is None or b.month < unpaid_from)]
        late_before = {b.month for b in payable[-2:]} if account.role == "bad_debt" else set()
        paid = []
        for bill in payable:
            late = bill.month in late_before or rng.random() < LATE_SHARE
            paid_at = self._when(account, bill, late=late)
            if paid_at < self.horizon:  # else not paid yet (the latest bill, not due yet, or a late payer)
                paid.append((bill, paid_at))
        for n, (bill, paid_at) in enumerate(paid):
            # A prepaid customer who tops up leaves money on the balance with the last payment made so far (not with
            # the latest bill, which early in a month is not due yet).
            self._pay(account, bill, bill.amount, paid_at, top_up=account.tops_up and n == len(paid) - 1)
        if unpaid_from is not None:
            unpaid = [b for b in bills if b.month >= unpaid_from and b.amount]
            if unpaid and account.role == "bad_debt":
                account.default_date = unpaid[0].due_date
            if unpaid and account.partial:
                bill = unpaid[0]
                paid_at = self.at(bill.due_date + datetime.timedelta(days=rng.randint(1, 5)))
                if paid_at < self.horizon and bill.amount >= 200:
                    self._pay(account, bill, bill.amount * rng.randint(30, 70) // 100, paid_at)
        for bill in bills:
            self._write_bill(account, bill)

    def _when(self, account: Account, bill: Bill, *, late: bool) -> datetime.datetime:
        rng = self.rng
        if late:
            return self.at(bill.due_date + datetime.timedelta(days=rng.randint(2, 25)))
        if account.method == "bank_debit":
            return self.at(bill.due_date, 2, 6)  # the bank's overnight run
        return self.at(bill.bill_date + datetime.timedelta(days=rng.randint(1, DUE_DAY - 1)))

    def _pay(self, account: Account, bill: Bill, fen: int, paid_at: datetime.datetime, *, top_up: bool = False):
        rng = self.rng
        extra = 0
        if top_up:
            extra = 5000 - (fen % 5000) if fen % 5000 else 5000  # rounded up to the next 50 yuan
        bill.paid += fen
        if bill.paid == bill.amount:
            bill.settled_at = paid_at
        options = CHANNELS.get(account.method, CHANNELS["cash"])
        if account.method == "bank_debit" and paid_at.date() != bill.due_date:
            options = CHANNELS["cash"]  # the bank's run on the due date failed: paid later at a counter or an agent
        channel, method, _w = rng.choices(options, weights=[w for _c, _m, w in options])[0]
        self.payments.append(
            (f"BP{month_code(bill.month)}{account.id:010d}", "", account.id,
             account.customer_id, fen_text(fen + extra), paid_at, channel, method, "billing",
             [{"bill": bill.bill_no, "amount": fen_text(fen)}], fen_text(extra), self.now)
        )  # fmt: skip
        if extra:
            self.balances[account.id] = self.balances.get(account.id, 0) + extra

    def _write_bill(self, account: Account, bill: Bill) -> None:
        if bill.amount == 0:
            bill.settled_at = self.at(bill.bill_date, 0, 1)
        state = "settled" if bill.settled_at else "partiallyPaid" if bill.paid else "sent"
        period_end = next_month(bill.month) - datetime.timedelta(days=1)
        tax = bill.amount * 9 // 109  # VAT included in the prices
        self.bills.append(
            (bill.id, bill.bill_no, account.id, account.customer_id, account.region_id, bill.month, period_end,
             bill.bill_date, bill.due_date, fen_text(bill.amount), fen_text(tax), fen_text(bill.paid), "0.00", state,
             bill.settled_at, self.now)
        )  # fmt: skip
        for item_no, (product_id, number, rate_type, name, fen) in enumerate(bill.items, start=1):
            amount = fen_text(fen) if fen >= 0 else "-" + fen_text(-fen)
            self.items.append((bill.id, item_no, product_id, number, rate_type, name, amount))
