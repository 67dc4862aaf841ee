"""Default arrears policy (欠费策略): the operator's three 10-day phases (seed 003, article 5) and the rules.

Operators edit both tables in the admin; this migration only seeds what a new installation starts with."""

from decimal import Decimal

from django.db import migrations

PHASES = [
    # number, name, starts after (days overdue), SMS, repeat SMS every, call task, suspend, terminate, legal
    (1, "催缴提醒", 1, True, 5, True, False, False, False),
    (2, "关联停机", 11, True, 0, False, True, False, False),
    (3, "拆机及法律清缴", 21, True, 0, False, False, True, True),
]
RULES = [
    # customer class, service level, min arrears, grace days, automatic suspension, automatic disconnection, note
    ("", "", Decimal("10.00"), 0, True, True, "默认：欠费10元起催缴，自动停机、拆机"),
    ("key_account", "", Decimal("10.00"), 0, False, False, "政企客户：客户经理跟进，不自动停机拆机"),
    ("", "diamond", Decimal("10.00"), 0, False, False, "钻石客户：客户经理跟进，不自动停机拆机"),
    ("", "gold", Decimal("10.00"), 5, True, True, "金卡客户：额外5天宽限"),
]


def seed(apps, schema_editor):
    Phase = apps.get_model("billing_sync", "DunningPhase")
    Rule = apps.get_model("billing_sync", "DunningRule")
    for number, name, after, sms, every, call, suspend, terminate, legal in PHASES:
        Phase.objects.update_or_create(
            number=number,
            defaults={"name": name, "starts_after_days": after, "send_sms": sms, "remind_every_days": every,
                      "create_call_task": call, "suspend_services": suspend, "terminate_services": terminate,
                      "hand_to_legal": legal},
        )  # fmt: skip
    for customer_class, level, minimum, grace, suspend, disconnect, note in RULES:
        Rule.objects.update_or_create(
            customer_class=customer_class,
            service_level=level,
            defaults={"min_arrears": minimum, "grace_days": grace, "automatic_suspension": suspend,
                      "automatic_disconnection": disconnect, "note": note},
        )  # fmt: skip


def unseed(apps, schema_editor):
    apps.get_model("billing_sync", "DunningPhase").objects.filter(number__in=[p[0] for p in PHASES]).delete()
    Rule = apps.get_model("billing_sync", "DunningRule")
    for customer_class, level, *_rest in RULES:
        Rule.objects.filter(customer_class=customer_class, service_level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("billing_sync", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
