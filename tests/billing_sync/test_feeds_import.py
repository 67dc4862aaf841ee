"""File drop: one file, or every <kind>_<batchid> file of a directory moved to done/ or failed/ with its report."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from billing_sync.models import FeedBatch, UsageMonthly, UsageRecord
from billing_sync.services import feeds

pytestmark = pytest.mark.django_db

HEADER = "recordKey,serviceNumber,startTime,type,duration,otherNumber\n"


@pytest.fixture
def phone(people, subscribe):
    return subscribe(people["zhang"], "59", number="18900000001")


def _run(*args) -> str:
    out = io.StringIO()
    call_command("billing_import", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_a_directory_is_loaded_file_by_file_and_each_file_moved(tmp_path, phone, monkeypatch):
    monkeypatch.setattr(feeds, "CHUNK_ROWS", 2)  # several load chunks for one batch
    (tmp_path / "usage_N1.csv").write_text(
        HEADER
        + "K1,18900000001,2026-11-02T10:00:00+08:00,voice,60,13912345678\n"
        + "K2,18900000001,2026-11-02T11:00:00+08:00,voice,30,13912345678\n"
        + "K3,18900000009,2026-11-02T12:00:00+08:00,voice,30,13912345678\n"
        + "K4,18900000001,2026-11-02T13:00:00+08:00,sms,0,13912345678\n",
        encoding="utf-8",
    )
    lines = [{"recordKey": "K5", "serviceNumber": "18900000001", "startTime": "2026-11-03T10:00:00+08:00",
              "type": "voice", "duration": 10}]  # fmt: skip
    (tmp_path / "usage_N2.jsonl").write_text("\n".join(json.dumps(r) for r in lines), encoding="utf-8")
    (tmp_path / "usage_N3.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a feed", encoding="utf-8")

    with pytest.raises(CommandError, match="1 file"):
        _run("--dir", str(tmp_path))

    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["usage_N1.csv", "usage_N2.jsonl"]
    assert [p.name for p in (tmp_path / "failed").iterdir()] == ["usage_N3.json"]
    assert (tmp_path / "notes.txt").exists()
    n1 = FeedBatch.objects.get(client_batch_id="N1")
    assert (n1.sender, n1.file_name, n1.body_format) == ("file-drop", "usage_N1.csv", "csv")
    assert (n1.rows_received, n1.rows_loaded, n1.rows_rejected) == (4, 3, 1)
    assert n1.rejections.get().row_no == 3
    assert FeedBatch.objects.get(client_batch_id="N3").status == FeedBatch.Status.FAILED
    assert UsageRecord.objects.count() == 4
    month = UsageMonthly.objects.get(product=phone)
    assert (month.voice_calls, month.voice_seconds, month.sms_count) == (3, 100, 1)

    # the same file dropped again: recognised, nothing loads twice
    (tmp_path / "usage_N1.csv").write_bytes((tmp_path / "done" / "usage_N1.csv").read_bytes())
    (tmp_path / "done" / "usage_N1.csv").unlink()
    output = _run("--dir", str(tmp_path))
    assert "sent before" in output and UsageRecord.objects.count() == 4
    month.refresh_from_db()
    assert month.voice_calls == 3


def test_one_file_with_kind_and_batch_id_prints_the_report(tmp_path, phone):
    file = tmp_path / "cdr.csv"
    file.write_text(HEADER + "K1,18900000001,2026-11-02T10:00:00+08:00,voice,-1,13912345678\n", encoding="utf-8")
    output = _run("--kind", "usage", "--batch-id", "ONE", str(file))
    assert "rejected 1" in output and "row 1 K1 duration negative" in output
    assert FeedBatch.objects.get(client_batch_id="ONE").rows_rejected == 1
    with pytest.raises(CommandError):
        _run(str(file))  # neither --kind nor a <kind>_<batchid> name
