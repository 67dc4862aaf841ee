"""Staff log in, log out and password change (templates under templates/registration/)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("password/", views.StaffPasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.StaffPasswordChangeDoneView.as_view(), name="password_change_done"),
]
