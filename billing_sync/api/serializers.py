"""TMF678 CustomerBill and AppliedCustomerBillingRate, TMF635 Usage and TMF676 Payment as the v4 models name them.

Bills, usage records and payments are identified by billing's own keys (bill number, record key, payment number),
so ``id`` and ``href`` use those rather than database ids; a bill item (applied rate) keeps its database id. The
serializers read only what the selectors in billing_sync.selectors.bills join or prefetch."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from crm.api.serializers import TMFSerializer, iso_or_none

from ..models import BillItem, CustomerBill, Payment, UsageRecord
from ..services.payments import payment_resource

CURRENCY = "CNY"
CENT = Decimal("0.01")
BILL_PATH = "/tmf-api/customerBillManagement/v4/customerBill"
RATE_PATH = "/tmf-api/customerBillManagement/v4/appliedCustomerBillingRate"


def money(value) -> dict:
    return {"unit": CURRENCY, "value": float(value)}


def _local_start(day) -> str:
    """A calendar day as the local midnight it starts at (ISO 8601 with the offset)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())).isoformat()


def _absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class KeyedTMFSerializer(TMFSerializer):
    """A TMF resource whose ``id`` is a business key (``key_attr``) instead of the primary key."""

    key_attr = "pk"

    def key(self, instance) -> str:
        return str(getattr(instance, self.key_attr))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["id"] = self.key(instance)
        return data

    def _href(self, instance) -> str:
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None or view is None:
            return ""
        base = request.build_absolute_uri(request.path).rstrip("/")
        key = self.key(instance)
        if getattr(view, "action", None) == "list" or not base.endswith(key):
            return f"{base}/{key}"
        return base


def bill_tax_share(item: BillItem, bill: CustomerBill) -> Decimal:
    """The part of the bill's VAT that falls on one item: billing reports the tax per bill, so it is spread over
    the items in proportion to their (tax-included) amounts."""
    if not bill.amount_due or not bill.tax_amount:
        return Decimal("0.00")
    return (item.amount * bill.tax_amount / bill.amount_due).quantize(CENT)


class CustomerBillSerializer(KeyedTMFSerializer):
    """Expects account, customer__party selected and items prefetched (bills_visible_to)."""

    key_attr = "bill_no"

    class Meta:
        tmf_type = "CustomerBill"

    def build(self, bill: CustomerBill) -> dict:
        customer = bill.customer
        return {
            "billNo": bill.bill_no,
            "billDate": _local_start(bill.bill_date),
            "paymentDueDate": _local_start(bill.due_date),
            "lastUpdate": iso_or_none(bill.settled_at or bill.created_at),
            "category": "normal",
            "runType": "onCycle",
            "state": bill.state,
            "billingPeriod": {
                "startDateTime": _local_start(bill.period_start),
                "endDateTime": _local_start(bill.period_end + datetime.timedelta(days=1)),
            },
            "amountDue": money(bill.amount_due),
            "remainingAmount": money(bill.outstanding),
            "taxIncludedAmount": money(bill.amount_due),
            "taxExcludedAmount": money(bill.amount_due - bill.tax_amount),
            "taxItem": [{"taxCategory": "VAT", "taxAmount": money(bill.tax_amount)}],
            "billingAccount": {
                "id": bill.account.account_no,
                "name": bill.account.account_no,
                "@referredType": "BillingAccount",
            },
            "relatedParty": [
                {
                    "id": str(customer.pk),
                    "name": customer.party.name,
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ],
            "appliedCustomerBillingRate": [
                {
                    "id": str(item.pk),
                    "href": _absolute(self.context, f"{RATE_PATH}/{item.pk}"),
                    "name": item.name,
                    "@referredType": "AppliedCustomerBillingRate",
                }
                for item in bill.items.all()
            ],
        }


class AppliedCustomerBillingRateSerializer(TMFSerializer):
    """Expects bill__account and product selected (bill_items_visible_to)."""

    class Meta:
        tmf_type = "AppliedCustomerBillingRate"

    def build(self, item: BillItem) -> dict:
        bill = item.bill
        tax = bill_tax_share(item, bill)
        return {
            "type": item.rate_type,
            "name": item.name,
            "description": item.get_rate_type_display(),
            "date": _local_start(bill.bill_date),
            "isBilled": True,
            "periodCoverage": {
                "startDateTime": _local_start(bill.period_start),
                "endDateTime": _local_start(bill.period_end + datetime.timedelta(days=1)),
            },
            "taxIncludedAmount": money(item.amount),
            "taxExcludedAmount": money(item.amount - tax),
            "appliedTax": [{"taxCategory": "VAT", "taxAmount": money(tax)}],
            "bill": {
                "id": bill.bill_no,
                "href": _absolute(self.context, f"{BILL_PATH}/{bill.bill_no}"),
                "@referredType": "CustomerBill",
            },
            "billingAccount": {"id": bill.account.account_no, "@referredType": "BillingAccount"},
            "product": {
                "id": str(item.product_id),
                "name": item.product.service_number or item.service_number,
                "@referredType": "Product",
            }
            if item.product_id
            else None,
            "characteristic": [{"name": "serviceNumber", "valueType": "string", "value": item.service_number}]
            if item.service_number
            else [],
        }


def _characteristic(name: str, value, value_type: str = "string") -> dict:
    return {"name": name, "valueType": value_type, "value": value}


class UsageSerializer(KeyedTMFSerializer):
    """A usage record as a TMF635 Usage (always rated: billing sends rated records). Expects ``account`` selected."""

    key_attr = "record_key"

    class Meta:
        tmf_type = "Usage"

    def build(self, record: UsageRecord) -> dict:
        calling, called = (
            (record.service_number, record.other_number)
            if record.outgoing
            else (record.other_number, record.service_number)
        )
        return {
            "usageDate": timezone.localtime(record.started_at).isoformat(),
            "usageType": record.usage_type,
            "description": f"{record.get_usage_type_display()} {'outgoing' if record.outgoing else 'incoming'}",
            "status": "rated",
            "relatedParty": [
                {"id": str(record.customer_id), "role": "customer", "@referredType": "Customer"},
                {"id": record.account.account_no, "role": "billingAccount", "@referredType": "BillingAccount"},
            ],
            "usageCharacteristic": [
                _characteristic("serviceNumber", record.service_number),
                _characteristic("callingNumber", calling),
                _characteristic("calledNumber", called),
                _characteristic("duration", record.duration_s, "integer"),
                _characteristic("volume", record.volume_kb, "integer"),
                _characteristic("cellId", record.cell_id),
                _characteristic("roaming", record.roaming),
                _characteristic("direction", "outgoing" if record.outgoing else "incoming"),
            ],
            "ratedProductUsage": [
                {
                    "isBilled": True,
                    "ratingAmountType": "total",
                    "taxExcludedRatingAmount": money(record.charge),
                    "productRef": {
                        "id": str(record.product_id),
                        "name": record.service_number,
                        "@referredType": "Product",
                    },
                }
            ],
        }


class PaymentSerializer(KeyedTMFSerializer):
    """TMF676 Payment: the representation the payment events carry (payment_resource), with an absolute href."""

    key_attr = "payment_no"

    class Meta:
        tmf_type = "Payment"

    def build(self, payment: Payment) -> dict:
        resource = payment_resource(payment)
        for name in ("id", "href", "@type"):
            resource.pop(name, None)
        resource["relatedParty"] = [{"id": str(payment.customer_id), "role": "customer", "@referredType": "Customer"}]
        return resource
