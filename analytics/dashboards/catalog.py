"""Every dashboard and aggregate table: importing this module registers them all."""

from . import competitor, consumption, customer_base, finance, network, ops, satisfaction  # noqa: F401
