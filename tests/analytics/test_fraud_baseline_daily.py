"""The fraud baseline read from billing's daily sums (UsageDaily) is the one the records gave: the same rows, so the
same alerts. The records go in through the usage feed, which keeps the sums; the reference is the query that grouped
four weeks of records per line and local day, kept here as it was."""

import datetime
import random

import pandas as pd
import pytest
from django.utils import timezone

from analytics.fraud.detectors import Context
from analytics.fraud.loader import Scope, _frame, _usage_of, day_bounds, load_baseline_daily, load_usage_day
from analytics.fraud.run import RuleSpec, hits_for
from analytics.sql import local_date, to_date, ts
from billing_sync.models import FeedBatch, UsageDaily
from billing_sync.services.feeds import feed_batch_load
from tests.customers.conftest import people, subscribe  # noqa: F401

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 20)
SPIKE = RuleSpec(None, "usage-spike", "baseline_zscore", {}, "high", "SPIKE")
SHORT_WINDOW = RuleSpec(None, "usage-spike-10", "baseline_zscore", {"window_days": 10, "min_history_days": 3,
                                                                    "min_minutes": 5.0}, "high", "SPIKE")  # fmt: skip


def baseline_from_records(day: datetime.date, scope: Scope, *, window_days: int) -> pd.DataFrame:
    """The loader's baseline before UsageDaily: every outbound voice record of the window, grouped here."""
    start, _end = day_bounds(day - datetime.timedelta(days=window_days))
    end, _next = day_bounds(day)
    condition = "u.started_at >= %s AND u.started_at < %s AND u.usage_type = 'voice' AND u.outgoing"
    source, params = _usage_of(scope, condition, [ts(start), ts(end)])
    sql = f"""
        SELECT u.product_id, {local_date("u.started_at", timezone.get_current_timezone_name())} AS day,
               SUM(u.duration_s) / 60.0
        {source}
        GROUP BY 1, 2
    """
    frame = _frame(sql, params, ["product_id", "day", "minutes"])
    return frame.astype({"product_id": "int64", "minutes": "float32"}) if not frame.empty else frame


def _record(key, number, when: datetime.datetime, rng: random.Random) -> dict:
    kind = rng.choice(["voice", "voice", "voice", "sms", "data"])
    return {"recordKey": key, "serviceNumber": number, "startTime": when.isoformat(), "type": kind,
            "outgoing": rng.random() < 0.7, "otherNumber": "13900001111",
            "duration": rng.choice([0, 5, 59, 60, 61, 150, 600]) if kind == "voice" else 0,
            "volumeKb": 100 if kind == "data" else 0, "charge": "0.10"}  # fmt: skip


@pytest.fixture
def usage(people, subscribe):  # noqa: F811
    """Five weeks of mixed usage of four lines, loaded in daily batches, some lines starting late, calls at the local
    midnights, days of 0-second calls only; on DAY one line talks for hours."""
    rng = random.Random(7)
    lines = [
        subscribe(people["zhang"], "59", number="18955500001"),
        subscribe(people["zhang"], "39", number="18955500002"),
        subscribe(people["zhangw"], "39", number="18955500003"),
        subscribe(people["corp"], "199", number="18955500004"),
    ]
    first_day = {lines[0].pk: 35, lines[1].pk: 35, lines[2].pk: 6, lines[3].pk: 20}  # days before DAY
    keys = iter(range(1, 100_000))
    tz = timezone.get_current_timezone()
    for back in range(35, -1, -1):
        day = DAY - datetime.timedelta(days=back)
        midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
        records = []
        for line in lines:
            if back > first_day[line.pk]:
                continue
            moments = [midnight, midnight + datetime.timedelta(hours=23, minutes=59, seconds=59)]
            moments += [midnight + datetime.timedelta(seconds=rng.randrange(86_400)) for _ in range(rng.randint(0, 9))]
            for moment in moments:
                records.append(_record(f"K{next(keys)}", line.service_number, moment, rng))
            if line == lines[3] and back % 4 == 0:  # a day of unanswered outbound calls only: 0 minutes, a row
                records = [r for r in records if r["serviceNumber"] != line.service_number]
                records.append(
                    {
                        "recordKey": f"K{next(keys)}",
                        "serviceNumber": line.service_number,
                        "type": "voice",
                        "startTime": (midnight + datetime.timedelta(hours=9)).isoformat(),
                        "duration": 0,
                    }
                )
        if back == 0:  # the spike: three hours of calls
            records += [{"recordKey": f"K{next(keys)}", "serviceNumber": lines[0].service_number, "type": "voice",
                         "startTime": (midnight + datetime.timedelta(hours=h)).isoformat(), "duration": 1800}
                        for h in range(8, 14)]  # fmt: skip
        batch, _ = feed_batch_load(sender="billing", kind="usage", client_batch_id=f"D{back}", records=records)
        assert batch.status == FeedBatch.Status.LOADED and batch.rows_rejected == 0, batch.error
    return lines


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(day=frame["day"].map(to_date))  # SQLite gives a computed date as text
    return frame.sort_values(["product_id", "day"]).reset_index(drop=True)


@pytest.mark.parametrize("window", [28, 10])
@pytest.mark.parametrize("as_of_back", [0, 3])
def test_the_baseline_from_the_daily_sums_is_the_baseline_from_the_records(usage, window, as_of_back):
    day = DAY - datetime.timedelta(days=as_of_back)
    assert UsageDaily.objects.exists()
    for scope in (Scope(lo=0, hi=10**9), Scope(product_ids=tuple(p.pk for p in usage[1:3]))):
        expected = _sorted(baseline_from_records(day, scope, window_days=window))
        got = _sorted(load_baseline_daily(day, scope, window_days=window))
        assert len(expected) > 0
        pd.testing.assert_frame_equal(got, expected)  # minutes are float32 both ways: equal, not close


def test_the_same_alerts_from_the_daily_sums_as_from_the_records(usage):
    rules = [SPIKE, SHORT_WINDOW]
    scope = Scope(lo=0, hi=10**9)
    day_usage = load_usage_day(DAY, scope)
    from_records = hits_for(day_usage, Context(day=DAY, baseline_daily=baseline_from_records(DAY, scope,
                                                                                             window_days=28)),
                            rules=rules)  # fmt: skip
    from_sums = hits_for(day_usage, Context(day=DAY, baseline_daily=load_baseline_daily(DAY, scope, window_days=28)),
                         rules=rules)  # fmt: skip
    assert set(from_sums["subject"]) >= {"18955500001"}  # the spike is found
    pd.testing.assert_frame_equal(from_sums, from_records)
