"""CSV / Excel import of customers, billing accounts and subscriptions (批量导入), validated before anything is written.

``import_validate`` reads the file and checks every row against the rules and the database, writing only the
report (row, column, reason); ``import_apply`` checks again (the database may have changed since) and writes
all rows in one transaction, or only the valid ones when the user chose so. Applying twice does nothing.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import hashlib
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import Area, Region
from crm.accounts.selectors import visibility_scope
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record

from .identity import credit_code_problem, id_number_problem
from .models import PUBLIC_LEVELS, BillingAccount, ContactMedium, Customer, CustomerImport, Party, ServiceLevel
from .selectors import customers_visible_to

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
BATCH = 2000
PHONE_RE = re.compile(r"^\d{7,12}$")
ACCOUNT_RE = re.compile(r"^A\d{6,18}$")


class ImportFileError(ValueError):
    """The file cannot be read at all (format, encoding, size, header); shown on the upload form."""


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, ...]  # accepted header spellings, Chinese first (the template uses the first)
    required: bool = True


COLUMNS: dict[str, list[Column]] = {
    CustomerImport.Kind.CUSTOMERS: [
        Column("customer_class", ("客户类型", "class")),
        Column("name", ("姓名或单位名称", "name")),
        Column("id_number", ("证件号码", "id_number")),
        Column("gender", ("性别", "gender"), required=False),
        Column("birth_date", ("出生日期", "birth_date"), required=False),
        Column("phone", ("手机号码", "phone")),
        Column("address", ("地址", "address"), required=False),
        Column("region", ("地市", "region")),
        Column("area", ("区县", "area"), required=False),
        Column("service_level", ("服务等级", "service_level"), required=False),
    ],
    CustomerImport.Kind.ACCOUNTS: [
        Column("customer_no", ("客户编号", "customer_no")),
        Column("account_no", ("账户编号", "account_no")),
        Column("payment_method", ("付费方式", "payment_method"), required=False),
        Column("bill_cycle_day", ("账单日", "bill_cycle_day"), required=False),
        Column("credit_limit", ("信用额度", "credit_limit"), required=False),
    ],
    CustomerImport.Kind.SUBSCRIPTIONS: [
        Column("customer_no", ("客户编号", "customer_no")),
        Column("account_no", ("账户编号", "account_no"), required=False),
        Column("offering_code", ("销售品编码", "offering_code")),
        Column("service_number", ("业务号码", "service_number"), required=False),
        Column("install_address", ("装机地址", "install_address"), required=False),
        Column("status", ("状态", "status"), required=False),
        Column("start_date", ("开通日期", "start_date"), required=False),
    ],
}
CLASS_WORDS = {
    "public": "public",
    "公众": "public",
    "公众客户": "public",
    "key_account": "key_account",
    "政企": "key_account",
    "政企客户": "key_account",
    "大客户": "key_account",
}
GENDER_WORDS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
PAYMENT_WORDS = {
    **{v: v for v in BillingAccount.PaymentMethod.values},
    "现金": "cash",
    "银行代扣": "bank_debit",
    "托收": "bank_debit",
    "预付费": "prepaid",
    "在线支付": "online",
}
PRODUCT_STATUSES = ("created", "pendingActive", "active", "suspended")


def template_csv(kind: str) -> str:
    """A CSV with just the header row, for users to fill in."""
    return "\ufeff" + ",".join(c.headers[0] for c in COLUMNS[kind]) + "\r\n"


# --- Reading ------------------------------------------------------------------------------------------------


def read_rows(file_name: str, content: bytes) -> list[list[str]]:
    """The sheet as rows of text cells (CSV in UTF-8, with or without BOM, or GB18030; or .xlsx)."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 10 MB; split it."))
    if not content:
        raise ImportFileError(_("The file is empty."))
    name = file_name.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv"):
        return _read_csv(content)
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))
    try:
        # newline="": a bare CR ends a row, as in the files Excel for Mac writes, instead of failing the reader
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise ImportFileError(_("This is not a readable CSV file: %(error)s") % {"error": exc}) from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from exc
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append([_cell_text(v) for v in values])
    workbook.close()
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_map(kind: str, header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    lowered = [h.strip().lower() for h in header]
    for column in COLUMNS[kind]:
        for spelling in column.headers:
            if spelling.lower() in lowered:
                positions[column.key] = lowered.index(spelling.lower())
                break
        else:
            if column.required:
                raise ImportFileError(
                    _("Column “%(column)s” is missing from the first row.") % {"column": column.headers[0]}
                )
    return positions


# --- Validation ---------------------------------------------------------------------------------------------


@dataclass
class Report:
    kind: str
    total: int = 0
    errors: list[dict] = field(default_factory=list)
    valid: list[tuple[int, dict]] = field(default_factory=list)  # (row number, cleaned values)
    warnings: list[str] = field(default_factory=list)

    def error(self, row: int, column: str, reason: str) -> None:
        self.errors.append({"row": row, "column": column, "reason": reason})


def _header_label(kind: str, key: str) -> str:
    return next(c.headers[0] for c in COLUMNS[kind] if c.key == key)


def validate(kind: str, rows: list[list[str]], user) -> Report:
    """Check every row; rows are numbered as the user sees them in the sheet (the header is row 1)."""
    if not rows:
        raise ImportFileError(_("The file is empty."))
    positions = _header_map(kind, rows[0])
    body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            _("At most %(max)d rows per file; this one has %(n)d.") % {"max": MAX_ROWS, "n": len(body)}
        )
    report = Report(kind=kind, total=len(body))
    checker = _CHECKERS[kind](user, report)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {key: (row[i].strip() if i < len(row) else "") for key, i in positions.items()}
        problems_before = len(report.errors)
        for column in COLUMNS[kind]:
            if column.required and not values.get(column.key):
                report.error(number, column.headers[0], _("Required."))
        if len(report.errors) == problems_before:
            cleaned = checker.check(number, values)
            if cleaned is not None and len(report.errors) == problems_before:
                report.valid.append((number, cleaned))
    checker.check_database(report)
    return report


