"""Catalog and inventory: constraints, the product lifecycle, and the TMF620 / TMF637 APIs with their events."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from crm.accounts.roles import Role
from orders import selectors, services
from orders.models import Product, ProductOffering, ProductOfferingPrice, ProductSpecification

pytestmark = pytest.mark.django_db
OFFERING = "/tmf-api/productCatalogManagement/v4/productOffering"
SPEC = "/tmf-api/productCatalogManagement/v4/productSpecification"
PRICE = "/tmf-api/productCatalogManagement/v4/productOfferingPrice"
CATEGORY = "/tmf-api/productCatalogManagement/v4/category"
CATALOG = "/tmf-api/productCatalogManagement/v4/catalog"
PRODUCT = "/tmf-api/productInventory/v4/product"


@pytest.fixture
def catalog_api(token_for):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {token_for('catalog:read', 'catalog:write', 'order:read', 'order:write')}"
    )
    return client


# --- constraints --------------------------------------------------------------------------------------------


def test_catalog_constraints(catalog):
    mobile = ProductSpecification.objects.get(code="spec-mobile")
    cases = [
        lambda: ProductSpecification.objects.create(code="x1", name="专线", kind="dia"),  # a DIA needs a grade
        lambda: ProductSpecification.objects.create(code="x2", name="手机", kind="mobile", grade="gold"),
        lambda: ProductOffering.objects.create(code="x3", name="无规格"),  # neither a spec nor a bundle
        lambda: ProductOffering.objects.create(code="x4", name="两者", is_bundle=True, specification=mobile),
        lambda: ProductOfferingPrice.objects.create(offering=ProductOffering.objects.first(), name="负", amount=-1,
                                                    price_type="oneTime"),
        lambda: ProductOfferingPrice.objects.create(offering=ProductOffering.objects.first(), name="无周期", amount=1,
                                                    price_type="recurring"),
    ]  # fmt: skip
    for case in cases:
        with pytest.raises(IntegrityError), transaction.atomic():
            case()
    assert not ProductSpecification.objects.filter(code__in=["x1", "x2"]).exists()


def test_a_live_service_number_is_unique_and_free_again_after_termination(people, subscribe):
    first = subscribe(people["zhang"], 59, number="18900000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        subscribe(people["corp"], 59, number="18900000001")
    services.product_status_change(product=first, status="terminated")
    second = subscribe(people["corp"], 59, number="18900000001")
    assert second.is_live and not Product.objects.get(pk=first.pk).is_live
    assert Product.objects.get(pk=first.pk).termination_date is not None


def test_product_lifecycle(people, catalog):
    offering = ProductOffering.objects.get(code="bb-300")
    product = services.product_create(customer=people["zhang"], offering=offering, service_number="ad0551000000001")
    assert product.status == "created" and product.product_no == f"P{product.pk:011d}"
    for status in ("pendingActive", "active", "suspended", "active", "pendingTerminate", "terminated"):
        product = services.product_status_change(product=product, status=status)
    assert product.start_date is not None and product.termination_date is not None
    with pytest.raises(ValueError, match="terminated product cannot become active"):
        services.product_status_change(product=product, status="active")
    with pytest.raises(ValueError):
        services.product_create(customer=people["zhang"], offering=offering, status="suspended")


def test_selectors(people, catalog, subscribe):
    assert [o.code for o in selectors.offerings_sellable(query="光宽带")] == ["bb-1000", "bb-300", "bb-500"]
    assert not [o for o in selectors.offerings_sellable(customer_class="public", limit=50) if o.code.startswith("dia")]
    subscribe(people["zhang"], 89)
    subscribe(people["zhang"], 40)
    assert selectors.monthly_recurring_charges([people["zhang"].pk]) == {people["zhang"].pk: Decimal("129")}
    assert len(selectors.products_of_customer(people["zhang"])) == 2


# --- TMF620 -------------------------------------------------------------------------------------------------


def test_offerings_list_filter_and_get(catalog_api, catalog):
    bundles = catalog_api.get(OFFERING, {"isBundle": "true"}).json()
    assert {b["name"][:6] for b in bundles} == {"融合 129", "融合 169", "融合 229"}
    one = catalog_api.get(f"{OFFERING}/{bundles[0]['id']}").json()
    assert one["@type"] == "ProductOffering" and len(one["bundledProductOffering"]) >= 3
    assert one["productOfferingPrice"] and one["category"][0]["name"] == "融合套餐"
    spec = ProductSpecification.objects.get(code="spec-ftth")
    assert len(catalog_api.get(OFFERING, {"productSpecification.id": spec.pk}).json()) == 3
    price = catalog_api.get(PRICE, {"productOffering.id": ProductOffering.objects.get(code="mob-59").pk}).json()[0]
    assert price["priceType"] == "recurring" and price["price"] == {"unit": "CNY", "value": 59.0}
    assert len(catalog_api.get(CATALOG).json()) == 2 and catalog_api.get(CATEGORY, {"isRoot": "true"}).json()


def test_create_and_patch_an_offering_with_its_lifecycle(catalog_api, catalog):
    spec = ProductSpecification.objects.get(code="spec-mobile")
    missing = catalog_api.post(OFFERING, {"name": "无规格套餐"}, format="json")
    assert missing.status_code == 400 and "productSpecification" in missing.json()["message"]
    created = catalog_api.post(OFFERING, {"name": "天翼青春卡", "lifecycleStatus": "In design",
                                          "productSpecification": {"id": str(spec.pk)}}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    url = f"{OFFERING}/{created.json()['id']}"
    assert catalog_api.patch(url, {"lifecycleStatus": "Launched"}, format="json").status_code == 422  # skips In test
    assert catalog_api.patch(url, {"lifecycleStatus": "In test"}, format="json").status_code == 200
    launched = catalog_api.patch(url, {"lifecycleStatus": "Launched", "description": "校园专享"}, format="json").json()
    assert launched["isSellable"] and launched["description"] == "校园专享"
    monthly = {"name": "月租", "priceType": "recurring", "recurringChargePeriodType": "month",
               "price": {"unit": "CNY", "value": 39}, "productOffering": {"id": created.json()["id"]}}  # fmt: skip
    price = catalog_api.post(PRICE, monthly, format="json")
    assert price.status_code == 201 and catalog_api.get(url).json()["productOfferingPrice"][0]["name"] == "月租"
    negative = catalog_api.post(PRICE, {"name": "负", "priceType": "oneTime", "price": {"value": -5},
                                        "productOffering": {"id": created.json()["id"]}}, format="json")  # fmt: skip
    assert negative.status_code == 400


def test_create_spec_category_and_catalog(catalog_api, catalog):
    spec = catalog_api.post(SPEC, {"name": "互联网专线 10G（金牌）", "productSpecCharacteristic": [
        {"name": "kind", "productSpecCharacteristicValue": [{"value": "dia"}]},
        {"name": "serviceGrade", "productSpecCharacteristicValue": [{"value": "gold"}]}]}, format="json")  # fmt: skip
    assert spec.status_code == 201 and ProductSpecification.objects.get(pk=spec.json()["id"]).grade == "gold"
    no_grade = catalog_api.post(SPEC, {"name": "专线", "productSpecCharacteristic": [
        {"name": "kind", "productSpecCharacteristicValue": [{"value": "dia"}]}]}, format="json")  # fmt: skip
    assert no_grade.status_code == 400  # a dedicated line needs its grade
    parent = catalog_api.get(CATEGORY, {"name": "宽带"}).json()[0]
    child = catalog_api.post(CATEGORY, {"name": "千兆宽带", "parentId": parent["id"]}, format="json")
    assert child.status_code == 201 and child.json()["isRoot"] is False
    cat = catalog_api.post(CATALOG, {"name": "校园目录", "category": [{"id": child.json()["id"]}]}, format="json")
    assert cat.status_code == 201 and cat.json()["category"][0]["name"] == "千兆宽带"


def test_catalog_writes_need_the_catalog_write_scope(token_for, catalog):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('catalog:read')}")
    assert client.get(OFFERING).status_code == 200
    assert client.post(CATEGORY, {"name": "x"}, format="json").status_code == 403


# --- TMF637 -------------------------------------------------------------------------------------------------


def test_product_create_patch_and_conflicts(catalog_api, catalog, people):
    offering = ProductOffering.objects.get(code="mob-89")
    customer = {"id": str(people["zhang"].pk), "role": "customer"}
    body = {"productOffering": {"id": str(offering.pk)}, "relatedParty": [customer],
            "productSerialNumber": "18900000002", "status": "active",
            "billingAccount": {"id": str(people["zhang"].accounts.get().pk)},
            "place": [{"role": "installationAddress", "name": "合肥市长江路1号"}]}  # fmt: skip
    created = catalog_api.post(PRODUCT, body, format="json")
    assert created.status_code == 201, created.content
    product = created.json()
    assert product["status"] == "active" and product["productSerialNumber"] == "18900000002"
    assert product["relatedParty"][0]["id"] == str(people["zhang"].pk) and product["startDate"]
    other = {**body, "relatedParty": [{"id": str(people["corp"].pk)}], "billingAccount": None}
    duplicate = catalog_api.post(PRODUCT, other, format="json")
    assert duplicate.status_code == 409 and "18900000002" in duplicate.json()["message"]
    url = f"{PRODUCT}/{product['id']}"
    assert catalog_api.patch(url, {"status": "suspended"}, format="json").json()["status"] == "suspended"
    assert catalog_api.patch(url, {"status": "created"}, format="json").status_code == 422
    ended = catalog_api.patch(url, {"status": "terminated"}, format="json").json()
    assert ended["terminationDate"] and catalog_api.post(PRODUCT, body, format="json").status_code == 201  # number free
    listed = catalog_api.get(PRODUCT, {"relatedParty.id": people["zhang"].pk, "status": "active"}).json()
    assert [p["productSerialNumber"] for p in listed] == ["18900000002"]
    missing = catalog_api.post(PRODUCT, {"productOffering": {"id": str(offering.pk)}}, format="json")
    assert missing.status_code == 400 and "relatedParty" in missing.json()["message"]


def test_products_are_scoped_to_the_staff_region(people, subscribe, make_staff, hefei):
    wuhu_product = subscribe(people["zhangw"], 59)
    hefei_product = subscribe(people["zhang"], 59)
    client = APIClient()
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    ids = {p["id"] for p in client.get(PRODUCT).json()}
    assert ids == {str(hefei_product.pk)}
    assert client.get(f"{PRODUCT}/{wuhu_product.pk}").status_code == 404


def test_inventory_and_catalog_events_reach_a_listener(catalog_api, catalog, people, listener,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    catalog_api.post("/tmf-api/productInventory/v4/hub", {"callback": listener.url}, format="json")
    catalog_api.post("/tmf-api/productCatalogManagement/v4/hub", {"callback": listener.url,
                                                                  "query": "eventType=ProductOfferingStateChangeEvent"},
                     format="json")  # fmt: skip
    offering = ProductOffering.objects.get(code="vas-crbt")
    body = {"productOffering": {"id": str(offering.pk)}, "relatedParty": [{"id": str(people["zhang"].pk)}]}
    with django_capture_on_commit_callbacks(execute=True):
        created = catalog_api.post(PRODUCT, body, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_api.patch(f"{PRODUCT}/{created['id']}", {"status": "active"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_api.patch(f"{OFFERING}/{offering.pk}", {"lifecycleStatus": "Retired"}, format="json")
    assert [e["eventType"] for e in listener.received] == [
        "ProductCreateEvent", "ProductStateChangeEvent", "ProductOfferingStateChangeEvent"]  # fmt: skip
    assert listener.received[1]["event"]["product"]["status"] == "active"
    assert listener.received[2]["event"]["productOffering"]["lifecycleStatus"] == "Retired"
