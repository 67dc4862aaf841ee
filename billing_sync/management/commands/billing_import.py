"""File drop of billing feeds (nightly files): ``billing_import --kind usage --batch-id B1 usage.csv`` loads one file;
``billing_import --dir DIR`` loads every ``<kind>_<batchid>.csv|json|jsonl`` in DIR and moves it to DIR/done/ or
DIR/failed/. Files are read as a stream and loaded in chunks, so memory stays flat whatever their size. A file sent
again (same kind and batch id) is recognised and changes nothing. ``--queue`` hands each file of DIR to a worker of
the billing queue instead (billing_sync.tasks.feed_file_load_task), which moves it when loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing_sync.models import FeedBatch
from billing_sync.services.feeds import FeedConflict, feed_batch_load
from billing_sync.services.feeds.files import FILE_NAME, FILE_SENDER, file_records, file_sha256

SENDER = FILE_SENDER
SHOWN_REJECTIONS = 10
__all__ = ["FILE_NAME", "Command", "file_records", "file_sha256"]


class Command(BaseCommand):
    help = "Load billing feed files (bills, payments, balances, usage) dropped by the billing system."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="one file to load")
        parser.add_argument("--kind", choices=FeedBatch.Kind.values)
        parser.add_argument("--batch-id", dest="batch_id")
        parser.add_argument("--dir", dest="directory", help="load every <kind>_<batchid>.csv|json|jsonl in it")
        parser.add_argument("--sender", default=SENDER)
        parser.add_argument("--queue", action="store_true", help="with --dir: load each file on a billing worker")

    def handle(self, *args, path=None, kind=None, batch_id=None, directory=None, sender=SENDER, **options):
        if directory and options.get("queue"):
            from billing_sync.tasks import feed_file_load_task

            files = sorted(p for p in Path(directory).iterdir() if p.is_file() and FILE_NAME.match(p.name))
            for file in files:
                feed_file_load_task.delay(str(file.resolve()), sender)
            self.stdout.write(f"{len(files)} file(s) queued for the billing workers.")
            return
        if directory:
            failed = self._directory(Path(directory), sender=sender)
            if failed:
                raise CommandError(f"{failed} file(s) failed; see {Path(directory) / 'failed'}")
            return
        if not path:
            raise CommandError("Give a file, or --dir DIR.")
        file = Path(path)
        named = FILE_NAME.match(file.name)
        kind = kind or (named and named["kind"])
        batch_id = batch_id or (named and named["batch"])
        if not kind or not batch_id:
            raise CommandError("Give --kind and --batch-id, or name the file <kind>_<batchid>.csv|json|jsonl.")
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        batch = self._load(file, kind=kind, batch_id=batch_id, sender=sender)
        if batch is None or batch.status == FeedBatch.Status.FAILED:
            raise CommandError(f"{file.name} failed.")

    def _directory(self, directory: Path, *, sender: str) -> int:
        if not directory.is_dir():
            raise CommandError(f"No directory {directory}.")
        failed = 0
        for file in sorted(p for p in directory.iterdir() if p.is_file()):
            named = FILE_NAME.match(file.name)
            if named is None:
                continue
            batch = self._load(file, kind=named["kind"], batch_id=named["batch"], sender=sender)
            ok = batch is not None and batch.status != FeedBatch.Status.FAILED
            failed += not ok
            target = directory / ("done" if ok else "failed")
            target.mkdir(exist_ok=True)
            shutil.move(str(file), str(target / file.name))
        return failed

    def _load(self, file: Path, *, kind: str, batch_id: str, sender: str) -> FeedBatch | None:
        body_format = "csv" if file.suffix.lower() == ".csv" else "json"
        try:
            batch, created = feed_batch_load(
                sender=sender, kind=kind, client_batch_id=batch_id, records=file_records(file, kind),
                body_format=body_format, content_sha256=file_sha256(file), file_name=file.name,
            )  # fmt: skip
        except (FeedConflict, ValueError) as exc:
            self.stderr.write(f"{file.name}: {exc}")
            return None
        self.stdout.write(self._report(batch, created=created))
        return batch

    def _report(self, batch: FeedBatch, *, created: bool) -> str:
        lines = [
            f"{batch.file_name or batch.client_batch_id}: batch {batch.pk} {batch.kind}/{batch.client_batch_id} "
            f"{batch.status}{'' if created else ' (sent before, nothing changed)'} — received {batch.rows_received}, "
            f"loaded {batch.rows_loaded}, already loaded {batch.rows_duplicate}, rejected {batch.rows_rejected}"
            f"{f' in {batch.duration_ms} ms' if batch.duration_ms is not None else ''}"
        ]
        if batch.error:
            lines.append(f"  error: {batch.error}")
        for rejection in batch.rejections.order_by("row_no", "id")[:SHOWN_REJECTIONS]:
            lines.append(f"  row {rejection.row_no} {rejection.record_key} {rejection.field} {rejection.code}: "
                         f"{rejection.reason}")  # fmt: skip
        if batch.rows_rejected > SHOWN_REJECTIONS:
            lines.append(
                f"  … and {batch.rows_rejected - SHOWN_REJECTIONS} more rejected rows (see /billing/feeds/{batch.pk}/)"
            )
        return "\n".join(lines)
