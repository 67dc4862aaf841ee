"""The feature builder on small constructed frames (no database)."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from analytics.features.build import build_features, safe_trend
from analytics.features.catalog import CATALOG, FEATURE_NAMES
from analytics.features.loader import frames_empty, last_full_month
from analytics.models import CustomerFeatures

AS_OF = datetime.date(2026, 11, 30)


def _frames(**tables):
    frames = frames_empty(AS_OF)
    for name, rows in tables.items():
        setattr(frames, name, pd.DataFrame(rows, columns=getattr(frames, name).columns))
    return frames


def _customers(*ids):
    return [(i, 1, "public", "gold", datetime.date(2024, 11, 30)) for i in ids]


def _month(n_back: int) -> datetime.date:
    month = last_full_month(AS_OF)
    for _ in range(n_back):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def test_catalogue_describes_every_feature_column_of_the_store_and_nothing_else():
    stored = {f.name for f in CustomerFeatures._meta.get_fields() if f.concrete and not f.is_relation} - {
        "id",
        "as_of",
        "created_at",
    }
    assert set(FEATURE_NAMES) == stored
    assert all(str(f.meaning) and f.source for f in CATALOG)


def test_safe_trend_handles_zeros_and_clips():
    trend = safe_trend([40, 0, 5, 100], [100, 0, 0, 1])
    assert trend.tolist() == pytest.approx([-0.6, 0.0, 1.0, 5.0])


def test_usage_down_60_percent_gives_a_trend_near_minus_point_six():
    # Given 100 minutes a month for three months and then 40 in the last one
    usage = [(1, _month(k), 6000 if k else 2400, 10, 0, 0, 0) for k in range(4)]
    frames = _frames(customers=_customers(1), products=[(1, 11, "mobile", False)], usage=usage)
    row = build_features(frames).iloc[0]
    assert row["voice_min_1m"] == pytest.approx(40)
    assert row["voice_min_3m"] == pytest.approx(80)
    assert row["voice_trend_3m"] == pytest.approx((40 + 10) / (100 + 10) - 1)  # with the 10-minute pseudo-count
    # Only voice was used, so the overall trend is the voice trend
    assert row["usage_trend_3m"] == pytest.approx(row["voice_trend_3m"])
    assert row["data_trend_3m"] == 0


def test_small_counts_swing_less_than_large_ones():
    # 1 message after 4 a month is noise; 100 minutes after 400 is a real fall
    sms = [(1, _month(k), 0, 0, 4 if k else 1, 0, 0) for k in range(4)]
    voice = [(2, _month(k), 60 * (400 if k else 100), 10, 0, 0, 0) for k in range(4)]
    frames = _frames(customers=_customers(1, 2), products=[(1, 11, "mobile", False), (2, 12, "mobile", False)],
                     usage=sms + voice)  # fmt: skip
    rows = build_features(frames).set_index("customer_id")
    assert rows.loc[1, "usage_trend_3m"] > -0.4
    assert rows.loc[2, "usage_trend_3m"] < -0.7


def test_a_month_that_ends_after_the_cutoff_is_not_the_last_month():
    assert last_full_month(datetime.date(2026, 11, 30)) == datetime.date(2026, 11, 1)
    assert last_full_month(datetime.date(2026, 11, 29)) == datetime.date(2026, 10, 1)


def test_bills_paid_late_unpaid_and_arrears_at_the_cutoff():
    bills = [
        # paid on time
        (1, datetime.date(2026, 10, 1), datetime.date(2026, 10, 20), 50.0, datetime.date(2026, 10, 10)),
        # paid 10 days late
        (1, datetime.date(2026, 9, 1), datetime.date(2026, 9, 20), 60.0, datetime.date(2026, 9, 30)),
        # not paid by the cut-off: late, in arrears since 2026-11-20
        (1, datetime.date(2026, 11, 1), datetime.date(2026, 11, 20), 70.0, None),
    ]
    frames = _frames(
        customers=_customers(1, 2),
        products=[(1, 11, "mobile", False), (2, 12, "broadband", True)],
        bills=bills,
        payments=[(1, datetime.date(2026, 10, 10)), (1, datetime.date(2026, 9, 30))],
        dunning=[(1, datetime.date(2026, 11, 25))],
    )
    rows = build_features(frames).set_index("customer_id")
    one, two = rows.loc[1], rows.loc[2]
    assert one["bill_1m"] == pytest.approx(70)
    assert one["bill_avg_3m"] == pytest.approx(60)
    assert one["late_bills_6m"] == 2
    assert one["days_late_avg_6m"] == pytest.approx((10 + 10) / 2)  # 10 days late; open 10 days at the cut-off
    assert one["arrears_now"] == pytest.approx(70)
    assert one["arrears_months_6m"] == 1  # only the November month end had an open overdue bill
    assert one["payments_6m"] == 2 and one["dunning_cases_12m"] == 1
    assert two["arrears_now"] == 0 and two["has_broadband"] == 1 and two["in_bundle"] == 1
    assert one["has_mobile"] == 1 and one["in_bundle"] == 0


def test_complaints_faults_suspensions_and_contract_end():
    tickets = [
        (1, 11, "complaint", datetime.date(2026, 11, 1), None),  # open
        (1, 11, "regulator_complaint", datetime.date(2026, 10, 1), datetime.date(2026, 10, 5)),
        (1, 11, "fault", datetime.date(2026, 10, 1), datetime.date(2026, 10, 2)),
        (1, 11, "fault", datetime.date(2026, 11, 1), datetime.date(2026, 11, 2)),
        (1, 12, "fault", datetime.date(2026, 11, 1), datetime.date(2026, 11, 2)),
        (1, 11, "complaint", datetime.date(2025, 1, 1), datetime.date(2025, 1, 2)),  # too old
    ]
    frames = _frames(
        customers=_customers(1),
        products=[(1, 11, "mobile", False), (1, 12, "fixed_line", False), (1, 13, "vas", False)],
        tickets=tickets,
        suspensions=[(1, datetime.date(2026, 6, 1))],
        contracts=[(1, datetime.date(2027, 2, 28))],
    )
    row = build_features(frames).iloc[0]
    assert row["complaints_6m"] == 2 and row["complaints_open"] == 1
    assert row["faults_6m"] == 3 and row["faults_repeat_6m"] == 1
    assert row["suspensions_12m"] == 1
    assert row["subscriptions"] == 2 and row["vas_count"] == 1 and row["has_fixed"] == 1
    assert row["months_to_contract_end"] == pytest.approx(90 / 30.4375)
    assert row["tenure_months"] == pytest.approx(730 / 30.4375)
    assert row["competitor_share_3m"] == 0


def test_empty_frames_build_no_rows_with_every_column():
    built = build_features(frames_empty(AS_OF))
    assert built.empty
    assert list(built.columns) == ["customer_id", "as_of", *FEATURE_NAMES]
