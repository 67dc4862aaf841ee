"""The technician's pages: only their own (or their team's unassigned) work, the full field flow through the views
(start → finish with the signed receipt → report), and refusals that change nothing."""

import pytest
from django.urls import reverse

from crm.accounts.models import OrgUnit
from orders.eligibility import OrderRequest
from orders.models import Product, ProductOffering, ProductOrder, WorkOrder
from orders.services import intake, work

LIST = reverse("orders:field_list")


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"  # these tests read the English strings, not the catalogue's Chinese


@pytest.fixture
def zhang(people):
    customer = people["zhang"]
    customer.credit_rating = 70
    customer.save()
    return customer


@pytest.fixture
def work_order(zhang, network):
    """A broadband install, auto-assigned to the crew (no technician yet): the crew's technician may take it."""
    request = OrderRequest(order_type="new", customer=zhang, offering=ProductOffering.objects.get(code="bb-500"),
                           address=network.address, payment_method="cash")  # fmt: skip
    wo = intake.order_submit(request=request, actor=network.clerk).work_orders.get()
    assert wo.state == "assigned" and wo.team == network.crew and wo.technician is None
    return wo


def url(name, wo):
    return reverse(f"orders:{name}", args=[wo.wo_no])


def finish_data(sig, **changes):
    data = {
        "notes": "入户光纤已熔接",
        "rating": "5",
        "comment": "师傅很专业",
        "signature": sig,
        "materials-TOTAL_FORMS": "3",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "20",
        "materials-0-item": "皮线光缆",
        "materials-0-quantity": "30",
        "materials-1-item": "光猫",
        "materials-1-quantity": "1",
        "materials-2-item": "",
        "materials-2-quantity": "",
    }
    return data | changes


def test_technician_sees_only_own_and_team_work(client, work_order, network, make_staff):
    # The crew's technician sees the team's unassigned work order, the customer's phone masked
    client.force_login(network.technician)
    html = client.get(LIST).content.decode()
    assert f'data-wo="{work_order.wo_no}"' in html and "189****2345" in html and "18955512345" not in html
    assert 'class="field"' in html and network.address.text in html and "张伟明" in html
    assert client.get(url("field_detail", work_order)).status_code == 200

    # A technician of another crew neither sees nor opens nor starts it
    other = make_staff("field_technician", org_unit=network.county_crew)
    client.force_login(other)
    assert f'data-wo="{work_order.wo_no}"' not in client.get(LIST).content.decode()
    assert client.get(url("field_detail", work_order)).status_code == 404
    assert client.post(url("field_start", work_order)).status_code == 404
    work_order.refresh_from_db()
    assert work_order.state == "assigned" and work_order.technician is None

    # Once a colleague of the crew starts it, it is theirs: the first technician no longer sees it
    colleague = make_staff("field_technician", org_unit=network.crew)
    work.field_start(work_order=work_order, technician=colleague)
    client.force_login(network.technician)
    assert client.get(url("field_detail", work_order)).status_code == 404

    # Dispatchers have no field pages
    client.force_login(network.dispatcher)
    assert client.get(LIST).status_code == 403


def test_full_field_flow_through_the_views(client, work_order, network, signature):
    client.force_login(network.technician)
    page = client.get(url("field_detail", work_order)).content.decode()
    assert 'data-testid="start-form"' in page and 'data-testid="finish-form"' not in page

    # Start on site: the work order becomes this technician's
    assert client.post(url("field_start", work_order)).status_code == 302
    work_order.refresh_from_db()
    assert work_order.state == "inProgress" and work_order.technician == network.technician
    page = client.get(url("field_detail", work_order)).content.decode()
    assert 'data-testid="finish-form"' in page and 'data-signature-pad="id_signature"' in page
    assert "js/signature.js" in page and 'name="rating"' in page

    # Finish with the signature, rating and materials
    response = client.post(url("field_finish", work_order), finish_data(signature))
    assert response.status_code == 302
    work_order.refresh_from_db()
    order = ProductOrder.objects.get(pk=work_order.order_id)
    assert work_order.state == "completed" and work_order.rating == 5 and work_order.signature == signature
    assert work_order.rating_comment == "师傅很专业" and "入户光纤已熔接" in work_order.notes
    assert work_order.materials == [{"item": "皮线光缆", "quantity": 30}, {"item": "光猫", "quantity": 1}]
    assert order.state == "completed" and Product.objects.get(pk=order.product_id).status == "active"

    # Then the report form shows its due time; an empty report is a form error
    page = client.get(url("field_detail", work_order)).content.decode()
    assert 'data-testid="report-form"' in page and 'data-testid="report-due"' in page
    response = client.post(url("field_report", work_order), {"report": "  "})
    assert 'data-testid="report-error"' in response.content.decode()
    assert client.post(url("field_report", work_order), {"report": "光衰-18dBm，测速正常"}).status_code == 302
    work_order.refresh_from_db()
    assert work_order.report == "光衰-18dBm，测速正常" and work_order.reported_at is not None
    page = client.get(url("field_detail", work_order)).content.decode()
    assert 'data-testid="report-form"' not in page and "光衰-18dBm" in page

    # The dispatcher's page shows the receipt and the report
    client.force_login(network.dispatcher)
    page = client.get(reverse("orders:work_order_detail", args=[work_order.wo_no])).content.decode()
    assert 'data-testid="signature"' in page and "光衰-18dBm" in page and "皮线光缆" in page


def test_missing_signature_or_rating_is_a_form_error_and_changes_nothing(client, work_order, network, signature):
    client.force_login(network.technician)
    client.post(url("field_start", work_order))

    response = client.post(url("field_finish", work_order), finish_data(signature, signature=""))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="signature-error"' in html
    response = client.post(url("field_finish", work_order), finish_data(signature, rating=""))
    assert 'data-testid="rating-error"' in response.content.decode()
    response = client.post(url("field_finish", work_order), finish_data(signature, **{"materials-0-quantity": ""}))
    assert "How many?" in response.content.decode()

    work_order.refresh_from_db()
    assert work_order.state == "inProgress" and work_order.signature == "" and work_order.finished_at is None
    assert work.current_step(work_order).code == "field_install"
    assert Product.objects.get(pk=work_order.order.product_id).status == "pendingActive"


def test_finishing_or_reporting_before_starting_is_refused_without_a_500(client, work_order, network, signature):
    client.force_login(network.technician)
    response = client.post(url("field_finish", work_order), finish_data(signature), follow=True)
    assert response.status_code == 200 and "Start the work order on site first" in response.content.decode()
    assert WorkOrder.objects.get(pk=work_order.pk).state == "assigned"
    response = client.post(url("field_report", work_order), {"report": "x"}, follow=True)
    assert response.status_code == 200 and "not assigned to you" in response.content.decode()
    assert WorkOrder.objects.get(pk=work_order.pk).report == ""


def test_list_orders_appointments_first(client, zhang, network, work_order):
    import datetime

    from django.utils import timezone

    second_team = OrgUnit.objects.get(pk=network.crew.pk)
    later = intake.order_submit(
        request=OrderRequest(order_type="new", customer=zhang, offering=ProductOffering.objects.get(code="bb-300"),
                             address=network.address, payment_method="cash"),
        actor=network.clerk,
    ).work_orders.get()  # fmt: skip
    assert later.team == second_team
    WorkOrder.objects.filter(pk=later.pk).update(appointment_at=timezone.now() + datetime.timedelta(hours=1))
    client.force_login(network.technician)
    html = client.get(LIST).content.decode()
    assert html.index(later.wo_no) < html.index(work_order.wo_no)
