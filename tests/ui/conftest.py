"""Fixtures the home-widget tests borrow from the customers and orders tests: customers, catalog, network."""

from tests.customers.conftest import people, subscribe  # noqa: F401
from tests.orders.conftest import catalog, network  # noqa: F401
