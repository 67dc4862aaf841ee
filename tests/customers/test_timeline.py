"""Every channel appends to one contact timeline, shown newest first on the 360 view, filterable by channel."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.accounts.roles import Role
from customers.selectors import customer_timeline
from customers.services import interaction_record

pytestmark = pytest.mark.django_db


def test_interactions_from_every_channel_form_one_timeline_newest_first(people, make_staff):
    agent = make_staff(Role.CALL_AGENT)
    customer = people["zhang"]
    now = timezone.now()
    interaction_record(
        customer=customer, channel="hall", interaction_type="order", occurred_at=now - datetime.timedelta(days=2)
    )
    interaction_record(customer=customer, channel="hotline", interaction_type="complaint", reason="网速慢", staff=agent,
                       occurred_at=now - datetime.timedelta(hours=1))  # fmt: skip
    interaction_record(customer=customer, channel="sms", interaction_type="care", direction="outbound", occurred_at=now)
    assert [i.channel for i in customer_timeline(customer)] == ["sms", "hotline", "hall"]
    assert [i.interaction_type for i in customer_timeline(customer, channel="hotline")] == ["complaint"]
    assert [i.channel for i in customer_timeline(customer, interaction_type="order")] == ["hall"]


def test_unknown_channel_or_direction_is_refused(people):
    with pytest.raises(ValueError, match="Unknown channel"):
        interaction_record(customer=people["zhang"], channel="pigeon", interaction_type="x")
    with pytest.raises(ValidationError):
        interaction_record(customer=people["zhang"], channel="hall", interaction_type="x", direction="sideways")


def test_the_360_view_shows_and_filters_the_timeline(client, make_staff, people):
    customer = people["zhang"]
    interaction_record(customer=customer, channel="hotline", interaction_type="complaint", reason="网速慢")
    interaction_record(customer=customer, channel="hall", interaction_type="order", reason="新装宽带")
    client.force_login(make_staff(Role.MANAGER))
    url = reverse("customers:detail", args=[customer.customer_no])
    html = client.get(url).content.decode()
    assert html.index("新装宽带") < html.index("网速慢")
    filtered = client.get(url, {"channel": "hotline"}).content.decode()
    assert "网速慢" in filtered and "新装宽带" not in filtered
