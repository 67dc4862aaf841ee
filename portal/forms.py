"""Forms of the portal's sign-up, log-in and password reset (the services do the checks that matter)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import PortalRefused


def _text(label, *, max_length: int, **attrs) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, widget=forms.TextInput(attrs=attrs))


class RefusalMixin:
    def refuse(self, exc: PortalRefused) -> None:
        """Show a service's refusal on its field, or above the form."""
        self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class SignupStartForm(RefusalMixin, forms.Form):
    service_number = _text(_("Service number"), max_length=32, autocomplete="tel", inputmode="tel")
    id_number = _text(
        _("ID-card number"), max_length=32, autocomplete="off",
        placeholder=_("Organisations: unified social credit code"),
    )  # fmt: skip


class ContactSignupStartForm(RefusalMixin, forms.Form):
    """A key account's nominated contact: the organisation's credit code and the contact's own mobile phone."""

    credit_code = _text(_("Unified social credit code of the organisation"), max_length=32, autocomplete="off")
    phone = _text(_("Your mobile phone"), max_length=20, autocomplete="tel", inputmode="tel")


class NewPasswordForm(RefusalMixin, forms.Form):
    code = _text(_("Code from the SMS"), max_length=6, autocomplete="one-time-code", inputmode="numeric")
    password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(str(text) for text in password_validators_help_texts()),
    )  # fmt: skip
    password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit() or len(code) != 6:
            raise ValidationError(_("The code has 6 digits."))
        return code

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        validate_password(password)
        return password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class LoginForm(RefusalMixin, forms.Form):
    login = _text(_("Service number"), max_length=32, autocomplete="username", inputmode="tel")
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ResetStartForm(RefusalMixin, forms.Form):
    service_number = _text(_("Service number"), max_length=32, autocomplete="username", inputmode="tel")
