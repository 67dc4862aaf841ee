from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcenterConfig(AppConfig):
    """Call centre (呼叫中心)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "callcenter"
    verbose_name = _("Call centre")

    def ready(self) -> None:
        from crm.audit import registry

        from . import models, navigation, services  # noqa: F401 - services registers the TMF621 API

        navigation.register_navigation()
        # Knowledge articles are audited by knowledge.article_save itself (with the editor), so not here.
        for model in (
            models.ReasonCategory,
            models.TroubleTicket,
            models.Outage,
            models.Callback,
            models.KnowledgeCategory,
        ):
            registry.register(model)
