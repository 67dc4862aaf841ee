import io

import pytest

from tests.api.conftest import api, listener, token_for  # noqa: F401
from tests.customers.conftest import people, subscribe  # noqa: F401


@pytest.fixture
def catalog(db):
    """The demo catalog (specifications, offerings with prices, bundles, two catalogs)."""
    from crm.demo.engine import SeedContext
    from orders.demo import seed_catalog

    seed_catalog(SeedContext(customers=0, seed=1, log=io.StringIO().write))
