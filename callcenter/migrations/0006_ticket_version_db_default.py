from django.db import migrations, models


class Migration(migrations.Migration):
    """The version gets a database default too: rows written without it (the demo's COPY, an older instance during a
    rolling deploy) still get version 1."""

    dependencies = [
        ("callcenter", "0005_ticket_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="troubleticket",
            name="version",
            field=models.PositiveIntegerField(db_default=1, default=1, verbose_name="version"),
        ),
    ]
