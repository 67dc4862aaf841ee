"""python manage.py create_api_token --client NAME --scopes a,b|all: issue a token and print it once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from crm.api.scopes import SCOPES
from crm.api.services import api_token_create
from crm.context import acting_as


class Command(BaseCommand):
    help = "Create an API token for a client (the client is created if new). The token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="Client name, e.g. billing or 97-system")
        parser.add_argument(
            "--scopes", required=True, help=f"Comma-separated scopes ({', '.join(sorted(SCOPES))}) or 'all'"
        )

    def handle(self, *args, client: str, scopes: str, **options):
        names = [s.strip() for s in scopes.split(",") if s.strip()]
        if not names:
            raise CommandError("Give at least one scope, or 'all'.")
        try:
            with acting_as(channel="system"):
                token, raw = api_token_create(client_name=client, scopes=names)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Token for {client} with scopes {', '.join(token.client.scopes)} (shown once, store it now):"
        )
        self.stdout.write(raw)
