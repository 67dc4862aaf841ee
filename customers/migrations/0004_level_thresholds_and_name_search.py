"""Default service-level table (editable in the admin) and trigram indexes for partial-name search."""

from decimal import Decimal

from django.db import migrations

# class, level, rank, min average monthly spend over 6 months (yuan), min tenure (months), min credit rating
DEFAULT_THRESHOLDS = [
    ("public", "diamond", 4, Decimal("500"), 24, 80),
    ("public", "gold", 3, Decimal("200"), 12, 70),
    ("public", "silver", 2, Decimal("100"), 6, 60),
    ("public", "basic", 1, Decimal("0"), 0, None),
    ("key_account", "1A", 10, Decimal("500000"), 36, 90),
    ("key_account", "2A", 9, Decimal("200000"), 24, 85),
    ("key_account", "3A", 8, Decimal("100000"), 24, 80),
    ("key_account", "4A", 7, Decimal("50000"), 12, 75),
    ("key_account", "5A", 6, Decimal("20000"), 12, 70),
    ("key_account", "1B", 5, Decimal("10000"), 12, 65),
    ("key_account", "2B", 4, Decimal("5000"), 6, 60),
    ("key_account", "3B", 3, Decimal("2000"), 6, None),
    ("key_account", "4B", 2, Decimal("500"), 0, None),
    ("key_account", "5B", 1, Decimal("0"), 0, None),
]


def add_thresholds(apps, schema_editor):
    Threshold = apps.get_model("customers", "ServiceLevelThreshold")
    for customer_class, level, rank, spend, tenure, credit in DEFAULT_THRESHOLDS:
        Threshold.objects.get_or_create(
            customer_class=customer_class,
            level=level,
            defaults={"rank": rank, "min_avg_monthly_spend": spend, "min_tenure_months": tenure,
                      "min_credit_rating": credit},
        )  # fmt: skip


TRGM_INDEXES = [
    "CREATE INDEX IF NOT EXISTS party_name_trgm_idx ON customers_party USING gin (name gin_trgm_ops)",
]


def add_trigram_indexes(apps, schema_editor):
    # PostgreSQL only: the embedded SQLite of `make run` scans, which is fine for a demo data set.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in TRGM_INDEXES:
        schema_editor.execute(sql)


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS party_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_levels_key_accounts_imports")]

    operations = [
        migrations.RunPython(add_thresholds, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes),
    ]
