"""Default grace by credit rating (信用度宽限): good payers (rated 80 or more) get five more days before each phase,
poor ones (below 40) reach reminders and linked suspension five days earlier. Operators edit the table in the admin.
"""

from django.db import migrations

BANDS = [
    # from rating, to rating, extra grace days, note
    (0, 39, -5, "信用较差（<40）：提前5天提醒和停机"),
    (80, 100, 5, "信用良好（≥80）：额外5天宽限"),
]


def seed(apps, schema_editor):
    Band = apps.get_model("billing_sync", "DunningCreditBand")
    for low, high, days, note in BANDS:
        Band.objects.update_or_create(
            min_rating=low, defaults={"max_rating": high, "extra_grace_days": days, "note": note}
        )


def unseed(apps, schema_editor):
    apps.get_model("billing_sync", "DunningCreditBand").objects.filter(min_rating__in=[b[0] for b in BANDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing_sync", "0005_dunning_credit_bands")]
    operations = [migrations.RunPython(seed, unseed)]
