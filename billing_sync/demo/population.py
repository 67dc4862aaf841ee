"""Who the demo customers are to billing: their subscriptions and accounts, one chunk at a time, and what each will
do (pay, fall into arrears, default, churn, defraud). Roles come from their own generator, so they do not change
with the number of days that get records."""

from __future__ import annotations

import datetime
import itertools
import multiprocessing
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, connections, transaction
from django.db.models import Max
from django.utils import timezone

from analytics.models import DemoTruthLabel
from callcenter.models import Call, TroubleTicket
from crm.demo.engine import SeedContext, fast_bulk_load
from customers.models import BillingAccount, Customer
from orders.demo import PRODUCT_COLUMNS
from orders.models import Product, ProductOffering, ProductOrder

from ..models import AccountBalance, BillItem, CustomerBill, Payment, UsageDaily, UsageMonthly, UsageRecord
from ..services.partitions import usage_partitions_ensure
from .money import Account, Charge, MoneyPlanner, next_month
from .usage import KINDS, Month, Sub, UsageGenerator, fen_text

CHUNK = 5000
# Days of usage records before today, by size: (up to this many customers, days); monthly totals always cover the year.
RECORD_WINDOWS = ((20_000, 90), (200_000, 14))
RECORD_DAYS_BEYOND = 2
CHURN_SHARE = 0.075  # of the eligible public customers (about 5 % of all public ones)
COMPLAINT_CHURN_FACTOR = 3  # customers who complained leave more often
CHURN_WINDOW = (10, 180)  # days before today
CHURN_HISTORY_DAYS = 150  # churners had their lines this long before leaving, so the decline is visible
FRAUD_EVERY = 333  # one eligible public customer in this many (about 0.3 %)
FRAUD_ACTIVATED = (12, 70)  # days ago
ARREARS_SHARE = 0.04
PARTIAL_SHARE = 0.3
TOP_UP_SHARE = 0.3
FAR = datetime.date(9999, 1, 1)


@dataclass
class Cust:
    id: int
    customer_class: str
    status: str
    region_id: int
    area_id: int | None
    grid_id: int | None
    area_code: str
    role: str = "normal"
    event: datetime.date | None = None
    scenario: str = ""
    products: list[tuple] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)


def record_days(customers: int) -> int:
    """How many days before today get usage records for a demo of this size."""
    return next((days for up_to, days in RECORD_WINDOWS if customers <= up_to), RECORD_DAYS_BEYOND)


