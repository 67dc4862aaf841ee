"""Customers' logins to the self-service portal (网上营业厅) and the one-time codes that prove a phone.

Customers are not Django users: staff authentication, permissions and sessions never see them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    """A customer's portal login (网上营业厅账号): the service number used to sign up and a password hash."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="portal_accounts", verbose_name=_("customer")
    )
    login = models.CharField(_("login (service number)"), max_length=32)
    password = models.CharField(_("password"), max_length=128)  # django.contrib.auth.hashers format
    failed_attempts = models.PositiveSmallIntegerField(_("failed log-ins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_login_at = models.DateTimeField(_("last log-in"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set for a key account's nominated contact (login = the contact's phone); removing the nomination ends it.
    nominated_contact = models.ForeignKey(
        "portal.NominatedContact", on_delete=models.PROTECT, null=True, blank=True, related_name="portal_accounts",
        verbose_name=_("nominated contact"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("portal account (网上营业厅账号)")
        verbose_name_plural = _("portal accounts")
        ordering = ["id"]
        constraints = [
            # A number reassigned after termination may sign up again; the old login is deactivated then.
            models.UniqueConstraint(fields=["login"], condition=Q(is_active=True), name="portal_login_unique_active"),
        ]
        indexes = [models.Index(fields=["customer"], name="portal_account_customer_idx")]

    def __str__(self) -> str:
        return f"portal:{self.pk}"


class OneTimeCode(models.Model):
    """A one-time code texted to a customer's phone (短信验证码): only its hash is kept; 10 minutes, 5 tries."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        RESET = "reset", _("Password reset")

    phone = models.CharField(_("phone number"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    login = models.CharField(_("service number"), max_length=32)  # the number the code was asked for
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    code_hash = models.CharField(_("code hash"), max_length=128)
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code (验证码)")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=["signup", "reset"]), name="portal_code_purpose_valid"),
            models.CheckConstraint(condition=Q(attempts__lte=5), name="portal_code_attempts_max_5"),
        ]
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="portal_code_phone_idx"),
            models.Index(fields=["login", "purpose", "-created_at"], name="portal_code_login_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class NominatedContact(models.Model):
    """A person a key account's manager nominated to use the portal for the organisation (集团客户授权联系人)."""

    organisation = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="nominated_contacts",
        verbose_name=_("organisation"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("mobile phone"), max_length=20)
    is_active = models.BooleanField(_("active"), default=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("nominated by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("nominated contact (授权联系人)")
        verbose_name_plural = _("nominated contacts")
        ordering = ["organisation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "phone"], condition=Q(is_active=True), name="portal_nominee_unique_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_id})"
