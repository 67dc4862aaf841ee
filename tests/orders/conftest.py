import io

import pytest

from tests.api.conftest import api, listener, token_for  # noqa: F401
from tests.customers.conftest import people, subscribe  # noqa: F401


def _reseed_migration_data() -> None:
    """The rows data migrations seed (work-order templates, ordering policy, credit bands, time limits, holidays);
    a transactional test elsewhere in the run may have flushed them."""
    import importlib

    from django.apps import apps

    from orders.models import WorkOrderTemplate

    if not WorkOrderTemplate.objects.exists():
        importlib.import_module("orders.migrations.0003_default_templates_and_policy").seed(apps, None)
    from crm.sla.models import ServiceLimit

    if not ServiceLimit.objects.exists():
        importlib.import_module("crm.sla.migrations.0002_default_limits_and_holidays").seed(apps, None)
        importlib.import_module("crm.sla.migrations.0003_complaint_limits").seed(apps, None)
    if not WorkOrderTemplate.objects.filter(order_type="repair").exists():
        importlib.import_module("orders.migrations.0007_repair_template").seed(apps, None)
    from feedback.models import Survey

    if not Survey.objects.exists():
        importlib.import_module("feedback.migrations.0002_default_surveys").seed(apps, None)


@pytest.fixture
def catalog(db):
    """The demo catalog (specifications, offerings with prices, bundles, two catalogs) and the seeded rules."""
    from crm.demo.engine import SeedContext
    from orders.demo import seed_catalog

    _reseed_migration_data()
    seed_catalog(SeedContext(customers=0, seed=1, log=io.StringIO().write))


@pytest.fixture
def network(db, hefei, catalog, make_staff):
    """Hefei's network and crews: an OLT with 4 ports serving an urban and a county address, an address with no
    coverage, a grid covered by one crew (with a technician and a lead), and the dispatch centre (with a lead)."""
    from types import SimpleNamespace

    from crm.accounts.models import Area, Grid, OrgUnit
    from orders.models import AccessPoint, StandardAddress, TeamCoverage

    urban, county = Area.objects.get(code="340102"), Area.objects.get(code="340121")
    grid = Grid.objects.create(region=hefei, area=urban, code="G-YH-01", name="瑶海一网格")
    county_grid = Grid.objects.create(region=hefei, area=county, code="G-CF-01", name="长丰一网格")
    olt = AccessPoint.objects.create(code="OLT-YH-1", name="瑶海OLT-1", region=hefei, area=urban, total_ports=4)
    county_olt = AccessPoint.objects.create(code="OLT-CF-1", name="长丰OLT-1", region=hefei, area=county, total_ports=4)
    address = StandardAddress.objects.create(
        text="合肥市瑶海区长江东路100号1栋101", region=hefei, area=urban, grid=grid, access_point=olt
    )
    county_address = StandardAddress.objects.create(
        text="合肥市长丰县水湖镇阜阳路1号", region=hefei, area=county, grid=county_grid, access_point=county_olt
    )
    far_address = StandardAddress.objects.create(
        text="合肥市长丰县岗集镇新村99号", region=hefei, area=county, grid=county_grid
    )
    crew = OrgUnit.objects.create(code="CREW-YH", name="瑶海装维班", kind="field_crew", region=hefei, grid=grid)
    county_crew = OrgUnit.objects.create(code="CREW-CF", name="长丰装维班", kind="field_crew", region=hefei)
    TeamCoverage.objects.create(team=crew, grid=grid)
    TeamCoverage.objects.create(team=county_crew, grid=county_grid)
    technician = make_staff("field_technician", org_unit=crew)
    technician.staff_profile.phone = "13900000001"
    technician.staff_profile.save()
    dispatcher = make_staff("dispatcher")
    lead = make_staff("dispatcher")
    lead.staff_profile.phone = "13900000009"
    lead.staff_profile.save()
    centre = OrgUnit.objects.create(
        code="DISP-HF", name="合肥调度中心", kind="dispatch_centre", region=hefei, lead=lead
    )
    return SimpleNamespace(
        olt=olt, county_olt=county_olt, address=address, county_address=county_address, far_address=far_address,
        grid=grid, crew=crew, county_crew=county_crew, technician=technician, dispatcher=dispatcher, lead=lead,
        centre=centre, clerk=make_staff("hall_clerk"), urban=urban, county=county,
    )  # fmt: skip


@pytest.fixture
def signature():
    """A real (tiny) PNG as the data URL the signature pad sends."""
    import base64
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()
