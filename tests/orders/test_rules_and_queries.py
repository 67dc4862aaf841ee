"""The rest of the catalog and inventory rules: every database constraint, cancellations, the actor of a status
change, the selectors on bundles and scoping, and the inventory API's paging, filters and merge patch."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from orders import selectors, services
from orders.models import (
    Product,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)

pytestmark = pytest.mark.django_db
PRODUCT = "/tmf-api/productInventory/v4/product"
DAY = datetime.date(2025, 6, 1)


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_remaining_catalog_constraints(catalog):
    category = ProductCategory.objects.get(code="mobile")
    offering = ProductOffering.objects.get(code="mob-59")
    before = ProductOfferingPrice.objects.count()

    def own_parent():
        ProductCategory.objects.filter(pk=category.pk).update(parent=category.pk)

    _refused(own_parent)
    _refused(
        lambda: ProductCatalog.objects.create(
            code="c1", name="倒置", valid_from=DAY, valid_to=DAY - datetime.timedelta(days=1)
        )
    )
    _refused(lambda: ProductSpecification.objects.create(code="s1", name="卫星", kind="satellite"))
    _refused(
        lambda: ProductOffering.objects.create(
            code="o1", name="倒置", specification=offering.specification, valid_from=DAY, valid_to=DAY.replace(month=1)
        )
    )
    _refused(lambda: ProductOfferingPrice.objects.create(offering=offering, name="税", amount=1, price_type="oneTime",
                                                          tax_rate=101))  # fmt: skip
    _refused(lambda: ProductOfferingPrice.objects.create(offering=offering, name="税", amount=1, price_type="oneTime",
                                                          tax_rate=-1))  # fmt: skip
    _refused(lambda: ProductOfferingPrice.objects.create(offering=offering, name="怪", amount=1, price_type="barter"))
    assert ProductCategory.objects.get(pk=category.pk).parent_id is None
    assert ProductOfferingPrice.objects.count() == before
    # The valid ones next to them are accepted.
    ProductCatalog.objects.create(code="c2", name="一天", valid_from=DAY, valid_to=DAY)
    assert ProductCatalog.objects.filter(code="c2").exists()


def test_the_remaining_product_constraints(people, subscribe):
    product = subscribe(people["zhang"], 59, number="18900000011")

    def update(**fields):
        return lambda: Product.objects.filter(pk=product.pk).update(**fields)

    _refused(update(status="cancelled"))
    _refused(update(status="terminated", termination_date=None))
    _refused(update(start_date=DAY, termination_date=DAY - datetime.timedelta(days=1)))
    assert Product.objects.get(pk=product.pk).status == "active"
    # An empty service number (a bundle, some VAS) is not a number: many live products may have none.
    other = subscribe(people["zhang"], 5)
    Product.objects.filter(pk__in=[product.pk, other.pk]).update(service_number="")
    assert Product.objects.filter(service_number="", status="active").count() == 2


def test_cancellation_before_activation_and_refused_moves(people, catalog):
    offering = ProductOffering.objects.get(code="bb-500")
    ordered = services.product_create(customer=people["zhang"], offering=offering, service_number="ad0551000000009")
    cancelled = services.product_status_change(product=ordered, status="terminated", when=DAY)
    assert cancelled.termination_date == DAY and cancelled.start_date is None
    pending = services.product_create(customer=people["zhang"], offering=offering, status="pendingActive",
                                      service_number="ad0551000000009")  # fmt: skip  # number free again
    assert services.product_status_change(product=pending, status="terminated").status == "terminated"
    live = services.product_create(customer=people["corp"], offering=offering, status="active")
    for refused in ("created", "pendingActive"):
        with pytest.raises(ValueError, match=f"active product cannot become {refused}"):
            services.product_status_change(product=live, status=refused)
    suspended = services.product_status_change(product=live, status="suspended")
    with pytest.raises(ValueError, match="suspended product cannot become pendingActive"):
        services.product_status_change(product=suspended, status="pendingActive")
    assert Product.objects.get(pk=live.pk).status == "suspended"


def test_a_status_change_records_its_actor(people, catalog, make_staff, hefei):
    clerk = make_staff(Role.HALL_CLERK, region=hefei, username="clerk-status")
    product = services.product_create(customer=people["zhang"], offering=ProductOffering.objects.get(code="mob-59"))
    services.product_status_change(product=product, status="active", actor=clerk)
    entry = AuditEntry.objects.filter(object_type="orders.product", object_id=str(product.pk),
                                      action="update").latest("at")  # fmt: skip
    assert entry.actor_id == clerk.pk and entry.changes["status"] == ["created", "active"]


def test_monthly_charges_count_a_bundle_once_and_skip_terminated(people, catalog):
    zhang = people["zhang"]
    bundle_offering = ProductOffering.objects.get(code="fuse-169")
    bundle = services.product_create(customer=zhang, offering=bundle_offering, status="active")
    for component in bundle_offering.bundled_offerings.all():
        services.product_create(customer=zhang, offering=component, status="active", bundle=bundle)
    old = services.product_create(customer=zhang, offering=ProductOffering.objects.get(code="mob-199"), status="active")
    services.product_status_change(product=old, status="terminated")
    assert selectors.monthly_recurring_charges([zhang.pk, people["corp"].pk]) == {zhang.pk: Decimal("169")}
    listed = selectors.products_of_customer(zhang)
    assert listed[0] == bundle and {p.bundle_id for p in listed[1:]} == {bundle.pk}
    assert old not in listed and old in selectors.products_of_customer(zhang, include_terminated=True)


def test_live_number_lookup_is_scoped_and_ignores_terminated(people, subscribe, make_staff, hefei):
    subscribe(people["zhangw"], 59, number="18900000021")  # Wuhu
    subscribe(people["zhang"], 59, number="18900000022", status="terminated")
    live = subscribe(people["zhang"], 59, number="18900000023")
    clerk = make_staff(Role.HALL_CLERK, region=hefei, username="clerk-lookup")
    assert selectors.live_product_by_service_number(clerk, " 18900000023 ") == live
    assert selectors.live_product_by_service_number(clerk, "18900000021") is None
    assert selectors.live_product_by_service_number(clerk, "18900000022") is None


def test_sellable_offerings_and_the_catalog_tree(catalog):
    key_only = selectors.offerings_sellable(customer_class="key_account", query="专线", limit=50)
    assert key_only and all(o.specification.kind == "dia" for o in key_only)
    assert selectors.offerings_sellable(customer_class="public", query="专线") == []
    assert len(selectors.offerings_sellable(limit=3)) == 3
    ProductOffering.objects.filter(code="mob-59").update(lifecycle_status="Retired")
    assert "mob-59" not in {o.code for o in selectors.offerings_sellable(query="mob", limit=50)}
    tree = {c.code: offerings for c, offerings in selectors.catalog_tree()}
    assert "mob-89" in {o.code for o in tree["mobile"]} and "mob-59" not in {o.code for o in tree["mobile"]}


def test_inventory_paging_filters_and_merge_patch(token_for, people, subscribe):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('order:read', 'order:write')}")
    made = [subscribe(people["zhang"], 59, number=f"1890000003{i}") for i in range(5)]
    Product.objects.filter(pk=made[0].pk).update(start_date=datetime.date(2020, 1, 1))
    Product.objects.filter(pk__in=[p.pk for p in made[1:]]).update(start_date=datetime.date(2024, 1, 1))
    page = client.get(PRODUCT, {"offset": 1, "limit": 2})
    assert page["X-Total-Count"] == "5" and [p["id"] for p in page.json()] == [str(made[1].pk), str(made[2].pk)]
    assert len(client.get(PRODUCT, {"startDate.lte": "2021-12-31"}).json()) == 1
    assert len(client.get(PRODUCT, {"startDate.gte": "2021-01-01"}).json()) == 4
    found = client.get(PRODUCT, {"productSerialNumber": "18900000033"}).json()
    assert [p["id"] for p in found] == [str(made[3].pk)]
    url = f"{PRODUCT}/{made[3].pk}"
    read_back = [*client.get(url).json()["productCharacteristic"], {"name": "simType", "value": "eSIM"}]
    patched = client.patch(url, {"productCharacteristic": read_back}, format="json")
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert [(c["name"], c["value"]) for c in body["productCharacteristic"]] == [
        ("productNumber", made[3].product_no), ("simType", "eSIM")]  # fmt: skip
    assert body["status"] == "active" and body["productSerialNumber"] == "18900000033"  # untouched by the patch
    taken = client.patch(url, {"productSerialNumber": "18900000034"}, format="json")
    assert taken.status_code == 409 and "18900000034" in taken.json()["message"]
    assert client.get(PRODUCT, {"limit": 1, "fields": "status"}).json()[0].keys() >= {"id", "status"}


def test_attribute_changes_publish_their_events(people, catalog):
    from crm.api.models import Event

    product = services.product_create(customer=people["zhang"], offering=ProductOffering.objects.get(code="mob-89"))
    services.product_attribute_change(product=product, characteristics=[{"name": "simType", "value": "eSIM"}])
    services.product_attribute_change(product=product, characteristics=[{"name": "simType", "value": "eSIM"}])
    category = ProductCategory.objects.get(code="vas")
    services.catalog_entity_update(instance=category, changes={"description": "彩铃、来电显示、云盘"})
    services.catalog_entity_update(instance=category, changes={"lifecycle_status": "Retired"})
    published = list(Event.objects.order_by("event_time").values_list("api_name", "event_type"))
    assert published == [
        ("productInventory", "ProductCreateEvent"),
        ("productInventory", "ProductAttributeValueChangeEvent"),  # once: the second change changed nothing
        ("productCatalogManagement", "CategoryAttributeValueChangeEvent"),
        ("productCatalogManagement", "CategoryStateChangeEvent"),
    ]
    payload = Event.objects.get(event_type="ProductAttributeValueChangeEvent").payload
    assert {"name": "simType", "valueType": "string", "value": "eSIM"} in payload["productCharacteristic"]
