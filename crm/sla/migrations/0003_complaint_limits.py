"""Time limits of complaints (投诉) and complaints to the regulator (工信部申诉), which must be answered faster,
and of maintenance requests; the green channel halves them."""

from django.db import migrations

ROWS = [
    # work type, service level, name, response minutes, resolution minutes, priority
    ("complaint", "", "投诉处理", 120, 2880, 0),
    ("complaint", "diamond", "投诉处理（绿色通道）", 60, 1440, 10),
    ("complaint", "1A", "投诉处理（绿色通道）", 60, 1440, 10),
    ("regulator_complaint", "", "工信部申诉处理", 60, 1440, 20),
    ("maintenance", "", "维护请求", 240, 4320, 0),
]


def seed(apps, schema_editor):
    ServiceLimit = apps.get_model("sla", "ServiceLimit")
    for work_type, level, name, response, resolution, priority in ROWS:
        ServiceLimit.objects.get_or_create(
            work_type=work_type, area_kind="", service_level=level, variant="",
            defaults={"name": name, "clock": "calendar", "response_minutes": response,
                      "resolution_minutes": resolution, "priority": priority, "target_percent": 98,
                      "source": "客服中心投诉处理规范"},
        )  # fmt: skip


def unseed(apps, schema_editor):
    ServiceLimit = apps.get_model("sla", "ServiceLimit")
    for work_type, level, *_rest in ROWS:
        ServiceLimit.objects.filter(work_type=work_type, service_level=level, area_kind="", variant="").delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_default_limits_and_holidays")]
    operations = [migrations.RunPython(seed, unseed)]
