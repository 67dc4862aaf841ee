"""The counter pages: a clerk takes, checks, submits, signs, prints and cancels orders; a manager second-checks."""

import pytest
from django.urls import reverse

from crm.audit.models import AuditEntry
from orders.models import ProductOffering, ProductOrder


@pytest.fixture
def zhang(people):
    customer = people["zhang"]
    customer.credit_rating = 70
    customer.save()
    return customer


def take_url(customer, order_type):
    return reverse("orders:take", args=[customer.customer_no, order_type])


def broadband_form(network, **extra):
    data = {"offering": ProductOffering.objects.get(code="bb-500").pk, "address": network.address.pk,
            "payment_method": "cash", "idempotency_key": "k1", "action": "submit"}  # fmt: skip
    data.update(extra)
    return data


def test_clerk_checks_then_submits_a_broadband_order(client, zhang, network):
    client.force_login(network.clerk)
    page = client.get(take_url(zhang, "new"))
    assert page.status_code == 200 and "bb-500" not in page.content.decode()  # names, not codes
    assert "光宽带 500M" in page.content.decode()

    checked = client.post(take_url(zhang, "new"), broadband_form(network, action="check"), HTTP_HX_REQUEST="true")
    body = checked.content.decode()
    assert 'data-testid="checks"' in body and 'data-testid="fee">100.00' in body
    assert ProductOrder.objects.count() == 0  # checking writes nothing

    response = client.post(take_url(zhang, "new"), broadband_form(network))
    order = ProductOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.order_no])
    assert order.channel == "own_hall" and order.created_by == network.clerk
    detail = client.get(response.url).content.decode()
    assert order.order_no in detail and 'data-testid="sign-form"' in detail


def test_double_submit_makes_one_order(client, zhang, network):
    client.force_login(network.clerk)
    first = client.post(take_url(zhang, "new"), broadband_form(network))
    second = client.post(take_url(zhang, "new"), broadband_form(network))
    assert first.url == second.url
    assert ProductOrder.objects.count() == 1


def test_address_out_of_coverage_is_refused_with_the_reason_and_nothing_written(client, zhang, network):
    client.force_login(network.clerk)
    response = client.post(take_url(zhang, "new"), broadband_form(network, address=network.far_address.pk))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="refused"' in body
    assert "岗集镇" in body  # the address named in the reason
    assert ProductOrder.objects.count() == 0
    network.county_olt.refresh_from_db()
    assert network.county_olt.used_ports == 0


def test_unknown_offering_is_a_form_error(client, zhang, network):
    client.force_login(network.clerk)
    response = client.post(take_url(zhang, "new"), broadband_form(network, offering=999999))
    assert response.status_code == 200 and ProductOrder.objects.count() == 0
    assert response.context["form"].errors["offering"]


def test_fee_must_be_paid_at_the_counter(client, zhang, network):
    client.force_login(network.clerk)
    response = client.post(take_url(zhang, "new"), broadband_form(network, payment_method=""))
    assert ProductOrder.objects.count() == 0
    assert any(c.code == "payment" for c in response.context["refused"])


def test_sign_print_and_cancel(client, zhang, network, signature):
    client.force_login(network.clerk)
    client.post(take_url(zhang, "new"), broadband_form(network))
    order = ProductOrder.objects.get()
    assert client.post(reverse("orders:sign", args=[order.order_no]), {"signature": "not a picture"}).status_code == 302
    order.refresh_from_db()
    assert order.signed_at is None
    client.post(reverse("orders:sign", args=[order.order_no]), {"signature": signature})
    printed = client.get(reverse("orders:print", args=[order.order_no])).content.decode()
    assert order.order_no in printed and 'data-testid="printed-signature"' in printed
    assert "1101**********002X" in printed  # the ID number is masked on paper

    client.post(reverse("orders:cancel", args=[order.order_no]), {"reason": ""})
    order.refresh_from_db()
    assert order.state == "inProgress"  # a reason is required
    client.post(reverse("orders:cancel", args=[order.order_no]), {"reason": "客户改变主意"})
    order.refresh_from_db()
    network.olt.refresh_from_db()
    assert order.state == "cancelled" and order.product.status == "terminated" and network.olt.used_ports == 0


def test_transfer_waits_for_a_second_check_by_someone_else(client, zhang, people, network, subscribe, make_staff):
    line = subscribe(zhang, "59", number="18900001111")
    client.force_login(network.clerk)
    client.post(take_url(zhang, "transfer"), {"product": line.pk, "new_owner": people["corp"].customer_no,
                "presented_id": "11010519491231002x", "idempotency_key": "t1", "action": "submit"})  # fmt: skip
    order = ProductOrder.objects.get()
    assert order.awaiting_second_check and not order.work_orders.exists()

    manager = make_staff("manager")
    client.force_login(manager)
    assert order.order_no in client.get(reverse("orders:second_checks")).content.decode()
    client.post(reverse("orders:second_check", args=[order.order_no]), {"decision": "approve", "note": "资料齐全"})
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.second_checker == manager and order.work_orders.exists()
    assert order.state == "inProgress"  # the document review is a back-office step
    assert AuditEntry.objects.filter(object_id=str(order.pk), changes__second_check__1="approved").exists()


def test_wrong_id_card_refuses_a_termination(client, zhang, network, subscribe):
    line = subscribe(zhang, "59", number="18900002222")
    client.force_login(network.clerk)
    response = client.post(take_url(zhang, "terminate"), {"product": line.pk, "presented_id": "340111199001011234",
                           "idempotency_key": "x1", "action": "submit"})  # fmt: skip
    assert ProductOrder.objects.count() == 0
    assert [c.code for c in response.context["refused"]] == ["owner_id"]


def test_other_regions_customer_is_not_found(client, people, network):
    client.force_login(network.clerk)
    assert client.get(take_url(people["zhangw"], "new")).status_code == 404


def test_any_channel_finds_an_order_by_its_number(client, zhang, network, make_staff, wuhu):
    client.force_login(network.clerk)
    client.post(take_url(zhang, "new"), broadband_form(network))
    order = ProductOrder.objects.get()
    client.force_login(make_staff("call_agent"))
    found = client.get(reverse("ui:search"), {"q": order.order_no}).content.decode()
    assert reverse("orders:detail", args=[order.order_no]) in found
    wo_no = order.work_orders.get().wo_no
    assert order.order_no in client.get(reverse("ui:search"), {"q": wo_no}).content.decode()
    client.force_login(make_staff("call_agent", region=wuhu))
    other_region = client.get(reverse("ui:search"), {"q": order.order_no}).content.decode()
    assert reverse("orders:detail", args=[order.order_no]) not in other_region
