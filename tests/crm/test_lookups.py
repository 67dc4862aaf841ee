"""AnyOf: membership in a list as one array parameter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from crm.accounts.models import Region
from crm.lookups import AnyOf


@pytest.mark.django_db
def test_any_of_finds_what_in_finds_with_one_parameter(hefei, wuhu):
    codes = [hefei.code, wuhu.code, "999999"] + [f"x{i}" for i in range(5000)]
    with CaptureQueriesContext(connection) as queries:
        found = set(Region.objects.filter(AnyOf(F("code"), codes)).values_list("pk", flat=True))
    assert found == set(Region.objects.filter(code__in=codes).values_list("pk", flat=True)) == {hefei.pk, wuhu.pk}
    assert "= ANY(" in queries.captured_queries[0]["sql"]
    assert set(Region.objects.filter(AnyOf(F("code"), [])).values_list("pk", flat=True)) == set()
    assert set(Region.objects.exclude(AnyOf(F("code"), [hefei.code]))) == {wuhu}
