"""Self-service portal (网上营业厅): customers' pages under /portal/.

User-facing notes (for the README):

- **Sign up** at /portal/signup/ with the service number of a live subscription (a mobile number, a broadband
  account) and the owner's ID-card number (an organisation gives its unified social credit code). A 6-digit code is
  texted to the customer's phone on file; it is valid for 10 minutes and 5 tries, and a phone gets at most one code a
  minute and 10 a day. Then choose a password (at least 10 characters, not common, not only digits). With the local
  SMS gateway (`make run`) nothing is sent: the code is in the development log (a WARNING of ``portal.services``)
  and in the SMS log (admin → SMS messages).
- **Key accounts' nominated contacts**: an account manager nominates a contact (name, mobile phone) on the
  key-account panel of the customer 360; the contact signs up at /portal/signup/contact/ with the organisation's
  unified social credit code and their own phone (the code is texted to that phone), logs in with the phone and sees
  the organisation's data. Removing the nomination ends the contact's access at their next request.
- **Log in** at /portal/login/ with the service number and password. Five wrong passwords in a row lock the number
  for 15 minutes; the page says so the same way whether or not the number has an account.
- **Forgot the password**: /portal/reset/ texts a code to the phone on file; the code sets a new password, lifts a
  lockout and logs out every other session of the account.
- **Home** (/portal/): balance and arrears per billing account, this month's usage so far, the live subscriptions,
  open orders and fault reports or complaints with their status, and up to three offers (none when the customer
  opted out of marketing on the "portal" channel).
- **Campaign offers** (营销活动 banner): a running campaign with the "portal banner" channel shows its text and
  offers on the home page to the customers it targets (never its control group, and not when the contact policy
  refuses the "portal" channel: an opt-out, quiet hours, the marketing limit). "I'm interested: order" orders the
  offer as any portal order (channel "portal"); "No thanks" declines; either way the banner is not shown again.
- The portal has its own session (cookie ``crm_portal``, path /portal/, HttpOnly, SameSite=Lax, Secure when
  SECURE_COOKIES or in production; ``PORTAL_SESSION_COOKIE_AGE`` seconds, 2 hours by default). A staff log-in never
  logs a customer in and a customer's session opens no staff page. Sign-ups, log-ins, failed log-ins, lockouts,
  resets and log-outs are in the audit log as ``portal:<account id>`` (channel "Portal").
- Chinese by default; the language switch in the header changes to English.

For developers: pages take ``request.portal_account`` (set by ``portal.middleware.PortalSessionMiddleware``), are
wrapped in ``portal.auth.portal_login_required`` and read only through ``portal.selectors`` (which return the
customer's own objects and 404 on anyone else's). Writes go through the same services as the counter.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import selectors, services, services_contacts
from .auth import portal_log_in, portal_log_out, portal_login_required, safe_next
from .forms import ContactSignupStartForm, LoginForm, NewPasswordForm, ResetStartForm, SignupStartForm

SIGNUP_NUMBER_KEY = "portal_signup_number"
RESET_NUMBER_KEY = "portal_reset_number"
CONTACT_PHONE_KEY = "portal_contact_phone"
CAMPAIGN_CHANNEL = "portal_banner"


@portal_login_required
def home(request: HttpRequest) -> HttpResponse:
    from analytics.campaigns.channels import campaign_prompts_for

    data = selectors.portal_home(request.portal_account)
    banners = campaign_prompts_for(request.portal_account.customer, CAMPAIGN_CHANNEL)
    return render(request, "portal/home.html", {"home": data, "campaign_banners": banners})


@require_POST
@portal_login_required
def campaign_answer(request: HttpRequest, member_id: int) -> HttpResponse:
    """The customer's answer to a campaign banner: "Order" accepts the offer (an order of channel "portal", no staff
    actor, as every portal order), "No thanks" declines. The contact policy is asked again when answering."""
    from django.contrib import messages
    from django.http import Http404
    from django.utils.translation import gettext as _

    from analytics.campaigns import channels
    from analytics.campaigns.services import CampaignError, campaign_respond

    member = channels.campaign_prompt_member(request.portal_account.customer, member_id, CAMPAIGN_CHANNEL)
    if member is None:  # another customer's membership, the control group, or a campaign without the banner
        raise Http404
    answer, _sep, offering_id = request.POST.get("answer", "").partition("-")  # "accept-<offer id>" or "decline"
    if answer not in ("accept", "decline"):
        return redirect("portal:home")
    outcome = "accepted" if answer == "accept" else "declined"
    if member.outcome not in channels.OPEN_OUTCOMES:
        messages.info(request, _("You already answered this offer."))
        return redirect("portal:home")
    try:
        done = campaign_respond(member=member, outcome=outcome, channel=CAMPAIGN_CHANNEL, actor=None,
                                offering=channels.offering_of(member, offering_id))  # fmt: skip
    except CampaignError as exc:
        messages.error(request, str(exc))
        return redirect("portal:home")
    if done.order_id:
        messages.success(request, _("Thank you: order %(order)s is submitted.") % {"order": done.order.order_no})
    elif done.outcome == "suppressed":
        messages.info(request, _("This offer is no longer available."))
    else:
        messages.info(request, _("Thank you: we will not show you this offer again."))
    return redirect("portal:home")


@never_cache
def login(request: HttpRequest) -> HttpResponse:
    home_url = reverse("portal:home")
    if request.portal_account is not None:
        return redirect(safe_next(request, home_url))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.portal_login(login=form.cleaned_data["login"], password=form.cleaned_data["password"])
        except services.PortalRefused as exc:
            form.refuse(exc)
        else:
            portal_log_in(request, account)
            return redirect(safe_next(request, home_url))
    context = {"form": form, "next": safe_next(request, ""), "notice": request.GET.get("done", "")}
    return render(request, "portal/login.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    portal_log_out(request)
    return redirect("portal:login")


def _code_start(request, form, *, send, session_key: str, next_url: str, template: str) -> HttpResponse:
    """Step 1 of a sign-up: the form names who signs up; ``send(**cleaned_data)`` texts a code (or refuses), and the
    login it was sent for waits in the portal session for step 2."""
    if request.method == "POST" and form.is_valid():
        try:
            otp = send(**form.cleaned_data)
        except services.PortalRefused as exc:
            form.refuse(exc)
        else:
            request.portal_session[session_key] = otp.login
            return redirect(next_url)
    return render(request, template, {"form": form})


def _code_verify(request, *, create, session_key: str, start_url: str, template: str) -> HttpResponse:
    """Step 2 of a sign-up: the code and a password; ``create(login, code, password)`` makes the account, which is
    then logged in."""
    login = request.portal_session.get(session_key)
    if not login:
        return redirect(start_url)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = create(login, form.cleaned_data["code"], form.cleaned_data["password1"])
        except services.PortalRefused as exc:
            form.refuse(exc)
        else:
            request.portal_session.pop(session_key, None)
            portal_log_in(request, account)
            return redirect("portal:home")
    return render(request, template, {"form": form, "number_hint": _masked(login)})


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """Sign-up, step 1: service number and ID number; a code goes to the phone on file."""
    return _code_start(request, SignupStartForm(request.POST or None), send=services.signup_code_send,
                       session_key=SIGNUP_NUMBER_KEY, next_url="portal:signup_verify",
                       template="portal/signup.html")  # fmt: skip


@never_cache
def signup_verify(request: HttpRequest) -> HttpResponse:
    """Sign-up, step 2: the code and a password; the new account is logged in."""
    return _code_verify(
        request,
        create=lambda login, code, password: services.portal_account_signup(
            service_number=login, code=code, password=password
        ),
        session_key=SIGNUP_NUMBER_KEY, start_url="portal:signup", template="portal/signup_verify.html",
    )  # fmt: skip


@never_cache
def signup_contact(request: HttpRequest) -> HttpResponse:
    """A key account's nominated contact signs up, step 1: credit code and own phone; a code goes to that phone."""
    return _code_start(request, ContactSignupStartForm(request.POST or None),
                       send=services_contacts.contact_signup_code_send, session_key=CONTACT_PHONE_KEY,
                       next_url="portal:signup_contact_verify", template="portal/signup_contact.html")  # fmt: skip


