"""What the CRM keeps on billing accounts from billing's data: arrears from overdue bills, balances from snapshots."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import BillingAccount

from ..models import AccountBalance, CustomerBill, Payment

ZERO = Decimal("0.00")


def account_arrears_refresh(*, account_ids: Iterable[int] | None = None, today: datetime.date | None = None) -> int:
    """Set each account's arrears (欠费) to what its overdue bills still owe; all accounts when no ids are given.

    Bills fall overdue as days pass, so the daily dunning run calls this for everyone; loads and payments call it
    for the accounts they touched. Returns how many accounts changed."""
    today = today or timezone.localdate()
    owed = (
        CustomerBill.objects.filter(account_id=OuterRef("pk"), due_date__lt=today)
        .exclude(state=CustomerBill.State.SETTLED)
        .values("account_id")
        .annotate(total=Sum(F("amount_due") - F("amount_paid") - F("written_off")))
        .values("total")
    )
    arrears = Coalesce(Subquery(owed, output_field=DecimalField(max_digits=12, decimal_places=2)), Value(ZERO))
    accounts = BillingAccount.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    return accounts.annotate(owed=arrears).exclude(arrears_amount=F("owed")).update(arrears_amount=arrears)


@transaction.atomic
def account_balance_apply(*, account: BillingAccount, as_of: datetime.datetime, balance: Decimal, batch=None) -> bool:
    """Record billing's balance of an account at ``as_of``. The account's balance becomes the newest snapshot plus what
    the CRM took after it (billing may not have seen those payments yet). An older or repeated snapshot is kept in the
    history but changes nothing. Returns whether it was new."""
    account = BillingAccount.objects.select_for_update().get(pk=account.pk)
    _snapshot, created = AccountBalance.objects.get_or_create(
        account=account, as_of=as_of, defaults={"balance": balance, "batch": batch}
    )
    if not created:
        return False
    newest = AccountBalance.objects.filter(account=account).order_by("-as_of").values_list("as_of", flat=True)[0]
    if newest != as_of:
        return True
    taken_since = (
        Payment.objects.filter(account=account, source=Payment.Source.CRM, paid_at__gt=as_of).aggregate(
            total=Sum("to_balance")
        )["total"]
        or ZERO
    )
    account.balance = balance + taken_since
    account.save(update_fields=["balance"])
    return True
