"""CSV/Excel import: the dry-run report (row, column, reason), nothing written before applying, all-or-valid-rows,
atomic and idempotent apply, region scope, and the pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from customers import imports
from customers.models import BillingAccount, Customer, CustomerImport, Party

pytestmark = pytest.mark.django_db
HEADER = "客户类型,姓名或单位名称,证件号码,性别,出生日期,手机号码,地址,地市,区县,服务等级"
GOOD_1 = "公众,李新民,340104199001012477,男,,18900001111,合肥市长江路1号,合肥,瑶海区,"
GOOD_2 = "政企,合肥新创科技有限公司,91340100MA2N0A1B2C,,,05516661234,,340100,,3B"


def csv_bytes(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def admin_user(make_staff, hefei):
    return make_staff(Role.ADMIN)


def errors_of(record) -> set[tuple[int, str]]:
    return {(e["row"], e["column"]) for e in record.errors}


def valid_credit_code() -> str:
    import random

    from customers.identity import make_credit_code

    return make_credit_code(random.Random(7), "340102", 42)


def test_a_clean_file_validates_without_writing_then_imports(admin_user, hefei):
    good_2 = GOOD_2.replace("91340100MA2N0A1B2C", valid_credit_code())
    record = imports.import_validate(kind="customers", file_name="c.csv", content=csv_bytes(HEADER, GOOD_1, good_2),
                                     user=admin_user)  # fmt: skip
    assert (record.total_rows, record.valid_rows, record.errors) == (2, 2, [])
    assert not Customer.objects.exists() and not Party.objects.exists()  # a dry run writes only its report
    record = imports.import_apply(customer_import=record, user=admin_user)
    assert record.status == "imported" and record.imported_rows == 2
    person = Customer.objects.get(party__name="李新民")
    assert person.customer_no == f"C{person.pk:011d}" and person.customer_class == "public"
    assert person.party.gender == "male" and str(person.party.birth_date) == "1990-01-01"
    assert (
        person.area.name == "瑶海区" and person.party.contact_media.filter(kind="phone", value="18900001111").exists()
    )
    assert Customer.objects.get(customer_class="key_account").service_level == "3B"
    assert AuditEntry.objects.filter(action="import", object_id=str(record.pk)).exists()
    # Idempotent: applying again changes nothing; the same file again is flagged.
    assert imports.import_apply(customer_import=record, user=admin_user).imported_rows == 2
    assert Customer.objects.count() == 2
    again = imports.import_validate(kind="customers", file_name="c.csv", content=csv_bytes(HEADER, GOOD_1, good_2),
                                    user=admin_user)  # fmt: skip
    assert again.errors[0]["row"] == 0 and (3 - 1, "证件号码") in errors_of(again)  # row 2 is now a duplicate


def test_each_rule_reports_row_column_and_reason(admin_user, people):
    lines = [
        HEADER,
        "公众,张三,340104199001012478,男,,18900001111,,合肥,,",  # 2: wrong check digit
        "公众,李四,340104199001012477,男,,18900,,合肥,,",  # 3: phone too short
        "火星,王五,340104199001012477,,,18900001112,,合肥,,",  # 4: unknown class
        "公众,赵六,11010519491231002X,,,18900001113,,合肥,,",  # 5: already registered (people fixture)
        "公众,钱七,340104199001012477,女,,18900001114,,南京,,",  # 6: unknown region
        "公众,孙八,340104199001012477,,,18900001115,,合肥,镜湖区,1A",  # 7: area of another region, level of the class
        ",,,,,,,,,",  # empty lines are skipped
        "公众,,340104199001012477,,,18900001116,,合肥,,",  # 9: name missing
    ]
    record = imports.import_validate(kind="customers", file_name="bad.csv", content=csv_bytes(*lines), user=admin_user)
    assert errors_of(record) >= {(2, "证件号码"), (3, "手机号码"), (4, "客户类型"), (5, "证件号码"), (6, "地市"),
                                 (7, "区县"), (7, "服务等级"), (9, "姓名或单位名称")}  # fmt: skip
    assert record.total_rows == 7 and record.valid_rows == 0  # the empty line is not a row
    assert all(e["reason"] for e in record.errors)


def test_apply_refuses_errors_unless_the_user_chooses_the_valid_rows(admin_user, hefei):
    content = csv_bytes(HEADER, GOOD_1, "公众,坏行,340104199001012478,,,18900001112,,合肥,,")
    record = imports.import_validate(kind="customers", file_name="mixed.csv", content=content, user=admin_user)
    with pytest.raises(ValueError):
        imports.import_apply(customer_import=record, user=admin_user)
    assert not Customer.objects.exists()
    record = imports.import_apply(customer_import=record, user=admin_user, valid_rows_only=True)
    assert record.imported_rows == 1 and list(Customer.objects.values_list("party__name", flat=True)) == ["李新民"]


def test_gb18030_csv_and_excel_files_are_read(admin_user, hefei):
    gbk = csv_bytes(HEADER, GOOD_1, encoding="gb18030")
    record = imports.import_validate(kind="customers", file_name="gbk.csv", content=gbk, user=admin_user)
    assert record.valid_rows == 1, record.errors
    book = Workbook()
    sheet = book.active
    sheet.append(["customer_no", "account_no", "payment_method", "bill_cycle_day", "credit_limit"])  # English headers
    sheet.append(["C00000000001", "A77000000001", "银行代扣", 10, 300])
    buffer = io.BytesIO()
    book.save(buffer)
    accounts = imports.import_validate(kind="accounts", file_name="a.xlsx", content=buffer.getvalue(), user=admin_user)
    assert accounts.errors == [
        {"row": 2, "column": "客户编号", "reason": accounts.errors[0]["reason"]}
    ]  # no customer yet


def test_unreadable_files_are_refused_with_a_reason(admin_user):
    with pytest.raises(imports.ImportFileError):
        imports.import_validate(kind="customers", file_name="c.txt", content=b"x", user=admin_user)
    with pytest.raises(imports.ImportFileError, match=r"证件号码"):
        imports.import_validate(
            kind="customers", file_name="c.csv", content=csv_bytes("客户类型,姓名或单位名称"), user=admin_user
        )
    with pytest.raises(imports.ImportFileError):
        imports.import_validate(kind="customers", file_name="c.xlsx", content=b"not a workbook", user=admin_user)
    assert not CustomerImport.objects.exists()


def test_accounts_and_subscriptions_respect_the_region_scope(make_staff, people, hefei, subscribe):
    manager = make_staff(Role.ACCOUNT_MANAGER, region=hefei)
    content = csv_bytes("客户编号,账户编号,付费方式,账单日,信用额度",
                        "C00000000001,A77000000001,现金,5,100",
                        "C00000000002,A77000000002,现金,5,100",  # a Wuhu customer
                        "C00000000001,A00000000003,现金,40,-1")  # existing number, bad day, negative limit  # fmt: skip
    record = imports.import_validate(kind="accounts", file_name="a.csv", content=content, user=manager)
    assert errors_of(record) == {(3, "客户编号"), (4, "账单日"), (4, "信用额度")}
    subscribe(people["zhang"], 59, number="18900005555")
    from crm.demo.engine import SeedContext
    from orders.demo import seed_catalog

    seed_catalog(SeedContext(customers=0, seed=1, log=lambda *_: None))
    subs = csv_bytes("客户编号,账户编号,销售品编码,业务号码,装机地址,状态,开通日期",
                     "C00000000001,A00000000001,bb-500,ad0551999,合肥市长江路1号,active,2026-01-05",
                     "C00000000001,,mob-59,18900005555,,,",  # number of a live subscription
                     "C00000000001,A00000000003,vas-crbt,,,,",  # someone else's account
                     "C00000000001,,nope,,,,2026-13-01",  # unknown offering, bad date
                     "C00000000001,,fuse-129,,,,")  # a bundle  # fmt: skip
    report = imports.import_validate(kind="subscriptions", file_name="s.csv", content=subs, user=manager)
    assert errors_of(report) == {
        (3, "业务号码"),
        (4, "账户编号"),
        (5, "销售品编码"),
        (5, "开通日期"),
        (6, "销售品编码"),
    }
    applied = imports.import_apply(customer_import=report, user=manager, valid_rows_only=True)
    product = people["zhang"].products.get(service_number="ad0551999")
    assert applied.imported_rows == 1 and product.billing_account.account_no == "A00000000001"


def test_apply_is_atomic_when_the_database_changed_in_between(admin_user, hefei):
    record = imports.import_validate(kind="customers", file_name="c.csv", content=csv_bytes(HEADER, GOOD_1),
                                     user=admin_user)  # fmt: skip
    Party.objects.create(kind="individual", name="抢先登记", id_number="340104199001012477")
    with pytest.raises(ValueError):  # re-checked at apply time: now a duplicate
        imports.import_apply(customer_import=record, user=admin_user)
    assert Customer.objects.count() == 0 and BillingAccount.objects.count() == 0


def test_the_pages_upload_report_and_import(client, admin_user, make_staff, hefei):
    client.force_login(admin_user)
    assert client.get("/customers/imports/template/customers.csv").content.decode("utf-8-sig").startswith("客户类型")
    bad_type = client.post("/customers/imports/", {"kind": "customers", "file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert bad_type.status_code == 200 and "errorlist" in bad_type.content.decode()
    upload = SimpleUploadedFile(
        "c.csv", csv_bytes(HEADER, GOOD_1, "公众,坏行,340104199001012478,,,18900001112,,合肥,,")
    )
    response = client.post("/customers/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "340104199001012478" not in report and 'data-testid="import-valid"' in report and "证件号码" in report
    errors_csv = client.get(response["Location"] + "errors.csv")
    assert "证件号码" in b"".join(errors_csv.streaming_content).decode("utf-8-sig")
    client.post(response["Location"] + "apply", {"valid_rows_only": "1"})
    assert Customer.objects.count() == 1
    client.force_login(make_staff(Role.HALL_CLERK))
    assert client.get("/customers/imports/").status_code == 403
