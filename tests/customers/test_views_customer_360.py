"""The 360 view: in scope only, masked by default, reveal audited and only for roles that may."""

import pytest
from django.urls import reverse

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(customer) -> str:
    return reverse("customers:detail", args=[customer.customer_no])


def test_clerk_opens_a_customer_of_their_region_masked(client, make_staff, people, hefei):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    response = client.get(url(people["zhang"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "张伟明" in html and "1101**********002X" in html and "189****2345" in html
    assert "11010519491231002X" not in html and 'data-testid="reveal"' in html  # masked until revealed
    assert "A00000000001" in html  # the billing account panel


def test_another_region_is_not_found_and_a_role_without_search_is_forbidden(client, make_staff, people, hefei):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    assert client.get(url(people["zhangw"])).status_code == 404
    client.force_login(make_staff(Role.FIELD_TECHNICIAN))
    assert client.get(url(people["zhang"])).status_code == 403


def test_reveal_shows_the_full_values_and_is_audited(client, make_staff, people):
    manager = make_staff(Role.MANAGER)
    client.force_login(manager)
    assert 'data-testid="reveal"' in client.get(url(people["zhang"])).content.decode()
    response = client.post(reverse("customers:reveal", args=["C00000000001"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "11010519491231002X" in response.content.decode() and "18955512345" in response.content.decode()
    entry = AuditEntry.objects.get(action="view_personal_data", actor=manager)
    assert entry.object_type == "customers.customer" and entry.object_id == str(people["zhang"].pk)


def test_an_agent_may_not_reveal(client, make_staff, people, hefei):
    client.force_login(make_staff(Role.CALL_AGENT, region=hefei))
    assert 'data-testid="reveal"' not in client.get(url(people["zhang"])).content.decode()
    assert client.post(reverse("customers:reveal", args=["C00000000001"])).status_code == 403
    assert not AuditEntry.objects.filter(action="view_personal_data").exists()


def test_360_query_budget(client, make_staff, people, django_assert_max_num_queries):
    """One query per panel, never one per row: session and user (4), customer with party, region, area, grid and
    manager (1), contact media, accounts, products, level history, timeline (5), key-account contracts, visits,
    plans and portal contacts (4), orders (1), next-best offers: spend and rules (2), open tickets and care tasks (2),
    billing: account summaries, bills, payments, usage trend, subscription ids (5; bill items and top numbers only
    when there are bills and subscriptions, see tests/billing_sync/test_views_customer_billing.py). Panels of later
    issues add their own and raise this number deliberately."""
    client.force_login(make_staff(Role.MANAGER))
    with django_assert_max_num_queries(24):
        assert client.get(url(people["corp"])).status_code == 200


def test_search_hits_link_to_the_360_view(client, make_staff, people):
    client.force_login(make_staff(Role.MANAGER))
    html = client.get(reverse("ui:search"), {"q": "华信"}).content.decode()
    assert url(people["corp"]) in html
