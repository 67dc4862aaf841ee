"""Feed batch pages: managers see the batches and a batch's rejected rows; the rejections export is safe."""

import pytest

from billing_sync.services.feeds import feed_batch_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def batches(people):
    bad = [{"accountNo": "A00000000001", "asOf": "2026-11-20T00:00:00+08:00", "balance": "1"},
           {"accountNo": "=1+2", "asOf": "2026-11-20T00:00:00+08:00", "balance": "1"},
           {"accountNo": "A00000000002", "asOf": "tomorrow", "balance": "1"}]  # fmt: skip
    balances, _ = feed_batch_load(sender="billing", kind="balances", client_batch_id="BAL-1", records=bad)
    usage, _ = feed_batch_load(sender="mediation", kind="usage", client_batch_id="CDR-7", records=[])
    return {"balances": balances, "usage": usage}


def test_only_managers_see_the_feed_pages(client, make_staff, batches):
    client.force_login(make_staff("hall_clerk"))
    assert client.get("/billing/feeds/").status_code == 403
    assert client.get(f"/billing/feeds/{batches['balances'].pk}/").status_code == 403


def test_the_list_shows_batches_newest_first_with_filters(client, make_staff, batches):
    client.force_login(make_staff("manager"))
    page = client.get("/billing/feeds/").content.decode()
    assert page.index("CDR-7") < page.index("BAL-1") and "/billing/feeds/" in page
    filtered = client.get("/billing/feeds/", {"kind": "balances"}).content.decode()
    assert "BAL-1" in filtered and "CDR-7" not in filtered
    assert "BAL-1" not in client.get("/billing/feeds/", {"sender": "mediation"}).content.decode()


def test_the_detail_shows_the_report_and_the_rejected_rows_and_exports_them(client, make_staff, batches):
    client.force_login(make_staff("manager"))
    batch = batches["balances"]
    page = client.get(f"/billing/feeds/{batch.pk}/").content.decode()
    assert "BAL-1" in page and 'data-testid="rejections"' in page
    assert "no billing account" in page and "is not an ISO 8601 time" in page

    export = client.get(f"/billing/feeds/{batch.pk}/", {"export": "csv"})
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode()
    assert "unknownAccount" in body and "badDate" in body
    assert "'=1+2" in body and ",=1+2" not in body  # formula neutralised
