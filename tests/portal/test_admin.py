"""The portal's admin screens open for a superuser; a one-time code shows neither the code nor its hash, and nominated
contacts are read-only there (nominations are made and removed, audited, on the key account's page)."""

from __future__ import annotations

import pytest

from crm.accounts.roles import Role
from portal.models import OneTimeCode
from tests.portal.test_nominated_contacts import CONTACT_PHONE, nominated  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, make_staff):
    user = make_staff(Role.ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def test_the_portal_changelists_open_and_contacts_are_found_by_phone_and_organisation(
    admin_client_,
    nominated,  # noqa: F811
    sign_up,
    people,
):
    sign_up("zhang")
    for model in ("portalaccount", "onetimecode", "nominatedcontact"):
        assert admin_client_.get(f"/admin/portal/{model}/").status_code == 200, model

    by_phone = admin_client_.get(f"/admin/portal/nominatedcontact/?q={CONTACT_PHONE}").content.decode()
    by_org = admin_client_.get(f"/admin/portal/nominatedcontact/?q={people['corp'].customer_no}").content.decode()
    nobody = admin_client_.get("/admin/portal/nominatedcontact/?q=13999999999").content.decode()
    assert "李娜" in by_phone and "李娜" in by_org and "李娜" not in nobody


def test_a_nominated_contact_is_read_only_in_the_admin(admin_client_, nominated):  # noqa: F811
    url = f"/admin/portal/nominatedcontact/{nominated.pk}/change/"
    page = admin_client_.get(url).content.decode()
    assert CONTACT_PHONE in page and 'name="phone"' not in page and 'name="is_active"' not in page
    assert admin_client_.get("/admin/portal/nominatedcontact/add/").status_code == 403
    assert admin_client_.get(f"/admin/portal/nominatedcontact/{nominated.pk}/delete/").status_code == 403


def test_a_one_time_code_shows_neither_the_code_nor_its_hash(admin_client_, sign_up):
    sign_up("zhang")
    otp = OneTimeCode.objects.get()
    page = admin_client_.get(f"/admin/portal/onetimecode/{otp.pk}/change/").content.decode()
    assert otp.login in page and otp.code_hash not in page and otp.code_hash.split("$")[-1] not in page
    assert "code hash" not in page.lower()
