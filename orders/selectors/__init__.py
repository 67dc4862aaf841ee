"""Reads of ordering: catalog and inventory, orders, work orders and queues; each applies the user's visibility."""

from .catalog import *  # noqa: F403 - the catalog and inventory selectors keep their public names here
from .ordering import (  # noqa: F401
    Offer,
    addresses_matching,
    addresses_matching_id,
    awaiting_second_check,
    live_products_of,
    next_best_offers,
    order_for_user,
    orders_of_customer,
    orders_visible_to,
)
