"""A GIN index on the two-character substrings of party names: the fast path of 2-character name search.

The trigram index of 0004 cannot serve ``LIKE '%张三%'`` (a 2-character pattern holds no trigram, so PostgreSQL scans
the whole index); a person's name is mostly 2 or 3 characters, and clerks type the 2. ``customers_name_bigrams(name)
@> ARRAY['张三']`` is the same condition as the infix match for a 2-character query and reads only the matching
entries. Built concurrently (no lock on the party table while it builds); PostgreSQL only, like 0004.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION customers_name_bigrams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(name, i, 2)), '{}')
    FROM generate_series(1, char_length(name) - 1) AS i
$$
"""
CREATE_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS party_name_bigram_idx ON customers_party "
    "USING gin (customers_name_bigrams(name))"
)


def add_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    schema_editor.execute(CREATE_INDEX)


def drop_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS party_name_bigram_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS customers_name_bigrams(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("customers", "0007_segmentation_groups_db_default")]

    operations = [migrations.RunPython(add_bigram_index, drop_bigram_index)]
