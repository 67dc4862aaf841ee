"""Feed files dropped by the billing system (nightly files): ``<kind>_<batchid>.csv|json|jsonl``, read as a stream.

``feed_file_load`` loads one file and moves it to ``done/`` or ``failed/`` beside it; the ``billing_import`` command
calls it inline, ``billing_sync.tasks.feed_file_load_task`` on a worker of the billing queue. Running it again after a
crash at any point (a worker killed mid-load, the message delivered again, the file sent again) loads each record once:
the batch commits all its rows or none (one transaction), a batch already loaded is recognised by (sender, kind, batch
id) and changes nothing, and a usage record already loaded by another batch is skipped by its natural key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from ...models import FeedBatch
from . import FeedConflict, FeedInputError, csv_records, feed_batch_load

logger = logging.getLogger(__name__)

FILE_SENDER = "file-drop"
FILE_NAME = re.compile(
    r"^(?P<kind>bills|payments|balances|usage)_(?P<batch>[A-Za-z0-9._-]{1,100})\.(?P<ext>csv|jsonl|json)$"
)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_records(path: Path, kind: str) -> Iterator[dict]:
    """The records of a CSV, JSON Lines or JSON file ({"records": [...]} or a list), streamed where the format
    allows (CSV, JSON Lines); a .json file is read whole."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv_records(handle, kind=kind)
    elif suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as exc:
                        raise FeedInputError(f"line {line_no} is not JSON: {exc}") from exc
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise FeedInputError(f"not a JSON file: {exc}") from exc
        records = data.get("records") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise FeedInputError('a JSON file holds {"records": [...]} or a list of records')
        yield from records


def feed_file_load(*, path: str | Path, sender: str = FILE_SENDER) -> FeedBatch | None:
    """Load one dropped feed file named ``<kind>_<batchid>.<ext>`` and move it to ``done/`` (or ``failed/``) beside
    it; returns its batch. A file no longer there was loaded by an earlier run: its batch is returned, nothing
    changes. Raises ValueError for a file name that names no feed."""
    file = Path(path)
    named = FILE_NAME.match(file.name)
    if named is None:
        raise ValueError(f"{file.name} is not named <kind>_<batchid>.csv|json|jsonl")
    keys = {"sender": sender[:64], "kind": named["kind"], "client_batch_id": named["batch"]}
    if not file.is_file():
        return FeedBatch.objects.filter(**keys).first()
    try:
        batch, _created = feed_batch_load(
            **keys, records=file_records(file, named["kind"]), body_format="csv" if named["ext"] == "csv" else "json",
            content_sha256=file_sha256(file), file_name=file.name,
        )  # fmt: skip
    except FeedConflict:
        logger.warning("Feed file %s reuses a batch id with other content", file.name)
        _move(file, "failed")
        raise
    # Moved only after the batch committed: a crash before leaves the file to load again, which is safe.
    _move(file, "failed" if batch.status == FeedBatch.Status.FAILED else "done")
    return batch


def _move(file: Path, folder: str) -> None:
    target = file.parent / folder
    target.mkdir(exist_ok=True)
    shutil.move(str(file), str(target / file.name))
