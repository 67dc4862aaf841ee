"""SMS leave the request: a worker hands them to the gateway after commit; with the broker down the message stays
queued and the every-minute sweep sends it; a message is texted once however often it is handed over."""

from __future__ import annotations

import datetime

import pytest
import redis
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from crm.messaging.gateway import SendResult
from crm.messaging.models import OutboundMessage
from crm.messaging.services import GIVE_UP_AFTER, STALE_AFTER, sms_deliver, sms_send, stale_queued_messages
from crm.messaging.tasks import deliver_queued_sms_task
from tests.reliability.test_outbox import _worker_broker_db
from tests.reliability.test_redis_down import celery_broker

pytestmark = pytest.mark.django_db

SENT: list[str] = []


class CountingGateway:
    """A gateway that records what it was asked to send."""

    name = "counting"

    def send(self, *, recipient: str, body: str) -> SendResult:
        SENT.append(recipient)
        return SendResult(ok=True, reference=f"c-{len(SENT)}")


@pytest.fixture
def counting_gateway(settings):
    settings.CRM_SMS_GATEWAY = "tests.reliability.test_sms_delivery.CountingGateway"
    SENT.clear()
    yield SENT
    SENT.clear()


def _age(message: OutboundMessage, by: datetime.timedelta) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - by)


def test_sent_after_commit_not_before(counting_gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = sms_send(recipient="18100000001", body="您的订单已受理", purpose="order_status")
        message.refresh_from_db()
        assert message.status == OutboundMessage.Status.QUEUED
        assert counting_gateway == []
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert (message.status, message.gateway, counting_gateway) == ("sent", "counting", ["18100000001"])


def test_rolled_back_change_texts_nobody(counting_gateway, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms_send(recipient="18100000002", body="x", purpose="order_status")
        raise RuntimeError("the order failed")
    assert callbacks == [] and counting_gateway == []
    assert not OutboundMessage.objects.filter(recipient="18100000002").exists()


def test_with_a_broker_the_request_only_queues_the_task(counting_gateway, django_capture_on_commit_callbacks):
    url = f"{django_settings.REDIS_URL.rsplit('/', 1)[0]}/{_worker_broker_db()}"
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    with celery_broker(url), django_capture_on_commit_callbacks(execute=True):
        message = sms_send(recipient="18100000003", body="x", purpose="order_status")
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED  # the gateway is a worker's business, not the request's
    assert counting_gateway == []
    assert broker.llen("default") == 1
    broker.flushdb()


def test_broker_down_message_waits_for_the_sweep(counting_gateway, django_capture_on_commit_callbacks):
    with celery_broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        late = sms_send(recipient="18100000004", body="x", purpose="order_status")  # no error for the caller
        fresh = sms_send(recipient="18100000005", body="y", purpose="order_status")
    late.refresh_from_db()
    assert late.status == OutboundMessage.Status.QUEUED
    _age(late, STALE_AFTER + datetime.timedelta(seconds=5))
    _age(fresh, STALE_AFTER - datetime.timedelta(seconds=30))  # its task may still be on its way
    assert stale_queued_messages() == [late.pk]
    assert deliver_queued_sms_task() == 1
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert (late.status, fresh.status, counting_gateway) == ("sent", "queued", ["18100000004"])


def test_handed_over_twice_texted_once(counting_gateway):
    message = OutboundMessage.objects.create(recipient="18100000006", body="x", purpose="order_status")
    _age(message, STALE_AFTER * 2)
    sms_deliver(message_id=message.pk)  # the task
    assert deliver_queued_sms_task() == 0  # the sweep finds nothing left
    assert sms_deliver(message_id=message.pk).status == "sent"  # the same task again (acks_late redelivery)
    assert counting_gateway == ["18100000006"]


class RefusingGateway:
    name = "refusing"

    def send(self, *, recipient: str, body: str) -> SendResult:
        return SendResult(ok=False, error="number unreachable")


@pytest.mark.parametrize("gateway", ["CountingGateway", "RefusingGateway"])
def test_log_keeps_the_text_after_send_once_the_gateway_had_it(settings, counting_gateway, gateway):
    settings.CRM_SMS_GATEWAY = f"tests.reliability.test_sms_delivery.{gateway}"
    message = sms_send(
        recipient="18100000007", body="验证码 123456", purpose="portal_login", body_after_send="验证码 ******"
    )
    message.refresh_from_db()
    assert message.body == "验证码 123456"  # the worker has not had it yet: the gateway needs the code
    delivered = sms_deliver(message_id=message.pk)
    delivered.refresh_from_db()
    assert (delivered.body, delivered.body_after_send) == ("验证码 ******", "")
    assert delivered.status == ("sent" if gateway == "CountingGateway" else "failed")


class FailingOnceGateway:
    """Raises for one number (a gateway error, not a refusal), sends the others."""

    name = "flaky"

    def send(self, *, recipient: str, body: str) -> SendResult:
        if recipient == "18100000008":
            raise ConnectionError("gateway unreachable")
        SENT.append(recipient)
        return SendResult(ok=True, reference="f-1")


def test_a_message_the_gateway_fails_on_neither_blocks_the_sweep_nor_stays_queued_forever(settings, counting_gateway):
    settings.CRM_SMS_GATEWAY = "tests.reliability.test_sms_delivery.FailingOnceGateway"
    poison = OutboundMessage.objects.create(recipient="18100000008", body="x", purpose="order_status")
    after = OutboundMessage.objects.create(recipient="18100000009", body="y", purpose="order_status")
    _age(poison, STALE_AFTER * 3)  # older: the sweep reaches it first
    _age(after, STALE_AFTER * 2)

    assert deliver_queued_sms_task() == 1
    poison.refresh_from_db()
    after.refresh_from_db()
    assert (poison.status, after.status, counting_gateway) == ("queued", "sent", ["18100000009"])

    _age(poison, GIVE_UP_AFTER + datetime.timedelta(minutes=1))
    assert deliver_queued_sms_task() == 0
    poison.refresh_from_db()
    assert (poison.status, poison.error) == ("failed", "not handed to the gateway within a day")
