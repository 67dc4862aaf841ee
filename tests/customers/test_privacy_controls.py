"""Privacy controls: the audited cross-region lookup, marketing opt-outs, and approval of bulk exports."""

import csv
import io

import pytest
from django.urls import reverse

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from crm.ui.models import ExportApproval
from customers import selectors, services
from customers.models import Customer

pytestmark = pytest.mark.django_db
LOOKUP = "/customers/lookup/"


def detail(customer) -> str:
    return reverse("customers:detail", args=[customer.customer_no])


def test_a_regional_manager_opens_another_region_only_through_the_audited_lookup(client, people, make_staff, wuhu):
    manager = make_staff(Role.MANAGER, region=wuhu)  # Wuhu's branch manager; 张伟明 is a Hefei customer
    client.force_login(manager)
    assert client.get(detail(people["zhang"])).status_code == 404

    response = client.post(LOOKUP, {"query": "18955512345", "reason": "客户在芜湖营业厅办理异地业务"})
    assert response.status_code == 200 and "张伟明" in response.content.decode()
    entry = AuditEntry.objects.get(action="cross_region_lookup", actor=manager)
    assert entry.detail == "客户在芜湖营业厅办理异地业务" and entry.changes["found"] == ["C00000000001"]

    page = client.get(detail(people["zhang"]))
    assert page.status_code == 200 and 'data-testid="cross-region-banner"' in page.content.decode()


def test_the_lookup_refuses_names_and_missing_reasons_and_roles_without_the_right(client, people, make_staff, wuhu):
    manager = make_staff(Role.MANAGER, region=wuhu)
    assert services.cross_region_lookup(actor=manager, query="张伟明", reason="核实身份信息") == []
    with pytest.raises(ValueError):
        services.cross_region_lookup(actor=manager, query="18955512345", reason="")
    client.force_login(make_staff(Role.HALL_CLERK))
    assert client.get(LOOKUP).status_code == 403
    assert AuditEntry.objects.filter(action="cross_region_lookup").count() == 1  # the name query, found nothing


def test_opt_outs_are_validated_saved_audited_and_enforced(client, people, make_staff):
    zhang = people["zhang"]
    client.force_login(make_staff(Role.HALL_CLERK))
    response = client.post(reverse("customers:opt_outs", args=[zhang.customer_no]), {"opt_out": ["sms", "email"]})
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.marketing_opt_outs == ["email", "sms"]
    assert AuditEntry.objects.filter(action="update", object_id=str(zhang.pk)).exists()
    assert not selectors.marketing_contact_allowed(zhang, "sms")
    assert selectors.marketing_contact_allowed(zhang, "outbound_call")
    contactable = set(selectors.customers_contactable(Customer.objects.all(), "sms").values_list("pk", flat=True))
    assert zhang.pk not in contactable and people["corp"].pk in contactable
    with pytest.raises(ValueError):
        services.marketing_opt_outs_set(customer=zhang, channels=["pigeon"])


def test_a_clerk_lists_only_their_region(client, people, make_staff, hefei):
    client.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    html = client.get("/customers/").content.decode()
    assert "张伟明" in html and "合肥华信科技有限公司" in html and "C00000000002" not in html
    assert "11010519491231002X" not in html and "1101**********002X" in html


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_small_exports_go_straight_out_with_a_watermark(client, people, make_staff, settings):
    settings.CRM_EXPORT_WITHOUT_APPROVAL_ROWS = 5
    clerk = make_staff(Role.HALL_CLERK)
    client.force_login(clerk)
    rows = _csv_rows(client.get("/customers/?export=csv"))
    assert clerk.username in rows[0][0] and len(rows) == 2 + 2  # watermark, header, two Hefei customers
    assert AuditEntry.objects.filter(action="export", object_id="customers").count() == 1


def test_bulk_exports_need_a_managers_approval_used_once(client, people, make_staff, settings):
    settings.CRM_EXPORT_WITHOUT_APPROVAL_ROWS = 1
    clerk, manager = make_staff(Role.HALL_CLERK), make_staff(Role.MANAGER)
    client.force_login(clerk)
    response = client.get("/customers/?status=active&export=xlsx")
    assert response.status_code == 302 and response["Location"].startswith("/exports/request")
    form = {"list": "customers", "path": "/customers/", "query": "status=active", "format": "xlsx",
            "reason": "季度客户核对", "rows": 2}  # fmt: skip
    client.post(response["Location"].split("?")[0], form)
    approval = ExportApproval.objects.get(requester=clerk)
    assert approval.status == "pending" and approval.query == "status=active"
    with pytest.raises(PermissionError):
        from crm.ui.services import export_approval_decide

        export_approval_decide(approval_id=approval.pk, approver=clerk, approve=True)  # clerks cannot approve

    client.force_login(manager)
    assert "季度客户核对" in client.get("/exports/").content.decode()
    client.post(f"/exports/{approval.pk}/decide", {"decision": "approve"})
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.approver == manager

    client.force_login(clerk)
    download = client.get(f"/customers/?status=active&export=xlsx&approval={approval.pk}")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    again = client.get(f"/customers/?status=active&export=xlsx&approval={approval.pk}")
    assert again.status_code == 302  # used once
    other_filters = client.get(f"/customers/?export=xlsx&approval={approval.pk}")  # all rows, not just active
    assert other_filters.status_code == 302  # an approval is for its own filters only
    assert AuditEntry.objects.filter(action__in=["export_request", "export_decision"]).count() == 2


def test_nobody_approves_their_own_request(make_staff):
    from crm.ui.services import export_approval_decide, export_approval_request

    manager = make_staff(Role.MANAGER)
    approval = export_approval_request(requester=manager, list_key="customers", list_path="/customers/", query="",
                                       export_format="csv", reason="内部自查核对", row_count=10)  # fmt: skip
    with pytest.raises(ValueError):
        export_approval_decide(approval_id=approval.pk, approver=manager, approve=True)
    assert ExportApproval.objects.get(pk=approval.pk).status == "pending"


def test_a_call_agent_has_no_export_at_all(client, people, make_staff):
    client.force_login(make_staff(Role.CALL_AGENT))
    assert 'data-testid="export-csv"' not in client.get("/customers/").content.decode()
    assert client.get("/customers/?export=csv").status_code == 403


def test_outbound_marketing_is_refused_in_an_opted_out_channel_but_service_contacts_are_not(people):
    zhang = services.marketing_opt_outs_set(customer=people["zhang"], channels=["outbound_call"])
    with pytest.raises(services.MarketingOptedOut):
        services.interaction_record(customer=zhang, channel="outbound_call", interaction_type="campaign",
                                    direction="outbound")  # fmt: skip
    services.interaction_record(customer=zhang, channel="sms", interaction_type="campaign", direction="outbound")
    services.interaction_record(customer=zhang, channel="outbound_call", interaction_type="order_progress",
                                direction="outbound")  # fmt: skip
    assert list(zhang.interactions.values_list("channel", "interaction_type").order_by("id")) == [
        ("sms", "campaign"), ("outbound_call", "order_progress")]  # fmt: skip
