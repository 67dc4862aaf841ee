"""Building the feature rows (pure pandas): the loader's frames in, one row per customer out (see ``catalog``).

Trends are ratios with safe division: ``last / mean(before) - 1``, 0 when there was nothing before and nothing now,
+1 when something started from nothing, clipped to [-1, 5] so one odd month cannot dominate a model. Usage trends add
a small pseudo-count to both sides (10 minutes, 100 MB, 5 messages), so a line with a handful of messages does not
swing by 75 % on noise.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from .catalog import CATEGORICAL, FEATURE_NAMES
from .loader import FeatureFrames, last_full_month, month_add

DAYS_PER_MONTH = 30.4375
TREND_CLIP = (-1.0, 5.0)
COMPLAINT_TYPES = ("complaint", "regulator_complaint")
FAULT_TYPES = ("fault",)


def months_before(day: datetime.date, n: int) -> pd.Timestamp:
    """``day`` moved back ``n`` calendar months (the end of a shorter month where the day does not exist)."""
    return pd.Timestamp(day) - pd.DateOffset(months=n)


# Pseudo-counts added to both sides of a usage trend: 1 message instead of 4 is noise, not "down 75 %".
TREND_PRIOR = {"voice_min": 10.0, "data_mb": 100.0, "sms": 5.0}


def safe_trend(last: pd.Series | np.ndarray, before: pd.Series | np.ndarray, prior: float = 0.0) -> np.ndarray:
    """Change of ``last`` against ``before`` as a ratio (-0.6 = down 60 %), safe for zeros, clipped. A ``prior``
    (pseudo-count) on both sides damps the swings of small numbers."""
    last = np.asarray(last, dtype="float64") + prior
    before = np.asarray(before, dtype="float64") + prior
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(before > 0, last / np.where(before > 0, before, 1) - 1, np.where(last > 0, 1.0, 0.0))
    return np.clip(ratio, *TREND_CLIP)


def _count(frame: pd.DataFrame, index: pd.Index, mask=None) -> pd.Series:
    if mask is not None:
        frame = frame[mask]
    return frame.groupby("customer_id").size().reindex(index, fill_value=0).astype("float64")


def _usage(frames: FeatureFrames, index: pd.Index) -> pd.DataFrame:
    last = pd.Timestamp(last_full_month(frames.as_of))
    months = [pd.Timestamp(month_add(last.date(), -k)) for k in range(7)]  # months[0] is the last full month
    usage = frames.usage.assign(
        voice_min=frames.usage["voice_seconds"].astype("float64") / 60.0,
        data_mb=frames.usage["data_kb"].astype("float64") / 1024.0,
        sms=frames.usage["sms_count"].astype("float64"),
        calls=frames.usage["voice_calls"].astype("float64"),
        roaming=frames.usage["roaming_records"].astype("float64"),
    )
    out = pd.DataFrame(index=index)
    per_month = {}
    for column in ("voice_min", "data_mb", "sms", "calls", "roaming"):
        wide = usage.pivot_table(index="customer_id", columns="month", values=column, aggfunc="sum", fill_value=0)
        wide = wide.reindex(index=index, columns=months, fill_value=0).fillna(0).to_numpy(dtype="float64")
        per_month[column] = wide
    for column, name in (("voice_min", "voice_min"), ("data_mb", "data_mb"), ("sms", "sms")):
        wide = per_month[column]
        out[f"{name}_1m"] = wide[:, 0]
        out[f"{name}_3m"] = wide[:, :3].mean(axis=1)
        if name != "sms":
            out[f"{name}_6m"] = wide[:, :6].mean(axis=1)
    trends = {}
    used = {}
    for column in ("voice_min", "data_mb", "sms"):
        wide = per_month[column]
        before = wide[:, 1:4].mean(axis=1)
        trends[column] = safe_trend(wide[:, 0], before, TREND_PRIOR[column])
        used[column] = wide[:, 0:4].sum(axis=1) > 0
    out["voice_trend_3m"] = trends["voice_min"]
    out["data_trend_3m"] = trends["data_mb"]
    stacked_trends = np.column_stack([trends[c] for c in ("voice_min", "data_mb", "sms")])
    stacked_used = np.column_stack([used[c] for c in ("voice_min", "data_mb", "sms")])
    n_used = stacked_used.sum(axis=1)
    out["usage_trend_3m"] = np.where(
        n_used > 0, (stacked_trends * stacked_used).sum(axis=1) / np.maximum(n_used, 1), 0.0
    )
    events = per_month["calls"][:, :3].sum(axis=1) + per_month["sms"][:, :3].sum(axis=1)
    roaming = per_month["roaming"][:, :3].sum(axis=1)
    out["roaming_share_3m"] = np.clip(roaming / np.maximum(np.maximum(events, roaming), 1), 0, 1)
    return out


def _bills(frames: FeatureFrames, index: pd.Index) -> pd.DataFrame:
    as_of = pd.Timestamp(frames.as_of)
    bills = frames.bills
    out = pd.DataFrame(index=index)

    def billed(months_from: int, months_to: int) -> pd.Series:
        start, end = months_before(frames.as_of, months_from), months_before(frames.as_of, months_to)
        in_window = (bills["bill_date"] > start) & (bills["bill_date"] <= end)
        return bills[in_window].groupby("customer_id")["amount"].sum().reindex(index, fill_value=0).astype("float64")

    out["bill_1m"] = billed(1, 0)
    out["bill_avg_3m"] = billed(3, 0) / 3
    out["bill_avg_6m"] = billed(6, 0) / 6
    out["bill_trend_3m"] = safe_trend(out["bill_1m"], billed(4, 1) / 3)
    paid_by = bills["settled"].fillna(as_of)
    due_6m = (bills["due_date"] > months_before(frames.as_of, 6)) & (bills["due_date"] <= as_of)
    late = due_6m & (bills["amount"] > 0) & (bills["settled"].isna() | (bills["settled"] > bills["due_date"]))
    out["late_bills_6m"] = _count(bills, index, late)
    days_late = (paid_by - bills["due_date"]).dt.days.clip(lower=0)
    out["days_late_avg_6m"] = (
        days_late[late].groupby(bills.loc[late, "customer_id"]).mean().reindex(index, fill_value=0).astype("float64")
    )
    overdue = (bills["due_date"] < as_of) & bills["settled"].isna() & (bills["amount"] > 0)
    out["arrears_now"] = (
        bills[overdue].groupby("customer_id")["amount"].sum().reindex(index, fill_value=0).astype("float64")
    )
    months_with = pd.Series(0.0, index=index)
    for k in range(6):
        end = months_before(frames.as_of, k)
        open_then = (
            (bills["bill_date"] <= end)
            & (bills["due_date"] < end)
            & (bills["amount"] > 0)
            & (bills["settled"].isna() | (bills["settled"] > end))
        )
        months_with += (
            bills.loc[open_then, "customer_id"]
            .drop_duplicates()
            .pipe(lambda ids: pd.Series(1.0, index=pd.Index(ids)).reindex(index, fill_value=0.0))
        )
    out["arrears_months_6m"] = months_with
    out["payments_6m"] = _count(frames.payments, index, frames.payments["paid"] > months_before(frames.as_of, 6))
    out["dunning_cases_12m"] = _count(frames.dunning, index, frames.dunning["opened"] > months_before(frames.as_of, 12))
    return out


def _tickets(frames: FeatureFrames, index: pd.Index) -> pd.DataFrame:
    tickets = frames.tickets
    out = pd.DataFrame(index=index)
    recent = tickets["created"] > months_before(frames.as_of, 6)
    complaint = tickets["ticket_type"].isin(COMPLAINT_TYPES)
    fault = tickets["ticket_type"].isin(FAULT_TYPES)
    out["complaints_6m"] = _count(tickets, index, recent & complaint)
    out["complaints_open"] = _count(tickets, index, complaint & tickets["resolved"].isna())
    out["faults_6m"] = _count(tickets, index, recent & fault)
    faults = tickets[recent & fault & tickets["product_id"].notna()]
    per_line = faults.groupby(["customer_id", "product_id"]).size()
    repeated = per_line[per_line >= 2].reset_index().groupby("customer_id").size()
    out["faults_repeat_6m"] = repeated.reindex(index, fill_value=0).astype("float64")
    suspensions = frames.suspensions
    out["suspensions_12m"] = _count(suspensions, index, suspensions["at"] > months_before(frames.as_of, 12))
    return out


def _holdings(frames: FeatureFrames, index: pd.Index) -> pd.DataFrame:
    products = frames.products
    out = pd.DataFrame(index=index)
    kind = products["kind"].astype("object")
    out["subscriptions"] = _count(products, index, (kind != "vas") & (kind != ""))
    out["has_mobile"] = (_count(products, index, kind == "mobile") > 0).astype("float64")
    out["has_broadband"] = (_count(products, index, kind.isin(["broadband", "dia"])) > 0).astype("float64")
    out["has_fixed"] = (_count(products, index, kind == "fixed_line") > 0).astype("float64")
    out["has_iptv"] = (_count(products, index, kind == "iptv") > 0).astype("float64")
    out["in_bundle"] = (_count(products, index, products["in_bundle"].astype(bool)) > 0).astype("float64")
    out["vas_count"] = _count(products, index, kind == "vas")
    contracts = frames.contracts
    ends = contracts.groupby("customer_id")["end_date"].min().reindex(index)
    out["months_to_contract_end"] = ((ends - pd.Timestamp(frames.as_of)).dt.days / DAYS_PER_MONTH).astype("float64")
    return out


DATES = {
    "customers": ("since",),
    "usage": ("month",),
    "bills": ("bill_date", "due_date", "settled"),
    "payments": ("paid",),
    "dunning": ("opened",),
    "tickets": ("created", "resolved"),
    "contracts": ("end_date",),
    "suspensions": ("at",),
}
NUMBERS = {
    "usage": ("voice_seconds", "voice_calls", "sms_count", "data_kb", "roaming_records"),
    "bills": ("amount",),
}


def _normalised(frames: FeatureFrames) -> FeatureFrames:
    """Dates as datetime64 and amounts as floats, whatever the caller built (the loader, a test, an empty range)."""
    changes = {}
    for name in (*DATES, "products"):
        frame = getattr(frames, name).copy()
        for column in DATES.get(name, ()):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        for column in NUMBERS.get(name, ()):
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        if "customer_id" in frame:
            frame["customer_id"] = frame["customer_id"].astype("int64")
        changes[name] = frame
    return FeatureFrames(as_of=frames.as_of, **changes)


def _competitor_share(competitor: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """Calls with competitor networks / identified calls (0 without identified calls)."""
    if competitor is None or competitor.empty:
        return pd.Series(0.0, index=index)
    calls = competitor.drop_duplicates("customer_id").set_index("customer_id")
    identified = pd.to_numeric(calls["identified_calls"]).astype("float64")
    share = pd.to_numeric(calls["competitor_calls"]).astype("float64") / identified.where(identified > 0)
    return share.reindex(index).fillna(0.0)


def build_features(frames: FeatureFrames, competitor: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per customer of ``frames.customers``: ``customer_id``, ``as_of`` and every catalogue column.
    ``competitor`` (``features.competitor.competitor_calls``) gives ``competitor_share_3m``; without it, 0."""
    frames = _normalised(frames)
    customers = frames.customers.drop_duplicates("customer_id").set_index("customer_id").sort_index()
    index = customers.index
    out = pd.DataFrame(index=index)
    out["region_id"] = customers["region_id"]
    out["customer_class"] = customers["customer_class"].astype("object")
    out["service_level"] = customers["service_level"].astype("object")
    tenure = (pd.Timestamp(frames.as_of) - pd.to_datetime(customers["since"])).dt.days / DAYS_PER_MONTH
    out["tenure_months"] = tenure.fillna(0).clip(lower=0).astype("float64")
    out = out.join(_holdings(frames, index)).join(_usage(frames, index)).join(_bills(frames, index))
    out = out.join(_tickets(frames, index))
    out["competitor_share_3m"] = _competitor_share(competitor, index)
    out = out[list(FEATURE_NAMES)]
    for name in FEATURE_NAMES:
        if name not in CATEGORICAL and name != "months_to_contract_end":
            out[name] = out[name].fillna(0).astype("float64")
    out.insert(0, "as_of", frames.as_of)
    return out.reset_index().rename(columns={"index": "customer_id"})
