"""TMF630 attribute filters of the billing read APIs (see crm.api.filters for the syntax: OR, .gte/.lte, sort).

Account filters take billing's account number; product and party filters take the CRM ids the other APIs use."""

BILL_FILTERS = {
    "billNo": "bill_no",
    "state": "state",
    "billingAccount.id": "account__account_no",
    "relatedParty.id": ("customer_id", int),
    "relatedParty.customerNumber": "customer__customer_no",
    "billDate": ("bill_date", "date"),
    "paymentDueDate": ("due_date", "date"),
    "billingPeriod.startDateTime": ("period_start", "date"),
    "billingPeriod.endDateTime": ("period_end", "date"),
}

RATE_FILTERS = {
    "id": ("id", int),
    "type": "rate_type",
    "bill.id": "bill__bill_no",
    "billingAccount.id": "bill__account__account_no",
    "relatedParty.id": ("bill__customer_id", int),
    "product.id": ("product_id", int),
    "serviceNumber": "service_number",
    "date": ("bill__bill_date", "date"),
    "periodCoverage.startDateTime": ("bill__period_start", "date"),
}

# Product and account filters join to the (indexed) product and account so PostgreSQL walks the usage indexes on
# (product_id, started_at) and (account_id, started_at) rather than scanning a month's partition.
USAGE_FILTERS = {
    "usageDate": ("started_at", "datetime"),
    "usageType": "usage_type",
    "billingAccount.id": "account__account_no",
    "relatedParty.id": ("customer_id", int),
    "product.id": ("product_id", int),
    "serviceNumber": "product__service_number",
}

PAYMENT_FILTERS = {
    "account.id": "account__account_no",
    "relatedParty.id": ("customer_id", int),
    "paymentDate": ("paid_at", "datetime"),
    "channel.name": "channel",
    "paymentMethod.@type": "method",
}
