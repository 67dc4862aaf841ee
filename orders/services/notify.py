"""Telling the customer where their order is (进度通知): an SMS and a line on the contact timeline."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from crm.messaging.services import sms_send
from customers.selectors import preferred_phone
from customers.services import interaction_record

from ..models import ProductOrder

# States worth a text message; the others only appear on the timeline of the order itself.
NOTIFIED_STATES = {"inProgress", "pending", "completed", "cancelled"}


def order_status(order: ProductOrder) -> None:
    """Text the customer the order's new state and put the message on their contact timeline."""
    if order.state not in NOTIFIED_STATES:
        return
    with translation.override("zh-hans"):  # customers get Chinese texts
        body = _("[China Telecom] Your order %(order)s (%(type)s) is now: %(state)s. Call 10000 for help.") % {
            "order": order.order_no,
            "type": order.get_order_type_display(),
            "state": order.get_state_display(),
        }
    phone = preferred_phone(order.customer)
    related = [{"@referredType": "ProductOrder", "id": order.order_no}]
    sms_send(recipient=phone, body=body, purpose="order_status", related=related)
    if phone:
        interaction_record(
            customer=order.customer,
            channel="sms",
            direction="outbound",
            interaction_type="notification",
            reason=order.get_state_display(),
            description=body,
            related_entities=related,
        )
