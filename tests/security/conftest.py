"""Security tests' shared pieces: the URL configuration walked as a list, and a small world of staff and objects.

The world is built once per test module (``security_world``, inside a transaction rolled back at the end of the
module), because the authorization matrix makes a thousand requests against the same few objects: Hefei and Wuhu,
each with a staff member of every regional role, a customer with an account, a mobile line, a broadband order and
its work order (dispatched to the region's technician), a complaint ticket, a bill, a counter payment and a call;
province-level analyst, manager and admin; API tokens are made by the tests that need them.
"""

from __future__ import annotations

import datetime
import io
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from crm.accounts.roles import PROVINCE_ROLES, Role

STAFF_ROLES = [role for role in Role if role != Role.API_CLIENT]
REGIONAL_ROLES = [role for role in STAFF_ROLES if role not in PROVINCE_ROLES]


# --- The URL configuration as a flat list -------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlEntry:
    """One URL pattern: its full name (``namespace:name``, None if unnamed), namespace, route and parameters."""

    name: str | None
    namespace: str | None
    route: str
    params: tuple[str, ...] = field(default=())
    callback: object = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.name or f"<unnamed> {self.route}"


def walk_urls(resolver: URLResolver | None = None, prefix: str = "", namespace: str | None = None):
    """Every URL pattern under ``resolver`` (the project's URL configuration by default), includes followed."""
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = namespace
            if item.namespace:
                inner = f"{namespace}:{item.namespace}" if namespace else item.namespace
            yield from walk_urls(item, prefix + str(item.pattern), inner)
        elif isinstance(item, URLPattern):
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name
            params = tuple(item.pattern.regex.groupindex)
            yield UrlEntry(name, namespace, prefix + str(item.pattern), params, item.callback)


# --- The world ---------------------------------------------------------------------------------------------------

_numbers = itertools.count(1)


def _regions():
    from crm.accounts.models import Area, Region

    hefei, _ = Region.objects.get_or_create(
        code="340100", defaults={"name": "合肥", "name_en": "Hefei", "area_code": "0551"}
    )
    Area.objects.get_or_create(code="340102", defaults={"region": hefei, "name": "瑶海区", "kind": "urban"})
    wuhu, _ = Region.objects.get_or_create(
        code="340200", defaults={"name": "芜湖", "name_en": "Wuhu", "area_code": "0553"}
    )
    Area.objects.get_or_create(code="340202", defaults={"region": wuhu, "name": "镜湖区", "kind": "urban"})
    return hefei, wuhu


def _catalog() -> None:
    from crm.demo.engine import SeedContext
    from orders.demo import seed_catalog
    from tests.orders.conftest import _reseed_migration_data

    _reseed_migration_data()
    seed_catalog(SeedContext(customers=0, seed=1, log=io.StringIO().write))


def _staff(role: str, region, tag: str, **kwargs):
    from crm.accounts.services import staff_user_create
    from tests.conftest import STAFF_PASSWORD

    return staff_user_create(username=f"sec-{role}-{tag}", password=STAFF_PASSWORD, role=role, region=region, **kwargs)


