from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    """The staff UI shell: navigation per role, home pages, global search, list pages and exports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.ui"
    label = "ui"
    verbose_name = _("Staff UI")

    def ready(self) -> None:
        from crm.audit import registry

        from .models import SavedFilter

        registry.register(SavedFilter)
