"""seed_demo's billing step: a year of usage totals, bills and payments, 90 days of records at this size; arrears, churn
and fraud with their truth labels."""

import datetime
import io
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.utils import timezone

from analytics.models import DemoTruthLabel
from billing_sync.demo import population
from billing_sync.demo.money import next_month
from billing_sync.demo.population import record_days
from billing_sync.demo.usage import CHINA_MOBILE, CHINA_UNICOM, COMPETITOR_HOTLINES, Month, Sub, UsageGenerator
from billing_sync.models import BillItem, CustomerBill, Payment, UsageMonthly, UsageRecord
from billing_sync.services.partitions import partition_name
from customers.models import BillingAccount, Customer
from orders.models import Product

pytestmark = pytest.mark.django_db
CUSTOMERS = 150
COMPETITORS = tuple(CHINA_MOBILE + CHINA_UNICOM)


def seed(seed=1):
    # Up to billing and dunning: the analytics step (order 70) fills the scores these tests check are empty.
    call_command("seed_demo", "--customers", str(CUSTOMERS), "--seed", str(seed), "--until-order", "65",
                 stdout=io.StringIO())  # fmt: skip


@pytest.fixture
def seeded():
    seed()


def months_back(today, n):
    month = today.replace(day=1)
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def test_each_account_gets_a_bill_a_month_that_sums_its_items(seeded):
    today = timezone.localdate()
    first, last = months_back(today, 12), months_back(today, 1)
    bills = CustomerBill.objects.all()
    assert bills.count() > CUSTOMERS * 10
    assert not bills.exclude(period_start__gte=first, period_start__lte=last).exists()
    per_account = Counter(bills.values_list("account_id", flat=True))
    assert max(per_account.values()) == 12
    # An account whose lines were all live the whole year has all twelve bills.
    year_ago = first - datetime.timedelta(days=1)
    steady = BillingAccount.objects.filter(customer__status="active", customer__products__isnull=False).exclude(
        Q(customer__products__start_date__gt=year_ago) | Q(customer__products__start_date__isnull=True)
        | Q(customer__products__status__in=["terminated", "suspended"])
    )  # fmt: skip
    steady_ids = set(steady.filter(bills__isnull=False).values_list("id", flat=True))
    assert len(steady_ids) > CUSTOMERS // 2
    assert all(per_account[a] == 12 for a in steady_ids)
    # Each bill is the sum of its items (monthly fees, usage, discounts), dated as billing dates them.
    sums = dict(BillItem.objects.values("bill_id").annotate(s=Sum("amount")).values_list("bill_id", "s"))
    types = set(BillItem.objects.values_list("rate_type", flat=True))
    assert {"recurring", "usage", "discount"} <= types
    for bill in bills:
        assert bill.amount_due == sums[bill.pk] >= 0
        assert bill.bill_date == (bill.period_end + datetime.timedelta(days=1)) and bill.bill_date.day == 1
        assert bill.due_date == bill.bill_date.replace(day=20)
    # Usage items are what the subscriptions' monthly usage cost.
    items = BillItem.objects.filter(rate_type="usage").select_related("bill")[:300]
    assert items
    for item in items:
        monthly = UsageMonthly.objects.get(product_id=item.product_id, month=item.bill.period_start)
        assert item.amount == monthly.charge


