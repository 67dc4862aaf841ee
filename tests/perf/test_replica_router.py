"""DATABASE_REPLICA_URL: analytics loaders and dashboards read through the "replica" alias, everything else and every
write through "default". The replica here is a second connection to the test database (TEST MIRROR), as in base.py."""

from __future__ import annotations

import datetime

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from analytics.churn.loader import customer_id_bounds
from analytics.models import CustomerBaseMonthly
from crm.accounts.roles import Role
from crm.db_router import REPLICA, read_alias, reading_from_replica, replica_configured
from customers.models import Customer

from ..analytics.dash_h7_fixtures import client_for, make_customer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup):
    """The "replica" alias, configured as base.py does when DATABASE_REPLICA_URL names the test database."""
    default = connections["default"].settings_dict
    connections.settings[REPLICA] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def test_reads_go_to_the_replica_only_inside_the_block():
    assert replica_configured()
    assert router.db_for_read(Customer) == "default" and read_alias() == "default"
    with reading_from_replica():
        assert router.db_for_read(Customer) == REPLICA
        assert router.db_for_write(Customer) == "default"
    assert router.db_for_read(Customer) == "default"
    assert router.allow_migrate(REPLICA, "customers") is False


def test_orm_reads_in_the_block_use_the_replica_connection_and_writes_stay_on_default(hefei):
    customer = make_customer(hefei)  # committed: the replica's own connection sees it
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, reading_from_replica():
        found = Customer.objects.get(pk=customer.pk)
        Customer.objects.filter(pk=customer.pk).update(segment="Champions")
    assert found.customer_no == customer.customer_no and found._state.db == REPLICA
    assert len(on_replica.captured_queries) == 1
    assert "UPDATE" not in on_replica.captured_queries[0]["sql"]
    assert Customer.objects.get(pk=customer.pk).segment == "Champions"


def test_analytics_loader_reads_through_the_replica(hefei):
    first, last = make_customer(hefei), make_customer(hefei)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        bounds = customer_id_bounds()
    assert bounds == (first.pk, last.pk + 1)
    assert any("customers_customer" in q["sql"] for q in on_replica.captured_queries)


def test_dashboard_page_reads_its_aggregates_from_the_replica(hefei, make_staff):
    CustomerBaseMonthly.objects.create(
        month=datetime.date(2026, 10, 1), region_id=hefei.pk, customer_class="public", service_level="gold",
        segment="", value_group="", customers=7, added=2, churned=1,
    )  # fmt: skip
    manager = make_staff(Role.MANAGER)
    client = client_for(manager)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(
            "/analytics/dashboards/customers/",
            {"period": "custom", "date_from": "2026-10-01", "date_to": "2026-10-31"},
        )
    assert response.status_code == 200
    mart = CustomerBaseMonthly._meta.db_table
    assert any(mart in q["sql"] for q in on_replica.captured_queries)
