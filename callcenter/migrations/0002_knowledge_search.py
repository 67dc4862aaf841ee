"""Trigram indexes for substring search of the knowledge base (Chinese has no word breaks), and its shelves."""

from django.db import migrations

# code, name, order of display. Articles are demo data (callcenter/demo.py) or written by editors, never seeded here.
DEFAULT_CATEGORIES = [
    ("products", "产品", 10),
    ("tariffs", "资费", 20),
    ("fault-scripts", "障碍处理话术", 30),
]

# Django's icontains compiles to UPPER("col"::text) LIKE UPPER('%词%'); the indexes are on that very expression so
# the planner can use them. One index per column: OR-ed LIKEs become a BitmapOr of the three.
# A term of fewer than three characters (e.g. 宽带) yields no trigram and is answered by a scan, which is fine at
# knowledge-base sizes; longer terms (无法上网, 携号转网) use the index.
TRGM_INDEXES = {
    "kb_article_title_trgm_idx": "title",
    "kb_article_body_trgm_idx": "body",
    "kb_article_keywords_trgm_idx": "keywords",
}


def add_categories(apps, schema_editor):
    Category = apps.get_model("callcenter", "KnowledgeCategory")
    for code, name, sort_order in DEFAULT_CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": sort_order})


def remove_categories(apps, schema_editor):
    # Only shelves that hold no article: an editor's articles are never lost by a rollback.
    Category = apps.get_model("callcenter", "KnowledgeCategory")
    Category.objects.filter(code__in=[code for code, _n, _s in DEFAULT_CATEGORIES], articles__isnull=True).delete()


def add_trigram_indexes(apps, schema_editor):
    # PostgreSQL only: the embedded SQLite of `make run` scans, which is fine for a demo data set.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRGM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON callcenter_knowledgearticle"
            f' USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRGM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("callcenter", "0001_calls_tickets_knowledge")]

    operations = [
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes),
        migrations.RunPython(add_categories, remove_categories),
    ]
