"""The 360 page's billing card (balances, bills with items, payments, usage, top numbers), tickets and care tasks."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing_sync.models import BillItem, UsageMonthly, UsageRecord
from billing_sync.services.accounts import account_arrears_refresh
from billing_sync.services.partitions import month_start, usage_partitions_ensure
from billing_sync.services.payments import payment_post
from callcenter.models import TroubleTicket
from crm.accounts.roles import Role
from feedback.models import CareTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"  # these tests read the English strings, not the catalogue's Chinese


_numbers = itertools.count(1)


def url(customer) -> str:
    return reverse("customers:detail", args=[customer.customer_no])


def usage_url(customer, product=None) -> str:
    path = reverse("payments:customer_usage", args=[customer.customer_no])
    return f"{path}?product={product.product_no}" if product else path


def ticket(customer, owner, *, status="inProgress", hours_left=5):
    now = timezone.now()
    return TroubleTicket.objects.create(
        ticket_no=f"T{next(_numbers):08d}", ticket_type="complaint", customer=customer, description="网速慢",
        owner=owner, region=customer.region, status=status, sla_started_at=now - datetime.timedelta(hours=1),
        due_at=now + datetime.timedelta(hours=hours_left, minutes=30),
        resolved_at=now if status in ("resolved", "closed") else None,
    )  # fmt: skip


def call(product, when, other, seconds=60):
    usage_partitions_ensure([when])
    UsageRecord.objects.create(
        record_key=f"u{next(_numbers)}", started_at=when, account_id=product.customer.accounts.get().pk,
        customer_id=product.customer_id, product_id=product.pk, service_number=product.service_number,
        usage_type="voice", outgoing=True, other_number=other, duration_s=seconds,
    )  # fmt: skip


@pytest.fixture
def history(people, subscribe, make_bill, make_staff):
    """Zhang: two bills with items (August overdue, September settled), a payment, usage this month, a call."""
    zhang = people["zhang"]
    account = zhang.accounts.get()
    mobile = subscribe(zhang, "59", number="13300001111")
    august = make_bill(account, "80.00", month=datetime.date(2026, 8, 1))
    september = make_bill(account, "45.00", month=datetime.date(2026, 9, 1))
    BillItem.objects.create(bill=august, item_no=1, rate_type="recurring", name="畅享套餐月租", amount="59.00",
                            service_number="13300001111")  # fmt: skip
    BillItem.objects.create(bill=august, item_no=2, rate_type="usage", name="国内通话费", amount="21.00")
    account_arrears_refresh(account_ids=[account.pk], today=datetime.date(2026, 11, 22))
    # September was paid at a bank (billing reports it settled); August stays overdue and gets 5 at the counter.
    september.amount_paid, september.state, september.settled_at = Decimal("45.00"), "settled", timezone.now()
    september.save()
    clerk = make_staff(Role.HALL_CLERK)
    payment, _ = payment_post(account=account, amount="5", channel="counter", method="cash", actor=clerk)
    this_month = month_start(timezone.localdate())
    UsageMonthly.objects.create(product=mobile, customer=zhang, account=account, month=this_month, voice_calls=12,
                                voice_seconds=3600, sms_count=3, data_kb=10 * 1024, charge="12.30")  # fmt: skip
    call(mobile, timezone.now() - datetime.timedelta(hours=2), "13987654321", seconds=240)
    account.refresh_from_db()
    return {"customer": zhang, "account": account, "august": august, "september": september, "payment": payment,
            "mobile": mobile, "clerk": clerk, "this_month": this_month}  # fmt: skip


def test_the_360_shows_balances_bills_with_items_payments_and_usage(client, history):
    client.force_login(history["clerk"])
    response = client.get(url(history["customer"]))
    html = response.content.decode()
    account, august, september = history["account"], history["august"], history["september"]

    assert response.status_code == 200 and 'data-testid="billing-panel"' in html
    assert "Arrive with the billing integration" not in html
    assert re.search(rf'data-testid="arrears-{account.account_no}">75.00<', html)  # 80 overdue, 5 paid
    assert re.search(rf'data-testid="outstanding-{account.account_no}">75.00<', html)
    assert reverse("payments:new", args=[account.account_no]) in html
    # Bills: month, amounts, state; the overdue one says so; its items are inside.
    row = re.search(rf'<tr data-bill="{august.bill_no}">(.*?)</tr>', html, re.S).group(1)
    assert "2026-08" in row and "80.00" in row and "5.00" in row and "75.00" in row and "畅享套餐月租" in row
    assert re.search(rf'data-testid="bill-state-{august.bill_no}">Overdue<', html)
    assert re.search(rf'data-testid="bill-state-{september.bill_no}">Settled<', html)
    # Payments, linked to the receipt for a clerk.
    assert reverse("payments:receipt", args=[history["payment"].payment_no]) in html
    # Usage: this month's row of the table, the chart data, the masked top number.
    month_row = re.search(rf'<tr data-month="{history["this_month"]:%Y-%m}">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", month_row)[1:] == ["12", "60.0", "3", "10.0", "12.30"]
    assert 'id="usage-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "139****4321" in html and "13987654321" not in html


def test_a_role_without_payments_sees_bills_but_no_payment_button(client, history, make_staff):
    client.force_login(make_staff(Role.CALL_AGENT))
    html = client.get(url(history["customer"])).content.decode()
    assert history["august"].bill_no in html
    assert reverse("payments:new", args=[history["account"].account_no]) not in html
    assert reverse("payments:receipt", args=[history["payment"].payment_no]) not in html


def test_the_usage_part_reloads_for_one_subscription_and_stays_in_scope(client, history, subscribe, make_staff, wuhu):
    zhang = history["customer"]
    other = subscribe(zhang, "19", number="13300002222")
    UsageMonthly.objects.create(product=other, customer=zhang, account=history["account"], month=history["this_month"],
                                voice_calls=30)  # fmt: skip
    client.force_login(history["clerk"])

    def calls_this_month(response):
        row = re.search(rf'<tr data-month="{history["this_month"]:%Y-%m}">(.*?)</tr>', response.content.decode(), re.S)
        return re.findall(r"<td>([^<]*)</td>", row.group(1))[1]

    assert calls_this_month(client.get(usage_url(zhang))) == "42"
    only_other = client.get(usage_url(zhang, other))
    assert calls_this_month(only_other) == "30"
    assert "No outgoing call in the last 3 months" in only_other.content.decode()
    assert "139****4321" in client.get(usage_url(zhang, history["mobile"])).content.decode()
    client.force_login(make_staff(Role.HALL_CLERK, region=wuhu))
    assert client.get(usage_url(zhang)).status_code == 404
    client.force_login(make_staff(Role.FIELD_TECHNICIAN))
    assert client.get(usage_url(zhang)).status_code == 403


def test_open_tickets_with_time_left_and_open_care_tasks(client, people, make_staff):
    zhang = people["zhang"]
    agent = make_staff(Role.CALL_AGENT)
    open_ticket = ticket(zhang, agent, hours_left=5)
    closed = ticket(zhang, agent, status="closed")
    due = timezone.now() + datetime.timedelta(days=1)
    task = CareTask.objects.create(customer=zhang, kind="retention", region=zhang.region, due_at=due, note="挽留回访")
    done = CareTask.objects.create(customer=zhang, kind="survey_follow_up", region=zhang.region, due_at=due,
                                   state="done", done_at=timezone.now())  # fmt: skip
    client.force_login(agent)
    html = client.get(url(zhang)).content.decode()

    tickets = re.search(r'data-testid="tickets-panel">(.*?)</section>', html, re.S).group(1)
    assert open_ticket.ticket_no in tickets and closed.ticket_no not in tickets
    assert "5 hours left" in tickets and reverse("callcenter:ticket", args=[open_ticket.ticket_no]) in tickets
    care = re.search(r'data-testid="care-panel">(.*?)</section>', html, re.S).group(1)
    assert f'data-care-task="{task.pk}"' in care and "挽留回访" in care and f'data-care-task="{done.pk}"' not in care
    assert "Arrive with the call centre" not in html and "Arrive with customer care" not in html


def test_the_360_query_count_does_not_grow_with_history(
    client, history, make_bill, make_staff, django_assert_max_num_queries
):
    """Everything of test_360_query_budget plus bill items and top numbers (2), whatever the number of rows."""
    zhang, account = history["customer"], history["account"]
    manager = make_staff(Role.MANAGER)
    ticket(zhang, history["clerk"])
    CareTask.objects.create(customer=zhang, kind="retention", region=zhang.region, due_at=timezone.now())
    client.force_login(manager)
    with django_assert_max_num_queries(25):
        assert client.get(url(zhang)).status_code == 200
    for month in range(1, 8):
        bill = make_bill(account, "10.00", month=datetime.date(2025, month, 1))
        BillItem.objects.create(bill=bill, item_no=1, rate_type="recurring", name="月租", amount="10.00")
        ticket(zhang, history["clerk"])
        CareTask.objects.create(customer=zhang, kind="retention", region=zhang.region, due_at=timezone.now())
        payment_post(account=account, amount="1", channel="counter", method="cash")
        call(history["mobile"], timezone.now() - datetime.timedelta(minutes=month), f"1390000{month:04d}")
    with django_assert_max_num_queries(25):
        assert client.get(url(zhang)).status_code == 200
