"""A key account's nominated contacts: an account manager (of the customer's region) nominates and removes them on
the customer 360; a contact signs up with the organisation's credit code, their own phone and a texted code, sees the
organisation's data (never another customer's), and loses access at the next request once removed."""

from __future__ import annotations

import pytest

from crm.audit.models import AuditEntry
from customers.models import PartyInteraction
from portal import services_contacts
from portal.models import NominatedContact, PortalAccount
from portal.services import PortalRefused
from tests.conftest import STAFF_PASSWORD
from tests.portal.conftest import PASSWORD, a_minute_later, texted_code
from tests.portal.test_views_bills import bill, month_first

pytestmark = pytest.mark.django_db

CONTACT_PHONE = "13800138000"
CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture
def staff_client(client, make_staff):
    def make(role: str, **kwargs):
        user = make_staff(role, **kwargs)
        assert client.login(username=user.username, password=STAFF_PASSWORD)
        return client, user

    return make


@pytest.fixture
def nominated(people, make_staff):
    manager = make_staff("account_manager")
    return services_contacts.nominated_contact_add(
        organisation=people["corp"], name="李娜", phone=CONTACT_PHONE, actor=manager
    )


def contact_sign_up(client, *, credit_code: str = CREDIT_CODE, phone: str = CONTACT_PHONE):
    response = client.post("/portal/signup/contact/", {"credit_code": credit_code, "phone": phone})
    if response.status_code != 302:
        return response
    code = texted_code(phone)
    return client.post("/portal/signup/contact/verify/", {"code": code, "password1": PASSWORD, "password2": PASSWORD})


# --- Nominating on the customer 360 --------------------------------------------------------------------------


def test_an_account_manager_nominates_a_contact_on_the_360_audited_and_on_the_timeline(staff_client, people):
    client, manager = staff_client("account_manager")
    corp = people["corp"]

    response = client.post(f"/customers/{corp.customer_no}/portal-contacts", {"name": "李娜", "phone": CONTACT_PHONE})

    assert response.status_code == 302
    contact = NominatedContact.objects.get()
    assert (contact.organisation, contact.phone, contact.nominated_by, contact.is_active) == (
        corp, CONTACT_PHONE, manager, True
    )  # fmt: skip
    assert AuditEntry.objects.filter(object_type="portal.nominatedcontact", object_id=str(contact.pk)).exists()
    assert PartyInteraction.objects.filter(customer=corp, interaction_type="portal_contact").count() == 1
    page = client.get(f"/customers/{corp.customer_no}/").content.decode()
    assert "李娜" in page and "138****8000" in page and CONTACT_PHONE not in page


def test_nominating_needs_the_permission_the_customer_s_region_and_a_key_account(staff_client, people, wuhu):
    corp = people["corp"]
    agent, _ = staff_client("call_agent")
    assert (
        agent.post(
            f"/customers/{corp.customer_no}/portal-contacts", {"name": "李娜", "phone": CONTACT_PHONE}
        ).status_code
        == 403
    )
    agent.logout()
    other_region, _ = staff_client("account_manager", region=wuhu)
    response = other_region.post(
        f"/customers/{corp.customer_no}/portal-contacts", {"name": "李娜", "phone": CONTACT_PHONE}
    )
    assert response.status_code == 404
    other_region.logout()
    manager, _ = staff_client("account_manager")
    person = people["zhang"]  # a public customer, not a key account
    assert (
        manager.post(
            f"/customers/{person.customer_no}/portal-contacts", {"name": "李娜", "phone": CONTACT_PHONE}
        ).status_code
        == 404
    )
    assert not NominatedContact.objects.exists()


def test_the_same_phone_is_nominated_once_and_a_bad_phone_is_refused(people, make_staff, nominated):
    manager = make_staff("account_manager")
    with pytest.raises(ValueError):
        services_contacts.nominated_contact_add(
            organisation=people["corp"], name="李娜", phone=CONTACT_PHONE, actor=manager
        )
    with pytest.raises(ValueError):
        services_contacts.nominated_contact_add(organisation=people["corp"], name="王", phone="0551123", actor=manager)
    assert NominatedContact.objects.count() == 1


# --- Sign-up as a contact ------------------------------------------------------------------------------------


