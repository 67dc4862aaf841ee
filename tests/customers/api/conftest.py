from tests.api.conftest import api, listener, token_for  # noqa: F401
from tests.customers.conftest import people, subscribe  # noqa: F401
