import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Optimistic locking of work orders: a version every service write adds one to, and when it was last changed
    (for the conflict message). Both columns get a constant default, so adding them does not rewrite the table."""

    dependencies = [
        ("orders", "0007_repair_template"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="updated"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="workorder",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
    ]
