"""The operator commands: recompute levels by hand, import a file from the server."""

import io

import pytest
from django.core.management import CommandError, call_command

from crm.accounts.roles import Role
from customers.models import Customer, ServiceLevelChange

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("level_table")]


def test_recompute_service_levels_reports_what_it_did(people):
    out = io.StringIO()
    call_command("recompute_service_levels", stdout=out)
    assert "Examined 3, changed 3" in out.getvalue()
    assert ServiceLevelChange.objects.filter(source="computed").count() == 3


def test_import_customers_checks_then_applies(tmp_path, make_staff, hefei):
    make_staff(Role.ADMIN, username="itadmin")
    path = tmp_path / "c.csv"
    path.write_text("客户类型,姓名或单位名称,证件号码,手机号码,地市\r\n公众,李新民,340104199001012477,18900001111,合肥\r\n",
                    encoding="utf-8-sig")  # fmt: skip
    out = io.StringIO()
    call_command("import_customers", str(path), "--kind", "customers", "--user", "itadmin", stdout=out)
    assert "1 valid, 0 problems" in out.getvalue() and not Customer.objects.exists()
    call_command("import_customers", str(path), "--kind", "customers", "--user", "itadmin", "--apply", stdout=out)
    assert Customer.objects.get().party.name == "李新民"
    with pytest.raises(CommandError):  # the same rows again: duplicates, nothing to apply
        call_command("import_customers", str(path), "--kind", "customers", "--user", "itadmin", "--apply", stdout=out)
    assert Customer.objects.count() == 1