@never_cache
def signup_contact_verify(request: HttpRequest) -> HttpResponse:
    """A nominated contact signs up, step 2: the code and a password; the account (the organisation's) logs in."""
    return _code_verify(
        request,
        create=lambda login, code, password: services_contacts.contact_account_signup(
            phone=login, code=code, password=password
        ),
        session_key=CONTACT_PHONE_KEY, start_url="portal:signup_contact",
        template="portal/signup_contact_verify.html",
    )  # fmt: skip


@never_cache
def reset(request: HttpRequest) -> HttpResponse:
    """Password reset, step 1: the service number; a code goes to the phone on file if the number has an account."""
    form = ResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = services.normalise_number(form.cleaned_data["service_number"])
        services.reset_code_send(service_number=number)  # the next page reads the same whatever happened
        request.portal_session[RESET_NUMBER_KEY] = number
        return redirect("portal:reset_verify")
    return render(request, "portal/reset.html", {"form": form})


@never_cache
def reset_verify(request: HttpRequest) -> HttpResponse:
    """Password reset, step 2: the code and the new password; then log in with it."""
    number = request.portal_session.get(RESET_NUMBER_KEY)
    if not number:
        return redirect("portal:reset")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_password_reset(
                service_number=number, code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except services.PortalRefused as exc:
            form.refuse(exc)
        else:
            request.portal_session.pop(RESET_NUMBER_KEY, None)
            return redirect(reverse("portal:login") + "?done=reset")
    return render(request, "portal/reset_verify.html", {"form": form, "number_hint": _masked(number)})


def _masked(number: str) -> str:
    from customers.privacy import mask_phone

    return mask_phone(number)
