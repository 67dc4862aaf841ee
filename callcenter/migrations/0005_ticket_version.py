from django.db import migrations, models


class Migration(migrations.Migration):
    """Optimistic locking of trouble tickets: a version every service write adds one to (a constant default, so
    adding it does not rewrite the table)."""

    dependencies = [
        ("callcenter", "0004_knowledge_is_public"),
    ]

    operations = [
        migrations.AddField(
            model_name="troubleticket",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
    ]
