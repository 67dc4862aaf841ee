"""Demo API clients: the billing system and the 97 system, each with a token printed once by seed_demo."""

from __future__ import annotations

from crm.demo.engine import SeedContext, demo_step

from .services import api_token_create

DEMO_CLIENTS = [
    ("billing", ["billing:feed", "billing:read", "customer:read", "order:read"]),
    ("97-system", ["customer:read", "order:read", "order:write", "catalog:read"]),
]


@demo_step(order=900, name="api-clients")
def seed_api_clients(ctx: SeedContext) -> None:
    ctx.notes.append("")
    ctx.notes.append("Demo API tokens (Authorization: Bearer <token>; try them at /api/docs/):")
    for name, scopes in DEMO_CLIENTS:
        _token, raw = api_token_create(client_name=name, scopes=scopes)
        ctx.notes.append(f"  {name:<10} {raw}   scopes: {', '.join(scopes)}")
