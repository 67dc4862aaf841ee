import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    """The version and update time get a database default too: rows written without them (the demo's COPY, an older
    instance during a rolling deploy) still get version 1 and a time."""

    dependencies = [
        ("orders", "0008_work_order_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workorder",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name="updated"
            ),
        ),
        migrations.AlterField(
            model_name="workorder",
            name="version",
            field=models.PositiveIntegerField(db_default=1, default=1, verbose_name="version"),
        ),
    ]
