"""Behaviour clusters (pure): k by silhouette, and profiles in words."""

import numpy as np
import pandas as pd
from django.utils import translation

from analytics.segments.clusters import cluster_labels, cluster_profiles, describe, fit_clusters


def _population(seed=1, n=150):
    rng = np.random.default_rng(seed)
    data_heavy = pd.DataFrame(
        {"voice_min": rng.normal(30, 5, n), "data_mb": rng.normal(20000, 2000, n), "sms": rng.normal(5, 1, n),
         "roaming": rng.normal(0.2, 0.1, n)}
    )  # fmt: skip
    talkers = pd.DataFrame(
        {"voice_min": rng.normal(900, 80, n), "data_mb": rng.normal(300, 50, n), "sms": rng.normal(20, 3, n),
         "roaming": rng.normal(0.2, 0.1, n)}
    )  # fmt: skip
    travellers = pd.DataFrame(
        {"voice_min": rng.normal(300, 30, n), "data_mb": rng.normal(3000, 300, n), "sms": rng.normal(60, 5, n),
         "roaming": rng.normal(80, 10, n)}
    )  # fmt: skip
    frame = pd.concat([data_heavy, talkers, travellers], ignore_index=True).clip(lower=0)
    truth = np.repeat([0, 1, 2], n)
    return frame, truth


def test_k_is_chosen_by_silhouette_and_finds_the_three_groups():
    frame, truth = _population()
    model = fit_clusters(frame, k_range=(2, 6), sample_size=300)
    assert model.k == 3
    assert max(model.silhouettes, key=model.silhouettes.get) == 3
    labels = model.predict(frame)
    # Each true group falls (almost) entirely into one cluster.
    for group in range(3):
        counts = np.bincount(labels[truth == group], minlength=model.k)
        assert counts.max() / counts.sum() > 0.95


def test_profiles_say_what_is_special_about_each_cluster():
    frame, _truth = _population()
    model = fit_clusters(frame, k_range=(3, 3))
    labels = model.predict(frame)
    with translation.override("en"):
        profiles = cluster_profiles(frame, labels, model)
    assert sum(p["size"] for p in profiles) == len(frame)
    heavy_data = labels[0]
    label = next(p["label"] for p in profiles if p["cluster"] == heavy_data)
    assert "heavy data" in label and "light voice" in label
    traveller = next(p for p in profiles if p["cluster"] == labels[-1])
    assert "heavy roaming" in traveller["label"]
    assert traveller["profile"]["roaming"]["z"] > 0.5


def test_describe_average_and_light_users():
    with translation.override("en"):
        assert describe({"voice_min": 0.1, "data_mb": -0.2}) == "average usage"
        assert describe({"voice_min": -1.0, "data_mb": -2.0}) == "light user overall"
        assert describe({"voice_min": 1.2, "data_mb": -0.7, "sms": 0.6}) == "heavy voice, light data"


def test_too_few_distinct_customers_make_one_cluster():
    frame = pd.DataFrame({"voice_min": [1.0, 1, 1], "data_mb": [2.0, 2, 2], "sms": [0.0, 0, 0], "roaming": [0.0] * 3})
    model = fit_clusters(frame)
    assert model.k == 1 and list(model.predict(frame)) == [0, 0, 0]


def test_duplicate_labels_are_numbered():
    assert cluster_labels([{"cluster": 0, "label": "heavy data"}, {"cluster": 1, "label": "heavy data"}]) == {
        0: "heavy data",
        1: "heavy data (2)",
    }
