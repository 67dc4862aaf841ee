"""The dispatcher's pages: the board in scope and within a query budget, assign / auto-assign / reassign through the
views (htmx and plain POST), the work-order page with hold and resume, and the back-office queue."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.accounts.models import OrgUnit
from orders.eligibility import OrderRequest
from orders.models import Product, ProductOffering, ProductOrder, WorkOrder, WorkOrderAssignment
from orders.services import intake, work

BOARD = reverse("orders:dispatch_board")
HTMX = {"HTTP_HX_REQUEST": "true"}


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
def second_crew(network):
    """A contractor also covering the crew's grid, so new work there waits for the dispatcher."""
    team = OrgUnit.objects.create(code="CREW-YH-2", name="瑶海代维", kind="maintenance_contractor",
                                  region=network.crew.region)  # fmt: skip
    team.coverage.create(grid=network.grid)
    return team


def submit(actor, customer, order_type, **kwargs):
    kwargs.setdefault("payment_method", "cash")
    return intake.order_submit(request=OrderRequest(order_type=order_type, customer=customer, **kwargs), actor=actor)


def broadband(network, customer):
    offering = ProductOffering.objects.get(code="bb-500")
    return submit(network.clerk, customer, "new", offering=offering, address=network.address).work_orders.get()


def live_mobile(customer, number):
    from orders.services import product_create

    return product_create(customer=customer, offering=ProductOffering.objects.get(code="mob-89"), service_number=number,
                          status="active", billing_account=customer.accounts.first())  # fmt: skip


def assign_url(wo):
    return reverse("orders:work_order_assign", args=[wo.wo_no])


def cards_of(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-testid="card" data-wo="([^"]+)"', html))


# --- The board ---------------------------------------------------------------------------------------------


def test_board_shows_only_the_dispatchers_region_and_grid(client, zhang, people, network, second_crew, wuhu,
                                                          make_staff):  # fmt: skip
    # Given an open install in Hefei's urban grid and a port-out care task in Wuhu
    hefei_wo = broadband(network, zhang)
    zhangw = people["zhangw"]
    zhangw.credit_rating = 70
    zhangw.save()
    line = live_mobile(zhangw, "18955300001")
    wuhu_wo = submit(make_staff("hall_clerk", region=wuhu), zhangw, "port_out", product=line,
                     presented_id=zhangw.party.id_number).work_orders.get()  # fmt: skip
    assert hefei_wo.state == "open" and wuhu_wo.state == "open" and wuhu_wo.region == wuhu

    # Then Hefei's dispatcher sees only Hefei's card, with its SLA badge and time left
    client.force_login(network.dispatcher)
    html = client.get(BOARD).content.decode()
    assert cards_of(html) == {hefei_wo.wo_no}
    assert "张伟明" in html and network.address.text in html and 'class="sla-badge sla-ok"' in html
    assert "hours left" in html or "days left" in html
    # Wuhu's dispatcher sees only Wuhu's
    client.force_login(make_staff("dispatcher", region=wuhu))
    assert cards_of(client.get(BOARD).content.decode()) == {wuhu_wo.wo_no}
    # A dispatcher bound to the county grid sees neither
    client.force_login(make_staff("dispatcher", grid=network.county_address.grid))
    assert cards_of(client.get(BOARD).content.decode()) == set()
    # and the work-order page of another region is not found
    client.force_login(network.dispatcher)
    assert client.get(reverse("orders:work_order_detail", args=[wuhu_wo.wo_no])).status_code == 404


