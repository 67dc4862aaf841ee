"""``analytics_evaluate_truth`` on constructed scores, alerts and truth labels."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command

from analytics.models import ChurnScore, CreditScore, DemoTruthLabel, FraudAlert, ModelVersion
from tests.analytics.population_h5 import make_customer

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 9, 30)


def _version(kind):
    return ModelVersion.objects.create(
        kind=kind,
        version=1,
        status="promoted",
        algorithm="test",
        train_from=datetime.date(2025, 1, 1),
        train_to=AS_OF,
        file="x",
    )


@pytest.fixture
def scored(hefei):
    """20 customers; the churn model ranks the 2 later churners first; one alert hits a fraudster, one does not."""
    customers = [make_customer(hefei, with_line=False)[0] for _ in range(20)]
    churn, credit = _version("churn"), _version("credit")
    for i, customer in enumerate(customers):
        ChurnScore.objects.create(as_of=AS_OF, customer=customer, model=churn, probability=i / 20, band="low")
        CreditScore.objects.create(
            as_of=AS_OF, customer=customer, model=credit, score=100 - i, grade="A", bad_debt_probability=(20 - i) / 20
        )
    later, earlier = AS_OF + datetime.timedelta(days=30), AS_OF - datetime.timedelta(days=30)
    DemoTruthLabel.objects.create(customer=customers[19], label="churn", event_date=later)
    DemoTruthLabel.objects.create(customer=customers[18], label="churn", event_date=later)
    DemoTruthLabel.objects.create(customer=customers[0], label="churn", event_date=earlier)  # gone before: not a case
    DemoTruthLabel.objects.create(customer=customers[0], label="bad_debt", event_date=later)
    DemoTruthLabel.objects.create(customer=customers[5], label="fraud", event_date=earlier)
    DemoTruthLabel.objects.create(customer=customers[6], label="fraud", event_date=earlier)
    for n, (customer, detector) in enumerate([(customers[5], "sim_box"), (customers[7], "anomaly")]):
        FraudAlert.objects.create(
            alert_no=f"FA{n}",
            detector=detector,
            customer=customer,
            subject=customer.customer_no,
            day=AS_OF,
            severity="high",
            reason_code="x",
        )
    return customers


def test_the_command_reports_churn_fraud_and_credit_and_writes_json(scored, tmp_path, capsys):
    out = tmp_path / "truth.json"

    call_command("analytics_evaluate_truth", "--json", str(out))

    report = json.loads(out.read_text())
    assert report["churn"]["positives"] == 2 and report["churn"]["n"] == 20
    assert report["churn"]["auc"] == 1.0
    assert report["churn"]["lift_top_decile"] == 10.0
    assert report["fraud"]["all"]["precision"] == 0.5 and report["fraud"]["all"]["recall"] == 0.5
    assert report["fraud"]["detectors"]["sim_box"]["precision"] == 1.0
    assert report["fraud"]["detectors"]["anomaly"]["hits"] == 0
    assert report["credit"]["auc"] == 1.0
    printed = capsys.readouterr().out
    assert "lift_top_decile" in printed and "sim_box" in printed


def test_a_churn_window_and_a_cut_off_narrow_what_counts(scored, tmp_path):
    out = tmp_path / "truth.json"
    call_command(
        "analytics_evaluate_truth", "--as-of", AS_OF.isoformat(), "--churn-window-days", "10", "--json", str(out)
    )
    report = json.loads(out.read_text())
    assert report["churn"]["positives"] == 0 and report["churn"]["auc"] is None


def test_without_truth_labels_it_refuses(db):
    with pytest.raises(CommandError):
        call_command("analytics_evaluate_truth")
