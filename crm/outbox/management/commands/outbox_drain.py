"""python manage.py outbox_drain: publish the tasks the outbox still holds (e.g. once the broker is back)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from crm.context import acting_as
from crm.outbox.models import OutboxTask
from crm.outbox.services import outbox_drain


class Command(BaseCommand):
    help = "Publish the pending tasks of the outbox to the broker; exits with an error if some are still pending."

    def handle(self, *args, **options):
        with acting_as(channel="system"):
            sent = outbox_drain()
        pending = OutboxTask.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"{sent} task(s) published, {pending} pending.")
        if pending:
            last = OutboxTask.objects.filter(sent_at__isnull=True).exclude(last_error="").order_by("-pk").first()
            raise CommandError(f"{pending} task(s) still pending" + (f": {last.last_error}" if last else ""))