def _region_world(region, tag: str, id_number: str, phone: str) -> SimpleNamespace:
    """A region's network, staff of every regional role, and one customer with the objects staff pages show."""
    from billing_sync.models import CustomerBill
    from billing_sync.services.payments import payment_post
    from callcenter.services import call_incoming, ticket_open
    from crm.accounts.models import Grid, OrgUnit
    from customers.models import BillingAccount, ContactMedium, Customer, Party
    from orders.eligibility import OrderRequest
    from orders.models import AccessPoint, ProductOffering, StandardAddress, TeamCoverage
    from orders.services import intake, product_create, work
    from portal.models import PortalAccount

    area = region.areas.order_by("code").first()
    grid = Grid.objects.create(region=region, area=area, code=f"SEC-{tag}", name=f"网格{tag}")
    olt = AccessPoint.objects.create(code=f"OLT-SEC-{tag}", name=f"OLT {tag}", region=region, area=area, total_ports=4)
    address = StandardAddress.objects.create(
        text=f"{region.name}市安全路{tag}号", region=region, area=area, grid=grid, access_point=olt
    )
    crew = OrgUnit.objects.create(
        code=f"CREW-SEC-{tag}", name=f"装维班{tag}", kind="field_crew", region=region, grid=grid
    )
    TeamCoverage.objects.create(team=crew, grid=grid)
    hall = OrgUnit.objects.create(code=f"HALL-SEC-{tag}", name=f"营业厅{tag}", kind="own_hall", region=region)
    staff = {
        role: _staff(role, region, tag, org_unit=crew if role == Role.FIELD_TECHNICIAN else hall)
        for role in REGIONAL_ROLES
    }
    # A regional manager too: region-scoped like the clerks, with the manager's permissions.
    staff["regional_manager"] = _staff(Role.MANAGER, region, tag)

    party = Party.objects.create(kind="individual", name=f"安全测试{tag}", id_number=id_number)
    ContactMedium.objects.create(party=party, kind="phone", value=phone, region=region)
    customer = Customer.objects.create(
        customer_no=f"C9{next(_numbers):011d}", party=party, region=region, customer_class="public",
        service_level="gold", credit_rating=70,
    )  # fmt: skip
    account = BillingAccount.objects.create(account_no=f"A9{next(_numbers):011d}", customer=customer)
    line = product_create(
        customer=customer, offering=ProductOffering.objects.get(code="mob-89"), service_number=f"189{phone[-8:]}",
        status="active", billing_account=account,
    )  # fmt: skip
    clerk, agent = staff[Role.HALL_CLERK], staff[Role.CALL_AGENT]
    order = intake.order_submit(
        request=OrderRequest(
            order_type="new", customer=customer, offering=ProductOffering.objects.get(code="bb-500"),
            address=address, payment_method="cash",
        ),
        actor=clerk,
    )  # fmt: skip
    work_order = order.work_orders.get()
    work_order = work.work_order_assign(
        work_order=work_order,
        actor=staff[Role.DISPATCHER],
        team=crew,
        technician=staff[Role.FIELD_TECHNICIAN],
        reason="the region's technician",
    )
    ticket = ticket_open(customer=customer, ticket_type="complaint", description="账单有误", owner=agent)
    month = datetime.date(2026, 9, 1)
    bill = CustomerBill.objects.create(
        bill_no=f"B9{next(_numbers):011d}", account=account, customer=customer, region_id=region.id,
        period_start=month, period_end=datetime.date(2026, 9, 30), bill_date=datetime.date(2026, 10, 1),
        due_date=datetime.date(2026, 10, 20), amount_due=Decimal("88.00"), amount_paid=Decimal("0"),
    )  # fmt: skip
    payment, _created = payment_post(
        account=account, amount="20", channel="counter", method="cash", actor=clerk, idempotency_key=f"sec-{tag}"
    )
    call = call_incoming(call_id=f"CALL-SEC-{tag}", calling_number=phone, agent=agent)
    portal_account = PortalAccount.objects.create(
        customer=customer, login=line.service_number, password=make_password(None)
    )
    return SimpleNamespace(
        region=region, grid=grid, address=address, crew=crew, hall=hall, staff=staff, customer=customer,
        account=account, line=line, order=order, work_order=work_order, ticket=ticket, bill=bill, payment=payment,
        call=call, portal_account=portal_account,
    )  # fmt: skip


def build_world() -> SimpleNamespace:
    """Hefei (every page's objects) and Wuhu (the other region's twins), and the province-level staff."""
    hefei, wuhu = _regions()
    _catalog()
    world = SimpleNamespace(
        hefei=_region_world(hefei, "hf", "11010519491231002X", "18955512345"),
        wuhu=_region_world(wuhu, "wh", "440524188001010014", "18955500000"),
    )
    world.province = {role: _staff(role, None, "prov") for role in PROVINCE_ROLES if role != Role.API_CLIENT}
    return world


def world_user(world: SimpleNamespace, role: str):
    """The staff member of ``role`` the matrix signs in as: Hefei's for regional roles, province-level otherwise."""
    return world.province.get(role) or world.hefei.staff[role]


@pytest.fixture(scope="module")
def security_world(django_db_setup, django_db_blocker):
    """The world, built once for the module in a transaction that is rolled back after its last test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def portal_client(account) -> Client:
    """A client with a portal session of ``account`` (as the log-in page leaves it)."""
    from importlib import import_module

    from portal.auth import ACCOUNT_KEY, HASH_KEY
    from portal.services import session_hash

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[ACCOUNT_KEY] = account.pk
    session[HASH_KEY] = session_hash(account)
    session.save()
    client = Client()
    client.cookies[settings.PORTAL_SESSION_COOKIE_NAME] = session.session_key
    return client
