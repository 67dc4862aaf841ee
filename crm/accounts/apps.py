from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Staff, roles, regions, grids and teams (员工、角色、地市分公司、网格)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.accounts"
    label = "accounts"
    verbose_name = _("Staff and organisation")

    def ready(self) -> None:
        from crm.audit import registry

        from . import models, principal, services

        for model in (models.Region, models.Area, models.Grid, models.OrgUnit, models.StaffProfile):
            registry.register(model)

        principal.connect_signals()  # a staff member's cached profile and permissions follow their changes

        # Keep the role groups in step with roles.py after every migrate (the data migration makes them first).
        post_migrate.connect(services.sync_role_groups_after_migrate, sender=self)

        # The staff idle timeout (crm/security.py) counts from the log-in.
        from django.contrib.auth.signals import user_logged_in

        from crm.security import stamp_activity_at_login

        user_logged_in.connect(stamp_activity_at_login, dispatch_uid="crm.security.stamp_activity_at_login")
