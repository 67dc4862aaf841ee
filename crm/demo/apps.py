from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo-data engine (`manage.py seed_demo`), which every app extends with its own data."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.demo"
    label = "demo"
    verbose_name = _("Demo data")
