import pytest

from tests.customers.conftest import people, subscribe  # noqa: F401
from tests.orders.conftest import catalog, network, signature  # noqa: F401


@pytest.fixture
def complaint_limits(db):
    """The complaint time limits of the data migration (a transactional test elsewhere may have flushed them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("crm.sla.migrations.0003_complaint_limits").seed(apps, None)
