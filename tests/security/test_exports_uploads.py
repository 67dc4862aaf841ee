"""Exports neutralise spreadsheet formulas; uploads are refused when too large or of the wrong type.

A customer whose name is a formula (``=cmd|' /C calc'!A0`` and the other starts Excel and LibreOffice read as a
formula: + - @ tab CR) is exported through every export that shows names: the customers and tickets lists as CSV
and Excel, the import error report, the dashboards' and campaigns' table files and the portal's usage CSV writer.
Each such cell must come out as text with a leading apostrophe, never as a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from billing_sync.api import feeds
from crm.api.services import api_token_create
from crm.ui.exports import safe_cell
from customers import imports
from customers.models import Party
from tests.customers.conftest import people, subscribe  # noqa: F401
from tests.orders.conftest import catalog  # noqa: F401

from .nasty import TEXTS

pytestmark = pytest.mark.django_db

FORMULAS = [value for name, value in TEXTS if name.startswith("csv-")]


@pytest.fixture
def formula_customers(people):  # noqa: F811
    """Give the three fixture customers formula names (the rest of the fixture keeps them valid)."""
    customers = list(people.values())
    for customer, formula in zip(customers, FORMULAS, strict=False):
        Party.objects.filter(pk=customer.party_id).update(name=formula)
    return customers


@pytest.fixture
def admin(client, make_staff):
    client.force_login(make_staff("admin"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _csv_cells(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(content: bytes) -> list[object]:
    """The workbook's cell values; a CR reads back as LF (XML normalises line ends), so it is turned back."""
    book = load_workbook(io.BytesIO(content))
    values = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    return [v.replace("\n", "\r") if isinstance(v, str) else v for v in values]


def _assert_neutralised(cells: list, formulas: list[str]) -> None:
    texts = [c for c in cells if isinstance(c, str)]
    for formula in formulas:
        assert "'" + formula in texts, f"{formula!r} missing or not neutralised"
    assert not [c for c in texts if c.startswith(("=", "+", "@"))], "a cell would be read as a formula"


def test_safe_cell_neutralises_every_formula_start():
    for formula in FORMULAS:
        assert safe_cell(formula) == "'" + formula
    assert safe_cell("张伟") == "张伟" and safe_cell(-5) == -5 and safe_cell(None) == ""

    class Region:  # a model instance in a column is written as its text, so it is checked as text
        def __str__(self):
            return '=HYPERLINK("http://x")'

    assert safe_cell(Region()) == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_customer_list_export_neutralises_formula_names(fmt, admin, formula_customers):
    response = admin.get("/customers/", {"export": fmt})
    assert response.status_code == 200, response.content[:300]
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response.content)
    _assert_neutralised(cells, FORMULAS[: len(formula_customers)])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ticket_list_export_neutralises_formula_names(fmt, admin, formula_customers, catalog):  # noqa: F811
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(client_name='exports', scopes=['all'])[1]}")
    customer = formula_customers[0]
    body = {"description": FORMULAS[1], "ticketType": "fault", "relatedParty": [{"id": str(customer.pk)}]}
    assert api.post("/tmf-api/troubleTicket/v4/troubleTicket", body, format="json").status_code == 201
    response = admin.get("/callcenter/tickets/", {"export": fmt})
    assert response.status_code == 200
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response.content)
    _assert_neutralised(cells, [FORMULAS[0]])


def test_import_error_report_neutralises_the_values_it_quotes(admin, hefei):
    header = "客户类型,姓名或单位名称,证件号码,性别,出生日期,手机号码,地址,地市,区县,服务等级"
    rows = [f"{formula},{formula},{formula},,,{formula},,合肥,," for formula in FORMULAS]
    content = ("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode()
    upload = SimpleUploadedFile("bad.csv", content)
    response = admin.post("/customers/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 302
    report = admin.get(response["Location"] + "errors.csv")
    cells = _csv_cells(report)
    assert len(cells) > 3
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_dashboard_and_campaign_table_files_neutralise_formulas():
    from analytics.dashboards.base import Column, Table
    from analytics.dashboards.files import table_csv, tables_csv_zip, tables_xlsx

    table = Table(key="t", title="T", columns=[Column("name", "name")], rows=[{"name": f} for f in FORMULAS])
    cells = [c for row in csv.reader(io.StringIO(table_csv(table, watermark="w").decode("utf-8-sig"))) for c in row]
    _assert_neutralised(cells, FORMULAS)
    _assert_neutralised(_xlsx_cells(tables_xlsx([table], watermark="w")), FORMULAS)
    with zipfile.ZipFile(io.BytesIO(tables_csv_zip([table], watermark="w"))) as archive:
        text = archive.read("t.csv").decode("utf-8-sig")
    _assert_neutralised([c for row in csv.reader(io.StringIO(text)) for c in row], FORMULAS)


def test_portal_exports_neutralise_formulas():
    from portal.exports import safe_cell as portal_safe_cell

    for formula in FORMULAS:
        assert str(portal_safe_cell(formula)).startswith("'")


# --- Uploads ---------------------------------------------------------------------------------------------------


def test_customer_import_refuses_a_too_large_file(admin, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1024)
    upload = SimpleUploadedFile("big.csv", b"a,b\r\n" * 1000)
    response = admin.post("/customers/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 200
    assert "larger than" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Upload a .csv or .xlsx file."),
        ("sheet.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file."),
        ("fake.xlsx", b"not a zip at all", "not a readable Excel"),
        ("binary.csv", bytes(range(256)) * 4, ""),
        ("empty.csv", b"", ""),
    ],
)
def test_customer_import_refuses_wrong_types_with_a_form_error(name, content, message, admin):
    response = admin.post("/customers/imports/", {"kind": "customers", "file": SimpleUploadedFile(name, content)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        page = response.content.decode()
        assert "errorlist" in page and message in page
    else:  # a readable (if odd) CSV: the dry-run report lists its problems and imports nothing yet
        assert admin.get(response["Location"]).status_code == 200


@pytest.fixture
def feeder() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(client_name='feeds', scopes=['all'])[1]}")
    return client


def test_billing_feed_refuses_a_too_large_body(feeder, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_BYTES", 1024)
    body = "x" * 2048
    response = feeder.post("/tmf-api/billingFeed/v1/bills?batchId=b1", body, content_type="text/csv")
    assert response.status_code in (400, 413)
    assert response.json()["@type"] == "Error" and "larger than" in response.json()["message"]


@pytest.mark.parametrize("content_type", ["application/pdf", "multipart/form-data; boundary=x", "text/html"])
def test_billing_feed_refuses_other_media_types(feeder, content_type):
    response = feeder.post("/tmf-api/billingFeed/v1/bills", b"%PDF-1.4", content_type=content_type)
    assert response.status_code == 415
    assert response.json()["@type"] == "Error"


def test_api_refuses_bodies_of_other_media_types(feeder):
    response = feeder.post("/tmf-api/party/v4/individual", b"<xml/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["@type"] == "Error"
