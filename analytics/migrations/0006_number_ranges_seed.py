"""The mobile number ranges (号段) of the four networks, as data: the competitor dashboard and the churn feature
``competitor_share_3m`` tell calls with competitors apart by the first three digits. Edited in the admin afterwards
(a new range, a ported block)."""

from django.db import migrations

RANGES = {
    "telecom": ["133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"],
    "mobile": [
        "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "172", "178",
        "182", "183", "184", "187", "188", "195", "197", "198",
    ],
    "unicom": ["130", "131", "132", "145", "155", "156", "166", "167", "171", "175", "176", "185", "186", "196"],
    "broadnet": ["192"],
}  # fmt: skip
OWN = "telecom"


def seed(apps, schema_editor):
    NumberRange = apps.get_model("analytics", "NumberRange")
    for operator, prefixes in RANGES.items():
        for prefix in prefixes:
            NumberRange.objects.get_or_create(
                prefix=prefix, defaults={"operator": operator, "is_own": operator == OWN, "note": "mobile"}
            )


def unseed(apps, schema_editor):
    prefixes = [p for prefixes in RANGES.values() for p in prefixes]
    apps.get_model("analytics", "NumberRange").objects.filter(prefix__in=prefixes).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_job_kind_marts")]

    operations = [migrations.RunPython(seed, unseed)]
