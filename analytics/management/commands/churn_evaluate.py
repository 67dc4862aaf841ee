"""Cross-validate the churn pipeline on any flat customer table (CSV): an operator's check of the method.

    python manage.py churn_evaluate --csv customers.csv --target churned [--id customer_no] [--folds 5]

Numeric columns are numeric, every other column categorical (detected, as in training); the target is 1/0,
true/false or yes/no. Prints AUC, PR-AUC and top-decile lift of the calibrated boosting model and of the
logistic-regression baseline from stratified k-fold cross-validation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError

from analytics.churn.evaluate import cross_validate

TRUE = {"1", "true", "yes", "y", "t", "churn", "churned"}
FALSE = {"0", "false", "no", "n", "f", "stay", "stayed", "active"}


def target_values(column: pd.Series) -> np.ndarray:
    """1/0 from numbers or from yes/no-like words; anything else is an error naming the value."""
    text = column.astype("string").str.strip().str.lower()
    unknown = sorted(set(text.dropna()) - TRUE - FALSE)
    if unknown or text.isna().any():
        shown = ", ".join(unknown[:5]) or "(empty)"
        raise CommandError(f"The target column must hold 1/0, true/false or yes/no; found {shown}.")
    return text.isin(TRUE).to_numpy(dtype=int)


class Command(BaseCommand):
    help = "Cross-validate the churn model and its baseline on a CSV export: AUC, PR-AUC, top-decile lift."

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True, help="the customer table, one row per customer, with a header")
        parser.add_argument("--target", required=True, help="the column that says who churned (1/0, yes/no)")
        parser.add_argument("--id", default="", help="an identifier column, left out of the features")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        try:
            frame = pd.read_csv(options["csv"], low_memory=False)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {options['csv']}: {exc}") from exc
        for name in (options["target"], options["id"]):
            if name and name not in frame.columns:
                raise CommandError(f"No column {name!r} in the file; it has: {', '.join(map(str, frame.columns))}.")
        y = target_values(frame[options["target"]])
        X = frame.drop(columns=[c for c in (options["target"], options["id"]) if c])
        if X.shape[1] == 0:
            raise CommandError("There are no feature columns besides the target and the id.")
        positives = int(y.sum())
        if positives < 2 or len(y) - positives < 2:
            raise CommandError(f"Need at least two churners and two stayers; the file has {positives} of {len(y)}.")
        result = cross_validate(X, y, folds=options["folds"], random_state=options["seed"])
        result["rows"], result["columns"] = len(X), list(map(str, X.columns))
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{len(X)} customers, {positives} churned ({positives / len(X):.1%}), {X.shape[1]} columns, "
            f"{result['folds']}-fold stratified cross-validation"
        )
        self.stdout.write(f"{'':34}{'AUC':>8}{'PR-AUC':>9}{'lift@10%':>10}")
        rows = (("HistGradientBoosting (calibrated)", "model"), ("logistic regression baseline", "baseline"))
        for label, key in rows:
            s = result[key]
            self.stdout.write(f"{label:34}{_f(s['auc']):>8}{_f(s['pr_auc']):>9}{s['lift_top_decile']:>10.2f}")


def _f(value) -> str:
    return "-" if value is None else f"{value:.3f}"
