"""Seeded contact policy (频次控制), quiet hours and care rules (主动关怀规则); operators tune them in the admin."""

import datetime

from django.db import migrations

# (service level or "" for the channel's default, channel, max marketing contacts, per days)
POLICIES = [
    ("", "sms", 4, 30),
    ("", "outbound_call", 2, 30),
    ("", "email", 8, 30),
    ("", "app_push", 8, 30),
    ("", "portal", 30, 30),
    # Valuable customers are spared: fewer calls and texts.
    ("diamond", "outbound_call", 1, 30),
    ("diamond", "sms", 2, 30),
    ("gold", "outbound_call", 1, 30),
    ("gold", "sms", 3, 30),
]
QUIET = [("sms", datetime.time(21), datetime.time(8)), ("outbound_call", datetime.time(21), datetime.time(8))]
# (code, name, kind, params, owner, due days, message template)
RULES = [
    ("churn-risk", "流失风险升高", "churn_risk_rise", {"threshold": "0.7"}, "account_manager", 3, ""),
    ("bill-shock", "账单突增", "bill_shock", {"k": "2", "n": 3, "within_days": 31}, "outbound_list", 2, ""),
    ("contract-expiring", "合同60天内到期", "contract_expiring", {"days": 60}, "account_manager", 14, ""),
    ("repeated-faults", "30天内3次以上故障", "repeated_faults", {"n": 3, "days": 30}, "account_manager", 1, ""),
    ("complaint-overdue", "投诉超时未处理", "complaint_overdue", {}, "account_manager", 1, ""),
    ("key-account-drop", "政企客户消费下降30%", "key_account_usage_drop", {"pct": 30, "n": 3}, "account_manager", 5, ""),
    ("birthday", "生日祝福", "birthday", {}, "account_manager", 1, "【中国电信】尊敬的{name}，祝您生日快乐！"),
    ("spring-festival-2027", "春节问候", "holiday", {"date": "2027-02-06", "name": "春节"}, "account_manager", 1,
     "【中国电信】尊敬的{name}，恭祝您{holiday}快乐，阖家幸福！"),
    ("national-day", "国庆问候", "holiday", {"date": "10-01", "name": "国庆节", "customer_class": "key_account"},
     "account_manager", 1, "【中国电信】尊敬的{name}，恭祝您{holiday}快乐！"),
]  # fmt: skip


def seed(apps, schema_editor):
    ContactPolicy = apps.get_model("feedback", "ContactPolicy")
    QuietHours = apps.get_model("feedback", "QuietHours")
    CareRule = apps.get_model("feedback", "CareRule")
    for level, channel, max_contacts, days in POLICIES:
        ContactPolicy.objects.get_or_create(
            service_level=level, channel=channel, defaults={"max_contacts": max_contacts, "period_days": days}
        )
    for channel, start, end in QUIET:
        QuietHours.objects.get_or_create(channel=channel, defaults={"start": start, "end": end})
    for code, name, kind, params, owner, due, template in RULES:
        CareRule.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "params": params, "owner": owner, "due_days": due,
                      "message_template": template},
        )  # fmt: skip


def unseed(apps, schema_editor):
    apps.get_model("feedback", "ContactPolicy").objects.filter(
        channel__in={c for _, c, _, _ in POLICIES}
    ).delete()
    apps.get_model("feedback", "QuietHours").objects.filter(channel__in=[c for c, _, _ in QUIET]).delete()
    apps.get_model("feedback", "CareRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_contact_policy_and_care_rules")]

    operations = [migrations.RunPython(seed, unseed)]
