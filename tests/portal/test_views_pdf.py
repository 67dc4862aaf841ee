"""Portal PDF downloads: a bill (/portal/bills/<no>/pdf/) and usage details (/portal/usage/download/?format=pdf),
the logged-in customer's own only, Chinese text set in the built-in CID font."""

from __future__ import annotations

import base64
import re
import zlib

import pytest

from portal import views_bills
from portal.pdf import PdfDocument, PdfTable, document_pdf
from tests.portal.test_views_bills import at, billed, calls, month_first, record  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(literal: bytes) -> bytes:
    """The bytes of a PDF literal string (octal and backslash escapes)."""

    def one(match: re.Match) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8) & 0xFF]) if code[:1] in b"01234567" else _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "replace")
    # The CID font's text is UCS-2 without a byte-order mark; other strings (the producer's name) are plain.
    if len(raw) % 2 == 0 and (b"\x00" in raw or any(c >= 0x80 for c in raw)):
        return raw.decode("utf-16-be", "replace")
    return raw.decode("latin-1")


def pdf_text(body: bytes) -> str:
    """Every string in the PDF (metadata and page text), decoded, one a line: what a reader would show."""
    outside = re.sub(rb"stream\r?\n.*?endstream", b"", body, flags=re.S)  # the objects, metadata included
    streams = []
    for data in re.findall(rb">>\s*stream\r?\n(.*?)endstream", body, re.S):
        try:
            streams.append(zlib.decompress(base64.a85decode(data.strip().removesuffix(b"~>"))))
        except ValueError:
            continue
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", b"\n".join([outside, *streams]), re.S)
    return "\n".join(_decode(_unescape(s)) for s in strings)


def test_a_document_in_chinese_reads_back_with_its_title_lines_and_cells():
    body = document_pdf(
        PdfDocument(
            title="账单 BP00000001",
            lines=["客户 张伟明 <b>"],
            tables=[PdfTable(header=["项目", "金额"], rows=[["套餐月租59元", "59.00"]], numeric=[1])],
        )
    )
    text = pdf_text(body)
    assert body.startswith(b"%PDF")
    assert "账单 BP00000001" in text and "张伟明" in text and "套餐月租59元" in text and "59.00" in text
    assert "<" in text  # shown as text, not read as markup
    assert b"STSong-Light" in body  # the reader's built-in font, no font file embedded
    assert b"FontFile" not in body


def test_the_bill_pdf_is_the_customer_s_own_bill_as_an_attachment(portal_client, billed):  # noqa: F811
    client = portal_client("zhang")
    newer = billed["newer"]

    response = client.get(f"/portal/bills/{newer.bill_no}/pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="bill-{newer.bill_no}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert newer.bill_no in text and "套餐月租59元" in text and "新客优惠" in text and "-5.00" in text
    assert "64.50" in text and "44.50" in text and "A00000000001" in text  # due, outstanding, account
    assert "张伟明" in text
    page = client.get(f"/portal/bills/{newer.bill_no}/").content.decode()
    assert f'href="/portal/bills/{newer.bill_no}/pdf/"' in page

    assert client.get(f"/portal/bills/{billed['theirs'].bill_no}/pdf/").status_code == 404
    assert client.get("/portal/bills/BP99999999/pdf/").status_code == 404


def test_the_pdfs_need_a_portal_log_in(client, billed):  # noqa: F811
    for url in (f"/portal/bills/{billed['older'].bill_no}/pdf/", "/portal/usage/download/?format=pdf"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/?next="), url


def test_the_usage_pdf_has_the_records_of_the_same_filter(portal_client, calls, lines):  # noqa: F811
    mine = lines["zhang"]
    client = portal_client("zhang")

    response = client.get(f"/portal/usage/download/?subscription={mine.product_no}&type=voice&format=pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    first = month_first()
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="usage-{mine.service_number}-{first:%Y%m%d}-')
    assert disposition.endswith('.pdf"')
    text = pdf_text(response.content)
    assert mine.service_number in text and "13955556666" in text and "055162881234" in text
    assert "10086" not in text  # an SMS, not in a voice filter
    assert "18611112222" not in text and "18633334444" not in text  # 张伟's records
    assert "Outgoing" in text and "125" in text

    usage = client.get(f"/portal/usage/?subscription={mine.product_no}").content.decode()
    assert f"subscription={mine.product_no}&amp;format=pdf" in usage and 'data-testid="pdf"' in usage


def test_the_usage_pdf_of_another_customer_s_subscription_is_not_found(portal_client, calls, lines):  # noqa: F811
    client = portal_client("zhang")
    response = client.get(f"/portal/usage/download/?subscription={lines['zhangw'].product_no}&format=pdf")
    assert response.status_code == 404


def test_the_usage_pdf_stops_at_the_row_cap_and_says_so(portal_client, lines, monkeypatch):
    monkeypatch.setattr(views_bills, "USAGE_PDF_MAX_ROWS", 3)
    mine = lines["zhang"]
    for minute in range(5):
        record(mine, at(month_first(), 9, minute), other=f"1390000000{minute}")
    client = portal_client("zhang")

    text = pdf_text(client.get("/portal/usage/download/?format=pdf").content)

    assert "13900000004" in text and "13900000002" in text and "13900000001" not in text  # the newest three
    assert "Only the newest 3 records" in text
