from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Messages to customers and staff (短信通知) through one small gateway interface."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.messaging"
    label = "messaging"
    verbose_name = _("Messages")
