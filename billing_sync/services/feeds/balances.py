"""Balances feed (余额): billing's balance of an account at a time, applied by ``accounts.account_balance_apply``
(the newest snapshot plus what the CRM took since). The same account and time again counts as already loaded."""

from __future__ import annotations

from customers.models import BillingAccount

from ...models import FeedBatch
from ..accounts import account_balance_apply
from .values import Chunk, RowError, amount, mark_validated, moment, text


def load_chunk(*, batch: FeedBatch, rows: list[tuple[int, dict]], context: dict) -> Chunk:
    chunk = Chunk()
    seen: set = context["seen"]
    numbers = {str(r.get("accountNo")) for _n, r in rows if r.get("accountNo")}
    accounts = {a.account_no: a for a in BillingAccount.objects.filter(account_no__in=numbers)}
    valid = []
    for row_no, record in rows:
        key = f"{record.get('accountNo') or ''}@{record.get('asOf') or ''}"[:100]
        try:
            account_no = text(record, "accountNo", max_length=20)
            account = accounts.get(account_no)
            if account is None:
                raise RowError("accountNo", "unknownAccount", f"no billing account {account_no}")
            as_of = moment(record, "asOf", now=context["now"], tz=context["tz"])
            balance = amount(record, "balance", negative=True)
            if (account.pk, as_of) in seen:
                raise RowError("asOf", "duplicateInBatch", f"balance of {account_no} at {as_of} appears twice")
        except RowError as error:
            chunk.reject(batch, row_no, key, error)
            continue
        seen.add((account.pk, as_of))
        valid.append((account, as_of, balance))
    mark_validated(context)
    # Oldest first, so each account ends on its newest snapshot whatever the order in the file.
    for account, as_of, balance in sorted(valid, key=lambda v: v[1]):
        if account_balance_apply(account=account, as_of=as_of, balance=balance, batch=batch):
            chunk.loaded += 1
        else:
            chunk.duplicate += 1
    return chunk
