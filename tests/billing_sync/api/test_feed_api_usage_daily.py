"""Usage posted to the billing feed API, as JSON or CSV, reaches the daily outbound calls (UsageDaily) of its line and
local day; a second batch for the same line and day adds to it, a batch posted again adds nothing."""

import datetime

import pytest

from billing_sync.models import UsageDaily

pytestmark = pytest.mark.django_db
FEED = "/tmf-api/billingFeed/v1"
NOV_2 = datetime.date(2026, 11, 2)


@pytest.fixture
def feeder(client_with):
    return client_with("billing:feed")


def _days(product) -> dict:
    rows = UsageDaily.objects.filter(product=product).values_list("day", "voice_out_calls", "voice_out_seconds")
    return {day: (calls, seconds) for day, calls, seconds in rows}


def test_json_and_csv_batches_add_up_in_the_line_s_day(feeder, products):
    line = products["zhang"]
    cdr = {"serviceNumber": "18955512345", "type": "voice", "otherNumber": "13912345678", "charge": "0.20"}
    body = {"batchId": "J1", "records": [
        {**cdr, "recordKey": "J1", "startTime": "2026-11-02T08:00:00+08:00", "duration": 90},
        {**cdr, "recordKey": "J2", "startTime": "2026-11-01T16:30:00Z", "duration": 30},  # 00:30 on Nov 2 local
        {**cdr, "recordKey": "J3", "startTime": "2026-11-02T09:00:00+08:00", "duration": 400, "outgoing": False},
    ]}  # fmt: skip
    assert feeder.post(f"{FEED}/usage", body, format="json").status_code == 201
    assert _days(line) == {NOV_2: (2, 120)}

    csv_body = (
        "recordKey,serviceNumber,startTime,type,outgoing,duration,volumeKb,roaming,charge\n"
        "C1,18955512345,2026-11-02T23:59:59+08:00,voice,true,61,,none,0.10\n"
        "C2,18955512345,2026-11-03T00:00:00+08:00,voice,,5,,none,0.10\n"
        "C3,18955512345,2026-11-02T11:00:00+08:00,data,,,1024,domestic,1.00\n"
    )
    response = feeder.post(f"{FEED}/usage?batchId=C1", csv_body.encode(), content_type="text/csv")
    assert response.status_code == 201 and response.json()["counts"]["loaded"] == 3
    assert _days(line) == {NOV_2: (3, 181), datetime.date(2026, 11, 3): (1, 5)}

    # posted again (same id) or re-sent under a new id: nothing counts twice
    feeder.post(f"{FEED}/usage", body, format="json")
    feeder.post(f"{FEED}/usage", {**body, "batchId": "J2"}, format="json")
    assert _days(line) == {NOV_2: (3, 181), datetime.date(2026, 11, 3): (1, 5)}
    assert not UsageDaily.objects.filter(product=products["zhangw"]).exists()
