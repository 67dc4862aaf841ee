"""Demo data for ordering, run by ``seed_demo`` after the catalog and subscriptions (``orders/demo.py``):

- ``network`` (order 35): access points, standard addresses, team coverage, dispatch centre leads;
- ``ordering-rules`` (order 36): next-best-offer and commission rules;
- ``orders`` (order 40): six months of orders with their work orders, and today's open work.
"""

from . import history, network, rules  # noqa: F401 - importing registers the steps