def test_board_filters_and_permission(client, zhang, network, second_crew, make_staff):
    wo = broadband(network, zhang)
    client.force_login(network.dispatcher)
    assert cards_of(client.get(BOARD, {"q": wo.wo_no}).content.decode()) == {wo.wo_no}
    assert cards_of(client.get(BOARD, {"q": "长江东路"}).content.decode()) == {wo.wo_no}
    assert cards_of(client.get(BOARD, {"q": "NO-SUCH"}).content.decode()) == set()
    assert cards_of(client.get(BOARD, {"grid": network.grid.pk}).content.decode()) == {wo.wo_no}
    assert cards_of(client.get(BOARD, {"team": network.crew.pk}).content.decode()) == set()  # not dispatched yet
    assert cards_of(client.get(BOARD, {"overdue": "on"}).content.decode()) == set()
    WorkOrder.objects.filter(pk=wo.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))
    html = client.get(BOARD, {"overdue": "on"}).content.decode()
    assert cards_of(html) == {wo.wo_no} and "overdue by 2 hours" in html and "sla-badge sla-breached" in html
    # htmx filtering answers with the board only
    partial = client.get(BOARD, {"q": wo.wo_no}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board").content.decode()
    assert partial.startswith('<div id="board"') and "<html" not in partial
    # technicians and clerks may not dispatch
    for role in ("field_technician", "hall_clerk"):
        client.force_login(make_staff(role))
        assert client.get(BOARD).status_code == 403


def test_board_query_count_is_bounded(client, zhang, network, second_crew, django_assert_max_num_queries):
    """200 cards cost what 5 cost: one query per column, whatever the number of cards."""
    client.force_login(network.dispatcher)
    template = broadband(network, zhang)
    fields = [f.attname for f in WorkOrder._meta.concrete_fields if f.attname not in ("id", "wo_no")]

    def clone(n, **changes):
        rows = []
        for i in range(n):
            values = {name: getattr(template, name) for name in fields} | changes
            rows.append(WorkOrder(wo_no=f"GX{changes.get('state', 'o')[:2]}{i:06d}{WorkOrder.objects.count()}",
                                  **values))  # fmt: skip
        WorkOrder.objects.bulk_create(rows)

    client.get(BOARD)  # warm the working-calendar cache
    clone(1, state="assigned", team_id=network.crew.pk)
    with django_assert_max_num_queries(14) as small:
        client.get(BOARD)
    clone(60)
    clone(50, state="assigned", team_id=network.crew.pk, technician_id=network.technician.pk)
    clone(40, state="inProgress", team_id=network.crew.pk, technician_id=network.technician.pk)
    clone(20, state="held", team_id=network.crew.pk)
    clone(30, state="completed", team_id=network.crew.pk, completed_at=timezone.now())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(BOARD)
    assert len(cards_of(response.content.decode())) == 202


# --- Assign, auto-assign, reassign ---------------------------------------------------------------------------------


def test_assign_through_the_view_with_technician_and_appointment(client, zhang, network, second_crew):
    wo = broadband(network, zhang)
    client.force_login(network.dispatcher)
    # The form offers the teams covering the grid with their load, and their technicians
    form = client.get(assign_url(wo), {"board_query": "q=x"}, **HTMX).content.decode()
    assert "瑶海装维班" in form and "瑶海代维" in form and network.technician.username in form
    assert 'name="board_query" value="q=x"' in form

    response = client.post(assign_url(wo), {"team": network.crew.pk, "technician": network.technician.pk,
                                            "appointment_at": "2026-05-06T09:30", "board_query": "grid="
                                            f"{network.grid.pk}"})  # fmt: skip
    assert response.status_code == 302 and response.url == f"{BOARD}?grid={network.grid.pk}"
    wo.refresh_from_db()
    assert wo.state == "assigned" and wo.team == network.crew and wo.technician == network.technician
    assert timezone.localtime(wo.appointment_at).strftime("%m-%d %H:%M") == "05-06 09:30"
    record = wo.assignments.get()
    assert record.assigned_by == network.dispatcher and not record.automatic


def test_technician_of_another_team_is_refused_as_a_form_error(client, zhang, network, second_crew):
    wo = broadband(network, zhang)
    client.force_login(network.dispatcher)
    response = client.post(assign_url(wo), {"team": second_crew.pk, "technician": network.technician.pk})
    assert response.status_code == 200 and 'data-testid="form-errors"' in response.content.decode()
    wo.refresh_from_db()
    assert wo.state == "open" and not wo.assignments.exists()


def test_auto_assign_with_htmx_refreshes_the_board(client, zhang, network, second_crew):
    busy = broadband(network, zhang)
    work.work_order_assign(work_order=busy, actor=network.dispatcher, team=network.crew)
    wo = broadband(network, zhang)
    client.force_login(network.dispatcher)
    response = client.post(reverse("orders:work_order_auto_assign", args=[wo.wo_no]), {"board_query": ""}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="board"')
    wo.refresh_from_db()
    assert wo.state == "assigned" and wo.team == second_crew  # the least-loaded team
    assert wo.assignments.get().automatic
    assert "瑶海代维" in html and "dispatched to" in html  # the card moved to the assigned column; the message shows
    column = html.split('data-testid="column-assigned"')[1].split("</section>")[0]
    assert wo.wo_no in column
    # auto-assigning it again is refused: it is already dispatched
    client.post(reverse("orders:work_order_auto_assign", args=[wo.wo_no]))
    assert wo.assignments.count() == 1


def test_reassign_needs_a_reason(client, zhang, network, second_crew):
    wo = broadband(network, zhang)
    work.work_order_assign(work_order=wo, actor=network.dispatcher, team=network.crew)
    client.force_login(network.dispatcher)

    # Without a reason: refused in the form (htmx: the errors replace the open form, not the board)
    response = client.post(assign_url(wo), {"team": second_crew.pk}, **HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == f"#assign-{wo.wo_no}"
    assert "This field is required." in response.content.decode()
    wo.refresh_from_db()
    assert wo.team == network.crew and wo.assignments.count() == 1

    # With a reason: reassigned, and the reason is in the history on the work-order page
    response = client.post(assign_url(wo), {"team": second_crew.pk, "reason": "一班请假"}, **HTMX)
    assert response.content.decode().startswith('<div id="board"')
    wo.refresh_from_db()
    assert wo.team == second_crew and WorkOrderAssignment.objects.filter(work_order=wo).count() == 2
    page = client.get(reverse("orders:work_order_detail", args=[wo.wo_no])).content.decode()
    assert "一班请假" in page and 'data-testid="assignments"' in page


# --- Work-order page: hold and resume ----------------------------------------------------------------------------


def test_work_order_page_hold_and_resume(client, zhang, network):
    wo = broadband(network, zhang)  # auto-assigned: one crew covers the grid
    client.force_login(network.dispatcher)
    url = reverse("orders:work_order_detail", args=[wo.wo_no])
    page = client.get(url).content.decode()
    assert "上门装机" in page and "least-loaded team" in page and 'data-testid="hold-form"' in page
    assert "automatic" in page

    # Hold without a reason is a form error and changes nothing
    response = client.post(reverse("orders:work_order_hold", args=[wo.wo_no]), {"reason": ""})
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    wo.refresh_from_db()
    assert wo.state == "assigned" and wo.paused_at is None

    response = client.post(reverse("orders:work_order_hold", args=[wo.wo_no]), {"reason": "客户装修未完成"})
    assert response.status_code == 302
    wo.refresh_from_db()
    assert wo.state == "held" and wo.paused_at is not None
    page = client.get(url).content.decode()
    assert "sla-badge sla-paused" in page and 'data-testid="resume-form"' in page

    due_before = wo.due_at
    WorkOrder.objects.filter(pk=wo.pk).update(paused_at=timezone.now() - datetime.timedelta(hours=3))
    client.post(reverse("orders:work_order_resume", args=[wo.wo_no]), {"appointment_at": "2026-05-08T14:00"})
    wo.refresh_from_db()
    assert wo.state == "assigned" and wo.paused_at is None and wo.paused_minutes >= 179
    assert wo.due_at > due_before
    # resuming twice is a message-free form error, never a 500
    response = client.post(reverse("orders:work_order_resume", args=[wo.wo_no]), {})
    assert response.status_code == 200


# --- Back-office queue -----------------------------------------------------------------------------------------


def test_back_office_step_completed_through_the_view(client, zhang, people, network, make_staff):
    # Given a transfer of a live line to a company, approved at the second check
    line = live_mobile(zhang, "18955599999")
    order = submit(network.clerk, zhang, "transfer", product=line, new_owner=people["corp"],
                   presented_id=zhang.party.id_number)  # fmt: skip
    order = intake.order_second_check(order=order, checker=make_staff("manager"), approve=True)
    step = work.current_step(order.work_orders.get())
    assert step.code == "document_review"

    # The dispatcher sees the review in the queue; a dispatcher of another region does not
    client.force_login(network.dispatcher)
    html = client.get(reverse("orders:back_office")).content.decode()
    assert f'data-step="{step.pk}"' in html and "过户资料审核" in html
    other = make_staff("dispatcher", region=people["zhangw"].region)
    client.force_login(other)
    assert f'data-step="{step.pk}"' not in client.get(reverse("orders:back_office")).content.decode()
    assert client.post(reverse("orders:step_complete", args=[step.pk]), {"note": "x"}).status_code == 404

    # When the dispatcher completes it (htmx)
    client.force_login(network.dispatcher)
    response = client.post(reverse("orders:step_complete", args=[step.pk]), {"note": "资料齐全"}, **HTMX)
    assert 'data-testid="step-done"' in response.content.decode()

    # Then the ownership moved, the order is complete, and the queue is empty
    line.refresh_from_db()
    assert line.customer == people["corp"]
    assert ProductOrder.objects.get(pk=order.pk).state == "completed"
    step.refresh_from_db()
    assert step.state == "completed" and step.note == "资料齐全" and step.completed_by == network.dispatcher
    assert f'data-step="{step.pk}"' not in client.get(reverse("orders:back_office")).content.decode()
    # Completing it again is an error message, not a 500
    response = client.post(reverse("orders:step_complete", args=[step.pk]), {"note": "again"})
    assert response.status_code == 302


def test_retention_step_needs_an_outcome(client, zhang, network):
    line = live_mobile(zhang, "18955599998")
    order = submit(network.clerk, zhang, "port_out", product=line, presented_id=zhang.party.id_number)
    step = work.current_step(order.work_orders.get())
    client.force_login(network.dispatcher)
    html = client.get(reverse("orders:back_office")).content.decode()
    assert 'value="retained"' in html and 'value="proceed"' in html

    response = client.post(reverse("orders:step_complete", args=[step.pk]), {"note": "?"}, **HTMX)
    assert 'data-testid="step-error"' in response.content.decode()
    step.refresh_from_db()
    assert step.state == "open"

    client.post(reverse("orders:step_complete", args=[step.pk]), {"note": "赠送流量后留网", "outcome": "retained"})
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.state == "cancelled" and line.status == Product.Status.ACTIVE


def test_a_manager_reads_a_work_order_without_its_actions_and_a_clerk_is_refused(client, zhang, network, make_staff):
    wo = broadband(network, zhang)
    url = reverse("orders:work_order_detail", args=[wo.wo_no])

    client.force_login(make_staff("manager"))
    page = client.get(url).content.decode()
    assert wo.wo_no in page and 'data-testid="hold-form"' not in page and assign_url(wo) not in page
    client.force_login(network.dispatcher)
    assert 'data-testid="hold-form"' in client.get(url).content.decode()
    client.force_login(network.clerk)
    assert client.get(url).status_code == 403
