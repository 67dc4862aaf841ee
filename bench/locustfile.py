"""The mixed staff load of bench/bench_load.py (not a benchmark module itself): 40 % search, 40 % 360 view, 10 % ticket
create, 10 % order submit, by users who wait BENCH_LOAD_WAIT seconds at most between requests.

Reads the keys to use from the JSON file named by BENCH_LOAD_SAMPLES (written by bench_load.py). Business refusals
of an order (4xx: no free port, a line limit) are counted apart, under their own name, and are not errors; a 5xx or a
timeout is an error."""

from __future__ import annotations

import itertools
import json
import os
import random
from urllib.parse import quote

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

SAMPLES = json.loads(open(os.environ["BENCH_LOAD_SAMPLES"], encoding="utf-8").read())  # noqa: SIM115
WAIT = float(os.environ.get("BENCH_LOAD_WAIT", "0.2"))
_orders = itertools.count()
_tickets = itertools.count()
REFUSED = {"orders": 0}


class StaffUser(FastHttpUser):
    wait_time = between(0, WAIT)
    connection_timeout = 30.0
    network_timeout = 30.0

    def on_start(self):
        self.rng = random.Random()
        self.session = {"Cookie": f"sessionid={SAMPLES['clerk_session']}"}
        self.api = {"Authorization": f"Bearer {SAMPLES['token']}", "Content-Type": "application/json"}

    @task(4)
    def search(self):
        keys = SAMPLES["search_keys"]
        query = keys[self.rng.randrange(len(keys))]
        self.client.get(f"/search/?q={quote(query)}", headers={**self.session, "HX-Request": "true"}, name="search")

    @task(4)
    def view_360(self):
        number = self.rng.choice(SAMPLES["customer_numbers"])
        self.client.get(f"/customers/{number}/", headers=self.session, name="360 view")

    @task(1)
    def ticket_create(self):
        i = next(_tickets)
        customer = SAMPLES["ticket_customers"][i % len(SAMPLES["ticket_customers"])]
        body = {
            "ticketType": "complaint",
            "description": f"负载测试 {i}",
            "relatedParty": [{"id": str(customer), "role": "customer"}],
        }
        self.client.post(
            "/tmf-api/troubleTicket/v4/troubleTicket", data=json.dumps(body), headers=self.api, name="ticket create"
        )

    @task(1)
    def order_submit(self):
        i = next(_orders)
        customer = SAMPLES["order_customers"][i % len(SAMPLES["order_customers"])]
        address = SAMPLES["addresses"][i % len(SAMPLES["addresses"])]
        body = {
            "category": "new",
            "relatedParty": [{"id": str(customer), "role": "customer"}],
            "productOrderItem": [
                {
                    "id": "1",
                    "action": "add",
                    "productOffering": {"id": str(SAMPLES["broadband"])},
                    "product": {"place": [{"id": str(address), "role": "installationAddress"}]},
                }
            ],
        }
        headers = {**self.api, "Idempotency-Key": f"load-{SAMPLES['stamp']}-{os.getpid()}-{i}"}
        with self.client.post(
            "/tmf-api/productOrderingManagement/v4/productOrder",
            data=json.dumps(body),
            headers=headers,
            name="order submit",
            catch_response=True,
        ) as response:
            if 400 <= response.status_code < 500:
                response.success()
                REFUSED["orders"] += 1


@events.quitting.add_listener
def _write_refusals(environment, **kwargs):
    with open(os.environ["BENCH_LOAD_REFUSALS"], "w", encoding="utf-8") as out:
        json.dump(REFUSED, out)
