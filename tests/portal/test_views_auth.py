"""The portal's pages for sign-up, log-in, reset and log-out, its own session cookie, and its separation from the
staff session in both directions."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from portal import services
from portal.models import OneTimeCode, PortalAccount
from tests.conftest import STAFF_PASSWORD

from .conftest import PASSWORD, a_minute_later, texted_code

pytestmark = pytest.mark.django_db
COOKIE = "crm_portal"


def test_sign_up_through_the_pages_logs_the_customer_in(client, lines):
    page = client.get("/portal/signup/")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post("/portal/signup/", {"service_number": "18900000001", "id_number": "11010519491231002X"})
    assert response.status_code == 302 and response["Location"] == "/portal/signup/verify/"
    assert "189****0001" in client.get("/portal/signup/verify/").content.decode()
    response = client.post(
        "/portal/signup/verify/",
        {"code": texted_code("18955512345"), "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/portal/"
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # the staff session is not touched
    home = client.get("/portal/")
    assert home.status_code == 200 and "张伟明" in home.content.decode()


@pytest.mark.parametrize(
    "number,id_number",
    [
        ("18900000001", "440524188001010014"),
        ("18900000077", "11010519491231002X"),
        ("18900000009", "11010519491231002X"),
    ],
    ids=["wrong-id", "unknown-number", "terminated-number"],
)
def test_sign_up_refusals_show_a_form_error_and_create_nothing(client, lines, number, id_number):
    response = client.post("/portal/signup/", {"service_number": number, "id_number": id_number})
    assert response.status_code == 200
    assert "We found no live subscription with this service number and ID number." in response.content.decode()
    assert not OneTimeCode.objects.exists() and not PortalAccount.objects.exists()


def test_sign_up_step_two_shows_code_and_password_errors(client, lines):
    client.post("/portal/signup/", {"service_number": "18900000001", "id_number": "11010519491231002X"})
    code = texted_code("18955512345")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post("/portal/signup/verify/", {"code": wrong, "password1": PASSWORD, "password2": PASSWORD})
    assert "This code is not right. 4 tries left." in response.content.decode()
    response = client.post("/portal/signup/verify/", {"code": code, "password1": PASSWORD, "password2": "other"})
    assert "The two passwords are not the same." in response.content.decode()
    response = client.post("/portal/signup/verify/", {"code": code, "password1": "123456789012", "password2": "x"})
    assert 'data-testid="error-password1"' in response.content.decode()  # numeric: Django's validators
    # a second request within the minute is refused on the page
    response = client.post("/portal/signup/", {"service_number": "18900000001", "id_number": "11010519491231002X"})
    assert "less than a minute ago" in response.content.decode()
    assert not PortalAccount.objects.exists()


def test_step_two_without_step_one_goes_back_to_it(client):
    assert client.get("/portal/signup/verify/")["Location"] == "/portal/signup/"
    assert client.get("/portal/reset/verify/")["Location"] == "/portal/reset/"


def test_portal_pages_need_a_portal_log_in_and_come_back_to_next(client, sign_up):
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"] == "/portal/login/?next=/portal/"
    sign_up("zhang")
    response = client.post("/portal/login/?next=/portal/", {"login": "18900000001", "password": PASSWORD})
    assert response["Location"] == "/portal/"
    client.post("/portal/logout/")
    response = client.post("/portal/login/?next=https://evil.example/", {"login": "18900000001", "password": PASSWORD})
    assert response["Location"] == "/portal/"
    client.post("/portal/logout/")
    response = client.post("/portal/login/?next=/customers/", {"login": "18900000001", "password": PASSWORD})
    assert response["Location"] == "/portal/"  # never a staff page


def test_log_in_errors_and_the_lockout_message_on_the_page(client, sign_up):
    sign_up("zhang")
    for _ in range(4):
        response = client.post("/portal/login/", {"login": "18900000001", "password": "wrong-password-1"})
        assert "The number or the password is not right." in response.content.decode()
    response = client.post("/portal/login/", {"login": "18900000001", "password": "wrong-password-1"})
    assert "cannot log in for 15 minutes" in response.content.decode()
    response = client.post("/portal/login/", {"login": "18900000001", "password": PASSWORD})
    assert response.status_code == 200 and COOKIE not in response.cookies


def test_log_out_ends_the_portal_session_and_is_audited(client, portal_client):
    client = portal_client("zhang")
    account = PortalAccount.objects.get()
    response = client.post("/portal/logout/")
    assert response["Location"] == "/portal/login/"
    assert response.cookies[COOKIE].value == ""  # deleted
    assert client.get("/portal/").status_code == 302
    assert AuditEntry.objects.filter(action="logout", object_id=str(account.pk)).exists()


def test_log_out_is_post_only_and_forms_need_the_csrf_token(sign_up):
    sign_up("zhang")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/portal/login/", {"login": "18900000001", "password": PASSWORD}).status_code == 403
    page = strict.get("/portal/login/")
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = strict.post(
        "/portal/login/", {"login": "18900000001", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert strict.get("/portal/logout/").status_code == 405


def test_reset_through_the_pages(client, sign_up):
    sign_up("zhang")
    a_minute_later()
    response = client.post("/portal/reset/", {"service_number": "18900000001"})
    assert response["Location"] == "/portal/reset/verify/"
    new = "Lantern-bay-2027"
    response = client.post(
        "/portal/reset/verify/", {"code": texted_code("18955512345"), "password1": new, "password2": new}
    )
    assert response["Location"] == "/portal/login/?done=reset"
    assert "Your password was changed." in client.get(response["Location"]).content.decode()
    assert client.post("/portal/login/", {"login": "18900000001", "password": new}).status_code == 302


def test_reset_pages_read_the_same_for_a_number_without_an_account(client, lines):
    response = client.post("/portal/reset/", {"service_number": "18900000002"}, follow=True)
    assert "If number 189****0002 has a portal account" in response.content.decode()
    assert not OneTimeCode.objects.exists()


def test_a_password_reset_ends_the_other_sessions(client, portal_client):
    client = portal_client("zhang")
    assert client.get("/portal/").status_code == 200
    a_minute_later()
    otp = services.reset_code_send(service_number="18900000001")
    services.portal_password_reset(
        service_number="18900000001", code=texted_code(otp.phone), password="Lantern-bay-2027"
    )
    assert client.get("/portal/").status_code == 302


# --- Separation from the staff session ----------------------------------------------------------------------


def test_a_staff_session_does_not_open_the_portal(client, make_staff, sign_up):
    sign_up("zhang")
    staff = make_staff(Role.HALL_CLERK, username="clerk_p")
    assert client.login(username="clerk_p", password=STAFF_PASSWORD)
    assert client.get("/portal/")["Location"].startswith("/portal/login/")
    # not even with the staff session's key put into the portal cookie
    client.cookies[COOKIE] = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/portal/")["Location"].startswith("/portal/login/")
    # and the staff user is not who portal pages see
    assert b"clerk_p" not in client.get("/portal/login/").content
    assert staff.is_authenticated


def test_a_portal_session_does_not_open_staff_pages(portal_client):
    client = portal_client("zhang")
    assert client.get("/portal/").status_code == 200
    assert client.get("/customers/")["Location"].startswith("/accounts/login/")
    assert client.get("/")["Location"].startswith("/accounts/login/")
    # not even with the portal session's key put into the staff cookie
    client.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[COOKIE].value
    assert client.get("/customers/")["Location"].startswith("/accounts/login/")


def test_staff_and_customer_logged_in_in_one_browser_stay_apart(client, make_staff, portal_client):
    client = portal_client("zhang")
    make_staff(Role.HALL_CLERK, username="clerk_q")
    assert client.login(username="clerk_q", password=STAFF_PASSWORD)
    assert client.get("/portal/").status_code == 200
    assert client.get("/customers/").status_code == 200
    client.post("/portal/logout/")  # logging out of the portal keeps the staff user logged in
    assert client.get("/customers/").status_code == 200
    assert client.get("/portal/").status_code == 302


def test_the_survey_link_is_still_feedback_s_under_portal(client):
    from django.urls import resolve

    assert resolve("/portal/survey/abc123/").func.__module__ == "feedback.portal_views"
    assert client.get("/portal/survey/no-such-token/").status_code == 404


def test_the_portal_cookie_is_secure_when_configured_and_audit_entries_carry_the_portal_channel(
    client, sign_up, settings
):
    settings.PORTAL_SESSION_COOKIE_SECURE = True
    account = sign_up("zhang")
    client.post("/portal/login/", {"login": "18900000001", "password": "wrong-password-1"})
    response = client.post("/portal/login/", {"login": "18900000001", "password": PASSWORD})
    assert response.cookies[COOKIE]["secure"]
    failed = AuditEntry.objects.get(action="login_failed", object_id=str(account.pk))
    login = AuditEntry.objects.get(action="login", object_id=str(account.pk))
    assert failed.channel == login.channel == "portal" and login.actor_id is None and failed.request_id