class _Checker:
    kind = ""

    def __init__(self, user, report: Report):
        self.user, self.report, self.scope = user, report, visibility_scope(user)

    def fail(self, row: int, key: str, reason: str) -> None:
        self.report.error(row, _header_label(self.kind, key), reason)

    def check_database(self, report: Report) -> None:
        """Checks that need one query for the whole file (not one per row)."""


def _date(raw: str) -> datetime.date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


class _CustomerChecker(_Checker):
    kind = CustomerImport.Kind.CUSTOMERS

    def __init__(self, user, report):
        super().__init__(user, report)
        self.regions = {}
        for region in Region.objects.all():
            self.regions[region.code] = self.regions[region.name] = region
        self.areas = {}
        for area in Area.objects.all():
            self.areas[(area.region_id, area.code)] = self.areas[(area.region_id, area.name)] = area
        self.seen_ids: dict[str, int] = {}

    def check(self, row: int, v: dict) -> dict | None:
        customer_class = CLASS_WORDS.get(
            v["customer_class"].lower() if v["customer_class"].isascii() else v["customer_class"]
        )
        if customer_class is None:
            self.fail(row, "customer_class", _("Use 公众 (public) or 政企 (key account)."))
            return None
        identifier = v["id_number"].upper()
        problem = id_number_problem(identifier) if customer_class == "public" else credit_code_problem(identifier)
        if problem:
            self.fail(row, "id_number", problem)
        elif identifier in self.seen_ids:
            self.fail(row, "id_number", _("Also on row %(row)d of this file.") % {"row": self.seen_ids[identifier]})
        else:
            self.seen_ids[identifier] = row
        if len(v["name"]) > 128:
            self.fail(row, "name", _("At most 128 characters."))
        if not PHONE_RE.match(v["phone"].replace("-", "")):
            self.fail(row, "phone", _("A phone number is 7 to 12 digits."))
        region = self.regions.get(v["region"])
        if region is None:
            self.fail(row, "region", _("Unknown region “%(value)s”.") % {"value": v["region"]})
        elif not self.scope.allows_region(region.pk):
            self.fail(row, "region", _("You may not import customers of this region."))
        area = None
        if region is not None and v.get("area"):
            area = self.areas.get((region.pk, v["area"]))
            if area is None:
                self.fail(row, "area", _("“%(value)s” is not an area of this region.") % {"value": v["area"]})
        level = v.get("service_level") or ("basic" if customer_class == "public" else "5B")
        if level not in ServiceLevel.values or (level in PUBLIC_LEVELS) != (customer_class == "public"):
            self.fail(row, "service_level", _("Level %(level)s does not fit this customer class.") % {"level": level})
        gender = GENDER_WORDS.get(v.get("gender", "").lower(), "") if v.get("gender") else ""
        if v.get("gender") and not gender:
            self.fail(row, "gender", _("Use 男 or 女."))
        birth = None
        if v.get("birth_date"):
            try:
                birth = _date(v["birth_date"])
            except ValueError:
                self.fail(row, "birth_date", _("Not a date (use 2026-01-31)."))
        elif customer_class == "public" and not problem:
            birth = datetime.date(int(identifier[6:10]), int(identifier[10:12]), int(identifier[12:14]))
        if customer_class == "public" and not gender and not problem:
            gender = "male" if int(identifier[16]) % 2 else "female"
        return {
            "customer_class": customer_class,
            "name": v["name"],
            "identifier": identifier,
            "gender": gender,
            "birth_date": birth,
            "phone": v["phone"].replace("-", ""),
            "address": v.get("address", "")[:255],
            "region": region,
            "area": area,
            "service_level": level,
        }

    def check_database(self, report: Report) -> None:
        ids = [v["identifier"] for _row, v in report.valid]
        taken = set(Party.objects.filter(id_number__in=ids).values_list("id_number", flat=True))
        taken |= set(Party.objects.filter(credit_code__in=ids).values_list("credit_code", flat=True))
        _drop_rows(report, lambda v: v["identifier"] in taken, self.kind, "id_number", _("Already a registered party."))


