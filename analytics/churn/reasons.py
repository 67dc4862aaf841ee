"""Readable churn reasons (pure): which features raise a customer's score, and a sentence an agent can read.

A feature's contribution is how much the model's probability drops when that one value is replaced by the
population's typical value (the median, or the most frequent category, of the training data): what is unusual about
this customer and pushes the risk up. The top three positive contributions become the reasons. Texts are rendered
in the active language with gettext and parameters, so they can be rendered again in the reader's language from the
stored feature and value (``reason_text``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.features.catalog import BY_NAME


def _pct(value: float) -> int:
    return round(abs(value) * 100)


def _trend(down: str, up: str) -> Callable[[float], str]:
    def text(value: float) -> str:
        return (down if value < 0 else up) % {"pct": _pct(value)}

    return text


def _n(value: float) -> int:
    return round(value)


# Each text is looked up in the catalogue when it is rendered (gettext at call time), not at import.
TEXTS: dict[str, Callable[[float], str]] = {
    "usage_trend_3m": lambda v: _trend(_("usage down %(pct)d %% in 3 months"), _("usage up %(pct)d %% in 3 months"))(v),
    "voice_trend_3m": lambda v: _trend(_("calls down %(pct)d %% in 3 months"), _("calls up %(pct)d %% in 3 months"))(v),
    "data_trend_3m": lambda v: _trend(_("data down %(pct)d %% in 3 months"), _("data up %(pct)d %% in 3 months"))(v),
    "bill_trend_3m": lambda v: _trend(_("bill down %(pct)d %% in 3 months"), _("bill up %(pct)d %% in 3 months"))(v),
    "complaints_open": lambda v: (
        ngettext("%(n)d complaint unresolved", "%(n)d complaints unresolved", _n(v)) % {"n": _n(v)}
    ),
    "complaints_6m": lambda v: (
        ngettext("%(n)d complaint in 6 months", "%(n)d complaints in 6 months", _n(v)) % {"n": _n(v)}
    ),
    "faults_6m": lambda v: (
        ngettext("%(n)d fault report in 6 months", "%(n)d fault reports in 6 months", _n(v)) % {"n": _n(v)}
    ),
    "faults_repeat_6m": lambda v: (
        ngettext("%(n)d line with repeated faults", "%(n)d lines with repeated faults", _n(v)) % {"n": _n(v)}
    ),
    "late_bills_6m": lambda v: (
        ngettext("%(n)d bill paid late in 6 months", "%(n)d bills paid late in 6 months", _n(v)) % {"n": _n(v)}
    ),
    "arrears_months_6m": lambda v: (
        ngettext("in arrears %(n)d month of 6", "in arrears %(n)d months of 6", _n(v)) % {"n": _n(v)}
    ),
    "dunning_cases_12m": lambda v: (
        ngettext("%(n)d collection case this year", "%(n)d collection cases this year", _n(v)) % {"n": _n(v)}
    ),
    "suspensions_12m": lambda v: (
        ngettext("suspended %(n)d time this year", "suspended %(n)d times this year", _n(v)) % {"n": _n(v)}
    ),
    "arrears_now": lambda v: _("arrears of %(amount).2f yuan") % {"amount": v},
    "days_late_avg_6m": lambda v: _("pays %(days)d days late on average") % {"days": round(v)},
    "months_to_contract_end": lambda v: (
        _("contract ends in %(n)d months") % {"n": max(0, round(v))} if v == v else _("no contract in force")
    ),
    "tenure_months": lambda v: ngettext("customer for %(n)d month", "customer for %(n)d months", _n(v)) % {"n": _n(v)},
    "subscriptions": lambda v: ngettext("%(n)d live subscription", "%(n)d live subscriptions", _n(v)) % {"n": _n(v)},
    "vas_count": lambda v: ngettext("%(n)d value-added service", "%(n)d value-added services", _n(v)) % {"n": _n(v)},
    "voice_min_1m": lambda v: _("%(n)d call minutes last month") % {"n": round(v)},
    "voice_min_3m": lambda v: _("%(n)d call minutes a month") % {"n": round(v)},
    "data_mb_1m": lambda v: _("%(n)d MB of data last month") % {"n": round(v)},
    "data_mb_3m": lambda v: _("%(n)d MB of data a month") % {"n": round(v)},
    "voice_min_6m": lambda v: _("%(n)d call minutes a month over 6 months") % {"n": round(v)},
    "data_mb_6m": lambda v: _("%(n)d MB of data a month over 6 months") % {"n": round(v)},
    "sms_1m": lambda v: ngettext("%(n)d message last month", "%(n)d messages last month", _n(v)) % {"n": _n(v)},
    "sms_3m": lambda v: ngettext("%(n)d message a month", "%(n)d messages a month", _n(v)) % {"n": _n(v)},
    "bill_1m": lambda v: _("last bill %(amount).2f yuan") % {"amount": v},
    "bill_avg_3m": lambda v: _("bills %(amount).2f yuan a month") % {"amount": v},
    "bill_avg_6m": lambda v: _("bills %(amount).2f yuan a month over 6 months") % {"amount": v},
    "payments_6m": lambda v: ngettext("%(n)d payment in 6 months", "%(n)d payments in 6 months", _n(v)) % {"n": _n(v)},
    "has_mobile": lambda v: _("no mobile line with us") if v < 0.5 else _("has a mobile line"),
    "has_iptv": lambda v: _("no IPTV with us") if v < 0.5 else _("has IPTV"),
    "has_broadband": lambda v: _("no broadband with us") if v < 0.5 else _("has broadband"),
    "has_fixed": lambda v: _("no fixed line with us") if v < 0.5 else _("has a fixed line"),
    "in_bundle": lambda v: _("not in a bundle") if v < 0.5 else _("in a bundle"),
    "roaming_share_3m": lambda v: _("roaming %(pct)d %% of the time") % {"pct": _pct(v)},
    "competitor_share_3m": lambda v: _("%(pct)d %% of calls with competitor networks") % {"pct": _pct(v)},
}


def reason_text(feature: str, value) -> str:
    """The sentence for one reason, in the active language."""
    if feature in TEXTS and isinstance(value, int | float | np.floating | np.integer):
        return TEXTS[feature](float(value))
    meaning = BY_NAME[feature].meaning if feature in BY_NAME else feature
    return _("%(feature)s: %(value)s") % {"feature": meaning, "value": value}


def differs_from(column: pd.Series, value) -> np.ndarray:
    """Which rows of ``column`` are not at the reference ``value`` (a missing value is never at it)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return (column.astype("string").fillna("") != str(value)).to_numpy(dtype=bool)
    return ~(pd.to_numeric(column, errors="coerce") == value).to_numpy(dtype=bool)


