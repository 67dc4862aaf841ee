"""Demo billing data (step ``billing``, order 60): a year of usage, bills and payments for the demo population.

What billing would have sent the CRM: call-detail records (详单) with daily and weekly rhythms and personal contact
lists, monthly usage totals for every subscription, a bill per account and month (monthly fees, usage, discounts),
and the payments that settled them. About 4 % of customers slide into arrears over the last one to three months
(some never pay: bad debt); about 5 % of public customers churn in the last six months after months of declining
usage and more calls to other networks; about 0.3 % get a new line that bursts into night-time international and
premium-rate calls from one cell. Who does what is written only to ``analytics.DemoTruthLabel`` (for evaluating
models, never read by features).

Customers are processed in chunks of 5,000 in id order, each with random generators of its own: records stream through
``SeedContext.copy_rows`` (COPY on PostgreSQL), so memory stays flat at a million customers. ``seed_demo --workers N``
writes the chunks in N processes, each chunk in its own transaction (the same rows as one process writes). Records cover
the last 90 days for demos up to 20,000 customers, the last 14 days up to 200,000, the last 2 days beyond (about one
record per subscription and day); monthly totals, bills and payments always cover the twelve months. A month without
records gets totals estimated from the subscription's profile; the month the record window starts in gets the records'
sums plus that estimate for its days before the window (so its totals are the whole month's, and at least what its
records add up to). Records and payments stop at today's midnight: billing's feeds lag a day."""

from __future__ import annotations

from django.db import connection, transaction

from crm.demo.engine import SeedContext, demo_step
from customers.models import BillingAccount

from ..models import CustomerBill
from ..services.accounts import account_arrears_refresh
from .population import Population


@demo_step(order=60, name="billing", parallel=True)
def seed_billing(ctx: SeedContext) -> None:
    """A year of usage, bills and payments, arrears, churn and fraud precursors (see the module docstring)."""
    if ctx.customers <= 0 or CustomerBill.objects.exists():
        ctx.log("  no customers, or bills already there; no billing data")
        return
    population = Population(ctx)
    counts = population.write(workers=ctx.workers)
    with transaction.atomic():
        _finish(ctx, counts)
    ctx.log(
        f"  {counts['records']} usage records (last {population.record_days} days), "
        f"{counts['monthly']} monthly totals, {counts['bills']} bills with {counts['items']} items, "
        f"{counts['payments']} payments, "
        f"{counts['arrears']} accounts in arrears, truth labels: {counts['churn']} churn, {counts['fraud']} fraud, "
        f"{counts['bad_debt']} bad debt"
    )
    ctx.shared["billing_counts"] = dict(counts)


def _finish(ctx: SeedContext, counts: dict[str, int]) -> None:
    """Statistics for the planner on the freshly COPYed tables, then arrears from the overdue bills (in that order:
    without statistics the arrears update took 50 s at 100,000 customers instead of 1)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE billing_sync_usagerecord, billing_sync_usagemonthly, billing_sync_usagedaily, "
                "billing_sync_customerbill, billing_sync_billitem, billing_sync_payment, billing_sync_accountbalance, "
                "customers_billingaccount, orders_product"
            )
    account_arrears_refresh(today=ctx.today)
    counts["arrears"] = BillingAccount.objects.filter(arrears_amount__gt=0).count()


DUNNING_UP_TO = 5_000  # customers: above this the first run's backlog would take minutes (about 100 queries a case)


@demo_step(order=65, name="dunning")
def seed_dunning(ctx: SeedContext) -> None:
    """Run the nightly arrears job once, as if it had been running all along: the accounts in arrears get their cases
    in the phase their days overdue call for (reminders, linked suspension, disconnection), so the collection lists
    of a small demo are not empty. Large demos leave it to the 03:00 job (or ``dunning_run``)."""
    from ..services.dunning import dunning_run

    if ctx.customers > DUNNING_UP_TO:
        ctx.log(f"  more than {DUNNING_UP_TO} customers: the nightly job opens the cases")
        return
    report = dunning_run(now=ctx.now, fan_out=False)
    ctx.log(
        f"  {report.opened} dunning cases, {report.suspended} lines suspended, {report.terminated} disconnected, "
        f"{report.failed} steps failed"
    )
