"""Reads of ordering: catalog and inventory, orders, work orders and queues; each applies the user's visibility."""

from .catalog import *  # noqa: F403 - the catalog and inventory selectors keep their public names here