def contributions(predict: Callable[[pd.DataFrame], np.ndarray], frame: pd.DataFrame, reference: dict,
                  features: list[str]) -> tuple[np.ndarray, pd.DataFrame]:  # fmt: skip
    """The probabilities and, per feature, ``p(customer) - p(customer with that feature at its reference value)``.

    Rows whose value already is the reference contribute exactly 0 and are not predicted again: most customers have
    no complaint, no arrears and no suspension, so most of the model calls of the sparse features are saved."""
    base = predict(frame)
    out = {}
    for name in features:
        if name not in reference:
            continue
        value = reference[name]
        column = frame[name]
        differs = differs_from(column, value)
        contribution = np.zeros(len(frame), dtype="float64")
        if differs.any():
            changed = frame[differs].copy()
            if isinstance(column.dtype, pd.CategoricalDtype):
                if value not in column.cat.categories:
                    changed[name] = changed[name].cat.add_categories([value])
                categories = changed[name].cat.categories
                changed[name] = pd.Categorical([value] * len(changed), categories=categories)
            else:
                changed[name] = value
            contribution[differs] = base[differs] - predict(changed)
        out[name] = contribution
    return base, pd.DataFrame(out, index=frame.index)


IDENTITY = ("region_id", "customer_class", "service_level")
# A trend smaller than this reads as "bill down 1 %": true to the model, useless to an agent; the next reason is shown.
MIN_TREND = 0.05


def top_reasons(
    frame: pd.DataFrame, contribution: pd.DataFrame, *, top: int = 3, min_contribution: float = 1e-4, skip=IDENTITY
) -> list[list[dict]]:
    """Per row: up to ``top`` reasons ``{"feature", "value", "contribution", "text"}``, largest contribution first.

    Only contributions that raise the risk count; who the customer is (region, class, level) explains nothing an
    agent can act on, so it is skipped."""
    columns = [c for c in contribution.columns if c not in skip]
    values = contribution[columns].to_numpy(dtype="float64")
    orders = np.argsort(-values, axis=1, kind="stable") if len(values) else np.zeros((0, 0), dtype=int)
    cells = [frame[name].to_numpy(dtype=object) for name in columns]  # column arrays: no row Series per customer
    texts: dict[tuple, str] = {}  # many customers share a reason and a value: render each sentence once
    result = []
    for i in range(len(frame)):
        row = values[i]
        reasons = []
        for j in orders[i]:
            if not row[j] > min_contribution or len(reasons) == top:
                break
            name = columns[j]
            value = cells[j][i]
            value = None if pd.isna(value) else (float(value) if isinstance(value, int | float | np.number) else value)
            if name.endswith("_trend_3m") and value is not None and abs(value) < MIN_TREND:
                continue
            key = (name, value)
            if key not in texts:
                texts[key] = reason_text(name, value if value is not None else float("nan"))
            reasons.append(
                {"feature": name, "value": value, "contribution": round(float(row[j]), 4), "text": texts[key]}
            )
        result.append(reasons)
    return result
