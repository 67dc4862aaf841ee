"""Import customers, billing accounts or subscriptions from a CSV/Excel file on the server (bulk loads).

Checks the file first and prints the problems (row, column, reason); writes only with --apply.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from customers import imports
from customers.models import CustomerImport


class Command(BaseCommand):
    help = "Check (and with --apply, import) a customers/accounts/subscriptions file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", choices=CustomerImport.Kind.values, required=True)
        parser.add_argument("--user", required=True, help="the staff user the import is done as (its region scope)")
        parser.add_argument("--apply", action="store_true", help="write the rows (all must be valid)")
        parser.add_argument("--valid-rows-only", action="store_true", help="with --apply: skip the invalid rows")

    def handle(self, *args, file: Path, kind: str, user: str, apply: bool, valid_rows_only: bool, **options):
        staff = get_user_model().objects.filter(username=user).first()
        if staff is None:
            raise CommandError(f"No user {user!r}")
        started = time.monotonic()
        try:
            record = imports.import_validate(kind=kind, file_name=file.name, content=file.read_bytes(), user=staff)
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Checked {record.total_rows} rows in {time.monotonic() - started:.1f}s: "
            f"{record.valid_rows} valid, {len(record.errors)} problems (import #{record.pk})"
        )
        for error in record.errors[:50]:
            self.stdout.write(f"  row {error['row']} {error['column']}: {error['reason']}")
        if not apply:
            return
        started = time.monotonic()
        try:
            record = imports.import_apply(customer_import=record, user=staff, valid_rows_only=valid_rows_only)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if record.status != CustomerImport.Status.IMPORTED:
            raise CommandError("Nothing was imported: " + "; ".join(e["reason"] for e in record.errors[:3]))
        self.stdout.write(
            self.style.SUCCESS(f"Imported {record.imported_rows} rows in {time.monotonic() - started:.1f}s")
        )