def test_payments_settle_bills_and_arrears_are_what_overdue_bills_owe(seeded):
    today = timezone.localdate()
    paid = defaultdict(Decimal)
    for payment in Payment.objects.all():
        assert payment.source == "billing" and payment.channel in ("counter", "portal", "bank", "agent")
        allocated = sum(Decimal(a["amount"]) for a in payment.allocations)
        assert allocated > 0 and payment.amount == allocated + payment.to_balance
        assert payment.paid_at < timezone.now()
        for a in payment.allocations:
            paid[a["bill"]] += Decimal(a["amount"])
    bills = list(CustomerBill.objects.all())
    for bill in bills:
        assert bill.amount_paid == paid.get(bill.bill_no, 0) <= bill.amount_due
        assert (bill.state == "settled") == (bill.amount_paid == bill.amount_due)
        assert bill.state != "partiallyPaid" or 0 < bill.amount_paid < bill.amount_due
    assert Counter(b.state for b in bills)["settled"] > 0.9 * len(bills)
    # Bank debits are taken on the due date; a bank-debit account paying late paid elsewhere (the debit failed).
    debits = list(Payment.objects.filter(method="bank_debit"))
    due = dict(CustomerBill.objects.values_list("bill_no", "due_date"))
    assert debits and all(due[d.allocations[0]["bill"]] == timezone.localtime(d.paid_at).date() for d in debits)
    # Arrears are exactly what overdue bills still owe; balances are what payments left over.
    owed = defaultdict(Decimal)
    for bill in bills:
        if bill.due_date < today and bill.state != "settled":
            owed[bill.account_id] += bill.outstanding
    to_balance = dict(Payment.objects.values("account_id").annotate(s=Sum("to_balance")).values_list("account_id", "s"))
    for account in BillingAccount.objects.all():
        assert account.arrears_amount == owed.get(account.pk, 0)
        assert account.balance == to_balance.get(account.pk, 0)
    assert BillingAccount.objects.filter(balance__gt=0, payment_method="prepaid").exists()
    in_arrears = [a for a, v in owed.items() if v > 0]
    assert 0.02 * CUSTOMERS <= len(in_arrears) <= 0.12 * CUSTOMERS
    # The oldest unpaid bill of those accounts spans the 0–30, 31–60 and 61–90 day buckets.
    oldest = {}
    for bill in bills:
        if bill.account_id in in_arrears and bill.due_date < today and bill.state != "settled":
            oldest[bill.account_id] = min(oldest.get(bill.account_id, bill.due_date), bill.due_date)
    buckets = {min(3, (today - due).days // 30) for due in oldest.values()}
    assert {0, 1, 2} <= buckets


def test_usage_lands_in_its_month_and_monthly_totals_add_the_records_up(seeded):
    today = timezone.localdate()
    records = UsageRecord.objects.all()
    # Records cover the last 90 days at this size (about one per subscription and day)...
    first_day = today - datetime.timedelta(days=record_days(CUSTOMERS))
    assert record_days(CUSTOMERS) == 90 and record_days(200_000) == 14 and record_days(200_001) == 2
    assert records.count() > CUSTOMERS * 90
    window_months = {first_day.replace(day=1)}
    while max(window_months) < today.replace(day=1):
        window_months.add(next_month(max(window_months)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableoid::regclass::text, min(started_at), max(started_at), count(*) "
                "FROM billing_sync_usagerecord GROUP BY 1"
            )
            partitions = cursor.fetchall()
        assert {name for name, *_rest in partitions} == {partition_name(m) for m in window_months}
        for name, earliest, latest, _n in partitions:
            assert partition_name(timezone.localtime(earliest).date()) == name
            assert partition_name(timezone.localtime(latest).date()) == name
    midnight = timezone.make_aware(datetime.datetime(*first_day.timetuple()[:3]))
    assert records.filter(started_at__lt=midnight + datetime.timedelta(hours=6)).exists()
    assert not records.filter(started_at__lt=midnight).exists()
    assert not records.filter(started_at__gte=timezone.make_aware(datetime.datetime(*today.timetuple()[:3]))).exists()
    # ... while monthly totals cover the year for everyone.
    assert set(UsageMonthly.objects.values_list("month", flat=True)) == {months_back(today, n) for n in range(13)}
    sums = (
        records.annotate(month=TruncMonth("started_at"))
        .values("product_id", "month")
        .annotate(
            calls=Count("id", filter=Q(usage_type="voice")),
            seconds=Sum("duration_s", filter=Q(usage_type="voice")),
            sms=Count("id", filter=Q(usage_type="sms")),
            kb=Sum("volume_kb"),
            roaming=Count("id", filter=~Q(roaming="none")),
            charge=Sum("charge"),
        )
    )
    from_records = {
        (r["product_id"], timezone.localtime(r["month"]).date() if isinstance(r["month"], datetime.datetime)
         else r["month"]): (r["calls"], r["seconds"] or 0, r["sms"], r["kb"], r["roaming"], r["charge"])
        for r in sums
    }  # fmt: skip
    monthly = {
        (m.product_id, m.month): (m.voice_calls, m.voice_seconds, m.sms_count, m.data_kb, m.roaming_records, m.charge)
        for m in UsageMonthly.objects.all()
    }
    assert from_records and set(from_records) <= set(monthly)
    # A month the window covers from its first day: the totals are the records' sums. The month the window starts
    # in (unless on the 1st): the totals are the whole month's, records' sums for the days in the window plus an
    # estimate from the subscription's profile for the days before, so they are at least the records' sums.
    partial = first_day.replace(day=1) if first_day.day > 1 else None
    above = 0
    for key, totals in from_records.items():
        if key[1] == partial:
            assert all(m >= r for m, r in zip(monthly[key], totals, strict=True)), key
            above += monthly[key][0] + monthly[key][2] > totals[0] + totals[2]
        else:
            assert monthly[key] == totals, key
    assert partial is None or above > CUSTOMERS // 2
    # Quiet nights, busy evenings; more data at weekends (fraud lines, busy at night, are a larger share of 90 days
    # of records than of a year's, so they are left out as below).
    usual = records.exclude(customer_id__in=DemoTruthLabel.objects.filter(label="fraud").values("customer_id"))
    hours = Counter(
        dict(usual.annotate(h=ExtractHour("started_at")).values("h").annotate(n=Count("id")).values_list("h", "n"))
    )
    assert sum(hours[h] for h in (19, 20, 21, 22)) > 5 * sum(hours[h] for h in (2, 3, 4, 5))
    assert hours[10] + hours[11] > 3 * (hours[3] + hours[4])
    data_records = records.filter(usage_type="data").exclude(
        customer_id__in=DemoTruthLabel.objects.values("customer_id")
    )
    by_weekday = data_records.annotate(d=ExtractIsoWeekDay("started_at")).values("d").annotate(n=Count("id"))
    data = Counter(dict(by_weekday.values_list("d", "n")))
    assert (data[6] + data[7]) / 2 > 1.1 * sum(data[d] for d in range(1, 6)) / 5
    # Calls go to a personal circle: the top ten numbers of a line carry most of its calls; cells are local.
    line = records.filter(usage_type="voice").values("product_id").annotate(n=Count("id")).order_by("-n")[5]
    calls = Counter(
        records.filter(product_id=line["product_id"], usage_type="voice").values_list("other_number", flat=True)
    )
    assert sum(n for _num, n in calls.most_common(10)) > 0.6 * line["n"]
    mobile = records.filter(usage_type="voice", roaming="none").exclude(cell_id="").select_related(None).first()
    customer = Customer.objects.select_related("area").get(pk=mobile.customer_id)
    assert mobile.cell_id.startswith(customer.area.code)


def competitor_share(numbers):
    numbers = list(numbers)
    hits = sum(1 for n in numbers if n.startswith(COMPETITORS) or n in COMPETITOR_HOTLINES)
    return hits / max(1, len(numbers))


def test_churners_use_less_and_call_competitors_more_then_leave(seeded):
    churners = DemoTruthLabel.objects.filter(label="churn", scenario__endswith="declined_left")
    assert churners.count() >= 3
    before, after = 0, 0
    for label in churners:
        day = label.event_date
        products = Product.objects.filter(customer_id=label.customer_id)
        assert set(products.values_list("status", flat=True)) == {"terminated"}
        assert set(products.values_list("termination_date", flat=True)) == {day}
        assert Customer.objects.get(pk=label.customer_id).status == "churned"
        assert not UsageRecord.objects.filter(customer_id=label.customer_id, started_at__date__gte=day).exists()
        assert not CustomerBill.objects.filter(customer_id=label.customer_id, period_start__gt=day).exists()
        # Usage declines: the monthly totals (from records or the profile) of the month before the churn month
        # against four months before it.
        talk = UsageMonthly.objects.filter(customer_id=label.customer_id).annotate(n=F("voice_calls") + F("sms_count"))
        churn_month = day.replace(day=1)
        before += sum(talk.filter(month=months_back(churn_month, 4)).values_list("n", flat=True))
        after += sum(talk.filter(month=months_back(churn_month, 1)).values_list("n", flat=True))
    # (Records cover only the last 90 days at this size, too few churners' last months for the drift to other
    # networks: the next test checks it on the generator.)
    assert after < 0.7 * before


def test_churners_records_drift_to_competitors_and_thin_out_before_the_churn_date():
    # Given twenty mobile lines that churned 10 to 60 days ago, with records for the 240 days before today
    today = timezone.localdate()
    usage = UsageGenerator(random.Random(3))
    months = [Month.of(months_back(today, n)) for n in range(9, -1, -1)]
    for month in months:
        month.prepare_stamps()
    early, late, before, after = [], [], 0, 0
    for n in range(20):
        day = today - datetime.timedelta(days=10 + n * 50 // 20)
        sub = Sub(n, n, n, f"189{n:08d}", "mobile", today - datetime.timedelta(days=400), day)
        sub.churn_ordinal = day.toordinal()
        usage.profile(sub, "340100")
        # When their records are generated
        records = [r for m in months for r in usage.month(sub, m, today, today - datetime.timedelta(days=240))]
        ago = [(day - datetime.datetime.fromisoformat(r[1]).date()).days for r in records]
        assert min(ago) >= 1
        early += [r[8] for r, d in zip(records, ago, strict=True) if r[6] != "data" and 120 < d <= 180]
        late += [r[8] for r, d in zip(records, ago, strict=True) if r[6] != "data" and d <= 30]
        before += sum(1 for d in ago if 120 < d <= 150)
        after += sum(1 for d in ago if d <= 30)
    # Then in their last 30 days they call other networks more than 120–180 days before, and use less.
    assert competitor_share(late) > competitor_share(early) + 0.15
    assert after < 0.7 * before


def test_fraud_lines_burst_into_night_calls_abroad_from_one_cell_and_never_pay(seeded):
    frauds = DemoTruthLabel.objects.filter(label="fraud")
    assert frauds.exists()
    for label in frauds:
        line = Product.objects.get(
            customer_id=label.customer_id, start_date=label.event_date, specification__kind="mobile"
        )
        records = UsageRecord.objects.filter(product_id=line.pk)
        n = records.count()
        days = (timezone.localdate() - label.event_date).days
        assert n > 20 * days
        numbers = list(records.values_list("other_number", flat=True))
        assert sum(1 for x in numbers if x.startswith(("00", "1900"))) > 0.6 * n
        assert len(set(numbers)) > 0.9 * n
        night = records.annotate(h=ExtractHour("started_at")).filter(h__lt=6).count()
        assert night > 0.35 * n
        assert records.filter(outgoing=True).count() > 0.9 * n
        assert records.values("cell_id").distinct().count() == 1
        since = label.event_date.replace(day=1)
        assert not CustomerBill.objects.filter(
            customer_id=label.customer_id, period_start__gte=since, amount_paid__gt=0
        ).exists()
    everyone_night = UsageRecord.objects.exclude(customer_id__in=frauds.values("customer_id")).annotate(
        h=ExtractHour("started_at")).filter(h__lt=6).count() / UsageRecord.objects.count()  # fmt: skip
    assert everyone_night < 0.06


def test_truth_labels_stay_in_their_own_table(seeded):
    labels = DemoTruthLabel.objects.all()
    assert set(labels.values_list("label", flat=True)) == {"churn", "fraud", "bad_debt"}
    # Nothing a feature could read gives the answer away.
    assert not Customer.objects.filter(Q(fraud_flag=True) | Q(churn_risk__isnull=False) | ~Q(segment="")).exists()
    assert not Customer.objects.exclude(churn_reasons=[]).exists()
    # Defaulters have overdue bills they never paid anything on, since their default date.
    for label in labels.filter(label="bad_debt"):
        unpaid = CustomerBill.objects.filter(customer_id=label.customer_id, due_date__gte=label.event_date)
        assert unpaid.exists() and not unpaid.filter(amount_paid__gt=0).exists()
        assert BillingAccount.objects.filter(customer_id=label.customer_id, arrears_amount__gt=0).exists()


def fingerprint():
    return (
        UsageRecord.objects.aggregate(n=Count("id"), c=Sum("charge"), s=Sum("duration_s")),
        CustomerBill.objects.aggregate(n=Count("id"), due=Sum("amount_due"), paid=Sum("amount_paid")),
        Payment.objects.aggregate(n=Count("id"), s=Sum("amount")),
        sorted(DemoTruthLabel.objects.values_list("label", "event_date", "scenario")),
        BillingAccount.objects.aggregate(a=Sum("arrears_amount"), b=Sum("balance")),
    )


def test_the_same_seed_gives_the_same_data():
    with transaction.atomic():
        seed(5)
        first = fingerprint()
        transaction.set_rollback(True)
    seed(5)
    assert fingerprint() == first
    assert first[0]["n"] > 0 and first[3]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_chunks_written_by_two_processes_are_the_rows_one_process_writes(monkeypatch):
    """seed_demo --workers 2 commits the steps before billing, then forks two processes that write billing's chunks
    each in its own transaction; every chunk has its own generators, so the data are those of one process."""
    monkeypatch.setattr(population, "CHUNK", 40)  # 150 customers: 4 chunks

    def fraud_numbers():
        lines = Product.objects.filter(service_number__startswith="1749")
        return sorted(lines.values_list("service_number", flat=True))

    with transaction.atomic():
        seed(5)
        one_process, one_process_numbers = fingerprint(), fraud_numbers()
        transaction.set_rollback(True)
    out = io.StringIO()
    call_command("seed_demo", "--customers", str(CUSTOMERS), "--seed", "5", "--until-order", "65", "--workers", "2",
                 stdout=out)  # fmt: skip
    assert "billing chunks written: 4 of 4 (2 processes)" in out.getvalue()
    assert fingerprint() == one_process
    assert fraud_numbers() == one_process_numbers
    assert one_process[0]["n"] > 0 and one_process[3]


def test_a_small_demo_runs_the_nightly_arrears_job_once(seeded):
    """The collection lists of a small demo are not empty: every account owing at least the threshold has a live
    case in the phase its days overdue call for, and suspended lines went through suspend orders."""
    from billing_sync.models import DunningCase, DunningPhase
    from billing_sync.services.dunning import rule_for
    from orders.models import ProductOrder

    today = timezone.localdate()
    phases = list(DunningPhase.objects.order_by("number"))
    owing = BillingAccount.objects.filter(arrears_amount__gt=0).select_related("customer")
    opened = 0
    for account in owing:
        rule = rule_for(account.customer)
        case = DunningCase.objects.filter(account=account, status__in=("open", "paused", "legal")).first()
        if account.arrears_amount < rule.min_arrears:
            assert case is None
            continue
        opened += 1
        assert case is not None and case.arrears == account.arrears_amount
        days = (today - case.overdue_since).days
        reached = [p.number for p in phases if days >= p.starts_after_days + rule.grace_days]
        assert case.phase == (max(reached) if reached else 0)
    assert opened > 0
    suspended = DunningCase.objects.filter(phase__gte=2, exempt=False)
    if suspended.exists():
        assert ProductOrder.objects.filter(order_type__in=("suspend", "terminate"), channel="api").exists()


def test_usage_days_sets_the_record_window_and_is_checked():
    """``--usage-days`` (the benchmarks ask for 30 at a million customers) replaces the default window for the size."""
    with pytest.raises(Exception, match="--usage-days must be between 1 and 365"):
        call_command("seed_demo", "--customers", "5", "--usage-days", "0", stdout=io.StringIO())
    call_command("seed_demo", "--customers", "20", "--seed", "3", "--until-order", "65", "--usage-days", "5",
                 stdout=io.StringIO())  # fmt: skip
    local = timezone.localdate()
    days = {timezone.localtime(t).date() for t in UsageRecord.objects.values_list("started_at", flat=True)}
    assert days, "no usage records written"
    assert min(days) >= local - datetime.timedelta(days=5)
    assert len(days) >= 4  # the window is filled, not just its last day


def test_the_daily_outbound_calls_are_what_the_records_add_up_to(seeded):
    """The generator sums each chunk's outbound calls per line and local day as it draws them (UsageDaily, the fraud
    baseline); recomputing them from the records gives the same rows."""
    from billing_sync.models import UsageDaily
    from billing_sync.services.usage_daily import usage_daily_rebuild

    def rows():
        return set(UsageDaily.objects.values_list("product_id", "day", "voice_out_calls", "voice_out_seconds"))

    written = rows()
    today = timezone.localdate()
    usage_daily_rebuild(start=today - datetime.timedelta(days=record_days(CUSTOMERS) + 2),
                        end=today + datetime.timedelta(days=1))  # fmt: skip
    assert rows() == written
    assert len(written) > CUSTOMERS * 10
    fraud_lines = Product.objects.filter(service_number__startswith="1749").values_list("pk", flat=True)
    assert {product for product, *_rest in written} >= set(fraud_lines) and fraud_lines
