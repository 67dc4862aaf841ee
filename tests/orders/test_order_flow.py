"""An order end to end: counter intake → work order → dispatch → field receipt → product active → order complete."""

import pytest

from crm.messaging.models import OutboundMessage
from orders.eligibility import OrderRequest
from orders.models import PortReservation, Product, ProductOffering, ProductOrder, WorkOrder
from orders.services import intake, work


@pytest.fixture
def zhang(people):
    customer = people["zhang"]
    customer.credit_rating = 70
    customer.save()
    return customer


def broadband_order(customer, network, **kwargs):
    request = OrderRequest(
        order_type="new", customer=customer, offering=ProductOffering.objects.get(code="bb-500"),
        address=network.address, payment_method="cash", **kwargs,
    )  # fmt: skip
    return intake.order_submit(request=request, actor=network.clerk)


def test_broadband_new_installation_end_to_end(zhang, network, signature, django_capture_on_commit_callbacks):
    # Given a clerk takes a 500M broadband order for an existing customer at an urban address
    with django_capture_on_commit_callbacks(execute=True):
        order = broadband_order(zhang, network)

    # Then the order is in progress, a port is reserved, the product is pending activation, the fee paid
    assert order.state == "inProgress"
    assert order.one_off_fee == 100 and order.paid_amount == 100
    assert order.product.status == "pendingActive" and order.product.service_number.startswith("ad0551")
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 1
    # and the work order waits in the field step, auto-assigned to the only crew covering the grid
    wo = order.work_orders.get()
    assert wo.work_type == "install" and wo.state == "assigned" and wo.team == network.crew
    assert [s.state for s in wo.steps.order_by("seq")] == ["completed", "completed", "open", "waiting", "waiting"]
    assert (wo.due_at - wo.sla_started_at).days == 2  # city install: 2 calendar days
    reservation = PortReservation.objects.get(order=order)
    assert reservation.state == "in_use" and reservation.product == order.product

    # When the technician starts and finishes on site with the customer's signature and rating
    work.field_start(work_order=wo, technician=network.technician)
    with django_capture_on_commit_callbacks(execute=True):
        wo = work.field_finish(work_order=wo, technician=network.technician, signature=signature, rating=5,
                               comment="很满意", materials=[{"item": "皮线光缆", "quantity": 30}])  # fmt: skip

    # Then the product is active, the work order and the order are complete, and the customer was told
    order.refresh_from_db()
    assert wo.state == "completed" and wo.rating == 5 and wo.report_due_at is not None
    assert order.state == "completed" and order.completed_at is not None
    assert Product.objects.get(pk=order.product_id).status == "active"
    texts = OutboundMessage.objects.filter(purpose="order_status", recipient="18955512345")
    assert texts.count() == 2 and all(t.status == "sent" for t in texts)
    assert zhang.interactions.filter(interaction_type="order").exists()


def test_same_idempotency_key_makes_one_order(zhang, network):
    first = broadband_order(zhang, network, idempotency_key="clerk-1-abc")
    second = broadband_order(zhang, network, idempotency_key="clerk-1-abc")
    assert first.pk == second.pk
    assert ProductOrder.objects.count() == 1 and WorkOrder.objects.count() == 1
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 1
