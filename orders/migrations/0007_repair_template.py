"""The repair template: a fault that needs a site visit becomes a work order with these steps."""

from django.db import migrations

STEPS = [("field_repair", "上门维修", "field", None), ("repair_confirm", "修复确认", "system", None)]


def seed(apps, schema_editor):
    Template = apps.get_model("orders", "WorkOrderTemplate")
    Step = apps.get_model("orders", "WorkOrderStepTemplate")
    template = Template.objects.create(order_type="repair", spec_kind="", work_type="fault", name="障碍维修")
    Step.objects.bulk_create(
        Step(template=template, seq=i, code=code, name=name, kind=kind, limit_minutes=limit)
        for i, (code, name, kind, limit) in enumerate(STEPS, start=1)
    )


def backfill(apps, schema_editor):
    """Work orders of orders carry their customer and subscription too, like repair work orders."""
    from django.db.models import OuterRef, Subquery

    WorkOrder = apps.get_model("orders", "WorkOrder")
    ProductOrder = apps.get_model("orders", "ProductOrder")
    orders = ProductOrder.objects.filter(pk=OuterRef("order_id"))
    WorkOrder.objects.filter(order__isnull=False, customer__isnull=True).update(
        customer_id=Subquery(orders.values("customer_id")[:1]), product_id=Subquery(orders.values("product_id")[:1])
    )


def unseed(apps, schema_editor):
    apps.get_model("orders", "WorkOrderTemplate").objects.filter(order_type="repair", spec_kind="").delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_repair_work_orders")]
    operations = [migrations.RunPython(seed, unseed), migrations.RunPython(backfill, migrations.RunPython.noop)]
