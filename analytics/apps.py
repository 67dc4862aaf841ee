from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Analytical CRM (分析型CRM)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytical CRM")

    def ready(self) -> None:
        from . import navigation

        navigation.register_navigation()
        # Every topic's jobs.py registers its job kinds with the runner.
        import pkgutil
        from importlib import import_module
        from pathlib import Path

        for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if module.ispkg and (Path(__file__).parent / module.name / "jobs.py").exists():
                import_module(f"analytics.{module.name}.jobs")