class _AccountChecker(_Checker):
    kind = CustomerImport.Kind.ACCOUNTS

    def __init__(self, user, report):
        super().__init__(user, report)
        self.seen: dict[str, int] = {}

    def check(self, row: int, v: dict) -> dict | None:
        account_no = v["account_no"].upper()
        if not ACCOUNT_RE.match(account_no):
            self.fail(row, "account_no", _("An account number is A followed by digits."))
        elif account_no in self.seen:
            self.fail(row, "account_no", _("Also on row %(row)d of this file.") % {"row": self.seen[account_no]})
        else:
            self.seen[account_no] = row
        method = PAYMENT_WORDS.get(v.get("payment_method") or "cash")
        if method is None:
            self.fail(row, "payment_method", _("Unknown payment method."))
        try:
            day = int(v.get("bill_cycle_day") or 1)
            if not 1 <= day <= 28:
                raise ValueError
        except ValueError:
            self.fail(row, "bill_cycle_day", _("A day from 1 to 28."))
            day = 1
        try:
            limit = decimal.Decimal(v.get("credit_limit") or "0")
            if limit < 0 or not limit.is_finite():
                raise decimal.InvalidOperation
        except decimal.InvalidOperation:
            self.fail(row, "credit_limit", _("A non-negative amount."))
            limit = decimal.Decimal(0)
        return {
            "customer_no": v["customer_no"].upper(),
            "account_no": account_no,
            "payment_method": method,
            "bill_cycle_day": day,
            "credit_limit": limit,
        }

    def check_database(self, report: Report) -> None:
        numbers = [v["customer_no"] for _row, v in report.valid]
        customers = dict(
            customers_visible_to(self.user).filter(customer_no__in=numbers).values_list("customer_no", "id")
        )
        _drop_rows(
            report,
            lambda v: v["customer_no"] not in customers,
            self.kind,
            "customer_no",
            _("No such customer in your region."),
        )
        for _row, v in report.valid:
            v["customer_id"] = customers[v["customer_no"]]
        taken = set(
            BillingAccount.objects.filter(account_no__in=[v["account_no"] for _r, v in report.valid]).values_list(
                "account_no", flat=True
            )
        )
        _drop_rows(
            report, lambda v: v["account_no"] in taken, self.kind, "account_no", _("This account number exists.")
        )


