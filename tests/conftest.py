"""Fixtures every app's tests share: regions and staff users of each role."""

from __future__ import annotations

import itertools

import pytest

from crm.accounts.models import Area, Region
from crm.accounts.roles import PROVINCE_ROLES
from crm.accounts.services import staff_user_create

STAFF_PASSWORD = "Test-pass-2026!"
_counter = itertools.count(1)


@pytest.fixture
def hefei(db) -> Region:
    region, _ = Region.objects.get_or_create(
        code="340100", defaults={"name": "合肥", "name_en": "Hefei", "area_code": "0551"}
    )
    Area.objects.get_or_create(code="340102", defaults={"region": region, "name": "瑶海区", "kind": "urban"})
    Area.objects.get_or_create(code="340121", defaults={"region": region, "name": "长丰县", "kind": "county"})
    return region


@pytest.fixture
def wuhu(db) -> Region:
    region, _ = Region.objects.get_or_create(
        code="340200", defaults={"name": "芜湖", "name_en": "Wuhu", "area_code": "0553"}
    )
    Area.objects.get_or_create(code="340202", defaults={"region": region, "name": "镜湖区", "kind": "urban"})
    return region


@pytest.fixture
def make_staff(db, hefei):
    """make_staff(role, region=..., username=...) -> User with a profile; regional roles default to Hefei."""

    def _make(role: str, *, region: Region | str | None = "default", username: str | None = None, **kwargs):
        if region == "default":
            region = None if role in PROVINCE_ROLES else hefei
        username = username or f"{role}{next(_counter)}"
        return staff_user_create(username=username, password=STAFF_PASSWORD, role=role, region=region, **kwargs)

    return _make
