"""Reads of ordering: catalog and inventory, orders, work orders and queues; each applies the user's visibility."""

from .catalog import *  # noqa: F403 - the catalog and inventory selectors keep their public names here
from .ordering import (  # noqa: F401
    Offer,
    address_in_region,
    addresses_matching,
    addresses_matching_id,
    addresses_matching_in_region,
    awaiting_second_check,
    live_products_of,
    next_best_offers,
    order_for_user,
    orders_of_customer,
    orders_visible_to,
)