class _SubscriptionChecker(_Checker):
    kind = CustomerImport.Kind.SUBSCRIPTIONS

    def __init__(self, user, report):
        super().__init__(user, report)
        from orders.models import ProductOffering

        self.offerings = {o.code: o for o in ProductOffering.objects.select_related("specification")}
        self.seen: dict[str, int] = {}

    def check(self, row: int, v: dict) -> dict | None:
        offering = self.offerings.get(v["offering_code"])
        if offering is None:
            self.fail(row, "offering_code", _("Unknown offering code."))
        elif not offering.is_sellable:
            self.fail(row, "offering_code", _("This offering is not on sale."))
        elif offering.is_bundle:
            self.fail(row, "offering_code", _("Import the components of a bundle, not the bundle."))
        number = v.get("service_number", "")
        if number and number in self.seen:
            self.fail(row, "service_number", _("Also on row %(row)d of this file.") % {"row": self.seen[number]})
        elif number:
            self.seen[number] = row
        status = v.get("status") or "active"
        if status not in PRODUCT_STATUSES:
            self.fail(row, "status", _("Use one of: %(values)s.") % {"values": ", ".join(PRODUCT_STATUSES)})
        start = None
        if v.get("start_date"):
            try:
                start = _date(v["start_date"])
            except ValueError:
                self.fail(row, "start_date", _("Not a date (use 2026-01-31)."))
        return {
            "customer_no": v["customer_no"].upper(),
            "account_no": v.get("account_no", "").upper(),
            "offering": offering,
            "service_number": number,
            "install_address": v.get("install_address", "")[:255],
            "status": status,
            "start_date": start or (timezone.localdate() if status == "active" else None),
        }

    def check_database(self, report: Report) -> None:
        from orders.models import Product

        numbers = [v["customer_no"] for _r, v in report.valid]
        customers = {c.customer_no: c for c in customers_visible_to(self.user).filter(customer_no__in=numbers)}
        _drop_rows(
            report,
            lambda v: v["customer_no"] not in customers,
            self.kind,
            "customer_no",
            _("No such customer in your region."),
        )
        accounts = dict(
            BillingAccount.objects.filter(
                account_no__in=[v["account_no"] for _r, v in report.valid if v["account_no"]]
            ).values_list("account_no", "customer_id")
        )
        _drop_rows(
            report,
            lambda v: bool(v["account_no"]) and accounts.get(v["account_no"]) != customers[v["customer_no"]].pk,
            self.kind,
            "account_no",
            _("Not an account of this customer."),
        )
        live = set(
            Product.objects.filter(
                service_number__in=[v["service_number"] for _r, v in report.valid if v["service_number"]]
            )
            .exclude(status="terminated")
            .values_list("service_number", flat=True)
        )
        _drop_rows(
            report,
            lambda v: v["service_number"] in live,
            self.kind,
            "service_number",
            _("A live subscription already has this number."),
        )
        for _r, v in report.valid:
            v["customer"] = customers[v["customer_no"]]


def _drop_rows(report: Report, bad: Callable[[dict], bool], kind: str, key: str, reason: str) -> None:
    keep = []
    for row, values in report.valid:
        if bad(values):
            report.error(row, _header_label(kind, key), reason)
        else:
            keep.append((row, values))
    report.valid = keep


_CHECKERS = {
    CustomerImport.Kind.CUSTOMERS: _CustomerChecker,
    CustomerImport.Kind.ACCOUNTS: _AccountChecker,
    CustomerImport.Kind.SUBSCRIPTIONS: _SubscriptionChecker,
}


# --- Services -----------------------------------------------------------------------------------------------


def import_validate(*, kind: str, file_name: str, content: bytes, user) -> CustomerImport:
    """The dry run: read and check the file, store it with its report; nothing else is written."""
    if kind not in CustomerImport.Kind.values:
        raise ImportFileError(_("Unknown import kind."))
    report = validate(kind, read_rows(file_name, content), user)
    digest = hashlib.sha256(content).hexdigest()
    errors = sorted(report.errors, key=lambda e: (e["row"], e["column"]))
    if CustomerImport.objects.filter(file_sha256=digest, kind=kind, status=CustomerImport.Status.IMPORTED).exists():
        errors.insert(0, {"row": 0, "column": "", "reason": _("This same file was imported before.")})
    return CustomerImport.objects.create(
        kind=kind,
        file_name=file_name[:255],
        file_sha256=digest,
        content=content,
        total_rows=report.total,
        valid_rows=len(report.valid),
        errors=errors,
        created_by=user,
    )


