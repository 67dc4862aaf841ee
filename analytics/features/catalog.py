"""The feature catalogue (特征字典): every column of ``CustomerFeatures`` with what it means and where it comes from.

One list, read by the analysts' page (/analytics/features/), by the builder (the column order and dtypes) and by the
models (which columns are categories). "Month" below is a calendar month: the "last month" is the last one that ended
on or before the cut-off date, so a partly known month never enters a feature.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Feature:
    name: str
    meaning: str | Promise
    source: str  # tables and fields, as an analyst would look them up
    categorical: bool = False
    group: str | Promise = ""


WHO = _("Who the customer is")
HOLDS = _("What they hold")
USES = _("How they use it")
PAYS = _("What they pay")
WRONG = _("What went wrong for them")

CATALOG: tuple[Feature, ...] = (
    Feature("region_id", _("Region of the customer (a category)."), "customers.Customer.region", True, WHO),
    Feature("customer_class", _("Public or key account."), "customers.Customer.customer_class", True, WHO),
    Feature("service_level", _("Service level (diamond … basic, 1A … 5B)."), "customers.Customer.service_level",
            True, WHO),
    Feature("tenure_months", _("Months since the customer joined (入网时间), up to the cut-off."),
            "customers.Customer.since (else the first subscription's start)", False, WHO),
    Feature("subscriptions", _("Subscriptions live at the cut-off, not counting value-added services."),
            "orders.Product (start date ≤ cut-off < termination date)", False, HOLDS),
    Feature("has_mobile", _("1 if a mobile line is live."), "orders.Product + ProductSpecification.kind = mobile",
            False, HOLDS),
    Feature("has_broadband", _("1 if broadband (FTTH or a dedicated line) is live."),
            "orders.Product + ProductSpecification.kind in (broadband, dia)", False, HOLDS),
    Feature("has_fixed", _("1 if a fixed line is live."), "orders.Product + ProductSpecification.kind = fixed_line",
            False, HOLDS),
    Feature("has_iptv", _("1 if IPTV is live."), "orders.Product + ProductSpecification.kind = iptv", False, HOLDS),
    Feature("in_bundle", _("1 if a live subscription belongs to a bundle (套餐/融合)."),
            "orders.Product.bundle, ProductOffering.is_bundle", False, HOLDS),
    Feature("vas_count", _("Value-added services live at the cut-off."),
            "orders.Product + ProductSpecification.kind = vas", False, HOLDS),
    Feature("months_to_contract_end", _("Months until the key-account contract in force ends (empty: none)."),
            "customers.KeyAccountContract.start_date/end_date", False, HOLDS),
    Feature("voice_min_1m", _("Voice minutes in the last month."), "billing_sync.UsageMonthly.voice_seconds",
            False, USES),
    Feature("voice_min_3m", _("Voice minutes per month, average of the last 3 months."),
            "billing_sync.UsageMonthly.voice_seconds", False, USES),
    Feature("voice_min_6m", _("Voice minutes per month, average of the last 6 months."),
            "billing_sync.UsageMonthly.voice_seconds", False, USES),
    Feature("data_mb_1m", _("Data MB in the last month."), "billing_sync.UsageMonthly.data_kb", False, USES),
    Feature("data_mb_3m", _("Data MB per month, average of the last 3 months."), "billing_sync.UsageMonthly.data_kb",
            False, USES),
    Feature("data_mb_6m", _("Data MB per month, average of the last 6 months."), "billing_sync.UsageMonthly.data_kb",
            False, USES),
    Feature("sms_1m", _("Messages in the last month."), "billing_sync.UsageMonthly.sms_count", False, USES),
    Feature("sms_3m", _("Messages per month, average of the last 3 months."), "billing_sync.UsageMonthly.sms_count",
            False, USES),
    Feature("usage_trend_3m",
            _("Average of the voice, SMS and data trends (last month against the 3 months before it, -0.6 = down "
              "60 %), over the kinds the customer used."), "billing_sync.UsageMonthly", False, USES),
    Feature("voice_trend_3m", _("Voice minutes of the last month against the 3 months before it, as a change."),
            "billing_sync.UsageMonthly.voice_seconds", False, USES),
    Feature("data_trend_3m", _("Data MB of the last month against the 3 months before it, as a change."),
            "billing_sync.UsageMonthly.data_kb", False, USES),
    Feature("roaming_share_3m", _("Roaming records per call and message in the last 3 months (0 to 1)."),
            "billing_sync.UsageMonthly.roaming_records, voice_calls, sms_count", False, USES),
    Feature("bill_1m", _("Amount billed in the last month (yuan)."),
            "billing_sync.CustomerBill.amount_due by bill_date", False, PAYS),
    Feature("bill_avg_3m", _("Amount billed per month, average of 3 months."), "billing_sync.CustomerBill.amount_due",
            False, PAYS),
    Feature("bill_avg_6m", _("Amount billed per month, average of 6 months."), "billing_sync.CustomerBill.amount_due",
            False, PAYS),
    Feature("bill_trend_3m", _("Last month's bill against the 3 months before it, as a change."),
            "billing_sync.CustomerBill.amount_due", False, PAYS),
    Feature("payments_6m", _("Payments made in the last 6 months."), "billing_sync.Payment.paid_at", False, PAYS),
    Feature("late_bills_6m", _("Bills due in the last 6 months that were paid after the due date or not by the "
                               "cut-off."), "billing_sync.CustomerBill.due_date, settled_at", False, PAYS),
    Feature("days_late_avg_6m", _("Average days past the due date of those bills (0 if none was late)."),
            "billing_sync.CustomerBill.due_date, settled_at", False, PAYS),
    Feature("arrears_now", _("Overdue amount at the cut-off: bills past due and not settled by then (yuan). Rebuilt "
                             "from bills because the account's arrears field only knows today."),
            "billing_sync.CustomerBill (not BillingAccount.arrears_amount)", False, PAYS),
    Feature("arrears_months_6m", _("Month ends of the last 6 at which an overdue bill was open."),
            "billing_sync.CustomerBill.due_date, settled_at", False, PAYS),
    Feature("dunning_cases_12m", _("Collection cases (催缴) opened in the last 12 months."),
            "billing_sync.DunningCase.opened_at", False, PAYS),
    Feature("complaints_6m", _("Complaints (including to the regulator) in the last 6 months."),
            "callcenter.TroubleTicket ticket_type complaint/regulator_complaint", False, WRONG),
    Feature("complaints_open", _("Complaints not resolved at the cut-off."),
            "callcenter.TroubleTicket.created_at, resolved_at", False, WRONG),
    Feature("faults_6m", _("Fault reports in the last 6 months."), "callcenter.TroubleTicket ticket_type fault",
            False, WRONG),
    Feature("faults_repeat_6m", _("Lines with two or more fault reports in the last 6 months."),
            "callcenter.TroubleTicket.product", False, WRONG),
    Feature("suspensions_12m", _("Suspension orders (停机) in the last 12 months."),
            "orders.ProductOrder order_type suspend", False, WRONG),
    Feature("competitor_share_3m", _("Share of the voice calls with a known mobile number (号段) that were with "
                                     "competitor networks, in the last 3 full months."),
            "billing_sync.UsageRecord.other_number × analytics.NumberRange", False, WRONG),
)  # fmt: skip

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in CATALOG)
CATEGORICAL: tuple[str, ...] = tuple(f.name for f in CATALOG if f.categorical)
NUMERIC: tuple[str, ...] = tuple(f.name for f in CATALOG if not f.categorical)
BY_NAME: dict[str, Feature] = {f.name: f for f in CATALOG}
