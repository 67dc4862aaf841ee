"""churn_evaluate on a CSV the test writes: numeric and categorical columns with a planted signal."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def export(tmp_path):
    rng = np.random.default_rng(7)
    n = 800
    usage_change = rng.normal(0, 0.4, n)
    complaints = rng.poisson(0.4, n)
    plan = rng.choice(["basic", "family", "unlimited"], n)
    logit = -2.5 - 3.5 * usage_change + 1.0 * complaints + 1.2 * (plan == "basic")
    churned = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({
        "customer_no": [f"C{i:06d}" for i in range(n)], "usage_change": usage_change.round(3),
        "complaints": complaints, "plan": plan, "tenure": rng.integers(1, 120, n), "churned": churned,
    })  # fmt: skip
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    return path


def test_churn_evaluate_finds_the_planted_signal(export):
    out = StringIO()
    call_command("churn_evaluate", "--csv", str(export), "--target", "churned", "--id", "customer_no", "--folds", "3",
                 "--json", stdout=out)  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["columns"] == ["usage_change", "complaints", "plan", "tenure"]  # the id and the target left out
    assert result["model"]["auc"] > 0.7 and result["baseline"]["auc"] > 0.7
    assert result["model"]["pr_auc"] > result["model"]["positive_rate"]
    assert result["model"]["lift_top_decile"] > 1.5


def test_churn_evaluate_prints_a_table(export):
    out = StringIO()
    call_command("churn_evaluate", "--csv", str(export), "--target", "churned", "--folds", "2", stdout=out)
    text = out.getvalue()
    assert "800 customers" in text and "AUC" in text and "lift@10%" in text
    assert "logistic regression baseline" in text


def test_churn_evaluate_explains_a_wrong_target(export):
    with pytest.raises(CommandError, match="No column 'left'"):
        call_command("churn_evaluate", "--csv", str(export), "--target", "left")
    with pytest.raises(CommandError, match="must hold 1/0"):
        call_command("churn_evaluate", "--csv", str(export), "--target", "plan")
