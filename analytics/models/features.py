"""The feature store (特征宽表): one row per customer and cut-off date, built by the features job and read by churn,
segmentation and credit. What each column means and where it comes from is in ``analytics.features.catalog``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def _f(label: str) -> models.FloatField:
    return models.FloatField(label, default=0)


class CustomerFeatures(models.Model):
    """Customer features as of a cut-off date (客户特征): only what was known on that date (no leakage)."""

    id = models.BigAutoField(primary_key=True)
    as_of = models.DateField(_("cut-off date"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    job = models.ForeignKey(
        "analytics.AnalyticsJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who the customer is.
    region_id = models.IntegerField(_("region"), null=True)
    customer_class = models.CharField(_("class"), max_length=16)
    service_level = models.CharField(_("service level"), max_length=8)
    tenure_months = _f(_("tenure (months)"))
    # What they hold.
    subscriptions = _f(_("live subscriptions"))
    has_mobile = _f(_("has mobile"))
    has_broadband = _f(_("has broadband"))
    has_fixed = _f(_("has fixed line"))
    has_iptv = _f(_("has IPTV"))
    in_bundle = _f(_("in a bundle"))
    vas_count = _f(_("value-added services"))
    months_to_contract_end = models.FloatField(_("months to contract end"), null=True)
    # How they use it (monthly averages over the last 1, 3 and 6 months before the cut-off).
    voice_min_1m = _f(_("voice minutes, last month"))
    voice_min_3m = _f(_("voice minutes, 3-month average"))
    voice_min_6m = _f(_("voice minutes, 6-month average"))
    data_mb_1m = _f(_("data MB, last month"))
    data_mb_3m = _f(_("data MB, 3-month average"))
    data_mb_6m = _f(_("data MB, 6-month average"))
    sms_1m = _f(_("SMS, last month"))
    sms_3m = _f(_("SMS, 3-month average"))
    usage_trend_3m = _f(_("usage trend, last month vs the 3 before"))
    voice_trend_3m = _f(_("voice trend"))
    data_trend_3m = _f(_("data trend"))
    roaming_share_3m = _f(_("roaming share"))
    # What they pay.
    bill_1m = _f(_("last bill"))
    bill_avg_3m = _f(_("bill, 3-month average"))
    bill_avg_6m = _f(_("bill, 6-month average"))
    bill_trend_3m = _f(_("bill trend"))
    payments_6m = _f(_("payments in 6 months"))
    late_bills_6m = _f(_("bills paid late or unpaid in 6 months"))
    days_late_avg_6m = _f(_("average days late"))
    arrears_now = _f(_("arrears at cut-off"))
    arrears_months_6m = _f(_("months with arrears in 6 months"))
    dunning_cases_12m = _f(_("dunning cases in 12 months"))
    # What went wrong for them.
    complaints_6m = _f(_("complaints in 6 months"))
    complaints_open = _f(_("complaints open"))
    faults_6m = _f(_("fault reports in 6 months"))
    faults_repeat_6m = _f(_("repeated faults on one line in 6 months"))
    suspensions_12m = _f(_("suspensions in 12 months"))
    competitor_share_3m = _f(_("share of calls with competitor networks"))
    created_at = models.DateTimeField(_("built"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer features (客户特征)")
        verbose_name_plural = _("customer features")
        ordering = ["as_of", "customer"]
        constraints = [models.UniqueConstraint(fields=["as_of", "customer"], name="features_once_per_cutoff")]

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.as_of}"
