"""Segmentation pages (客户细分): the latest run's behaviour clusters with a chart of RFM segments and the value ×
activity groups, and the RFM segments per region; both lists export to CSV and Excel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from crm.ui.lists import Column, StaffListView

from .segments import selectors
from .segments.clusters import FEATURES
from .segments.rfm import SEGMENTS

LOOK = "accounts.view_dashboards"


def _profile_text(profile) -> str:
    features = (profile.profile or {}).get("features", {})
    return ", ".join(
        f"{FEATURES.get(name, name)} {values['mean']:g} ({values['z']:+.1f}σ)" for name, values in features.items()
    )


def _share(total: int):
    return lambda p: f"{100 * p.size / total:.1f} %" if total else "—"


class SegmentProfileListView(StaffListView):
    """The behaviour clusters of the latest segmentation run: label, size, share and the average usage."""

    list_key = "segment_profiles"
    title = gettext_lazy("Customer segments")
    template_name = "analytics/segments/profiles.html"
    permission_required = LOOK
    default_sort = "-size"
    paginate_by = 50

    def get_base_queryset(self):
        self.job = selectors.latest_segmentation()
        return selectors.segment_profiles(self.job)

    @property
    def columns(self):  # the share column needs the run's total, so the columns are built per request
        if not hasattr(self, "_columns"):
            total = sum(selectors.segment_profiles(selectors.latest_segmentation()).values_list("size", flat=True))
            self._columns = [
                Column("cluster", gettext_lazy("cluster"), sort="cluster"),
                Column("label", gettext_lazy("behaviour"), sort="label"),
                Column("size", gettext_lazy("customers"), sort="size"),
                Column("share", gettext_lazy("share"), value=_share(total)),
                Column("profile", gettext_lazy("average monthly usage"), value=_profile_text),
            ]
        return self._columns

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        totals = selectors.segment_totals(user)
        context.update(
            {
                "job": self.job,
                "segment_totals": totals,
                "chart": {"labels": [t["label"] for t in totals], "counts": [t["count"] for t in totals]},
                "groups": selectors.group_matrix(user),
                "group_names": selectors.GROUPS,
            }
        )
        return context


class SegmentRegionListView(StaffListView):
    """Live customers per RFM segment in each region the user sees."""

    list_key = "segment_regions"
    title = gettext_lazy("RFM segments by region")
    template_name = "analytics/segments/regions.html"
    permission_required = LOOK
    default_sort = "code"
    columns = [
        Column("name", gettext_lazy("region"), sort="code"),
        Column("customers_live", gettext_lazy("live customers"), sort="customers_live"),
        *[Column(f"seg_{s.code}", s.label, sort=f"seg_{s.code}") for s in SEGMENTS],
        Column("unsegmented", gettext_lazy("not segmented"), sort="unsegmented"),
    ]

    def get_base_queryset(self):
        return selectors.regions_with_segment_counts(self.request.user)