def test_a_nominated_contact_signs_up_for_the_organisation_with_a_code_texted_to_their_own_phone(
    client, lines, nominated, people
):
    response = contact_sign_up(client)

    assert response.status_code == 302 and response["Location"] == "/portal/"
    account = PortalAccount.objects.get(nominated_contact=nominated)
    assert (account.customer, account.login, account.is_active) == (people["corp"], CONTACT_PHONE, True)
    client.post("/portal/logout/")
    assert client.post("/portal/login/", {"login": CONTACT_PHONE, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("credit_code", "phone"),
    [("91350100M000100Y44", CONTACT_PHONE), (CREDIT_CODE, "13800138001"), ("11010519491231002X", CONTACT_PHONE)],
    ids=["wrong credit code", "phone not nominated", "a person's ID number"],
)
def test_a_wrong_credit_code_or_a_phone_not_nominated_is_refused(client, lines, nominated, credit_code, phone):
    response = client.post("/portal/signup/contact/", {"credit_code": credit_code, "phone": phone})

    assert response.status_code == 200
    assert "We found no nomination for this phone" in response.content.decode()
    assert not PortalAccount.objects.exists()


def test_a_bad_code_is_refused_and_a_removed_nomination_cannot_finish_signing_up(client, lines, nominated, people):
    client.post("/portal/signup/contact/", {"credit_code": CREDIT_CODE, "phone": CONTACT_PHONE})
    response = client.post(
        "/portal/signup/contact/verify/", {"code": "000000", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200 and "This code is not right" in response.content.decode()

    otp_code = texted_code(CONTACT_PHONE)
    services_contacts.nominated_contact_remove(
        organisation=people["corp"], contact_id=nominated.pk, actor=nominated.nominated_by
    )
    with pytest.raises(PortalRefused):
        services_contacts.contact_account_signup(phone=CONTACT_PHONE, code=otp_code, password=PASSWORD)
    assert not PortalAccount.objects.exists()


# --- What a contact sees, and removal ----------------------------------------------------------------------


def test_the_contact_sees_the_organisation_s_bills_and_not_another_customer_s(client, lines, nominated, people):
    corp_bill = bill(people["corp"], "1999.00", month=month_first(1))
    other_bill = bill(people["zhang"], "59.00", month=month_first(1))
    contact_sign_up(client)

    page = client.get("/portal/bills/").content.decode()

    assert corp_bill.bill_no in page and other_bill.bill_no not in page
    assert client.get(f"/portal/bills/{corp_bill.bill_no}/").status_code == 200
    assert client.get(f"/portal/bills/{other_bill.bill_no}/").status_code == 404


def test_removing_the_nomination_ends_access_at_the_next_request(staff_client, lines, people, nominated):
    # given a contact logged in to the portal (their own client)
    from django.test import Client

    contact = Client()
    contact.cookies["django_language"] = "en"
    contact_sign_up(contact)
    assert contact.get("/portal/").status_code == 200

    # when the account manager removes the nomination on the 360
    manager, _ = staff_client("account_manager")
    response = manager.post(f"/customers/{people['corp'].customer_no}/portal-contacts/{nominated.pk}/remove")
    assert response.status_code == 302

    # then the next portal request is sent to the log-in page, and the phone can no longer log in
    response = contact.get("/portal/bills/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert not PortalAccount.objects.get(nominated_contact=nominated).is_active
    assert contact.post("/portal/login/", {"login": CONTACT_PHONE, "password": PASSWORD}).status_code == 200
    assert PartyInteraction.objects.filter(customer=people["corp"], interaction_type="portal_contact").count() == 2


def test_a_manager_of_another_region_cannot_remove_and_another_organisation_s_contact_is_not_found(
    staff_client, people, nominated, wuhu
):
    other_region, _ = staff_client("account_manager", region=wuhu)
    url = f"/customers/{people['corp'].customer_no}/portal-contacts/{nominated.pk}/remove"
    assert other_region.post(url).status_code == 404
    other_region.logout()
    manager, _ = staff_client("account_manager")
    wrong_org = f"/customers/{people['zhang'].customer_no}/portal-contacts/{nominated.pk}/remove"
    assert manager.post(wrong_org).status_code == 404
    nominated.refresh_from_db()
    assert nominated.is_active


def test_a_contact_s_password_reset_code_goes_to_the_contact_s_phone(client, lines, nominated):
    contact_sign_up(client)
    client.post("/portal/logout/")
    a_minute_later()

    client.post("/portal/reset/", {"service_number": CONTACT_PHONE})

    assert texted_code(CONTACT_PHONE)
    from crm.messaging.models import OutboundMessage

    assert OutboundMessage.objects.filter(recipient=CONTACT_PHONE, purpose="portal_reset").exists()


def test_a_contact_s_account_does_not_stop_the_organisation_signing_up_with_its_own_line(
    client, lines, nominated, people, sign_up
):
    contact_sign_up(client)
    a_minute_later()

    own = sign_up("corp")

    assert own.customer == people["corp"] and own.nominated_contact is None
    assert PortalAccount.objects.filter(customer=people["corp"], is_active=True).count() == 2
