"""Evaluate the current models against the demo generator's hidden labels (仿真真值评估).

The only code that reads ``DemoTruthLabel``: churn AUC, PR-AUC and top-decile lift of the churn scores of the model
in use, precision and recall of fraud alerts (all detectors together and each one), and the credit scorecard's AUC
against bad debt. Prints a table; ``--json FILE`` also writes the figures."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from analytics.evaluation import precision_recall, ranking_report
from analytics.models import ChurnScore, CreditScore, DemoTruthLabel, FraudAlert, ModelVersion


def _in_use(kind: str) -> ModelVersion | None:
    try:
        from analytics.services.registry import model_version_in_use
    except ImportError:  # pragma: no cover - the registry lands with the job runner
        return ModelVersion.objects.filter(kind=kind).order_by("-version").first()
    return model_version_in_use(kind)


def _scores(model, rows, as_of: datetime.date | None, value: str) -> tuple[datetime.date | None, dict[int, float]]:
    """The scores of the model at the cut-off (default: its latest one)."""
    rows = rows.filter(model=model)
    as_of = as_of or rows.order_by("-as_of").values_list("as_of", flat=True).first()
    if as_of is None:
        return None, {}
    return as_of, dict(rows.filter(as_of=as_of).values_list("customer_id", value))


def _truth(label: str) -> dict[int, datetime.date]:
    return dict(DemoTruthLabel.objects.filter(label=label).values_list("customer_id", "event_date"))


def churn_report(as_of: datetime.date | None, window_days: int | None) -> dict:
    """Positives: scored customers who churned after the cut-off (within the window, if given)."""
    model = _in_use("churn")
    if model is None:
        return {"skipped": "no churn model"}
    as_of, scores = _scores(model, ChurnScore.objects, as_of, "probability")
    if not scores:
        return {"skipped": "no churn scores", "model": str(model)}
    truth = _truth(DemoTruthLabel.Label.CHURN)
    end = as_of + datetime.timedelta(days=window_days) if window_days else datetime.date.max
    ids = sorted(scores)
    y = [customer in truth and as_of < truth[customer] <= end for customer in ids]
    return {"model": str(model), "as_of": as_of.isoformat(), **ranking_report(y, [scores[i] for i in ids])}


def credit_report(as_of: datetime.date | None) -> dict:
    """Bad-debt probability against bad-debt labels: all of them, and only defaults after the cut-off."""
    model = _in_use("credit")
    if model is None:
        return {"skipped": "no credit model"}
    as_of, scores = _scores(model, CreditScore.objects, as_of, "bad_debt_probability")
    if not scores:
        return {"skipped": "no credit scores", "model": str(model)}
    truth = _truth(DemoTruthLabel.Label.BAD_DEBT)
    ids = sorted(scores)
    later = [i for i in ids if i not in truth or truth[i] > as_of]
    return {
        "model": str(model),
        "as_of": as_of.isoformat(),
        **ranking_report([i in truth for i in ids], [scores[i] for i in ids]),
        "after_cut_off": ranking_report([i in truth for i in later], [scores[i] for i in later]),
    }


def fraud_report(as_of: datetime.date | None) -> dict:
    """Customers with an alert (up to the cut-off, if given) against the fraud labels, in all and per detector."""
    alerts = FraudAlert.objects.all()
    if as_of:
        alerts = alerts.filter(day__lte=as_of)
    truth = set(_truth(DemoTruthLabel.Label.FRAUD))
    pairs = list(alerts.values_list("detector", "customer_id").distinct())
    report = {"all": precision_recall({c for _d, c in pairs}, truth), "detectors": {}}
    for detector in sorted({d for d, _c in pairs}):
        report["detectors"][detector] = precision_recall({c for d, c in pairs if d == detector}, truth)
    return report


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


class Command(BaseCommand):
    help = "Evaluate the churn, fraud and credit models against the demo data's hidden truth labels."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="Cut-off of the scores (default: latest)")
        parser.add_argument("--churn-window-days", type=int, default=None, help="Count churn only this long after")
        parser.add_argument("--json", dest="json_file", help="Also write the figures to this JSON file")

    def handle(self, *args, as_of=None, churn_window_days=None, json_file=None, **options):
        if not DemoTruthLabel.objects.exists():
            raise CommandError("No demo truth labels: this command evaluates on demo data (seed_demo) only.")
        report = {
            "churn": churn_report(as_of, churn_window_days),
            "fraud": fraud_report(as_of),
            "credit": credit_report(as_of),
        }
        rows = []
        churn = report["churn"]
        if "skipped" in churn:
            rows.append(("churn", "", churn["skipped"]))
        else:
            rows += [("churn", f"{churn['model']} @ {churn['as_of']}", "")]
            rows += [("churn", k, _fmt(churn[k])) for k in ("n", "positives", "auc", "pr_auc", "lift_top_decile")]
        fraud = report["fraud"]
        for name, figures in [("all detectors", fraud["all"]), *fraud["detectors"].items()]:
            rows.append(
                (
                    "fraud",
                    name,
                    f"precision {_fmt(figures['precision'])}  recall {_fmt(figures['recall'])}  "
                    f"({figures['hits']} of {figures['flagged']} flagged, {figures['true']} true)",
                )
            )
        credit = report["credit"]
        if "skipped" in credit:
            rows.append(("credit", "", credit["skipped"]))
        else:
            rows += [("credit", f"{credit['model']} @ {credit['as_of']}", "")]
            rows += [("credit", k, _fmt(credit[k])) for k in ("n", "positives", "auc", "lift_top_decile")]
            rows.append(("credit", "auc, defaults after the cut-off", _fmt(credit["after_cut_off"]["auc"])))
        width = max(len(r[1]) for r in rows) + 2
        for topic, name, value in rows:
            self.stdout.write(f"{topic:<8}{name:<{width}}{value}")
        if json_file:
            with open(json_file, "w", encoding="utf-8") as handle:
                json.dump(report, handle, ensure_ascii=False, indent=2)
            self.stdout.write(f"Wrote {json_file}")
        return None
