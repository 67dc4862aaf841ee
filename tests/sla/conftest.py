"""Fixtures of the SLA tests: a clean calendar cache and a throwaway concrete SlaTracked model."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test.utils import isolate_apps

from crm.accounts.models import Region
from crm.sla.models import SlaTracked
from crm.sla.selectors import work_calendar_cache_clear


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # A test's rolled-back CalendarDay rows fire no signal, so the cache is cleared around every test.
    work_calendar_cache_clear()
    yield
    work_calendar_cache_clear()


@pytest.fixture
def tracked_model(db):
    """A concrete SlaTracked model with a region, its table created inside the test's transaction.

    No app has a concrete SlaTracked model yet; this one lives in an isolated app registry, so no migration
    or other test ever sees it, and PostgreSQL rolls its CREATE TABLE back with the test."""
    with isolate_apps("crm.sla"):

        class TrackedJob(SlaTracked):
            region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, related_name="+")

            class Meta:
                app_label = "sla"

        with connection.schema_editor() as editor:
            editor.create_model(TrackedJob)
        # Its content type row is rolled back with the test too, so no cached id may outlive the test.
        ContentType.objects.clear_cache()
        yield TrackedJob
        ContentType.objects.clear_cache()
