"""Service levels: the rule from the thresholds table, the monthly recomputation, and the audited pin."""

import datetime
from decimal import Decimal

import pytest

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from customers import levels, services
from customers.models import Customer, ServiceLevelChange, ServiceLevelThreshold
from customers.tasks import recompute_service_levels_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("level_table")]
TODAY = datetime.date(2026, 11, 22)


def rule(level, rank, spend, tenure=0, credit=None, arrears=None):
    return levels.LevelRule(level, rank, Decimal(spend), tenure, credit, None if arrears is None else Decimal(arrears))


RULES = [rule("gold", 3, 200, tenure=12, credit=70), rule("silver", 2, 100, tenure=6), rule("basic", 1, 0)]


@pytest.mark.parametrize(
    ("spend", "tenure", "credit", "expected"),
    [
        (250, 24, 80, "gold"),
        (250, 24, 60, "silver"),  # credit too low for gold
        (250, 11, 80, "silver"),  # not long enough with us for gold
        (150, 6, None, "silver"),
        (99, 60, 90, "basic"),
        (0, 0, None, "basic"),
    ],
)
def test_the_highest_level_whose_conditions_hold(spend, tenure, credit, expected):
    level = levels.level_for(RULES, avg_monthly_spend=Decimal(spend), tenure_months=tenure, credit_rating=credit)
    assert level == expected


def test_arrears_above_the_limit_keep_a_customer_out_of_a_level():
    rules = [rule("gold", 2, 100, arrears=0), rule("basic", 1, 0)]
    assert levels.level_for(rules, avg_monthly_spend=Decimal(300), tenure_months=1, credit_rating=None,
                            arrears=Decimal("0.01")) == "basic"  # fmt: skip
    assert levels.level_for(rules, avg_monthly_spend=Decimal(300), tenure_months=1, credit_rating=None) == "gold"


def test_tenure_counts_whole_months():
    assert levels.tenure_months(datetime.date(2025, 11, 22), TODAY) == 12
    assert levels.tenure_months(datetime.date(2025, 11, 23), TODAY) == 11
    assert levels.tenure_months(None, TODAY) == 0


def test_the_default_table_covers_every_level_of_both_classes():
    table = set(ServiceLevelThreshold.objects.values_list("customer_class", "level"))
    assert {("public", lv) for lv in ("diamond", "gold", "silver", "basic")} <= table
    assert len([1 for cls, _ in table if cls == "key_account"]) == 10


def test_monthly_recomputation_moves_levels_records_history_and_leaves_pinned_alone(people, subscribe):
    zhang, corp = people["zhang"], people["corp"]  # public gold, key account 3A
    Customer.objects.filter(pk=zhang.pk).update(since=datetime.date(2024, 1, 1), credit_rating=65)
    subscribe(zhang, 129)  # 129 yuan a month, 2 years with us, credit 65: silver
    Customer.objects.filter(pk=corp.pk).update(service_level_pinned=True, service_level_pin_reason="省重点客户")
    pinned_before = Customer.objects.get(pk=corp.pk).service_level

    result = services.service_levels_recompute(today=TODAY, batch_size=1)

    zhang.refresh_from_db()
    assert zhang.service_level == "silver"
    assert Customer.objects.get(pk=corp.pk).service_level == pinned_before
    change = ServiceLevelChange.objects.get(customer=zhang)
    assert (change.from_level, change.to_level, change.source) == ("gold", "silver", "computed")
    # zhang and zhangw were examined (zhangw, no spend, drops from gold to basic); the pinned organisation was not
    assert result.changed == 2 and result.pinned_skipped == 1 and result.examined == 2
    # Run again: nothing changes, no new history.
    assert services.service_levels_recompute(today=TODAY).changed == 0
    assert ServiceLevelChange.objects.filter(customer=zhang).count() == 1


def test_the_monthly_task_reports_counts(people):
    outcome = recompute_service_levels_task.apply().get()
    assert outcome["examined"] == 3  # nobody spends anything yet: the lowest level of each class
    assert outcome["changed"] == 3 and outcome["by_level"] == {"basic": 2, "5B": 1}


def test_a_manager_pins_a_level_with_a_reason_audited_and_in_the_history(people, make_staff):
    manager = make_staff(Role.MANAGER)
    customer = services.service_level_pin(customer=people["zhang"], level="diamond", reason="省公司VIP", actor=manager)
    assert customer.service_level == "diamond" and customer.service_level_pinned
    change = ServiceLevelChange.objects.get(customer=customer)
    assert (change.source, change.actor, change.reason) == ("pinned", manager, "省公司VIP")
    audit = AuditEntry.objects.get(action="update", object_type="customers.customer", object_id=str(customer.pk))
    assert audit.changes["service_level"] == ["gold", "diamond"]
    services.service_level_unpin(customer=customer, actor=manager)
    customer.refresh_from_db()
    assert not customer.service_level_pinned and customer.service_level_pin_reason == ""


def test_a_pin_needs_a_reason_a_level_of_the_class_and_a_manager(people, make_staff):
    manager = make_staff(Role.MANAGER)
    with pytest.raises(services.LevelPinError):
        services.service_level_pin(customer=people["zhang"], level="gold", reason="  ", actor=manager)
    with pytest.raises(services.LevelPinError):
        services.service_level_pin(customer=people["zhang"], level="1A", reason="x", actor=manager)
    with pytest.raises(PermissionError):
        services.service_level_pin(
            customer=people["zhang"], level="gold", reason="x", actor=make_staff(Role.HALL_CLERK)
        )
    assert not ServiceLevelChange.objects.exists()


def test_the_pin_form_on_the_360_page(client, people, make_staff):
    client.force_login(make_staff(Role.MANAGER))
    url = f"/customers/{people['zhang'].customer_no}/level"
    response = client.post(url, {"action": "pin", "level": "silver", "reason": "投诉补偿"}, follow=True)
    assert response.status_code == 200 and "投诉补偿" in response.content.decode()
    assert Customer.objects.get(pk=people["zhang"].pk).service_level == "silver"
    client.force_login(make_staff(Role.HALL_CLERK))
    assert client.post(url, {"action": "pin", "level": "gold", "reason": "x"}).status_code == 403
