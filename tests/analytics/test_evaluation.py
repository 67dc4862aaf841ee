"""Metrics against truth (pure): AUC, lift, precision and recall."""

from analytics.evaluation import auc, precision_recall, ranking_report, top_decile_lift


def test_auc_and_lift_of_a_perfect_and_of_a_useless_score():
    y = [0] * 90 + [1] * 10
    perfect = list(range(100))
    assert auc(y, perfect) == 1.0
    assert top_decile_lift(y, perfect) == 10.0
    reversed_ = [-s for s in perfect]
    assert auc(y, reversed_) == 0.0
    assert top_decile_lift(y, reversed_) == 0.0


def test_undefined_metrics_are_none():
    assert auc([0, 0, 0], [0.1, 0.2, 0.3]) is None
    assert top_decile_lift([0, 0], [1, 2]) is None
    assert ranking_report([], [])["auc"] is None


def test_precision_and_recall_of_flagged_ids():
    report = precision_recall({1, 2, 3, 4}, {3, 4, 5})
    assert report["hits"] == 2
    assert report["precision"] == 0.5
    assert report["recall"] == round(2 / 3, 4)
    assert report["f1"] == round(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), 4)
    assert precision_recall(set(), {1})["precision"] is None
