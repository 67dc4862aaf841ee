from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """The SLA engine (时限管理): time limits as data, a holiday calendar, deadlines, warnings and breaches.
    Shared by the work orders of ordering and the trouble tickets of the call centre."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.sla"
    label = "sla"
    verbose_name = _("Time limits (SLA)")