def import_apply(*, customer_import: CustomerImport, user, valid_rows_only: bool = False) -> CustomerImport:
    """Write the rows in one transaction; with errors, only when the user chose to import the valid rows."""
    with transaction.atomic():
        record = CustomerImport.objects.select_for_update().get(pk=customer_import.pk)
        if record.status == CustomerImport.Status.IMPORTED:
            return record  # applying twice does nothing
        if record.created_by_id != user.pk:
            raise PermissionError("Only the uploader applies an import")
        report = validate(record.kind, read_rows(record.file_name, bytes(record.content)), user)
        if report.errors and not valid_rows_only:
            raise ValueError(
                _("%(n)d rows have errors: fix the file, or choose to import only the valid rows.")
                % {"n": len(report.errors)}
            )
        try:
            with transaction.atomic():
                _WRITERS[record.kind]([values for _row, values in report.valid])
        except IntegrityError as exc:  # a conflicting row written between the check and the write
            record.status = CustomerImport.Status.FAILED
            record.errors = [{"row": 0, "column": "", "reason": _("Nothing was imported: %(error)s") % {"error": exc}}]
            record.save(update_fields=["status", "errors"])
            return record
        record.status, record.imported_at = CustomerImport.Status.IMPORTED, timezone.now()
        record.imported_rows, record.valid_rows = len(report.valid), len(report.valid)
        record.total_rows = max(record.total_rows, report.total)
        record.errors = sorted(report.errors, key=lambda e: (e["row"], e["column"]))
        record.save()
        audit_record(
            action=AuditEntry.Action.IMPORT,
            obj=record,
            actor=user,
            changes={"kind": record.kind, "rows": record.imported_rows, "skipped": len(report.errors)},
        )
    return record


def _number_from_id(model, field_name: str, prefix: str, ids: list[int]) -> None:
    """One UPDATE turning placeholders into the business number made of the row id (C00000012345)."""
    number = Concat(Value(prefix), LPad(Cast("id", CharField()), 11, Value("0")), output_field=CharField())
    model.objects.filter(pk__in=ids).update(**{field_name: number})


def _placeholder(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:17]}"


def _write_customers(rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        parties = Party.objects.bulk_create(
            Party(
                kind="individual" if r["customer_class"] == "public" else "organization",
                name=r["name"],
                id_number=r["identifier"] if r["customer_class"] == "public" else None,
                credit_code=r["identifier"] if r["customer_class"] != "public" else None,
                gender=r["gender"],
                birth_date=r["birth_date"],
            )
            for r in batch
        )
        contacts = []
        for party, r in zip(parties, batch, strict=True):
            contacts.append(
                ContactMedium(
                    party=party, kind="phone", value=r["phone"], region=r["region"], area=r["area"], is_preferred=True
                )
            )
            if r["address"]:
                contacts.append(
                    ContactMedium(party=party, kind="address", value=r["address"], region=r["region"], area=r["area"])
                )
        ContactMedium.objects.bulk_create(contacts)
        customers = Customer.objects.bulk_create(
            Customer(
                customer_no=_placeholder("C"),
                party=party,
                customer_class=r["customer_class"],
                region=r["region"],
                area=r["area"],
                service_level=r["service_level"],
                status="active",
                since=timezone.localdate(),
            )
            for party, r in zip(parties, batch, strict=True)
        )
        _number_from_id(Customer, "customer_no", "C", [c.pk for c in customers])


def _write_accounts(rows: list[dict]) -> None:
    BillingAccount.objects.bulk_create(
        (
            BillingAccount(
                customer_id=r["customer_id"],
                account_no=r["account_no"],
                payment_method=r["payment_method"],
                bill_cycle_day=r["bill_cycle_day"],
                credit_limit=r["credit_limit"],
            )
            for r in rows
        ),
        batch_size=BATCH,
    )


def _write_subscriptions(rows: list[dict]) -> None:
    from orders.models import Product

    accounts = dict(
        BillingAccount.objects.filter(account_no__in=[r["account_no"] for r in rows if r["account_no"]]).values_list(
            "account_no", "id"
        )
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        products = Product.objects.bulk_create(
            Product(
                product_no=_placeholder("P")[:20],
                customer=r["customer"],
                offering=r["offering"],
                specification_id=r["offering"].specification_id,
                billing_account_id=accounts.get(r["account_no"]),
                service_number=r["service_number"],
                install_address=r["install_address"],
                region_id=r["customer"].region_id,
                area_id=r["customer"].area_id,
                grid_id=r["customer"].grid_id,
                status=r["status"],
                start_date=r["start_date"],
            )
            for r in batch
        )
        _number_from_id(Product, "product_no", "P", [p.pk for p in products])


_WRITERS = {
    CustomerImport.Kind.CUSTOMERS: _write_customers,
    CustomerImport.Kind.ACCOUNTS: _write_accounts,
    CustomerImport.Kind.SUBSCRIPTIONS: _write_subscriptions,
}
