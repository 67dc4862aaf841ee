from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The task outbox (任务发件箱): tasks a write enqueues, kept until the broker has them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.outbox"
    label = "outbox"
    verbose_name = _("Task outbox")
