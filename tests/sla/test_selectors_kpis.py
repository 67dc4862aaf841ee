"""On-time KPIs per work type over any SlaTracked queryset."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from crm.sla.selectors import breach_kpis, limit_for
from crm.sla.services import sla_start, sla_stop

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 11, 24, 9, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)


def test_on_time_rate_per_work_type_in_the_window_and_region(tracked_model, hefei, wuhu):
    def finished(work_type, hours, region=hefei, started_at=T0):
        obj = tracked_model(region=region)
        sla_start(obj=obj, limit=limit_for(work_type=work_type, area_kind="urban"), started_at=started_at)
        obj.save()
        sla_stop(obj=obj, when=started_at + hours * H)
        obj.save()

    finished("fault_broadband", 2)
    finished("fault_broadband", 7)
    finished("fault_broadband", 9)  # late: 8 h
    finished("install", 10)
    finished("install", 1, region=wuhu)
    finished("install", 1, started_at=T0 - 30 * 24 * H)  # stopped before the window
    tracked_model.objects.create(region=hefei)  # never started

    rows = breach_kpis(queryset=tracked_model.objects.all(), since=T0, until=T0 + 48 * H, region=hefei)

    assert [(r.work_type, r.finished, r.on_time, r.late) for r in rows] == [
        ("fault_broadband", 3, 2, 1),
        ("install", 1, 1, 0),
    ]
    assert (rows[0].on_time_percent, rows[0].target_percent, rows[0].meets_target) == (
        Decimal("66.67"), Decimal("98"), False,
    )  # fmt: skip
    assert rows[1].meets_target is True
