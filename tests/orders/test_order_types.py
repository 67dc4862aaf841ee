"""Every order type end to end (order → work order → subscription state), the eligibility rules, the SLA deadline
of the work order, escalation on breach, no overbooking under concurrent submits, and outlet commissions."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from crm.accounts.models import OrgUnit
from crm.messaging.models import OutboundMessage
from crm.sla.models import SlaBreach
from customers.models import BillingAccount, BlacklistEntry
from orders.eligibility import OrderRequest, order_checks
from orders.models import CommissionEntry, CommissionRule, Product, ProductOffering, ProductOrder, WorkOrder
from orders.services import intake, work
from orders.services.resources import NoFreePort


@pytest.fixture
def zhang(people):
    customer = people["zhang"]
    customer.credit_rating = 70
    customer.save()
    return customer


def offering(code):
    return ProductOffering.objects.get(code=code)


def submit(network, customer, order_type, **kwargs):
    kwargs.setdefault("payment_method", "cash")
    return intake.order_submit(request=OrderRequest(order_type=order_type, customer=customer, **kwargs),
                               actor=network.clerk)  # fmt: skip


def finish_field(network, order, signature):
    wo = order.work_orders.get()
    if wo.state == "open":
        work.work_order_assign(work_order=wo, actor=network.dispatcher, team=network.crew)
    work.field_start(work_order=wo, technician=network.technician)
    return work.field_finish(work_order=wo, technician=network.technician, signature=signature, rating=4)


def live_mobile(zhang, catalog_code="mob-89", number="18955599999"):
    from orders.services import product_create

    return product_create(customer=zhang, offering=offering(catalog_code), service_number=number, status="active",
                          billing_account=zhang.accounts.first())  # fmt: skip


# --- Each order type ---------------------------------------------------------------------------------------------


def test_new_mobile_line_activates_at_once_with_a_free_number(zhang, network):
    order = submit(network, zhang, "new", offering=offering("mob-129"))
    product = Product.objects.get(pk=order.product_id)
    assert order.state == "completed" and product.status == "active"
    assert len(product.service_number) == 11 and product.service_number.startswith("1")


def test_new_fused_bundle_creates_components_and_installs(zhang, network, signature):
    order = submit(network, zhang, "new", offering=offering("fuse-169"), address=network.address,
                   service_number="18955511111")  # fmt: skip
    bundle = Product.objects.get(pk=order.product_id)
    kinds = sorted(c.specification.kind for c in bundle.components.all())
    assert kinds == ["broadband", "iptv", "mobile"] and order.work_orders.get().work_type == "install"
    assert bundle.components.get(specification__kind="mobile").service_number == "18955511111"
    finish_field(network, order, signature)
    assert set(Product.objects.filter(pk=bundle.pk).values_list("status", flat=True)) == {"active"}
    assert set(bundle.components.values_list("status", flat=True)) == {"active"}


def test_change_of_offering(zhang, network):
    line = live_mobile(zhang)
    order = submit(network, zhang, "change", product=line, offering=offering("mob-199"))
    line.refresh_from_db()
    assert order.state == "completed" and line.offering.code == "mob-199"


def test_change_to_another_kind_is_refused(zhang, network):
    line = live_mobile(zhang)
    with pytest.raises(intake.OrderRefused) as refused:
        submit(network, zhang, "change", product=line, offering=offering("bb-300"))
    assert [c.code for c in refused.value.checks] == ["offering"]


def test_move_reserves_a_port_at_the_new_address_and_frees_the_old(zhang, network, signature):
    install = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address)
    finish_field(network, install, signature)
    broadband = Product.objects.get(pk=install.product_id)
    move = submit(network, zhang, "move", product=broadband, address=network.county_address)
    network.county_olt.refresh_from_db()
    assert network.county_olt.used_ports == 1 and move.work_orders.get().work_type == "move"
    wo = move.work_orders.get()
    assert wo.state == "assigned" and wo.team == network.county_crew  # the only crew of the county grid
    county_tech = _technician_of(network.county_crew)
    work.field_start(work_order=wo, technician=county_tech)
    work.field_finish(work_order=wo, technician=county_tech, signature=signature, rating=5)
    broadband.refresh_from_db()
    network.olt.refresh_from_db()
    assert broadband.install_address == network.county_address.text and network.olt.used_ports == 0
    assert ProductOrder.objects.get(pk=move.pk).state == "completed"


def _technician_of(team):
    from crm.accounts.services import staff_user_create

    return staff_user_create(username=f"tech-{team.code}", password=None, role="field_technician",
                             region=team.region, org_unit=team)  # fmt: skip


def test_transfer_after_second_check_and_back_office_review(zhang, people, network, make_staff):
    line = live_mobile(zhang)
    order = submit(network, zhang, "transfer", product=line, new_owner=people["corp"],
                   presented_id=zhang.party.id_number)  # fmt: skip
    assert order.state == "acknowledged" and order.sensitive_reasons == ["ownership_transfer"]
    with pytest.raises(PermissionError):
        intake.order_second_check(order=order, checker=network.clerk, approve=True)  # clerks cannot approve
    manager = type(network.clerk).objects.get(pk=make_staff("manager").pk)
    order = intake.order_second_check(order=order, checker=manager, approve=True)
    step = work.current_step(order.work_orders.get())
    assert step.code == "document_review"
    work.step_complete(step=step, actor=network.dispatcher, note="资料齐全")
    line.refresh_from_db()
    assert line.customer == people["corp"] and line.billing_account.customer == people["corp"]
    assert ProductOrder.objects.get(pk=order.pk).state == "completed"


def test_whoever_took_the_order_cannot_be_its_second_check(zhang, people, network, make_staff):
    admin = make_staff("admin")  # may both take orders and approve sensitive ones
    request = OrderRequest(order_type="transfer", customer=zhang, product=live_mobile(zhang), new_owner=people["corp"],
                           presented_id=zhang.party.id_number)  # fmt: skip
    order = intake.order_submit(request=request, actor=admin)
    with pytest.raises(intake.OrderStateError):
        intake.order_second_check(order=order, checker=admin, approve=True)
    assert not order.work_orders.exists()


def test_suspend_then_resume(zhang, network):
    line = live_mobile(zhang)
    submit(network, zhang, "suspend", product=line)
    line.refresh_from_db()
    assert line.status == "suspended"
    submit(network, zhang, "resume", product=line)
    line.refresh_from_db()
    assert line.status == "active"


def test_terminate_a_broadband_line_releases_its_port(zhang, network, signature):
    install = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address)
    finish_field(network, install, signature)
    broadband = Product.objects.get(pk=install.product_id)
    order = submit(network, zhang, "terminate", product=broadband, presented_id=zhang.party.id_number)
    assert order.work_orders.get().work_type == "remove"
    broadband.refresh_from_db()
    assert broadband.status == "pendingTerminate"
    finish_field(network, order, signature)
    broadband.refresh_from_db()
    network.olt.refresh_from_db()
    assert broadband.status == "terminated" and network.olt.used_ports == 0


def test_terminating_a_key_accounts_line_needs_a_second_check(people, network):
    corp = people["corp"]
    from orders.services import product_create

    line = product_create(customer=corp, offering=offering("mob-129"), service_number="17400000001", status="active")
    order = submit(network, corp, "terminate", product=line, presented_id=corp.party.credit_code)
    assert order.sensitive_reasons == ["key_account_termination"] and order.awaiting_second_check


def test_vas_subscribe_and_unsubscribe(zhang, network):
    line = live_mobile(zhang)
    order = submit(network, zhang, "vas_add", product=line, offering=offering("vas-cloud"))
    vas = order.items.get().product
    assert order.state == "completed" and vas.status == "active" and vas.offering.code == "vas-cloud"
    assert vas.characteristics == [{"name": "attachedTo", "value": line.service_number}]
    submit(network, zhang, "vas_remove", product=vas)
    vas.refresh_from_db()
    assert vas.status == "terminated"


def test_port_out_raises_a_retention_task_before_the_code(zhang, network, django_capture_on_commit_callbacks):
    line = live_mobile(zhang)
    order = submit(network, zhang, "port_out", product=line, presented_id=zhang.party.id_number)
    step = work.current_step(order.work_orders.get())
    assert step.code == "retention_contact" and step.kind == "care" and not order.authorization_code
    with django_capture_on_commit_callbacks(execute=True):
        work.step_complete(step=step, actor=network.dispatcher, note="客户坚持携出", outcome="proceed")
    order.refresh_from_db()
    assert len(order.authorization_code) == 6
    assert OutboundMessage.objects.filter(purpose="port_out_code", recipient=line.service_number).exists()
    confirm = work.current_step(order.work_orders.get())
    work.step_complete(step=confirm, actor=network.dispatcher)
    line.refresh_from_db()
    assert line.status == "terminated" and ProductOrder.objects.get(pk=order.pk).state == "completed"


def test_port_out_retained_customer_keeps_the_number(zhang, network):
    line = live_mobile(zhang)
    order = submit(network, zhang, "port_out", product=line, presented_id=zhang.party.id_number)
    work.step_complete(step=work.current_step(order.work_orders.get()), actor=network.dispatcher,
                       note="赠送流量后留网", outcome="retained")  # fmt: skip
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.state == "cancelled" and line.status == "active" and not order.authorization_code


def test_port_in_is_a_new_mobile_line_with_the_ported_number(zhang, network):
    order = submit(network, zhang, "port_in", offering=offering("mob-89"), service_number="13800001234")
    product = Product.objects.get(pk=order.product_id)
    assert product.service_number == "13800001234" and product.status == "active"
    with pytest.raises(intake.OrderRefused) as refused:
        submit(network, zhang, "port_in", offering=offering("mob-89"), service_number="13800001234")
    assert [c.code for c in refused.value.checks] == ["port_in_number"]


# --- Eligibility rules -------------------------------------------------------------------------------------------


def failed(request):
    return {c.code for c in order_checks(request) if not c.ok}


def test_arrears_block_new_services_unless_overridden_with_a_second_check(zhang, network, make_staff):
    BillingAccount.objects.filter(customer=zhang).update(arrears_amount=Decimal("120.50"))
    request = OrderRequest(order_type="new", customer=zhang, offering=offering("mob-59"), payment_method="cash")
    assert failed(request) == {"arrears"}
    with pytest.raises(intake.OrderRefused):
        intake.order_submit(request=request, actor=network.clerk)
    with pytest.raises(intake.OrderRefused):  # an override needs a reason
        intake.order_submit(request=request, actor=network.clerk, override_arrears=True)
    request.override_reason = "客户承诺本周缴清，经理同意"
    with pytest.raises(intake.OrderRefused):  # a dispatcher has no override permission
        intake.order_submit(request=request, actor=network.dispatcher, override_arrears=True)
    order = intake.order_submit(request=request, actor=network.clerk, override_arrears=True)
    assert order.arrears_override and order.sensitive_reasons == ["arrears_override"] and order.awaiting_second_check
    # Service orders on existing lines are not blocked by arrears.
    line = live_mobile(zhang, number="18955588888")
    assert "arrears" not in failed(OrderRequest(order_type="suspend", customer=zhang, product=line))


def test_credit_rating_limits_live_lines(zhang, network):
    zhang.credit_rating = 10  # band 0: one line
    zhang.save()
    live_mobile(zhang)
    assert failed(OrderRequest(order_type="new", customer=zhang, offering=offering("mob-59"))) == {"credit_lines"}
    zhang.credit_rating = 45  # band 40: three lines
    zhang.save()
    assert failed(OrderRequest(order_type="new", customer=zhang, offering=offering("mob-59"))) == set()


def test_blacklisted_identity_and_fraud_flag_block(zhang, people, catalog):
    BlacklistEntry.objects.create(identifier=zhang.party.id_number.lower(), reason="bad_debt")
    assert "blacklist" in failed(OrderRequest(order_type="new", customer=zhang, offering=offering("mob-59")))
    expired = people["zhangw"]
    BlacklistEntry.objects.create(identifier=expired.party.id_number, reason="fraud", until=datetime.date(2020, 1, 1))
    assert "blacklist" not in failed(OrderRequest(order_type="new", customer=expired, offering=offering("mob-59")))
    expired.fraud_flag = True
    assert "blacklist" in failed(OrderRequest(order_type="new", customer=expired, offering=offering("mob-59")))


def test_owner_id_must_match_for_transfer_terminate_and_port_out(zhang, people, catalog):
    line = live_mobile(zhang)
    for order_type in ("terminate", "port_out"):
        assert failed(OrderRequest(order_type=order_type, customer=zhang, product=line)) == {"owner_id"}
        assert failed(OrderRequest(order_type=order_type, customer=zhang, product=line,
                                   presented_id="340111199001011234")) == {"owner_id"}  # fmt: skip
    transfer = OrderRequest(order_type="transfer", customer=zhang, product=line, new_owner=people["corp"],
                            presented_id=zhang.party.id_number.lower())  # fmt: skip
    assert failed(transfer) == set()


def test_address_must_be_covered_with_a_free_port(zhang, network):
    far = OrderRequest(order_type="new", customer=zhang, offering=offering("bb-300"), address=network.far_address)
    assert failed(far) == {"address"}
    network.olt.used_ports = network.olt.total_ports
    network.olt.save()
    full = OrderRequest(order_type="new", customer=zhang, offering=offering("bb-300"), address=network.address)
    assert failed(full) == {"address"}
    assert failed(OrderRequest(order_type="new", customer=zhang, offering=offering("bb-300"))) == {"address"}


def test_no_conflicting_open_order_on_the_same_subscription(zhang, network):
    install = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address)
    broadband = Product.objects.get(pk=install.product_id)
    request = OrderRequest(order_type="terminate", customer=zhang, product=broadband, presented_id="x")
    assert "open_order" in failed(request) and "product" in failed(request)  # still pending activation, too


def test_state_rules_and_unknown_refusals_change_nothing(zhang, network):
    line = live_mobile(zhang)
    assert failed(OrderRequest(order_type="resume", customer=zhang, product=line)) == {"product"}
    before = (ProductOrder.objects.count(), WorkOrder.objects.count())
    with pytest.raises(intake.OrderRefused):
        submit(network, zhang, "resume", product=line)
    assert (ProductOrder.objects.count(), WorkOrder.objects.count()) == before


# --- Time limits ---------------------------------------------------------------------------------------------------


def hours(wo):
    return (wo.due_at - wo.sla_started_at) / datetime.timedelta(hours=1)


def test_install_deadline_by_area_service_level_and_cable_run(zhang, network):
    city = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address).work_orders.get()
    county = submit(network, zhang, "new", offering=offering("bb-300"), address=network.county_address)
    assert hours(city) == 48 and hours(county.work_orders.get()) == 72
    network.address.cable_extension = "cable_long"
    network.address.save()
    long_run = submit(network, zhang, "new", offering=offering("bb-500"), address=network.address).work_orders.get()
    assert hours(long_run) == 120
    network.address.cable_extension = ""
    network.address.save()
    zhang.service_level = "diamond"
    zhang.save()
    green = submit(network, zhang, "new", offering=offering("bb-1000"), address=network.address).work_orders.get()
    assert hours(green) == 24 and green.priority > city.priority  # the green channel: shorter and first


def test_waiting_on_the_customer_pauses_the_clock(zhang, network):
    wo = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address).work_orders.get()
    due = wo.due_at
    work.work_order_hold(work_order=wo, actor=network.dispatcher, reason="客户出差，下周再装")
    assert ProductOrder.objects.get(pk=wo.order_id).state == "pending"
    WorkOrder.objects.filter(pk=wo.pk).update(paused_at=timezone.now() - datetime.timedelta(hours=5))
    wo = work.work_order_resume(work_order=WorkOrder.objects.get(pk=wo.pk), actor=network.dispatcher)
    assert round((wo.due_at - due) / datetime.timedelta(hours=1)) == 5
    assert ProductOrder.objects.get(pk=wo.order_id).state == "inProgress"


def test_breach_is_escalated_to_the_leads_once(zhang, network, django_capture_on_commit_callbacks):
    wo = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address).work_orders.get()
    crew_lead = _technician_of(network.county_crew)  # anyone with a phone can lead a team
    crew_lead.staff_profile.phone = "13900000077"
    crew_lead.staff_profile.save()
    OrgUnit.objects.filter(pk=network.crew.pk).update(lead=crew_lead)
    later = wo.due_at + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        _warned, breached = work.work_orders_sla_sweep(now=later)
        again = work.work_orders_sla_sweep(now=later + datetime.timedelta(minutes=5))
    assert breached == [wo.pk] and again == ([], [])
    breach = SlaBreach.objects.get(object_id=wo.pk)
    assert sorted(breach.escalated_to) == sorted([network.lead.username, crew_lead.username])
    recipients = set(OutboundMessage.objects.filter(purpose="sla_escalation").values_list("recipient", flat=True))
    assert recipients == {"13900000009", "13900000077"}


def test_warning_before_the_deadline_texts_the_technician(zhang, network, django_capture_on_commit_callbacks):
    wo = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address).work_orders.get()
    work.work_order_assign(work_order=wo, actor=network.dispatcher, team=network.crew, technician=network.technician,
                           reason="指定装维")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        warned, breached = work.work_orders_sla_sweep(now=wo.sla_started_at + datetime.timedelta(hours=40))
    assert warned == [wo.pk] and breached == []
    assert OutboundMessage.objects.filter(purpose="sla_warning", recipient="13900000001").count() == 1


# --- Dispatch and commissions -------------------------------------------------------------------------------------


def test_automatic_dispatch_picks_the_least_loaded_team(zhang, network):
    second = OrgUnit.objects.create(code="CREW-YH-2", name="瑶海装维二班", kind="maintenance_contractor",
                                    region=network.crew.region)  # fmt: skip
    second.coverage.create(grid=network.grid)
    first = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address).work_orders.get()
    assert first.state == "open"  # two teams cover the grid: the dispatcher decides (or asks for automatic)
    assert work.work_order_auto_assign(work_order=first).team == network.crew  # tie → lower code
    other = submit(network, zhang, "new", offering=offering("bb-500"), address=network.address).work_orders.get()
    assert work.work_order_auto_assign(work_order=other).team == second
    with pytest.raises(ValueError):
        work.work_order_assign(work_order=other, actor=network.dispatcher, team=network.crew)  # no reason
    moved = work.work_order_assign(work_order=other, actor=network.dispatcher, team=network.crew, reason="二班请假")
    assert moved.team == network.crew and moved.assignments.count() == 2


def test_commission_for_partner_outlets_only_once_per_order(zhang, network, signature):
    partner = OrgUnit.objects.create(code="P-1", name="合作厅1", kind="partner_hall", region=network.crew.region)
    CommissionRule.objects.create(outlet_kind="partner_hall", order_type="new", spec_kind="broadband", amount=80,
                                  valid_from=datetime.date(2024, 1, 1))  # fmt: skip
    CommissionRule.objects.create(outlet_kind="partner_hall", order_type="new", offering=offering("bb-500"),
                                  amount=100, valid_from=datetime.date(2024, 1, 1))  # fmt: skip
    for code in ("bb-300", "bb-500"):
        order = submit(network, zhang, "new", offering=offering(code), address=network.address,
                       channel="partner_hall", outlet_id=partner.pk)  # fmt: skip
        finish_field(network, order, signature)
    own = submit(network, zhang, "new", offering=offering("mob-59"), outlet_id=network.crew.pk)
    assert own.state == "completed"
    entries = CommissionEntry.objects.order_by("amount")
    assert [e.amount for e in entries] == [80, 100]  # the offering's own rule beats the kind's
    assert {e.month for e in entries} == {timezone.localdate().replace(day=1)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_orders_never_overbook_the_last_ports(people, catalog, network):
    zhang = people["zhang"]
    zhang.credit_rating = 90
    zhang.save()
    network.olt.total_ports = 2
    network.olt.save()
    results, barrier = [], threading.Barrier(6)

    def take(i):
        try:
            barrier.wait()
            order = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address,
                           idempotency_key=f"race-{i}")  # fmt: skip
            results.append(order.order_no)
        except (NoFreePort, intake.OrderRefused) as exc:
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 2
    assert ProductOrder.objects.count() == 2 and sum(r.startswith("D") for r in results) == 2
    assert Product.objects.exclude(status="terminated").filter(specification__kind="broadband").count() == 2


def test_port_in_checks_the_number(zhang, network):
    def request(number):
        return OrderRequest(order_type="port_in", customer=zhang, offering=offering("mob-89"), service_number=number)

    assert failed(request("0551123")) == {"port_in_number"}
    live_mobile(zhang, number="13800005555")
    assert failed(request("13800005555")) == {"port_in_number"}
    assert failed(request("13800006666")) == set()


def test_port_out_waits_for_the_minimum_tenure(zhang, network):
    from orders.models import OrderingPolicy

    OrderingPolicy.objects.filter(region__isnull=True).update(port_out_min_months=6)
    line = live_mobile(zhang)
    request = OrderRequest(order_type="port_out", customer=zhang, product=line, presented_id=zhang.party.id_number)
    assert failed(request) == {"port_out_tenure"}
    Product.objects.filter(pk=line.pk).update(start_date=timezone.localdate() - datetime.timedelta(days=400))
    request.product.refresh_from_db()
    assert failed(request) == set()


def test_late_arrival_and_overdue_report_are_told_once(zhang, network, signature, django_capture_on_commit_callbacks):
    wo = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address).work_orders.get()
    wo = work.work_order_assign(work_order=wo, actor=network.dispatcher, team=network.crew,
                                technician=network.technician, reason="指定")  # fmt: skip
    assert work.arrival_due(wo) == wo.dispatched_at + datetime.timedelta(hours=2)  # the standard's 2 hours
    with django_capture_on_commit_callbacks(execute=True):
        assert work.field_deadlines_sweep(now=wo.dispatched_at + datetime.timedelta(minutes=100)) == ([], [])
        late_at = wo.dispatched_at + datetime.timedelta(minutes=130)
        assert work.field_deadlines_sweep(now=late_at) == ([wo.pk], [])
        assert work.field_deadlines_sweep(now=late_at) == ([], [])
    assert OutboundMessage.objects.filter(purpose="arrival_late", recipient="13900000001").count() == 1
    assert OutboundMessage.objects.filter(purpose="arrival_late", recipient="13900000009").count() == 1

    work.field_start(work_order=wo, technician=network.technician)
    wo = work.field_finish(work_order=wo, technician=network.technician, signature=signature, rating=5)
    with django_capture_on_commit_callbacks(execute=True):
        after = wo.report_due_at + datetime.timedelta(minutes=1)
        assert work.field_deadlines_sweep(now=after) == ([], [wo.pk])
        assert work.field_deadlines_sweep(now=after) == ([], [])
    assert OutboundMessage.objects.filter(purpose="report_overdue").count() == 2  # technician and dispatch lead


def test_an_agreed_appointment_sets_the_arrival_time(zhang, network):
    appointment = timezone.now() + datetime.timedelta(days=1)
    wo = submit(network, zhang, "new", offering=offering("bb-300"), address=network.address,
                appointment_at=appointment).work_orders.get()  # fmt: skip
    assert work.arrival_due(wo) == appointment
