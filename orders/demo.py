"""Demo catalog (an Anhui China Telecom-like product range) and subscriptions for the demo customers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection

from crm.demo.engine import SeedContext, demo_step

from .models import (
    Product,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)

CATEGORIES = [  # code, name, sort
    ("mobile", "移动业务", 10),
    ("broadband", "宽带", 20),
    ("fixed", "固话", 30),
    ("iptv", "天翼高清 IPTV", 40),
    ("dia", "政企专线", 50),
    ("vas", "增值业务", 60),
    ("bundle", "融合套餐", 5),
]
SPECS = [  # code, name, kind, grade, needs install, characteristics
    ("spec-mobile", "天翼移动通信", "mobile", "", False, [{"name": "network", "value": "5G"}]),
    ("spec-ftth", "光纤宽带 FTTH", "broadband", "", True, [{"name": "access", "value": "FTTH"}]),
    ("spec-fixed", "固定电话", "fixed_line", "", True, []),
    ("spec-iptv", "天翼高清 IPTV", "iptv", "", True, []),
    ("spec-dia-gold", "互联网专线（金牌）", "dia", "gold", True, [{"name": "repairHours", "value": "2"}]),
    ("spec-dia-silver", "互联网专线（银牌）", "dia", "silver", True, [{"name": "repairHours", "value": "3"}]),
    ("spec-dia-ordinary", "互联网专线（普通）", "dia", "ordinary", True, [{"name": "repairHours", "value": "5"}]),
    ("spec-vas-crbt", "彩铃", "vas", "", False, []),
    ("spec-vas-clip", "来电显示", "vas", "", False, []),
    ("spec-vas-cloud", "天翼云盘", "vas", "", False, []),
    ("spec-vas-data", "流量包", "vas", "", False, [{"name": "volume", "value": "10GB"}]),
]
# code, name, spec, category, monthly fee, one-off fee, for classes
OFFERINGS = [
    ("mob-59", "天翼畅享 59 元套餐", "spec-mobile", "mobile", "59", "0", []),
    ("mob-89", "天翼畅享 89 元套餐", "spec-mobile", "mobile", "89", "0", []),
    ("mob-129", "天翼畅享 129 元套餐", "spec-mobile", "mobile", "129", "0", []),
    ("mob-199", "天翼畅享 199 元套餐", "spec-mobile", "mobile", "199", "0", []),
    ("bb-300", "光宽带 300M", "spec-ftth", "broadband", "60", "100", []),
    ("bb-500", "光宽带 500M", "spec-ftth", "broadband", "80", "100", []),
    ("bb-1000", "光宽带 1000M", "spec-ftth", "broadband", "120", "100", []),
    ("fix-basic", "固话月租", "spec-fixed", "fixed", "15", "50", []),
    ("iptv-basic", "天翼高清基础包", "spec-iptv", "iptv", "20", "0", []),
    ("dia-gold-100", "互联网专线 100M（金牌）", "spec-dia-gold", "dia", "3800", "2000", ["key_account"]),
    ("dia-gold-1g", "互联网专线 1G（金牌）", "spec-dia-gold", "dia", "19800", "5000", ["key_account"]),
    ("dia-silver-100", "互联网专线 100M（银牌）", "spec-dia-silver", "dia", "2800", "2000", ["key_account"]),
    ("dia-ordinary-50", "互联网专线 50M（普通）", "spec-dia-ordinary", "dia", "1200", "1000", ["key_account"]),
    ("vas-crbt", "彩铃", "spec-vas-crbt", "vas", "5", "0", []),
    ("vas-clip", "来电显示", "spec-vas-clip", "vas", "6", "0", []),
    ("vas-cloud", "天翼云盘 1T", "spec-vas-cloud", "vas", "10", "0", []),
    ("vas-data-10g", "10GB 流量包", "spec-vas-data", "vas", "20", "0", []),
]
# code, name, monthly fee, components
BUNDLES = [
    ("fuse-129", "融合 129 元（手机+300M宽带+IPTV）", "129", ["mob-59", "bb-300", "iptv-basic"]),
    ("fuse-169", "融合 169 元（手机+500M宽带+IPTV）", "169", ["mob-89", "bb-500", "iptv-basic"]),
    ("fuse-229", "融合 229 元（手机+1000M宽带+IPTV+固话）", "229", ["mob-129", "bb-1000", "iptv-basic", "fix-basic"]),
]


@demo_step(order=15, name="catalog")
def seed_catalog(ctx: SeedContext) -> None:
    """The product range (idempotent by code): categories, specifications, offerings with prices, bundles."""
    categories = {}
    for code, name, sort in CATEGORIES:
        categories[code], _ = ProductCategory.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": sort}
        )
    specs = {}
    for code, name, kind, grade, install, characteristics in SPECS:
        specs[code], _ = ProductSpecification.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "grade": grade, "needs_install": install,
                                 "characteristics": characteristics, "brand": "天翼"},
        )  # fmt: skip
    offerings = {}
    for code, name, spec, category, monthly, one_off, classes in OFFERINGS:
        offering, created = ProductOffering.objects.get_or_create(
            code=code, defaults={"name": name, "specification": specs[spec], "customer_classes": classes}
        )
        if created:
            offering.categories.add(categories[category])
            _prices(offering, monthly, one_off)
        offerings[code] = offering
    for code, name, monthly, components in BUNDLES:
        bundle, created = ProductOffering.objects.get_or_create(
            code=code, defaults={"name": name, "is_bundle": True, "customer_classes": ["public"]}
        )
        if created:
            bundle.categories.add(categories["bundle"])
            bundle.bundled_offerings.add(*(offerings[c] for c in components))
            _prices(bundle, monthly, "0")
        offerings[code] = bundle
    hall, _ = ProductCatalog.objects.get_or_create(code="hall", defaults={"name": "营业厅产品目录"})
    hall.categories.add(*categories.values())
    portal, _ = ProductCatalog.objects.get_or_create(code="portal", defaults={"name": "网上营业厅产品目录"})
    portal.categories.add(*(c for code, c in categories.items() if code != "dia"))
    ctx.log(f"  {len(categories)} categories, {len(specs)} specifications, {len(offerings)} offerings")


def _prices(offering: ProductOffering, monthly: str, one_off: str) -> None:
    ProductOfferingPrice.objects.create(
        offering=offering, name="月功能费", price_type="recurring", recurring_period="month", amount=Decimal(monthly)
    )
    if Decimal(one_off):
        ProductOfferingPrice.objects.create(offering=offering, name="一次性安装费", price_type="oneTime",
                                            amount=Decimal(one_off))  # fmt: skip


CHUNK = 50_000
PRODUCT_COLUMNS = ["id", "product_no", "customer_id", "billing_account_id", "offering_id", "specification_id",
                   "bundle_id", "service_number", "install_address", "region_id", "area_id", "grid_id", "status",
                   "characteristics", "start_date", "termination_date", "created_at", "updated_at"]  # fmt: skip


class _SubscriptionWriter:
    """Turns one customer row into its product rows, with unique service numbers by construction."""

    def __init__(self, ctx: SeedContext, offerings: dict[str, ProductOffering]):
        self.ctx, self.rng, self.today = ctx, ctx.rng("subscriptions"), ctx.today
        self.offerings = offerings
        self.components = {o.code: [c.code for c in o.bundled_offerings.order_by("code")] for o in offerings.values()}
        self.rows: list[tuple] = []
        self.ids: list[int] = []
        self.sequence = 0  # numbers the broadband accounts, fixed lines, circuits and extra mobiles

    def _id(self) -> int:
        if not self.ids:
            self.ids = list(self.ctx.reserve_ids(Product, 20_000))[::-1]
        return self.ids.pop()

    def _number(self, kind: str, area_code: str) -> str:
        self.sequence += 1
        n = self.sequence
        if kind == "broadband":
            return f"ad{area_code}{n:09d}"
        if kind == "fixed_line":
            return f"{area_code}{60_000_000 + n:08d}"
        if kind == "iptv":
            return f"itv{area_code}{n:09d}"
        if kind == "dia":
            return f"DIA-{area_code}-{n:07d}"
        if kind == "mobile":
            return f"174{n:08d}"  # key accounts' extra lines: a range the customers' own phones do not use
        return ""

    def add(self, row: tuple) -> None:
        (
            customer_id,
            customer_class,
            status,
            region_id,
            area_id,
            grid_id,
            area_code,
            account_id,
            phone,
            address,
            since,
        ) = row
        rng, today = self.rng, self.today
        if status == "prospect":
            return
        # Subscriptions start within the last ten years, not before the customer joined; add-ons come later.
        earliest = max(since or today - datetime.timedelta(days=3650), today - datetime.timedelta(days=3650))
        span = max((today - earliest).days, 2)
        first_start = earliest + datetime.timedelta(days=rng.randrange(span // 2 or 1))
        customer_status = {"active": "active", "suspended": "suspended", "churned": "terminated"}[status]
        ended = today - datetime.timedelta(days=rng.randrange(1, 300)) if customer_status == "terminated" else None

        def product(code: str, number: str, bundle_id=None, *, add_on: bool = False) -> int:
            offering = self.offerings[code]
            pid = self._id()
            start = first_start
            if add_on:
                start = min(first_start + datetime.timedelta(days=rng.randrange(span)), ended or today)
            product_status, end = customer_status, (max(ended, start) if ended else None)
            if add_on and customer_status == "active" and rng.random() < 0.03:  # ordered, awaiting installation
                product_status, start = rng.choice(("created", "pendingActive")), None
            self.rows.append(
                (pid, f"P{pid:011d}", customer_id, account_id, offering.pk, offering.specification_id, bundle_id,
                 number, address, region_id, area_id, grid_id, product_status, [], start, end, self.ctx.now,
                 self.ctx.now)
            )  # fmt: skip
            return pid

        if customer_class == "key_account":
            grade = rng.choice(("dia-gold-100", "dia-gold-1g", "dia-silver-100", "dia-ordinary-50"))
            product(grade, self._number("dia", area_code))
            for _ in range(rng.randint(1, 4)):
                product(rng.choice(("mob-89", "mob-129", "mob-199")), self._number("mobile", area_code))
            if rng.random() < 0.5:
                product("fix-basic", self._number("fixed_line", area_code), add_on=True)
            return
        if rng.random() < 0.35:  # a fused bundle: the mobile carries the customer's own number
            bundle_code = rng.choice(("fuse-129", "fuse-169", "fuse-229"))
            bundle_id = product(bundle_code, "")
            for component in self.components[bundle_code]:
                kind = self.offerings[component].specification.kind
                product(component, phone if kind == "mobile" else self._number(kind, area_code), bundle_id)
        else:
            product(rng.choice(("mob-59", "mob-59", "mob-89", "mob-129", "mob-199")), phone)
            if rng.random() < 0.45:
                product(rng.choice(("bb-300", "bb-500", "bb-1000")), self._number("broadband", area_code), add_on=True)
            if rng.random() < 0.15:
                product("iptv-basic", self._number("iptv", area_code), add_on=True)
            if rng.random() < 0.1:
                product("fix-basic", self._number("fixed_line", area_code), add_on=True)
        for code in ("vas-crbt", "vas-clip", "vas-cloud", "vas-data-10g"):
            if rng.random() < 0.12:
                product(code, "", add_on=True)


CUSTOMER_ROWS_SQL = """
SELECT c.id, c.customer_class, c.status, c.region_id, c.area_id, c.grid_id, r.area_code,
       (SELECT a.id FROM customers_billingaccount a WHERE a.customer_id = c.id ORDER BY a.id LIMIT 1),
       (SELECT m.value FROM customers_contactmedium m WHERE m.party_id = c.party_id AND m.kind = 'phone'
         ORDER BY m.is_preferred DESC, m.id LIMIT 1),
       (SELECT m.value FROM customers_contactmedium m WHERE m.party_id = c.party_id AND m.kind = 'address'
         ORDER BY m.id LIMIT 1),
       c.since
