"""The default fraud rule base (反欺诈规则库): one or more rules per detector, tuned afterwards in the admin."""

from django.db import migrations

# International ranges that fraud (IRSF, call-back bait) concentrates on: global satellite and international networks
# (+881, +882, +883, +870), and countries on the operators' high-risk lists; then domestic premium-rate ranges.
HIGH_RISK_PREFIXES = [
    "00881", "00882", "00883", "00870", "00232", "00675", "00252", "00224", "00225", "00234", "00880", "00855",
    "00960", "00678", "00686", "00690", "1900", "168",
]  # fmt: skip

RULES = [
    {
        "code": "usage-spike",
        "name": "通话时长远超自身基线",
        "detector": "baseline_zscore",
        "params": {
            "z_threshold": 6.0,
            "window_days": 28,
            "min_minutes": 30.0,
            "min_history_days": 7,
            "mad_floor_minutes": 5.0,
        },
        "reason_code": "USAGE_SPIKE",
        "severity": "medium",
        "fast": False,
        "description": "Robust z-score of today's outbound minutes against the median and MAD of the last 28 days.",
    },
    {
        "code": "simultaneous-calls",
        "name": "多路同时通话",
        "detector": "simultaneous_calls",
        "params": {"min_concurrent": 3},
        "reason_code": "SIMULTANEOUS_CALLS",
        "severity": "high",
        "fast": True,
        "description": "A handset makes one call at a time: overlapping calls point to a cloned SIM or a SIM box.",
    },
    {
        "code": "high-risk-new-line",
        "name": "新入网30天内呼叫高危国际/声讯号码",
        "detector": "high_risk_destination",
        "params": {"prefixes": HIGH_RISK_PREFIXES, "max_days_since_start": 30, "min_calls": 3},
        "reason_code": "HIGH_RISK_NEW_LINE",
        "severity": "high",
        "fast": True,
        "description": "International revenue share fraud usually starts right after a line is activated.",
    },
    {
        "code": "high-risk-volume",
        "name": "高危国际/声讯呼叫量大",
        "detector": "high_risk_destination",
        "params": {"prefixes": HIGH_RISK_PREFIXES, "max_days_since_start": None, "min_calls": 20},
        "reason_code": "HIGH_RISK_VOLUME",
        "severity": "medium",
        "fast": False,
        "description": "Lines of any age calling high-risk ranges all day.",
    },
    {
        "code": "wangiri",
        "name": "短时呼叫骚扰（响一声，Wangiri）",
        "detector": "wangiri",
        "params": {
            "max_duration_s": 5,
            "min_calls": 30,
            "min_distinct": 20,
            "window_minutes": 60,
            "min_international_calls": 10,
        },
        "reason_code": "WANGIRI",
        "severity": "high",
        "fast": True,
        "description": "30 calls under 5 s to 20 numbers within an hour, or 10 such calls abroad.",
    },
    {
        "code": "sim-box",
        "name": "SIM盒（猫池）特征",
        "detector": "sim_box",
        "params": {"min_calls": 100, "min_distinct": 80, "max_in_out_ratio": 0.05, "max_cells": 1},
        "reason_code": "SIM_BOX",
        "severity": "critical",
        "fast": False,
        "description": "100 outgoing calls a day to 80 numbers, almost nothing incoming, always in one cell.",
    },
    {
        "code": "subscription-fraud",
        "name": "新入网客户大额消费未缴费",
        "detector": "subscription_fraud",
        "params": {"max_tenure_days": 60, "min_charges": 200.0, "max_paid": 0.0},
        "reason_code": "SUBSCRIPTION_FRAUD",
        "severity": "high",
        "fast": False,
        "description": "A customer of at most 60 days with 200 yuan of usage charges and no payment.",
    },
]


def seed(apps, schema_editor):
    FraudRule = apps.get_model("analytics", "FraudRule")
    for rule in RULES:
        FraudRule.objects.get_or_create(code=rule["code"], defaults={k: v for k, v in rule.items() if k != "code"})


def unseed(apps, schema_editor):
    apps.get_model("analytics", "FraudRule").objects.filter(code__in=[r["code"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_jobs_features_models_fraud_segments_credit")]

    operations = [migrations.RunPython(seed, unseed)]
