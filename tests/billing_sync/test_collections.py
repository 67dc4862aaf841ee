"""Collection work lists (催缴工作台): region scoping, age buckets, filters, export, permissions, and the case actions
(contact results, promises, instalments, agency, write-off with four eyes)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing_sync.models import CollectionTask, CustomerBill, DunningCase, WriteOff
from billing_sync.services.collections import (
    CollectionRefused,
    agency_hand_over,
    contact_record,
    instalment_plan_create,
    instalment_split,
    promise_record,
    write_off_decide,
    write_off_request,
)
from billing_sync.services.dunning import dunning_run
from crm.audit.models import AuditEntry
from customers.models import PartyInteraction
from tests.conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dunning_policy")]
DAY = datetime.timedelta(days=1)


@pytest.fixture
def cases(people, make_bill):
    """Zhang (Hefei, 10 days, 80 yuan), the Hefei company (45 days, 900 yuan), Zhang Wei (Wuhu, 100 days, 60 yuan)."""
    today = timezone.localdate()
    for key, amount, days in (("zhang", "80.00", 10), ("corp", "900.00", 45), ("zhangw", "60.00", 100)):
        make_bill(people[key].accounts.get(), amount, month=datetime.date(2026, 1, 1), due=today - days * DAY)
    dunning_run()
    return {key: DunningCase.objects.get(customer=people[key]) for key in ("zhang", "corp", "zhangw")}


def _login(client, user):
    client.login(username=user.username, password=STAFF_PASSWORD)
    return client


def _names(response):
    return [row["cells"][0][0] for row in response.context["rows"]]


def test_a_hefei_clerk_sees_only_hefei_cases_with_buckets_and_totals(client, cases, make_staff):
    clerk = make_staff("hall_clerk")
    response = _login(client, clerk).get(reverse("collections:list"))
    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(["张伟明", "合肥华信科技有限公司"])
    totals = {b["key"]: (b["count"], b["arrears"]) for b in response.context["buckets"]}
    assert totals == {
        "0-30": (1, Decimal("80.00")),
        "31-60": (1, Decimal("900.00")),
        "61-90": (0, 0),
        "91-180": (0, 0),
        ">180": (0, 0),
    }
    assert response.context["chart"]["arrears"] == [80.0, 900.0, 0.0, 0.0, 0.0]
    assert "region" not in response.context["filterset"].filters  # a regional user does not choose the region

    # Wuhu's case is not there, not even by its address.
    assert client.get(reverse("collections:case", args=[cases["zhangw"].pk])).status_code == 404
    assert client.get(reverse("collections:case", args=[cases["zhang"].pk])).status_code == 200


def test_province_staff_see_every_region_and_filter_by_region_bucket_amount_and_search(
    client, cases, make_staff, hefei, wuhu
):
    manager = make_staff("manager")
    _login(client, manager)
    url = reverse("collections:list")
    assert len(_names(client.get(url))) == 3
    assert _names(client.get(url, {"region": wuhu.pk})) == ["张伟"]
    assert _names(client.get(url, {"bucket": "91-180"})) == ["张伟"]
    assert _names(client.get(url, {"bucket": "31-60"})) == ["合肥华信科技有限公司"]
    assert sorted(_names(client.get(url, {"min_amount": "70"}))) == sorted(["张伟明", "合肥华信科技有限公司"])
    assert _names(client.get(url, {"q": "A00000000002"})) == ["张伟"]
    assert _names(client.get(url, {"q": "华信"})) == ["合肥华信科技有限公司"]
    assert _names(client.get(url, {"phase": "3", "region": hefei.pk})) == ["合肥华信科技有限公司"]
    assert _names(client.get(url, {"status": "legal"})) == ["张伟"]  # Wuhu's gold customer, 100 days: legal
    agency_hand_over(case=cases["zhang"], agency="安徽信达催收", actor=manager)
    assert _names(client.get(url, {"agency": "信达"})) == ["张伟明"]
    totals = {b["key"]: b["count"] for b in client.get(url, {"region": hefei.pk}).context["buckets"]}
    assert totals == {"0-30": 1, "31-60": 1, "61-90": 0, "91-180": 0, ">180": 0}  # totals follow the filters


def test_export_csv_and_excel_of_the_filtered_cases(client, cases, make_staff):
    clerk = make_staff("hall_clerk")
    response = _login(client, clerk).get(reverse("collections:list"), {"bucket": "31-60", "export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[2][0] == "合肥华信科技有限公司" and rows[2][1] == "A00000000003"
    assert rows[2][2] == "900.00" and rows[2][3] == "45" and rows[2][4] == "31-60"
    assert AuditEntry.objects.filter(action="export").exists()
    xlsx = client.get(reverse("collections:list"), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("role", ["call_agent", "field_technician", "marketing_analyst", "dispatcher"])
def test_roles_without_collections_get_403(client, cases, make_staff, role):
    _login(client, make_staff(role))
    assert client.get(reverse("collections:list")).status_code == 403
    assert client.get(reverse("collections:tasks")).status_code == 403
    assert client.get(reverse("collections:case", args=[cases["zhang"].pk])).status_code == 403


def test_the_task_list_and_recording_an_outcome(client, cases, make_staff):
    clerk = make_staff("hall_clerk")
    _login(client, clerk)
    response = client.get(reverse("collections:tasks"))
    tasks = CollectionTask.objects.filter(state="open", region=cases["zhang"].region)
    assert response.status_code == 200 and response.context["total"] == tasks.count() >= 2
    task = CollectionTask.objects.get(case=cases["zhang"], kind="reminder_call")
    wuhu_task = CollectionTask.objects.filter(case=cases["zhangw"]).first()
    if wuhu_task is not None:
        assert client.get(reverse("collections:task", args=[wuhu_task.pk])).status_code == 404
    response = client.post(reverse("collections:task", args=[task.pk]), {"task": task.pk, "outcome": "promised",
                                                                         "note": "月底前缴"})  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.outcome, task.done_by) == ("done", "promised", clerk)
    assert cases["zhang"].actions.filter(kind="contact", actor=clerk).exists()
    assert PartyInteraction.objects.filter(customer=cases["zhang"].customer, interaction_type="dunning",
                                           channel="outbound_call", staff=clerk).exists()  # fmt: skip
    with pytest.raises(CollectionRefused):
        contact_record(task=task, outcome="reached", actor=clerk)


def test_case_page_actions_promise_instalments_agency(client, cases, make_staff):
    clerk = make_staff("hall_clerk")
    _login(client, clerk)
    case = cases["zhang"]
    url = reverse("collections:case", args=[case.pk])
    too_late = timezone.localdate() + 31 * DAY
    response = client.post(url, {"action": "promise", "promised_on": too_late.isoformat(), "amount": "80"})
    assert response.status_code == 200 and "30" in str(response.context["forms"]["promise"].non_field_errors())
    promised = timezone.localdate() + 7 * DAY
    response = client.post(url, {"action": "promise", "promised_on": promised.isoformat(), "amount": "80"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.paused_until) == ("paused", promised)

    response = client.post(url, {"action": "agency", "agency": "安徽信达催收"})
    case.refresh_from_db()
    assert response.status_code == 302 and case.agency == "安徽信达催收" and case.agency_since == timezone.localdate()
    page = client.get(url)
    assert "安徽信达催收" in page.content.decode() and page.context["promises"].count() == 1

    corp = cases["corp"]
    response = client.post(reverse("collections:case", args=[corp.pk]),
                           {"action": "instalments", "count": "1", "first_due": promised.isoformat()})  # fmt: skip
    assert response.status_code == 200 and not corp.instalment_plans.exists()
    response = client.post(reverse("collections:case", args=[corp.pk]),
                           {"action": "instalments", "count": "7", "first_due": promised.isoformat()})  # fmt: skip
    assert response.status_code == 302
    plan = corp.instalment_plans.get()
    amounts = [i.amount for i in plan.instalments.order_by("seq")]
    assert len(amounts) == 7 and sum(amounts) == Decimal("900.00") == plan.total
    dues = [i.due_on for i in plan.instalments.order_by("seq")]
    assert dues[0] == promised and dues == sorted(set(dues))


def test_instalments_split_to_the_fen_and_bounds():
    parts = instalment_split(Decimal("100.00"), 3)
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] and sum(parts) == Decimal("100.00")


def test_instalment_plan_bounds(cases, make_staff):
    clerk = make_staff("hall_clerk")
    first = timezone.localdate() + DAY
    for count in (1, 13):
        with pytest.raises(CollectionRefused):
            instalment_plan_create(case=cases["zhang"], count=count, first_due=first, actor=clerk)
    with pytest.raises(CollectionRefused):
        promise_record(case=cases["zhang"], promised_on=first, amount="500", actor=clerk)  # more than owed


def test_write_off_needs_a_second_person_and_writes_off_the_oldest_bills_first(cases, make_staff, people, make_bill):
    case = cases["corp"]
    account = case.account
    newer = make_bill(account, "100.00", month=datetime.date(2026, 2, 1), due=timezone.localdate() - 2 * DAY)
    dunning_run()
    case.refresh_from_db()
    assert case.arrears == Decimal("1000.00")
    clerk, hefei_manager = make_staff("hall_clerk"), make_staff("manager")
    write_off = write_off_request(case=case, reason="企业注销，无法追缴", actor=clerk)
    assert write_off.amount == Decimal("1000.00")
    with pytest.raises(CollectionRefused):
        write_off_request(case=case, reason="again", actor=clerk)

    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        write_off_decide(write_off=write_off, approver=make_staff("hall_clerk"), approve=True)
    approver_requesting = make_staff("manager")
    own = WriteOff.objects.create(case=cases["zhangw"], amount=Decimal("60"), reason="x",
                                  requested_by=approver_requesting, requested_at=timezone.now())  # fmt: skip
    with pytest.raises(CollectionRefused):
        write_off_decide(write_off=own, approver=approver_requesting, approve=True)

    write_off_decide(write_off=write_off, approver=hefei_manager, approve=True, note="同意")
    write_off.refresh_from_db()
    case.refresh_from_db()
    account.refresh_from_db()
    assert (write_off.state, write_off.decided_by) == ("approved", hefei_manager)
    assert (case.status, case.arrears, account.arrears_amount) == ("written_off", 0, 0)
    bills = CustomerBill.objects.filter(account=account).order_by("due_date")
    assert [(b.written_off, b.state) for b in bills] == [(Decimal("900.00"), "settled"), (Decimal("100.00"), "settled")]
    assert newer.pk == bills[1].pk
    assert list(case.actions.filter(kind__startswith="write_off").values_list("kind", flat=True)) == [
        "write_off_requested", "write_off_approved"]  # fmt: skip
    assert not case.tasks.filter(state="open").exists()
    assert AuditEntry.objects.filter(object_type="billing_sync.dunningcase", object_id=str(case.pk),
                                     actor_id=hefei_manager.pk).exists()  # fmt: skip


def test_the_case_page_offers_the_decision_only_to_another_supervisor(client, cases, make_staff, hefei):
    case = cases["zhang"]
    requester = make_staff("manager", region=hefei)
    write_off_request(case=case, reason="死亡", actor=requester)
    _login(client, requester)
    page = client.get(reverse("collections:case", args=[case.pk]))
    assert page.context["can_decide"] is False and 'data-testid="write-off-decide-form"' not in page.content.decode()
    client.logout()
    other = make_staff("manager", region=hefei)
    _login(client, other)
    page = client.get(reverse("collections:case", args=[case.pk]))
    assert page.context["can_decide"] is True
    pending = page.context["pending_write_off"]
    response = client.post(reverse("collections:case", args=[case.pk]),
                           {"action": "write_off_decide", "write_off": pending.pk, "decision": "refuse",
                            "note": "继续催缴"})  # fmt: skip
    assert response.status_code == 302
    pending.refresh_from_db()
    case.refresh_from_db()
    assert pending.state == "refused" and case.is_live


def test_navigation_shows_collections_to_clerks(client, make_staff):
    _login(client, make_staff("hall_clerk"))
    assert reverse("collections:list") in client.get("/").content.decode()


def test_assigning_a_collector_of_the_region_moves_the_reminder_calls_to_them(client, cases, make_staff, wuhu):
    clerk, colleague = make_staff("hall_clerk"), make_staff("hall_clerk")
    outsider = make_staff("hall_clerk", region=wuhu)
    _login(client, clerk)
    url = reverse("collections:case", args=[cases["zhang"].pk])
    response = client.post(url, {"action": "assign", "collector": outsider.pk})
    assert response.status_code == 200 and "collector" in response.context["forms"]["assign"].errors
    response = client.post(url, {"action": "assign", "collector": colleague.pk})
    assert response.status_code == 302
    case = DunningCase.objects.get(pk=cases["zhang"].pk)
    assert case.assigned_to == colleague
    assert set(case.tasks.filter(kind="reminder_call").values_list("assigned_to", flat=True)) == {colleague.pk}
    assert AuditEntry.objects.filter(object_id=str(case.pk), changes__assigned_to=["", colleague.username]).exists()
    listed = client.get(reverse("collections:list"), {"mine": "true"})
    assert _names(listed) == []
    client.logout()
    _login(client, colleague)
    assert _names(client.get(reverse("collections:list"), {"mine": "true"})) == ["张伟明"]
    assert client.get(reverse("collections:tasks"), {"mine": "true"}).context["total"] == 1