FROM customers_customer c JOIN accounts_region r ON r.id = c.region_id
WHERE c.id > %s
ORDER BY c.id
LIMIT %s
"""


@demo_step(order=30, name="subscriptions")
def seed_subscriptions(ctx: SeedContext) -> None:
    """Product instances for the demo customers: every public customer's mobile is their phone number; about a
    third hold a fused bundle; key accounts have dedicated lines and several mobiles; churned ones are terminated."""
    offerings = {o.code: o for o in ProductOffering.objects.select_related("specification")}
    if "mob-59" not in offerings or ctx.customers <= 0:
        return
    writer = _SubscriptionWriter(ctx, offerings)
    if connection.vendor == "postgresql":  # fresh COPYed tables have no statistics: without them the planner
        with connection.cursor() as cursor:  # scans contacts and accounts once per customer
            cursor.execute("ANALYZE customers_customer, customers_contactmedium, customers_billingaccount")
    last_id, total = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(CUSTOMER_ROWS_SQL, [last_id, CHUNK])
            rows = cursor.fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        for row in rows:
            writer.add(_as_date(row))
        total += ctx.copy_rows(Product, PRODUCT_COLUMNS, writer.rows)
        writer.rows = []
    if connection.vendor == "postgresql":  # without statistics the monthly level job scans every product per batch
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_product")
    ctx.log(f"  {total} product instances")


def _as_date(row: tuple) -> tuple:
    since = row[-1]
    if isinstance(since, str):  # SQLite returns dates as text
        since = datetime.date.fromisoformat(since)
    return (*row[:-1], since)


from . import demo_orders  # noqa: E402,F401 - registers the ordering demo steps