class Population:
    """Loads what every chunk needs once: months, prices, who ordered or called; then yields the chunks."""

    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.today = ctx.today
        current = self.today.replace(day=1)
        months = [current]
        for _ in range(12):
            months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
        self.months = [Month.of(m) for m in months]
        self.bill_months = months[:12]
        self.record_days = ctx.usage_days or record_days(ctx.customers)
        self.window = self.today - datetime.timedelta(days=self.record_days)  # the first day with records
        self.record_months = {m.start for m in self.months if m.end > self.window}
        for month in self.months:
            if month.start in self.record_months:
                month.prepare_stamps()
        self.horizon = self.today  # records and payments stop at today's midnight
        offerings = ProductOffering.objects.prefetch_related("prices")
        self.offerings = {
            o.id: (o.name, sum(int(p.amount * 100) for p in o.prices.all() if p.price_type == "recurring"))
            for o in offerings
        }
        self.fraud_offering = next(
            ((o.id, o.specification_id) for o in offerings if o.code == "mob-59"), None
        )  # the cheapest line
        self.ordered = set(ProductOrder.objects.values_list("customer_id", flat=True).distinct())
        calls = Call.objects.filter(customer__isnull=False).values("customer_id").annotate(last=Max("started_at"))
        self.last_call = {row["customer_id"]: timezone.localtime(row["last"]).date() for row in calls}
        self.complained = set(
            TroubleTicket.objects.filter(ticket_type__in=("complaint", "regulator_complaint"))
            .values_list("customer_id", flat=True)
            .distinct()
        )
        public = Customer.objects.filter(customer_class="public", status="active").count()
        self.fraud_every = max(2, min(FRAUD_EVERY, public // 2))

    def write(self, workers: int = 1) -> dict[str, int]:
        """Every chunk's rows, in this process or in ``workers`` processes (outside a transaction only: each chunk
        then commits on its own); the counts of rows written by table."""
        bounds = self.prepare()
        counts: dict[str, int] = defaultdict(int)
        parallel = workers > 1 and len(bounds) > 1 and not connection.in_atomic_block
        written = _write_in_processes(self, bounds, workers) if parallel else (Chunk(self, *b).write() for b in bounds)
        step = max(len(bounds) // 10, 1)
        for done, chunk_counts in enumerate(written, start=1):
            for table, n in chunk_counts.items():
                counts[table] += n
            if parallel and (done % step == 0 or done == len(bounds)):
                self.ctx.log(f"    billing chunks written: {done} of {len(bounds)} ({workers} processes)")
        return counts

    def prepare(self) -> list[tuple[int, int, int]]:
        """What goes before the chunks: the record months' partitions, balances zeroed (they come from the payments);
        then each chunk's (number, first customer id, last customer id)."""
        usage_partitions_ensure(self.record_months)
        BillingAccount.objects.exclude(balance=0).update(balance=0)
        ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
        return [(k, ids[i], ids[min(i + CHUNK, len(ids)) - 1]) for k, i in enumerate(range(0, len(ids), CHUNK))]


_POPULATION: Population | None = None  # what the forked processes of _write_in_processes share


def _write_in_processes(population: Population, bounds: list[tuple[int, int, int]], workers: int) -> Iterator[dict]:
    """Chunks written by ``workers`` forked processes, each chunk in its own transaction; yields each chunk's counts
    as it finishes. The processes inherit the population (read-only) and open their own database connections."""
    global _POPULATION
    _POPULATION = population
    connections.close_all()  # a forked process must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap_unordered(_write_chunk, bounds)
        pool.close()
        pool.join()
    _POPULATION = None


def _write_chunk(bounds: tuple[int, int, int]) -> dict[str, int]:
    with transaction.atomic():
        fast_bulk_load()
        return Chunk(_POPULATION, *bounds).write()


class Chunk:
    """One chunk of customers (ids ``low``..``high``) with its own random generators, seeded by the chunk's number, so
    a chunk's rows are the same whichever process writes it and in whatever order (chunk 0 keeps the generators'
    original names, so demos of up to one chunk are what they were before chunks had their own)."""

    def __init__(self, population: Population, index: int, low: int, high: int):
        self.p = population
        self.index = index
        ctx = population.ctx

        def rng(purpose: str) -> random.Random:
            return ctx.rng(purpose if index == 0 else f"{purpose}:{index}")

        self.role_rng = rng("billing-roles")
        self.fraud_offset = self.role_rng.randrange(population.fraud_every)
        self.usage = UsageGenerator(rng("billing-usage"))
        self.money = MoneyPlanner(rng("billing-payments"), today=population.today, now=ctx.now)
        self.eligible_fraud = self.arrears = self.fraud_lines = 0
        rows = (
            Customer.objects.filter(id__gte=low, id__lte=high)
            .order_by("id")
            .values_list("id", "customer_class", "status", "region_id", "area_id", "grid_id", "area__code")
        )
        self.customers = [Cust(*row[:6], area_code=row[6] or "000000") for row in rows]
        self.by_id = {c.id: c for c in self.customers}
        self.accounts: dict[int, Account] = {}
        for account_id, customer_id, method in (
            BillingAccount.objects.filter(customer_id__gte=low, customer_id__lte=high)
            .order_by("id")
            .values_list("id", "customer_id", "payment_method")
        ):
            cust = self.by_id[customer_id]
            cust.accounts.append(account_id)
            self.accounts[account_id] = Account(account_id, customer_id, cust.region_id, method,
                                                cust.customer_class == "key_account")  # fmt: skip
        fields = ("id", "customer_id", "billing_account_id", "offering_id", "specification__kind", "bundle_id",
                  "service_number", "status", "start_date", "termination_date")  # fmt: skip
        for row in (
            Product.objects.filter(customer_id__gte=low, customer_id__lte=high).order_by("id").values_list(*fields)
        ):
            self.by_id[row[1]].products.append(row)
        self.new_products: list[tuple] = []
        self.fraudsters: list[Cust] = []
        self.terminations: list[tuple[int, datetime.date]] = []

    # --- roles ----------------------------------------------------------------------------------------------------
    def cast(self) -> None:
        rng = self.role_rng
        for cust in self.customers:
            self._cast(cust)
            for account_id in cust.accounts:
                account = self.accounts[account_id]
                account.role = cust.role
                account.discount = cust.customer_class == "public" and rng.random() < 0.15
                account.tops_up = account.method == "prepaid" and rng.random() < TOP_UP_SHARE
        if self.fraudsters:
            self._fraud_products()

    def truth(self) -> list[tuple]:
        """The labels, for evaluation only; a defaulter is dated by the first bill never paid."""
        labels = []
        for cust in self.customers:
            if cust.role == "bad_debt":
                dates = [self.accounts[a].default_date for a in cust.accounts if self.accounts[a].default_date]
                cust.event = min(dates) if dates else None
            if cust.role in ("churn", "fraud", "bad_debt") and cust.event:
                labels.append((cust.id, cust.role, cust.event, cust.scenario))
        return labels

    def _cast(self, cust: Cust) -> None:
        p, rng, today = self.p, self.role_rng, self.p.today
        started = [row for row in cust.products if row[8] is not None]
        if cust.status == "churned":  # churned before (the customers step): no warning signs were generated
            ends = [row[9] for row in cust.products if row[9] is not None]
            if ends:
                cust.role, cust.event, cust.scenario = "churn", max(ends), "left_without_warning"
            return
        if cust.status != "active" or not started or not cust.accounts:
            return
        draw = rng.random()
        if cust.customer_class == "public":
            share = CHURN_SHARE * (COMPLAINT_CHURN_FACTOR if cust.id in p.complained else 1)
            if draw < share and cust.id not in p.ordered and len(started) == len(cust.products):
                churn_date = today - datetime.timedelta(days=rng.randint(*CHURN_WINDOW))
                newest = max(row[8] for row in started)
                last_call = p.last_call.get(cust.id)
                live = all(row[7] == "active" for row in started)
                if (
                    live
                    and newest <= churn_date - datetime.timedelta(days=CHURN_HISTORY_DAYS)
                    and (last_call is None or last_call < churn_date - datetime.timedelta(days=2))
                ):
                    cust.role, cust.event = "churn", churn_date
                    cust.scenario = "complained_declined_left" if cust.id in p.complained else "declined_left"
                    self.terminations += [(row[0], churn_date) for row in started]
                    return
            if p.fraud_offering:
                self.eligible_fraud += 1
                if self.eligible_fraud % p.fraud_every == self.fraud_offset:
                    self._fraud_line(cust)
                    return
        if rng.random() < ARREARS_SHARE:
            self.arrears += 1
            unpaid = self.arrears % 3 + 1  # one, two or three bills: 0–30, 31–60 and 61–90 days overdue
            bad = unpaid == 3 and self.arrears // 3 % 3 != 2  # two in three of the longest overdue never pay
            cust.role = "bad_debt" if bad else "arrears"
            cust.scenario = "stopped_paying" if bad else ""
            for account_id in cust.accounts:
                self.accounts[account_id].unpaid_bills = unpaid
                self.accounts[account_id].partial = not bad and rng.random() < PARTIAL_SHARE

    def _fraud_line(self, cust: Cust) -> None:
        """A new line on the customer's account, activated weeks ago, that nobody will pay for."""
        start = self.p.today - datetime.timedelta(days=self.role_rng.randint(*FRAUD_ACTIVATED))
        cust.role, cust.event, cust.scenario = "fraud", start, "sim_box_international"
        self.accounts[cust.accounts[0]].unpaid_from = start.replace(day=1)
        self.fraudsters.append(cust)

    def _fraud_products(self) -> None:
        """The fraudsters' new lines, with ids reserved at once (SQLite reserves by reading the largest id); numbered
        174 9 <chunk, 4 digits> <line, 3 digits>, so chunks never share a number."""
        p = self.p
        offering_id, spec_id = p.fraud_offering or (None, None)
        for product_id, cust in zip(p.ctx.reserve_ids(Product, len(self.fraudsters)), self.fraudsters, strict=True):
            self.fraud_lines += 1
            number = f"174{90_000_000 + self.index * 1000 + self.fraud_lines:08d}"
            start, account_id = cust.event, cust.accounts[0]
            self.new_products.append(
                (product_id, f"P{product_id:011d}", cust.id, account_id, offering_id, spec_id, None, number, "",
                 cust.region_id, cust.area_id, cust.grid_id, "active", [], start, None, p.ctx.now, p.ctx.now)
            )  # fmt: skip
            cust.products.append(
                (product_id, cust.id, account_id, offering_id, "mobile", None, number, "active", start, None)
            )

    # --- writing --------------------------------------------------------------------------------------------------
    def write(self) -> dict[str, int]:
        ctx, p = self.p.ctx, self.p
        self.cast()
        counts: dict[str, int] = {}
        if self.new_products:
            ctx.copy_rows(Product, PRODUCT_COLUMNS, self.new_products)
        self._terminate()
        subs = self._subs()
        totals = self.usage.totals
        counts["records"] = ctx.copy_rows(UsageRecord, self.usage.COLUMNS, self._records(subs))
        # The chunk's lines are its own (no other chunk has records of them): their days are copied, not added to.
        daily = self.usage.daily
        counts["daily"] = ctx.copy_rows(
            UsageDaily, ["product_id", "day", "voice_out_calls", "voice_out_seconds"],
            ((product_id, day, *sums) for (product_id, day), sums in sorted(daily.items())),
        )  # fmt: skip
        daily.clear()
        counts["monthly"] = ctx.copy_rows(
            UsageMonthly,
            ["product_id", "customer_id", "account_id", "month", "voice_calls", "voice_seconds", "sms_count",
             "data_kb", "roaming_records", "charge"],
            ((s.product_id, s.customer_id, s.account_id, month, *t[:5], fen_text(t[5]))
             for s in subs for month in [m.start for m in p.months] if (t := totals.get((s.product_id, month))))
        )  # fmt: skip
        counts.update(self._money())
        self.usage.totals.clear()
        labels = self.truth()
        ctx.copy_rows(DemoTruthLabel, ["customer_id", "label", "event_date", "scenario"], labels)
        for label in ("churn", "fraud", "bad_debt"):
            counts[label] = sum(1 for row in labels if row[1] == label)
        return counts

    def _terminate(self) -> None:
        """Churners' lines end on their churn date; customers whose lines all ended have churned."""
        if not self.terminations:
            return
        now = self.p.ctx.now
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE orders_product p SET status = 'terminated', termination_date = v.day, updated_at = %s "
                    "FROM unnest(%s::bigint[], %s::date[]) AS v(id, day) WHERE p.id = v.id",
                    [now, [t[0] for t in self.terminations], [t[1] for t in self.terminations]],
                )
        else:
            for product_id, day in self.terminations:
                Product.objects.filter(pk=product_id).update(status="terminated", termination_date=day, updated_at=now)
        churned = [c.id for c in self.customers if c.role == "churn" and c.status == "active"]
        Customer.objects.filter(id__in=churned).update(status="churned")
        ended = dict(self.terminations)
        for cust in self.customers:
            if cust.role == "churn" and cust.status == "active":
                cust.products = [(*r[:7], "terminated", r[8], ended.get(r[0], r[9])) for r in cust.products]

    def _subs(self) -> list[Sub]:
        usage, today = self.usage, self.p.today
        subs = []
        for cust in self.customers:
            key_account = cust.customer_class == "key_account"
            factor = usage.segment(key_account) if cust.products else 1.0
            for pid, _c, account_id, _o, kind, _b, number, status, start, end in cust.products:
                if start is None or kind not in KINDS or account_id is None:
                    continue
                if status == "suspended":  # no usage since the suspension, some weeks ago
                    end = max(start, today - datetime.timedelta(days=usage.rng.randint(15, 75)))
                sub = Sub(pid, account_id, cust.id, number, kind, start, end or FAR, factor=factor,
                          business=key_account)  # fmt: skip
                if cust.role == "churn" and cust.scenario != "left_without_warning":
                    sub.churn_ordinal = cust.event.toordinal()
                if cust.role == "fraud" and start == cust.event and kind == "mobile" and pid == cust.products[-1][0]:
                    usage.fraud_profile(sub, cust.area_code)
                else:
                    usage.profile(sub, cust.area_code)
                subs.append(sub)
        return subs

    def _records(self, subs: list[Sub]) -> Iterator[tuple]:
        p = self.p
        month, months, horizon, window = self.usage.month, p.months, p.horizon, p.window
        return itertools.chain.from_iterable(month(sub, m, horizon, window) for sub in subs for m in months)

    def _money(self) -> dict[str, int]:
        p, money = self.p, self.money
        charges: dict[tuple[int, datetime.date], list[Charge]] = {}
        spans = [(month, next_month(month)) for month in p.bill_months]
        usage_totals, offerings = self.usage.totals, p.offerings
        for cust in self.customers:
            for pid, _c, account_id, offering_id, _k, bundle_id, number, _s, start, end in cust.products:
                if start is None or account_id is None:
                    continue
                name, fee = offerings.get(offering_id, ("", 0))
                if bundle_id:
                    fee = 0
                for month, following in spans:
                    if start >= following or (end is not None and end < month):
                        continue
                    totals = usage_totals.get((pid, month))
                    charge = Charge(pid, number, name, fee, totals[5] if totals else 0)
                    charges.setdefault((account_id, month), []).append(charge)
        planned: list[tuple[Account, list]] = []
        for account in self.accounts.values():
            bills = [money.bill(0, account, month, charges.get((account.id, month), [])) for month in p.bill_months]
            planned.append((account, [b for b in bills if b is not None]))
        ids = iter(p.ctx.reserve_ids(CustomerBill, sum(len(b) for _a, b in planned)))
        for account, bills in planned:
            for bill in bills:
                bill.id = next(ids)
            if bills:
                money.settle(account, bills)
        counts = {
            "bills": p.ctx.copy_rows(CustomerBill, money.BILL_COLUMNS, money.bills),
            "items": p.ctx.copy_rows(BillItem, money.ITEM_COLUMNS, money.items),
            "payments": p.ctx.copy_rows(Payment, money.PAYMENT_COLUMNS, money.payments),
        }
        as_of = money.horizon
        billed = sorted({a.id for a, bills in planned if bills})
        p.ctx.copy_rows(
            AccountBalance, ["account_id", "as_of", "balance"],
            ((a, as_of, fen_text(money.balances.get(a, 0))) for a in billed),
        )  # fmt: skip
        topped = [BillingAccount(pk=a, balance=Decimal(fen) / 100) for a, fen in money.balances.items()]
        BillingAccount.objects.bulk_update(topped, ["balance"], batch_size=1000)
        money.bills, money.items, money.payments, money.balances = [], [], [], {}
        return counts
