"""Default time limits (装维服务规范 第六条, plus house defaults and the green channel) and the 2025–2026 holidays.

Everything here is editable in the admin afterwards; the reverse deletes exactly the rows seeded here."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import migrations

STANDARD = "装维服务规范 第六条"
HOUSE = "默认值 (not in the standard; edit as needed)"
GREEN = "绿色通道 (green channel for diamond and 1A)"

DAY = 1440
HOUR = 60
INSTALL_TARGET = Decimal("99")
FAULT_TARGET = Decimal("98")
FAULT_RESPONSE = 30
GREEN_RESPONSE = 15
GREEN_PRIORITY = 10
GREEN_LEVELS = ("diamond", "1A")

# (work type, label) of the jobs limited per area kind (装移拆 and the like)
INSTALL_LIKE = [("install", "Install (装机)"), ("move", "Move (移机)"), ("remove", "Remove (拆机)")]
HOUSE_PER_AREA = [
    ("change", "Change (变更)", 2 * DAY, 3 * DAY),
    ("transfer", "Transfer of ownership (过户)", 2 * DAY, 3 * DAY),
    ("terminate", "Terminate (销户)", 2 * DAY, 3 * DAY),
    ("port_in", "Port in (携入)", 2 * DAY, 3 * DAY),  # same as install
]
HOUSE_ANY_AREA = [
    ("suspend", "Suspend (停机)", DAY),
    ("resume", "Resume (复机)", DAY),
    ("vas", "Value-added service (增值业务)", DAY),
    ("port_out", "Port out (携出)", DAY),
]
# (work type, variant, label, minutes): the standard names them for installs; a move or port-in may need the same run.
# Cable runs are physical work, so the green channel does not shorten them.
CABLE_VARIANTS = [
    (work_type, variant, f"{label}, {text}", minutes)
    for work_type, label in [*INSTALL_LIKE[:2], ("port_in", "Port in (携入)")]
    for variant, text, minutes in [
        ("cable_short", "short new cable run (≤300 m, ≤2 boxes)", 4 * DAY),
        ("cable_long", "long new cable run (≤500 m, 3–10 boxes)", 5 * DAY),
    ]
]
# (work type, area kind, variant, label, minutes)
FAULTS = [
    ("fault_outage", "", "", "Fault: machine room outage (机房全阻)", 5 * HOUR),
    ("fault_fixed", "urban", "", "Fault: fixed line, urban (固话 市区)", 24 * HOUR),
    ("fault_fixed", "county", "", "Fault: fixed line, county (固话 郊县)", 48 * HOUR),
    ("fault_broadband", "", "", "Fault: broadband (宽带)", 8 * HOUR),
    ("fault_dia", "", "dia_gold", "Fault: DIA gold (专线 金牌)", 2 * HOUR),
    ("fault_dia", "", "dia_silver", "Fault: DIA silver (专线 银牌)", 3 * HOUR),
    ("fault_dia", "", "dia_ordinary", "Fault: DIA ordinary (专线 普通)", 5 * HOUR),
    ("fault_ip_supermarket", "", "before_14", "Fault: IP supermarket, reported before 14:00 (IP超市)", 8 * HOUR),
    ("fault_ip_supermarket", "", "after_14", "Fault: IP supermarket, reported after 14:00 (IP超市)", 24 * HOUR),
]
FAULT_FOLLOW_UPS = [
    ("onsite_arrival", "Technician on site after dispatch (上门)", 2 * HOUR),
    ("fault_report", "Fault report after repair (修复报告)", 24 * HOUR),
]
AREAS = [("urban", "urban (市区)"), ("county", "county (郊县)")]


def _row(work_type, name, minutes, *, area_kind="", service_level="", variant="", **extra):
    return {"work_type": work_type, "area_kind": area_kind, "service_level": service_level, "variant": variant,
            "name": name, "resolution_minutes": minutes, "clock": "calendar", **extra}  # fmt: skip


def limit_rows():
    rows = []
    for work_type, label in INSTALL_LIKE:
        for (area, text), minutes, green in zip(AREAS, (2 * DAY, 3 * DAY), (DAY, 2 * DAY), strict=True):
            rows.append(_row(work_type, f"{label}, {text}", minutes, area_kind=area,
                             target_percent=INSTALL_TARGET, source=STANDARD))  # fmt: skip
            for level in GREEN_LEVELS:
                rows.append(_row(work_type, f"{label}, {text}, {level} green channel", green, area_kind=area,
                                 service_level=level, target_percent=INSTALL_TARGET, priority=GREEN_PRIORITY,
                                 source=GREEN))  # fmt: skip
    for work_type, variant, name, minutes in CABLE_VARIANTS:
        source = STANDARD if work_type == "install" else HOUSE
        rows.append(_row(work_type, name, minutes, variant=variant, target_percent=INSTALL_TARGET, source=source))
    for work_type, label, urban, county in HOUSE_PER_AREA:
        for (area, text), minutes in zip(AREAS, (urban, county), strict=True):
            rows.append(_row(work_type, f"{label}, {text}", minutes, area_kind=area,
                             target_percent=INSTALL_TARGET, source=HOUSE))  # fmt: skip
    for work_type, label, minutes in HOUSE_ANY_AREA:
        rows.append(_row(work_type, label, minutes, target_percent=INSTALL_TARGET, source=HOUSE))
    for work_type, area, variant, label, minutes in FAULTS:
        rows.append(_row(work_type, label, minutes, area_kind=area, variant=variant, target_percent=FAULT_TARGET,
                         response_minutes=FAULT_RESPONSE, source=STANDARD))  # fmt: skip
        for level in GREEN_LEVELS:
            rows.append(_row(work_type, f"{label}, {level} green channel", minutes // 2, area_kind=area,
                             variant=variant, service_level=level, target_percent=FAULT_TARGET,
                             response_minutes=GREEN_RESPONSE, priority=GREEN_PRIORITY, source=GREEN))  # fmt: skip
    for work_type, label, minutes in FAULT_FOLLOW_UPS:
        rows.append(_row(work_type, label, minutes, target_percent=FAULT_TARGET, source=STANDARD))
    return rows


def _days(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# (name, first holiday, last holiday, make-up working days) as announced by the State Council (国务院办公厅)
HOLIDAYS = [
    ("元旦", date(2025, 1, 1), date(2025, 1, 1), []),
    ("春节", date(2025, 1, 28), date(2025, 2, 4), [date(2025, 1, 26), date(2025, 2, 8)]),
    ("清明节", date(2025, 4, 4), date(2025, 4, 6), []),
    ("劳动节", date(2025, 5, 1), date(2025, 5, 5), [date(2025, 4, 27)]),
    ("端午节", date(2025, 5, 31), date(2025, 6, 2), []),
    ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8), [date(2025, 9, 28), date(2025, 10, 11)]),
    ("元旦", date(2026, 1, 1), date(2026, 1, 3), [date(2026, 1, 4)]),
    ("春节", date(2026, 2, 15), date(2026, 2, 23), [date(2026, 2, 14), date(2026, 2, 28)]),
    ("清明节", date(2026, 4, 4), date(2026, 4, 6), []),
    ("劳动节", date(2026, 5, 1), date(2026, 5, 5), [date(2026, 5, 9)]),
    ("端午节", date(2026, 6, 19), date(2026, 6, 21), []),
    ("中秋节", date(2026, 9, 25), date(2026, 9, 27), []),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
]


def calendar_rows():
    rows = []
    for name, first, last, workdays in HOLIDAYS:
        rows += [{"date": d, "kind": "holiday", "name": name} for d in _days(first, last)]
        rows += [{"date": d, "kind": "workday", "name": f"{name}调休"} for d in workdays]
    return rows


def seed(apps, schema_editor):
    ServiceLimit = apps.get_model("sla", "ServiceLimit")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    # ignore_conflicts: a row an admin already created with the same key is kept as it is.
    ServiceLimit.objects.bulk_create([ServiceLimit(**row) for row in limit_rows()], ignore_conflicts=True)
    CalendarDay.objects.bulk_create([CalendarDay(**row) for row in calendar_rows()], ignore_conflicts=True)


def unseed(apps, schema_editor):
    ServiceLimit = apps.get_model("sla", "ServiceLimit")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    for row in limit_rows():
        keys = ("work_type", "area_kind", "service_level", "variant")
        ServiceLimit.objects.filter(**{key: row[key] for key in keys}).delete()
    CalendarDay.objects.filter(date__in=[row["date"] for row in calendar_rows()]).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_sla_engine")]

    operations = [migrations.RunPython(seed, unseed)]
