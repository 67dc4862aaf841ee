"""The SLA clock of a job: start, pause/resume on both clocks, respond, stop, and the warning/breach sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from crm.sla import services
from crm.sla.clock import WorkCalendar
from crm.sla.models import ServiceLimit, SlaBreach
from crm.sla.selectors import limit_for, sla_state, time_left
from crm.sla.services import sla_pause, sla_respond, sla_resume, sla_start, sla_stop, sla_sweep

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAIN = WorkCalendar(tz=SHANGHAI)
T0 = datetime(2025, 11, 24, 9, 0, tzinfo=SHANGHAI)  # a Monday
H = timedelta(hours=1)


def job(**fields) -> SimpleNamespace:
    blank = dict.fromkeys(services.SLA_FIELDS) | {"paused_minutes": 0, "pk": None}
    return SimpleNamespace(**(blank | fields))


def limit(clock="calendar", minutes=480, response=30) -> ServiceLimit:
    return ServiceLimit(work_type="fault_broadband", name="test", clock=clock, resolution_minutes=minutes,
                        response_minutes=response, warn_fraction=Decimal("0.80"))  # fmt: skip


def test_start_sets_both_deadlines_on_the_limits_clock():
    obj = job(warned_at=T0, paused_minutes=5)

    sla_start(obj=obj, limit=limit(), started_at=T0)

    assert (obj.due_at, obj.response_due_at) == (T0 + 8 * H, T0 + timedelta(minutes=30))
    assert (obj.warned_at, obj.paused_minutes) == (None, 0)


def test_pause_and_resume_on_the_calendar_clock_push_the_deadlines_by_the_wall_time_paused():
    obj = job()
    sla_start(obj=obj, limit=limit(), started_at=T0)

    sla_pause(obj=obj, when=T0 + timedelta(minutes=10))
    sla_pause(obj=obj, when=T0 + 2 * H)  # already paused: nothing changes
    assert sla_state(obj, T0 + 20 * H) == "paused"
    assert time_left(obj, T0 + 20 * H) == 8 * H - timedelta(minutes=10)
    sla_resume(obj=obj, when=T0 + timedelta(minutes=70))

    assert obj.response_due_at == T0 + timedelta(minutes=90)
    assert obj.due_at == T0 + 9 * H
    assert (obj.paused_at, obj.paused_minutes) == (None, 60)


def test_pause_and_resume_on_the_working_clock_re_add_the_remaining_working_time():
    obj = job()
    sla_start(obj=obj, limit=limit(clock="working", minutes=540, response=None), started_at=T0, cal=PLAIN)
    assert obj.due_at == T0 + 24 * H  # one working day: Tuesday 09:00

    # Monday 16:30: 60 minutes left on Monday and 30 on Tuesday, to be re-added from Wednesday 10:00.
    sla_pause(obj=obj, when=T0 + 7.5 * H)
    sla_resume(obj=obj, when=T0 + 49 * H, cal=PLAIN)

    assert obj.due_at == T0 + 50.5 * H
    assert obj.paused_minutes == 41.5 * 60
    assert obj.response_due_at is None


def test_a_deadline_already_passed_when_paused_does_not_move():
    obj = job()
    sla_start(obj=obj, limit=limit(), started_at=T0)

    sla_pause(obj=obj, when=T0 + 9 * H)
    sla_resume(obj=obj, when=T0 + 12 * H)

    assert obj.due_at == T0 + 8 * H
    assert sla_state(obj, T0 + 12 * H) == "breached"


def test_state_goes_ok_warning_breached_then_met_or_late():
    obj = job()
    sla_start(obj=obj, limit=limit(), started_at=T0)

    assert sla_state(job(), T0) == "none"
    assert sla_state(obj, T0 + 6 * H) == "ok"
    assert sla_state(obj, T0 + 6.5 * H) == "warning"  # 80 % of 8 h is 6 h 24 min
    assert sla_state(obj, T0 + 8.5 * H) == "breached"
    assert time_left(obj, T0 + 8.5 * H) == -0.5 * H
    assert sla_state(SimpleNamespace(**vars(obj) | {"sla_stopped_at": T0 + 7 * H}), T0 + 9 * H) == "met"
    assert sla_state(SimpleNamespace(**vars(obj) | {"sla_stopped_at": T0 + 9 * H}), T0 + 9 * H) == "late"


def test_the_working_clock_warns_on_working_time():
    obj = job()
    # Two working days from Monday 09:00: due Wednesday 09:00; 20 % (216 min) left is 30 min on Wednesday
    # morning and 186 min on Tuesday afternoon, so the warning comes Tuesday 14:24 (T0 + 29.4 h).
    sla_start(obj=obj, limit=limit(clock="working", minutes=1080), started_at=T0, cal=PLAIN)

    assert sla_state(obj, T0 + 29.3 * H, PLAIN) == "ok"
    assert sla_state(obj, T0 + 29.5 * H, PLAIN) == "warning"


# With the database: a saved job of a throwaway concrete SlaTracked model (see conftest.tracked_model).


@pytest.fixture
def started(tracked_model, hefei):
    def _started(work_type="fault_broadband", **kwargs):
        obj = tracked_model(region=hefei)
        sla_start(obj=obj, limit=limit_for(work_type=work_type, area_kind="urban", **kwargs), started_at=T0)
        obj.save()
        return obj

    return _started


def test_stopping_on_time_records_no_breach(started):
    obj = started()

    sla_stop(obj=obj, when=T0 + 7 * H)

    assert obj.sla_stopped_at == T0 + 7 * H
    assert obj.breached_at is None
    assert not SlaBreach.objects.exists()


def test_stopping_late_records_one_resolution_breach_in_the_jobs_region(started, hefei):
    obj = started()

    sla_stop(obj=obj, when=T0 + 10 * H)
    sla_stop(obj=obj, when=T0 + 11 * H)  # already stopped: nothing changes

    breach = SlaBreach.objects.get()
    assert (breach.kind, breach.work_type, breach.region, breach.limit) == ("resolution", "fault_broadband", hefei,
                                                                            obj.sla_limit)  # fmt: skip
    assert (breach.due_at, breach.breached_at, breach.finished_at) == (T0 + 8 * H, T0 + 10 * H, T0 + 10 * H)
    assert obj.breached_at == T0 + 10 * H


def test_a_late_response_records_a_response_breach(started):
    obj = started()

    sla_respond(obj=obj, when=T0 + H)

    assert SlaBreach.objects.get().kind == SlaBreach.Kind.RESPONSE


def test_sweeping_twice_warns_once_and_records_one_breach(started, tracked_model):
    obj = started()
    sla_respond(obj=obj, when=T0 + timedelta(minutes=10))
    obj.save()
    warnings, breaches = [], []

    def sweep(now):
        return sla_sweep(queryset=tracked_model.objects.all(), now=now, on_warn=warnings.append,
                         on_breach=lambda job, breach: breaches.append((job.pk, breach.kind)))  # fmt: skip

    assert sweep(T0 + 7 * H) == ([obj.pk], [])
    assert sweep(T0 + 7 * H) == ([], [])
    assert sweep(T0 + 9 * H) == ([], [obj.pk])
    assert sweep(T0 + 9 * H) == ([], [])

    assert [w.pk for w in warnings] == [obj.pk]
    assert breaches == [(obj.pk, "resolution")]
    assert SlaBreach.objects.count() == 1
    obj.refresh_from_db()
    assert (obj.warned_at, obj.breached_at) == (T0 + 7 * H, T0 + 9 * H)


def test_the_sweep_records_a_missed_response_once_and_skips_paused_and_stopped_jobs(started, tracked_model):
    overdue, paused, stopped = started(), started(), started()
    sla_pause(obj=paused, when=T0 + timedelta(minutes=5))
    paused.save()
    sla_stop(obj=stopped, when=T0 + timedelta(minutes=5))
    stopped.save()
    breaches = []

    for _ in range(2):
        sla_sweep(queryset=tracked_model.objects.all(), now=T0 + H, on_warn=print,
                  on_breach=lambda job, breach: breaches.append((job.pk, breach.kind)))  # fmt: skip

    assert breaches == [(overdue.pk, "response")]


def test_a_sweep_that_loses_the_race_does_not_warn(started, tracked_model, monkeypatch):
    obj = started()
    sla_respond(obj=obj, when=T0)
    obj.save()
    real_warn_at = services.warn_at

    def concurrent_sweep_wins(job, cal=None):
        tracked_model.objects.filter(pk=job.pk).update(warned_at=T0)
        return real_warn_at(job, cal)

    monkeypatch.setattr(services, "warn_at", concurrent_sweep_wins)
    warnings = []

    result = sla_sweep(queryset=tracked_model.objects.all(), now=T0 + 7 * H, on_warn=warnings.append,
                       on_breach=lambda *args: None)  # fmt: skip

    assert result == ([], [])
    assert warnings == []


def test_a_failing_callback_leaves_the_job_for_the_next_sweep(started, tracked_model):
    obj = started()

    def broken(job):
        raise RuntimeError("notification service down")

    with pytest.raises(RuntimeError):
        sla_sweep(queryset=tracked_model.objects.all(), now=T0 + 7 * H, on_warn=broken, on_breach=print)

    obj.refresh_from_db()
    assert obj.warned_at is None
