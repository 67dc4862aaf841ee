"""How a job's time limit reads on screen: its SLA state's label and "5 hours left" / "overdue by 2 hours"."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

SLA_LABELS = {
    "ok": gettext_lazy("On time"),
    "warning": gettext_lazy("Due soon"),
    "breached": gettext_lazy("Overdue"),
    "paused": gettext_lazy("Clock paused"),
    "met": gettext_lazy("Met"),
    "late": gettext_lazy("Late"),
    "none": gettext_lazy("No time limit"),
}


def duration_text(delta: datetime.timedelta) -> str:
    """A duration to the nearest sensible unit: minutes under an hour, hours under two days, then days."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def time_left_text(delta: datetime.timedelta | None) -> str:
    """“5 hours left” / “overdue by 2 hours” (剩余 5 小时 / 超时 2 小时)."""
    if delta is None:
        return ""
    if delta.total_seconds() < 0:
        return _("overdue by %(duration)s") % {"duration": duration_text(delta)}
    return _("%(duration)s left") % {"duration": duration_text(delta)}
