from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Feedback and care (反馈与关怀)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Feedback and care")

    def ready(self) -> None:
        from . import navigation

        navigation.register_navigation()
