"""seed_demo's ordering steps: the network, the ordering rules and six months of orders with today's open work."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from crm.accounts.models import Grid, OrgUnit
from crm.demo.engine import SeedContext
from crm.sla.models import SlaBreach
from crm.sla.selectors import limit_for
from orders.demo_orders.history import CHANNEL_MIX, TYPE_MIX, seed_orders
from orders.demo_orders.network import seed_network
from orders.demo_orders.rules import seed_ordering_rules
from orders.models import (
    AccessPoint,
    CommissionEntry,
    CommissionRule,
    NextBestOfferRule,
    PortReservation,
    ProductOrder,
    StandardAddress,
    TeamCoverage,
    WorkOrder,
    WorkOrderStep,
    WorkOrderTemplate,
)
from orders.services.commission import rule_for

pytestmark = pytest.mark.django_db
CUSTOMERS = 2000
OPEN_FIELD = ("assigned", "inProgress", "held")


@pytest.fixture
def seeded():
    # Up to the call centre (order 55): these tests read no billing data, which would cost most of the time.
    call_command("seed_demo", "--customers", str(CUSTOMERS), "--seed", "1", "--until-order", "55", stdout=io.StringIO())


def _shares(values) -> dict[str, float]:
    counts = Counter(values)
    return {value: n / sum(counts.values()) for value, n in counts.items()}


def test_orders_come_in_the_asked_mix_with_one_work_order_each(seeded):
    orders = ProductOrder.objects.all()
    # About 3 orders per 100 customers, each with one item and one work order whose steps come from its template.
    assert 0.025 * CUSTOMERS <= orders.count() <= 0.035 * CUSTOMERS
    assert not orders.annotate(n=Count("items")).exclude(n=1).exists()
    assert not orders.annotate(n=Count("work_orders")).exclude(n=1).exists()
    steps = dict(WorkOrderTemplate.objects.annotate(n=Count("steps")).values_list("id", "n"))
    for template_id, n in WorkOrder.objects.annotate(n=Count("steps")).values_list("template_id", "n"):
        assert n == steps[template_id]
    # The mix of types and channels (the demo's open installs may turn a few new orders into moves).
    types = _shares(orders.values_list("order_type", flat=True))
    for order_type, weight in TYPE_MIX:
        tolerance = 0.12 if order_type in ("new", "move") else 0.04
        assert abs(types.get(order_type, 0) - weight / 100) <= tolerance, (order_type, types)
    channels = _shares(orders.values_list("channel", flat=True))
    for channel, weight in CHANNEL_MIX:
        assert abs(channels.get(channel, 0) - weight / 100) <= 0.03, (channel, channels)
    # Outlets of the right kind and region; the owner's ID card is checked at a counter.
    for channel, kind, region_id, outlet_region in orders.values_list(
        "channel", "outlet__kind", "region_id", "outlet__region_id"
    ):
        assert kind == {"hotline": "hotline_team", "portal": None}.get(channel, channel)
        assert outlet_region in (region_id, None)
    assert not orders.filter(order_type__in=["transfer", "terminate", "port_out"], channel__in=["hotline", "portal"])


def test_finished_orders_keep_the_invariants(seeded):
    done = ProductOrder.objects.filter(state="completed")
    assert done.count() >= 0.75 * ProductOrder.objects.count()
    assert not done.filter(Q(completed_at__isnull=True) | Q(completed_at__lt=F("created_at"))).exists()
    assert not done.filter(completed_at__gt=timezone.now()).exists()
    assert done.filter(created_at__gte=timezone.now() - datetime.timedelta(days=181)).count() == done.count()
    assert not done.exclude(work_orders__state="completed").exists()
    assert not WorkOrderStep.objects.filter(work_order__state="completed").exclude(state="completed").exists()
    # Orders act on existing subscriptions of the customer (a transfer: the new owner's now).
    assert not done.filter(product__isnull=True).exists()
    assert not done.exclude(order_type="transfer").exclude(product__customer=F("customer")).exists()
    transfers = done.filter(order_type="transfer")
    assert not transfers.exclude(product__customer=F("new_owner")).exists()
    assert not transfers.filter(Q(second_checker__isnull=True) | Q(second_checker=F("created_by"))).exists()
    # Field work has its receipt: a rating and comment, dispatch records, times in order.
    field = WorkOrder.objects.filter(state="completed", needs_field_visit=True)
    assert field.exists() and not field.filter(Q(rating__isnull=True) | Q(rating_comment="")).exists()
    assert not field.filter(assignments__isnull=True).exists()
    assert not field.filter(started_at__lt=F("dispatched_at")).exists()
    assert not field.filter(finished_at__lt=F("started_at")).exists()
    ratings = Counter(field.values_list("rating", flat=True))
    assert ratings[4] + ratings[5] > 0.7 * sum(ratings.values())


def test_time_limits_come_from_the_sla_table_and_late_work_is_recorded(seeded):
    for wo in WorkOrder.objects.select_related("order__customer", "order__address", "area", "sla_limit")[:200]:
        variant = wo.order.address.cable_extension if wo.order.address_id else ""
        expected = limit_for(work_type=wo.work_type, area_kind=wo.area.kind if wo.area_id else "",
                             service_level=wo.order.customer.service_level, variant=variant)  # fmt: skip
        assert wo.sla_limit == expected
        assert wo.due_at == wo.sla_started_at + datetime.timedelta(minutes=expected.resolution_minutes)
        assert wo.priority == expected.priority
    # Green channel for diamond and 1A customers' installs (a cable run takes its own, longer time).
    green = WorkOrder.objects.filter(work_type="install", order__customer__service_level__in=["diamond", "1A"])
    green = green.filter(order__address__cable_extension="")
    assert green.exists()
    assert not green.filter(priority=0).exists()
    # Some work finished late, and every late job (finished or still open) has its breach record.
    late = WorkOrder.objects.filter(
        Q(state="completed", completed_at__gt=F("due_at")) | Q(sla_stopped_at__isnull=True, due_at__lt=timezone.now())
    ).exclude(state="held")
    assert late.filter(state="completed").exists()
    breaches = SlaBreach.objects.filter(content_type=ContentType.objects.get_for_model(WorkOrder))
    assert set(breaches.values_list("object_id", flat=True)) == set(late.values_list("id", flat=True))
    assert not breaches.exclude(escalated_to=[]).filter(region__code="340100").exclude(escalated_to=["dispatcher"])
    assert breaches.filter(region__code="340100").exists()


def test_the_demo_logins_have_open_work(seeded):
    technician = OrgUnit.objects.get(staff__user__username="technician")
    mine = WorkOrder.objects.filter(state__in=OPEN_FIELD, needs_field_visit=True).filter(
        Q(technician__username="technician") | Q(team=technician, technician__isnull=True)
    )
    assert mine.count() >= 5
    assert not mine.exclude(team=technician).exists()
    # Their crew covers the grids of that work; each has one open step, in the field.
    assert set(mine.values_list("grid_id", flat=True)) <= set(technician.coverage.values_list("grid_id", flat=True))
    assert not WorkOrderStep.objects.filter(state="open").values("work_order").annotate(n=Count("id")).filter(n__gt=1)
    assert mine.filter(steps__state="open", steps__kind="field").count() == mine.count()
    # The Hefei dispatcher's board has work waiting for dispatch.
    waiting = WorkOrder.objects.filter(region__code="340100", state="open", needs_field_visit=True)
    assert waiting.count() >= 5 and not waiting.filter(team__isnull=False).exists()
    # About 2 % open, at least the demo's; held work waits on the customer with its clock paused.
    open_orders = ProductOrder.objects.exclude(state="completed")
    assert 10 <= open_orders.count() <= max(20, 0.03 * ProductOrder.objects.count())
    assert not WorkOrder.objects.filter(state="held").filter(paused_at__isnull=True).exists()
    assert not open_orders.filter(work_orders__state="held").exclude(state="pending").exists()
    # Open installs and moves hold one port; installs are for subscriptions still awaiting installation.
    installs = open_orders.filter(order_type__in=["new", "move"], work_orders__needs_field_visit=True)
    assert installs.exists()
    assert not installs.annotate(n=Count("port_reservations")).exclude(n=1).exists()
    assert not PortReservation.objects.exclude(state="reserved").exists()
    assert not installs.filter(order_type="new").exclude(product__status__in=["created", "pendingActive"]).exists()


def test_network_rules_and_commissions(seeded):
    # Ports: never overbooked, and the open orders' reservations are counted.
    assert not AccessPoint.objects.filter(used_ports__gt=F("total_ports")).exists()
    assert not AccessPoint.objects.filter(Q(total_ports__lt=512) | Q(total_ports__gt=2048)).exists()
    held = Counter(PortReservation.objects.values_list("access_point_id", flat=True))
    for point, used in AccessPoint.objects.filter(pk__in=held).values_list("pk", "used_ports"):
        assert used >= held[point]
    assert set(AccessPoint.objects.filter(area__kind="county").values_list("kind", flat=True)) == {"exchange", "olt"}
    # Standard addresses: about 20 per grid, 5 % not covered, some needing a cable run.
    addresses = StandardAddress.objects.all()
    assert 18 * Grid.objects.count() <= addresses.count() <= 22 * Grid.objects.count()
    assert 0.02 <= addresses.filter(access_point__isnull=True).count() / addresses.count() <= 0.08
    short, long = (addresses.filter(cable_extension=c).count() for c in ("cable_short", "cable_long"))
    assert short > long > 0
    assert addresses.filter(text__startswith="合肥市").exists()
    # Every grid has a team; the Hefei dispatch centre's lead is the demo dispatcher.
    assert not Grid.objects.filter(teams__isnull=True).exists()
    assert OrgUnit.objects.get(kind="dispatch_centre", region__code="340100").lead.username == "dispatcher"
    # Rules by offering code; commissions only for partner halls and agent outlets, as the service would pay them.
    assert (
        NextBestOfferRule.objects.get(offering__code="fuse-169").reason_en == "Mobile and broadband together cost less"
    )
    assert CommissionRule.objects.get(outlet_kind="partner_hall", order_type="new", spec_kind="broadband").amount == 80
    entries = CommissionEntry.objects.select_related("order__outlet", "order__offering")
    assert entries.exists()
    assert set(entries.values_list("outlet__kind", flat=True)) <= {"partner_hall", "agent_outlet"}
    for entry in entries:
        assert entry.order.state == "completed" and entry.outlet_id == entry.order.outlet_id
        assert rule_for(entry.order).pk == entry.rule_id and entry.amount == entry.rule.amount
    paying = ProductOrder.objects.filter(state="completed", outlet__kind__in=["partner_hall", "agent_outlet"])
    assert paying.filter(commission__isnull=True, order_type__in=["vas_add", "change"]).count() == 0


def test_the_steps_do_not_repeat_themselves_on_a_small_data_set():
    # Given a tiny demo (fewer candidates than the demo logins' open work asks for)
    call_command("seed_demo", "--customers", "50", "--seed", "2", "--until-order", "55", stdout=io.StringIO())
    tables = (AccessPoint, StandardAddress, TeamCoverage, NextBestOfferRule, CommissionRule, ProductOrder, WorkOrder)
    counts = [model.objects.count() for model in tables]
    assert ProductOrder.objects.exists()
    # When the steps run again, then they find their data there and add nothing.
    ctx = SeedContext(customers=50, seed=2, log=io.StringIO().write)
    for step in (seed_network, seed_ordering_rules, seed_orders):
        step(ctx)
    assert [model.objects.count() for model in tables] == counts
