"""A "not found" under /portal/ is the portal's own page (its header, a link home), never the staff error page."""

from __future__ import annotations

import pytest

from tests.portal.test_views_bills import billed  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_another_customer_s_bill_is_the_portal_s_not_found_page(portal_client, billed):  # noqa: F811
    response = portal_client("zhang").get(f"/portal/bills/{billed['theirs'].bill_no}/")
    html = response.content.decode()

    assert response.status_code == 404
    assert 'data-testid="portal-404"' in html and 'data-testid="portal-nav"' in html  # logged in: the portal menu
    assert 'href="/portal/"' in html and "77.70" not in html  # nothing of the bill


def test_an_unknown_portal_address_is_the_portal_s_page_and_a_staff_one_the_staff_page(client, settings):
    settings.DEBUG = False
    portal = client.get("/portal/no-such-page/")
    staff = client.get("/no-such-page/")

    assert portal.status_code == 404 and 'data-testid="portal-404"' in portal.content.decode()
    assert 'data-testid="portal-nav"' not in portal.content.decode()  # nobody logged in
    assert staff.status_code == 404 and 'data-testid="portal-404"' not in staff.content.decode()
    assert "There is nothing at this address." in staff.content.decode()
