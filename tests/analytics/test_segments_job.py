"""The segmentation job on PostgreSQL: prepare fits on a sample, chunks write the customers' groups, finish keeps the
cluster profiles; a chunk run twice writes the same."""

import pytest
from django.utils import translation

from analytics.models import SegmentProfile
from analytics.models.jobs import JobKind
from analytics.segments import jobs as segment_jobs
from customers.models import Customer
from tests.analytics.population_h5 import AS_OF, add_bills, add_usage, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(hefei, wuhu, settings, tmp_path):
    """Twelve heavy-data users, twelve talkers and twelve idle customers in two regions; one churned customer."""
    settings.ANALYTICS_MODEL_DIR = tmp_path
    kinds = {}
    for i in range(36):
        region = hefei if i % 2 else wuhu
        customer, account, line = make_customer(region)
        if i < 12:
            add_usage(customer, account, line, months=12, voice_min=20 + i, data_mb=30000 + 100 * i, sms=3)
            add_bills(customer, account, months=12, amount="199.00")
            kinds[customer.pk] = "data"
        elif i < 24:
            add_usage(customer, account, line, months=12, voice_min=1500 + 10 * i, data_mb=100 + i, sms=40)
            add_bills(customer, account, months=12, amount="99.00")
            kinds[customer.pk] = "voice"
        else:
            # Last seen a year ago, nothing since.
            add_usage(customer, account, line, months=1, voice_min=5, data_mb=5, end=AS_OF.replace(year=2025))
            add_bills(customer, account, months=1, amount="19.00", end=AS_OF.replace(year=2025, month=12))
            kinds[customer.pk] = "idle"
    churned, _a, _l = make_customer(hefei, status="churned")
    return kinds, churned


def _run(job_params=None):
    from analytics.models import AnalyticsJob

    job = AnalyticsJob.objects.create(kind=JobKind.SEGMENTATION, run_key="seg:test", as_of=AS_OF,
                                      params={"k_range": [2, 5], **(job_params or {})})  # fmt: skip
    with translation.override("en"):
        segment_jobs.prepare(job)
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    rows = segment_jobs.run_chunk(job, ids[0], ids[18]) + segment_jobs.run_chunk(job, ids[18], ids[-1] + 1)
    return job, rows


def test_the_job_writes_segments_groups_and_behaviour_and_keeps_profiles(population):
    kinds, churned = population

    job, rows = _run()
    summary = segment_jobs.finish(job)

    assert rows == 36  # live customers only
    customers = {c.pk: c for c in Customer.objects.all()}
    assert customers[churned.pk].segment == ""
    data = [customers[pk] for pk, kind in kinds.items() if kind == "data"]
    voice = [customers[pk] for pk, kind in kinds.items() if kind == "voice"]
    idle = [customers[pk] for pk, kind in kinds.items() if kind == "idle"]
    assert {c.segment for c in idle} <= {"lost", "hibernating"}
    assert {c.segment for c in data} <= {"champions", "loyal"}
    assert {c.value_group for c in data} == {"high"} and {c.value_group for c in idle} == {"low"}
    assert {c.activity_group for c in idle} == {"low"}
    assert len({c.behaviour_segment for c in data}) == 1 and len({c.behaviour_segment for c in voice}) == 1
    assert "heavy data" in data[0].behaviour_segment
    assert data[0].behaviour_segment != voice[0].behaviour_segment
    profiles = list(SegmentProfile.objects.filter(job=job))
    assert len(profiles) == job.result["k"] >= 2
    assert sum(p.size for p in profiles) == 36
    assert {p.label for p in profiles} >= {data[0].behaviour_segment, voice[0].behaviour_segment}
    assert sum(summary["segments"].values()) == 36
    assert summary["value_groups"]["high"] == 12


def test_a_chunk_run_again_writes_the_same_and_finish_replaces_the_profiles(population):
    job, _rows = _run()
    before = list(Customer.objects.order_by("pk").values_list("segment", "value_group", "behaviour_segment"))
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    segment_jobs.run_chunk(job, ids[0], ids[-1] + 1)
    segment_jobs.finish(job)
    segment_jobs.finish(job)
    after = list(Customer.objects.order_by("pk").values_list("segment", "value_group", "behaviour_segment"))
    assert before == after
    assert SegmentProfile.objects.filter(job=job).count() == job.result["k"]


def test_a_run_again_writes_only_the_customers_whose_columns_changed(population):
    job, _rows = _run()
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    kinds, _churned = population
    edited = next(pk for pk, kind in kinds.items() if kind == "data")
    expected = Customer.objects.get(pk=edited).segment
    Customer.objects.filter(pk=edited).update(segment="edited by hand", value_group="")

    rewritten = segment_jobs.run_chunk(job, ids[0], ids[-1] + 1)

    assert rewritten == 36  # every live customer scored
    edited_now = Customer.objects.get(pk=edited)
    assert (edited_now.segment, edited_now.value_group) == (expected, "high")  # the changed one is written again
    from django.db import connection

    def row_versions():  # where each row's current version lies: an UPDATE writes a new one elsewhere
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, ctid::text FROM customers_customer ORDER BY id")
            return cursor.fetchall()

    before = row_versions()
    Customer.objects.filter(pk=edited).update(segment="edited again")
    after_edit = row_versions()
    segment_jobs.run_chunk(job, ids[0], ids[-1] + 1)
    after_run = row_versions()
    changed = {i for (i, v), (_j, w) in zip(after_edit, after_run, strict=True) if v != w}
    assert changed == {edited}  # only the edited customer was written again
    assert before != after_edit  # (the check can see a rewrite)


def test_fixed_value_thresholds_from_the_parameters(population):
    _run({"value_high": 150, "value_low": 50})
    groups = set(Customer.objects.filter(status="active").values_list("value_group", flat=True))
    assert groups == {"high", "medium", "low"}
    assert Customer.objects.filter(value_group="medium").count() == 12  # the 99-yuan talkers


def test_the_runner_runs_it_in_chunks_end_to_end(population):
    from analytics.services.jobs import job_run_now

    with translation.override("en"):
        job = job_run_now(JobKind.SEGMENTATION, as_of=AS_OF, params={"k_range": [2, 4], "chunk_size": 10})
    assert job.status == "done", job.error
    assert job.chunks_total >= 4 and job.rows_done == 36
    assert sum(job.result["segments"].values()) == 36
    assert SegmentProfile.objects.filter(job=job).count() == job.result["k"]
