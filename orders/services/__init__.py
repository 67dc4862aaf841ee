"""Writes of ordering: catalog and inventory, order intake, work orders and dispatch, resources, commissions."""

from .inventory import *  # noqa: F403 - the catalog and inventory services keep their public names here
from .inventory import _save_product  # noqa: F401 - used by the order services
