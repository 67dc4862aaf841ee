"""Every admin screen opens for IT: the changelist and the add form (where adding by hand is allowed)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from crm.accounts.roles import Role
from tests.customers.conftest import people  # noqa: F401 - some rows to list

pytestmark = pytest.mark.django_db


def test_every_changelist_and_add_page_opens(client, make_staff, people):  # noqa: F811
    user = make_staff(Role.ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    failures = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        add = client.get(reverse("admin:{}_{}_add".format(*info)))
        if changelist.status_code != 200 or add.status_code not in (200, 403):
            failures.append((info, changelist.status_code, add.status_code))
    assert failures == []
    assert len(admin.site._registry) > 15
