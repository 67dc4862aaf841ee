"""Behaviour clusters (行为分群): MiniBatchKMeans on standardized usage, k chosen by silhouette on a sample, and a
profile of each cluster in words ("heavy data, light voice") an account manager can read.

Usage is heavy-tailed, so features are log-transformed before scaling: otherwise a few SIM-box-like lines would
make their own clusters and everyone else would share one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

# Behaviour features (monthly averages over the last three months) and how a profile names them.
FEATURES: dict[str, object] = {
    "voice_min": gettext_lazy("voice"),
    "data_mb": gettext_lazy("data"),
    "sms": gettext_lazy("SMS"),
    "roaming": gettext_lazy("roaming"),
}
# How far (in standard deviations) a cluster's centre must be from the mean to be called heavy or light.
NOTABLE_Z = 0.5
MAX_TERMS = 2


@dataclass
class ClusterModel:
    """A fitted clustering: the scaler and k-means, the features in order, and how k was chosen."""

    features: list[str]
    scaler: StandardScaler
    kmeans: MiniBatchKMeans | None
    k: int
    silhouettes: dict[int, float] = field(default_factory=dict)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        values = np.log1p(frame[self.features].astype("float64").clip(lower=0).fillna(0).to_numpy())
        return self.scaler.transform(values)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        if self.kmeans is None:
            return np.zeros(len(frame), dtype="int16")
        return self.kmeans.predict(self.transform(frame)).astype("int16")


def fit_clusters(
    frame: pd.DataFrame,
    *,
    features: list[str] | None = None,
    k_range: tuple[int, int] = (3, 8),
    sample_size: int = 5000,
    random_state: int = 0,
) -> ClusterModel:
    """Fit the scaler and MiniBatchKMeans for each k in ``k_range`` (inclusive) and keep the k with the best
    silhouette on a sample. Too few distinct customers for two clusters gives a single cluster."""
    features = list(features or FEATURES)
    values = np.log1p(frame[features].astype("float64").clip(lower=0).fillna(0).to_numpy())
    scaler = StandardScaler().fit(values)
    scaled = scaler.transform(values)
    rng = np.random.default_rng(random_state)
    if len(scaled) > sample_size:
        scaled = scaled[rng.choice(len(scaled), size=sample_size, replace=False)]
    distinct = len(np.unique(scaled.round(6), axis=0))
    low, high = max(2, k_range[0]), min(k_range[1], distinct - 1)
    if high < low:
        return ClusterModel(features=features, scaler=scaler, kmeans=None, k=1)
    best: tuple[float, int, MiniBatchKMeans] | None = None
    silhouettes: dict[int, float] = {}
    for k in range(low, high + 1):
        model = MiniBatchKMeans(n_clusters=k, random_state=random_state, n_init=3, batch_size=1024).fit(scaled)
        labels = model.labels_
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(scaled, labels, sample_size=min(len(scaled), 3000), random_state=random_state))
        silhouettes[k] = round(score, 4)
        if best is None or score > best[0]:
            best = (score, k, model)
    if best is None:
        return ClusterModel(features=features, scaler=scaler, kmeans=None, k=1, silhouettes=silhouettes)
    return ClusterModel(features=features, scaler=scaler, kmeans=best[2], k=best[1], silhouettes=silhouettes)


def describe(z: dict[str, float], names: dict[str, object] | None = None) -> str:
    """A cluster's label from its centre in standard deviations: the strongest deviations first."""
    names = names or FEATURES
    heavy = sorted(((f, v) for f, v in z.items() if v >= NOTABLE_Z), key=lambda fv: -fv[1])
    light = sorted(((f, v) for f, v in z.items() if v <= -NOTABLE_Z), key=lambda fv: fv[1])
    if not heavy and not light:
        return _("average usage")
    if not heavy and all(v < 0 for v in z.values()):
        return _("light user overall")
    # What they use most, then what they use least: "heavy data, light voice" reads better than two lights.
    notable = (heavy[:1] + light[:1]) if heavy and light else (heavy or light)[:MAX_TERMS]
    terms = [
        (_("heavy %(feature)s") if v > 0 else _("light %(feature)s")) % {"feature": names.get(f, f)} for f, v in notable
    ]
    return _(", ").join(terms)


def cluster_profiles(frame: pd.DataFrame, labels: np.ndarray, model: ClusterModel) -> list[dict]:
    """For each cluster: size, label, and per feature its mean and its distance from the mean in standard
    deviations (of the log-scaled feature), sorted by cluster number."""
    scaled = pd.DataFrame(model.transform(frame), columns=model.features, index=frame.index)
    raw = frame[model.features].astype("float64").fillna(0)
    profiles = []
    for cluster in sorted(np.unique(labels)):
        mask = labels == cluster
        z = {f: round(float(scaled.loc[mask, f].mean()), 3) for f in model.features}
        profiles.append(
            {
                "cluster": int(cluster),
                "size": int(mask.sum()),
                "label": describe(z),
                "profile": {f: {"mean": round(float(raw.loc[mask, f].mean()), 2), "z": z[f]} for f in model.features},
            }
        )
    return profiles


def cluster_labels(profiles: list[dict]) -> dict[int, str]:
    """Cluster number → label, made unique (two clusters both "heavy data" get "heavy data (2)")."""
    seen: dict[str, int] = {}
    out = {}
    for p in profiles:
        count = seen.get(p["label"], 0) + 1
        seen[p["label"]] = count
        out[p["cluster"]] = p["label"] if count == 1 else f"{p['label']} ({count})"
    return out
