"""Personal-data protection (issue 12, item 5): erasure at the customer's request anonymizes the party and keeps the
financial records; usage details older than the retention period are dropped by month."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from billing_sync.models import CustomerBill, Payment, UsageDaily, UsageMonthly
from billing_sync.services.partitions import (
    partition_name,
    retention_cutoff,
    usage_partitions,
    usage_partitions_drop_expired,
    usage_partitions_ensure,
)
from billing_sync.services.payments import payment_post
from billing_sync.services.usage_daily import usage_daily_rebuild
from callcenter.models import Callback
from crm.audit.models import AuditEntry
from crm.messaging.models import OutboundMessage
from customers.models import ContactMedium, Customer, Party
from customers.services import AnonymizeRefused, party_anonymize
from portal.models import PortalAccount
from portal.services import PortalRefused, portal_login
from tests.customers.conftest import people, subscribe  # noqa: F401

PORTAL_PASSWORD = "Kite-river-2026"
RAW_ID = "11010519491231002X"
RAW_PHONE = "18955512345"
ADDRESS = "合肥市瑶海区长江东路 8 号 3 栋 502"


@pytest.fixture
def leaving(people, subscribe, make_staff):  # noqa: F811
    """张伟明 of Hefei with an e-mail, a postal address, a terminated line, a bill, a payment, a callback and a
    portal account: a customer who has left and asks for their personal data to be deleted."""
    customer = people["zhang"]
    party = customer.party
    party.birth_date, party.gender = datetime.date(1949, 12, 31), "male"
    party.save()
    ContactMedium.objects.create(party=party, kind="email", value="zhangwm@example.cn")
    ContactMedium.objects.create(party=party, kind="address", value=ADDRESS, region=customer.region)
    product = subscribe(customer, "59", number=RAW_PHONE, status="terminated")
    product.install_address = ADDRESS
    product.save()
    account = customer.accounts.get()
    bill = CustomerBill.objects.create(
        bill_no="B-PIPL-1", account=account, customer=customer, region_id=customer.region_id,
        period_start=datetime.date(2026, 9, 1), period_end=datetime.date(2026, 9, 30),
        bill_date=datetime.date(2026, 10, 1), due_date=datetime.date(2026, 10, 20), amount_due=Decimal("59.00"),
    )  # fmt: skip
    payment, _created = payment_post(account=account, amount="59.00", channel="counter", method="cash")
    agent = make_staff("call_agent")
    Callback.objects.create(customer=customer, agent=agent, phone=RAW_PHONE, due_at=timezone.now())
    portal = PortalAccount.objects.create(customer=customer, login=RAW_PHONE, password=make_password(PORTAL_PASSWORD))
    OutboundMessage.objects.create(recipient=RAW_PHONE, body="尊敬的张伟明，您的账单已出。", purpose="bill_notice")
    return {"customer": customer, "bill": bill, "payment": payment, "portal": portal, "product": product}


def test_erasure_anonymizes_the_party_and_keeps_the_financial_records(leaving, make_staff):
    customer = leaving["customer"]
    manager = make_staff("manager")
    assert portal_login(login=RAW_PHONE, password=PORTAL_PASSWORD).pk == leaving["portal"].pk  # works before

    party = party_anonymize(customer=customer, actor=manager, request_reference="PIPL-2026-0042")

    # The person is gone: a stable pseudonym, no ID number, birth date, phones or e-mail, addresses blanked.
    assert party.name == f"已注销客户 #{party.pk}" and party.anonymized_at is not None
    assert party.id_number == f"ANON{party.pk:014d}" and party.birth_date is None and party.gender == ""
    assert list(party.contact_media.values_list("kind", flat=True)) == ["address"]
    assert "长江东路" not in party.contact_media.get().value
    leaving["product"].refresh_from_db()
    assert "长江东路" not in leaving["product"].install_address
    assert Callback.objects.get(customer=customer).phone == ""
    sms = OutboundMessage.objects.get(purpose="bill_notice")
    assert sms.recipient == "189****2345" and "张伟明" not in sms.body
    # The money stays, on the same customer and account.
    assert CustomerBill.objects.get(pk=leaving["bill"].pk).amount_due == Decimal("59.00")
    assert Payment.objects.get(pk=leaving["payment"].pk).account.customer_id == customer.pk
    assert Customer.objects.get(pk=customer.pk).customer_no == customer.customer_no
    # No portal log-in any more, with the old number or otherwise.
    assert not PortalAccount.objects.filter(customer=customer, is_active=True).exists()
    with pytest.raises(PortalRefused):
        portal_login(login=RAW_PHONE, password=PORTAL_PASSWORD)
    # Audited with the request's reference; the audit log no longer holds the erased values anywhere.
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_type="customers.party")
    assert "PIPL-2026-0042" in entry.detail and entry.actor_id == manager.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM audit_auditentry "
            "WHERE changes::text LIKE %s OR changes::text LIKE %s OR object_repr LIKE %s OR object_repr LIKE %s",
            [f"%{RAW_ID}%", "%张伟明%", f"%{RAW_ID}%", "%张伟明%"],
        )
        assert cursor.fetchone()[0] == 0
    assert AuditEntry.objects.filter(object_type="customers.party", object_id=str(party.pk)).count() >= 2


def test_erasure_is_idempotent(leaving, make_staff):
    manager = make_staff("manager")
    first = party_anonymize(customer=leaving["customer"], actor=manager, request_reference="PIPL-1")
    entries = AuditEntry.objects.count()
    again = party_anonymize(customer=leaving["customer"], actor=manager, request_reference="PIPL-1")
    assert again.anonymized_at == first.anonymized_at and again.name == first.name
    assert AuditEntry.objects.count() == entries


def test_erasure_refused_with_a_live_line_for_organisations_or_without_a_reference(people, subscribe, make_staff):  # noqa: F811
    manager = make_staff("manager")
    subscribe(people["zhangw"], "39")  # a live line: the real-name rules need the identity
    with translation.override("en"):
        with pytest.raises(AnonymizeRefused, match="not terminated"):
            party_anonymize(customer=people["zhangw"], actor=manager, request_reference="PIPL-9")
        with pytest.raises(AnonymizeRefused, match="organisation"):
            party_anonymize(customer=people["corp"], actor=manager, request_reference="PIPL-9")
        with pytest.raises(AnonymizeRefused, match="reference"):
            party_anonymize(customer=people["zhang"], actor=manager, request_reference="  ")
    with pytest.raises(PermissionError):
        party_anonymize(customer=people["zhang"], actor=make_staff("hall_clerk"), request_reference="PIPL-9")
    assert Party.objects.filter(anonymized_at__isnull=False).count() == 0
    assert Party.objects.get(pk=people["zhangw"].party_id).name == "张伟"


def test_a_manager_erases_from_the_customer_page_after_confirming(client, leaving, make_staff):
    customer = leaving["customer"]
    url = reverse("customers:erase", args=[customer.customer_no])
    client.force_login(make_staff("hall_clerk"))
    assert client.post(url, {"reference": "PIPL-7"}).status_code == 403
    client.force_login(make_staff("manager"))
    page = client.get(reverse("customers:detail", args=[customer.customer_no]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'data-testid="erase-form"' in html and "data-confirm=" in html  # crm.js asks before it submits
    response = client.post(url, {"reference": "PIPL-7"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Personal data erased" in html and 'data-testid="erased"' in html and "张伟明" not in html


# --- Retention of usage details ---------------------------------------------------------------------------------


def test_retention_cutoff_keeps_the_current_month_and_the_ones_before_it():
    assert retention_cutoff(today=datetime.date(2026, 12, 3), months=24) == datetime.date(2025, 1, 1)
    assert retention_cutoff(today=datetime.date(2026, 1, 31), months=1) == datetime.date(2026, 1, 1)
    assert retention_cutoff(today=datetime.date(2026, 3, 1), months=3) == datetime.date(2026, 1, 1)


def _usage_row(product, when: datetime.datetime, key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_sync_usagerecord (record_key, started_at, account_id, customer_id, product_id, "
            "service_number, "
            "usage_type, outgoing, other_number, duration_s, volume_kb, cell_id, roaming, charge) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'voice', true, '13800000000', 60, 0, 'C1', 'home', 0.10)",
            [key, when, product.customer.accounts.get().pk, product.customer_id, product.pk, product.service_number],
        )


def test_retention_drops_exactly_the_partitions_older_than_the_period(people, subscribe):  # noqa: F811
    months = [datetime.date(2001, m, 1) for m in (1, 2, 3, 4)]
    usage_partitions_ensure(months)
    product = subscribe(people["zhang"], "59")
    tz = timezone.get_current_timezone()
    for month in months:
        _usage_row(product, datetime.datetime(month.year, month.month, 15, 10, tzinfo=tz), f"k-{month:%Y%m}")
    account = product.customer.accounts.get()
    UsageMonthly.objects.create(
        product=product, customer=product.customer, account=account, month=months[0], voice_calls=1
    )
    usage_daily_rebuild(start=months[0], end=datetime.date(2001, 5, 1))  # the daily sums of those records
    before = set(usage_partitions())

    # Kept: March 2003 and the 24 months before it, i.e. from April 2001 (a 2001-04 partition stays).
    dropped = usage_partitions_drop_expired(today=datetime.date(2003, 3, 10), months=24)

    assert dropped == [partition_name(m) for m in months[:3]]
    assert set(usage_partitions()) == before - set(dropped)
    with connection.cursor() as cursor:
        cursor.execute("SELECT record_key FROM billing_sync_usagerecord WHERE started_at < '2001-06-01'")
        assert [row[0] for row in cursor.fetchall()] == ["k-200104"]
    assert UsageMonthly.objects.filter(product=product).count() == 1  # monthly totals are not usage details
    assert list(UsageDaily.objects.values_list("day", flat=True)) == [datetime.date(2001, 4, 15)]  # days go with them
    entries = AuditEntry.objects.filter(object_type="billing_sync.usagerecord", action=AuditEntry.Action.DELETE)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(dropped)
    assert all(e.changes["rows"] == 1 and e.changes["retention_months"] == 24 for e in entries)
    # Run again: nothing more to drop.
    assert usage_partitions_drop_expired(today=datetime.date(2003, 3, 10), months=24) == []


def test_retention_is_a_scheduled_job():
    from crm.schedules import beat_schedule

    entry = beat_schedule()["usage-retention"]
    assert entry["task"] == "billing_sync.tasks.usage_retention_task"
    from billing_sync.tasks import usage_retention_task

    assert usage_retention_task.name == entry["task"]
