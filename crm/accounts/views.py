"""Authentication views for staff; the rules (lockout, audit) live in the auth backend and audit signals."""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from crm.middleware import client_ip

from .backends import login_locked


class StaffAuthenticationForm(AuthenticationForm):
    """The log-in form; says so when the username (or this client) is locked after too many failures."""

    locked = False

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            username = self.cleaned_data.get("username") or ""
            if login_locked(username, ip=client_ip(self.request) if self.request else None):
                self.locked = True
                raise forms.ValidationError(
                    _("Too many failed log-ins: log-in is locked for %(minutes)d minutes.")
                    % {"minutes": settings.STAFF_LOCKOUT_MINUTES},
                    code="locked",
                ) from None
            raise


class StaffLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    pass


class StaffPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class StaffPasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
