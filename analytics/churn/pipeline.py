"""The churn model pipeline (pure scikit-learn), shared by the training job and ``churn_evaluate``.

Columns are detected: numbers are numeric, everything else (text, category, bool) is categorical. The model is a
HistGradientBoostingClassifier with balanced class weights inside a CalibratedClassifierCV, so the boosting sees the
rare churners as often as the stayers while the calibration, fitted on unweighted folds, brings the probabilities back
to real rates. The baseline is a logistic regression on scaled numbers and one-hot categories (class_weight
balanced), trained alongside for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ISOTONIC_MIN_ROWS = 2000  # below this, isotonic calibration overfits its steps: use Platt (sigmoid) scaling
ISOTONIC_MIN_POSITIVES = 500
# Below this many rows the boosting's OpenMP threads mostly wait for each other (on a busy 2-core worker a 1,500-row
# fit took 8 s with threads and 0.3 s without): one thread.
PARALLEL_MIN_ROWS = 100_000
MAX_CATEGORIES = 250


def threads_for(n_rows: int):
    """A context that limits native threads to one for small data (and leaves big data parallel)."""
    return threadpool_limits(limits=None if n_rows >= PARALLEL_MIN_ROWS else 1)


def split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric, categorical) column names: numbers are numeric; text, categories and booleans are categorical."""
    numeric, categorical = [], []
    for name in frame.columns:
        dtype = frame[name].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            categorical.append(name)
        else:
            numeric.append(name)
    return numeric, categorical


def _as_text(values):
    return pd.DataFrame(values).astype("string").fillna("").astype(object).to_numpy()


def make_preprocessor(numeric: list[str], categorical: list[str], *, for_linear: bool) -> ColumnTransformer:
    """Numbers as they are for the trees, median-imputed and scaled for the linear baseline; categories as text,
    one-hot for the baseline and ordinal codes (unknown or missing = -1, which the trees treat as missing)."""
    # The trees split on missing values themselves ("no contract" is not the median contract), so only the linear
    # baseline imputes.
    numbers = [SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()] if for_linear else []
    if for_linear:
        encoder = OneHotEncoder(
            handle_unknown="ignore", min_frequency=5, max_categories=MAX_CATEGORIES, sparse_output=False
        )
    else:
        # The trees take at most 255 categories a column: rarer ones are pooled (an id-like column becomes noise).
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1,
                                 max_categories=MAX_CATEGORIES)  # fmt: skip
    categories = make_pipeline(FunctionTransformer(_as_text, feature_names_out="one-to-one"), encoder)
    transformers = []
    if numeric:
        transformers.append(("num", make_pipeline(*numbers) if numbers else "passthrough", numeric))
    if categorical:
        transformers.append(("cat", categories, categorical))
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=False)


def calibration_method(n_rows: int, requested: str = "auto", positives: int | None = None) -> str:
    """Isotonic only with plenty of rows and churners: with few churners its steps reach 0 or 1 (on a 6,000-customer
    demo with 113 churners it gave 120 customers a probability of 1.0); otherwise Platt (sigmoid) scaling."""
    if requested in ("isotonic", "sigmoid"):
        return requested
    enough_positives = positives is None or positives >= ISOTONIC_MIN_POSITIVES
    return "isotonic" if n_rows >= ISOTONIC_MIN_ROWS and enough_positives else "sigmoid"


class ChurnBoosting(HistGradientBoostingClassifier):
    """Gradient boosting whose bin edges are the plain quantiles of the data, as before scikit-learn 1.6.

    With class weights, scikit-learn now computes weighted quantiles with a full sort of the column for each of the
    254 bin edges of each feature: most of a training run at 10,000 customers and far beyond the monthly run's budget
    at a million, for edges that move little. The boosting itself still weighs the classes."""

    def _bin_data(self, X, sample_weight, is_training_data):
        return super()._bin_data(X, None, is_training_data)


def make_model(numeric: list[str], categorical: list[str], *, n_rows: int, calibration: str = "auto",
               random_state: int = 0, positives: int | None = None) -> CalibratedClassifierCV:  # fmt: skip
    """Gradient boosting with balanced class weights, calibrated on 3 stratified folds."""
    n_cat = len(categorical)
    boosting = ChurnBoosting(
        max_iter=200,
        learning_rate=0.08,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        class_weight="balanced",
        # The ordinal codes of the categories come last in the preprocessor's output.
        categorical_features=[False] * len(numeric) + [True] * n_cat if n_cat else None,
        early_stopping=False,
        random_state=random_state,
    )
    pipeline = Pipeline([("prep", make_preprocessor(numeric, categorical, for_linear=False)), ("hgb", boosting)])
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=random_state)
    method = calibration_method(n_rows, calibration, positives)
    return CalibratedClassifierCV(pipeline, method=method, cv=folds)


def make_baseline(numeric: list[str], categorical: list[str]) -> Pipeline:
    """Logistic regression on scaled numbers and one-hot categories, classes balanced."""
    return Pipeline(
        [
            ("prep", make_preprocessor(numeric, categorical, for_linear=True)),
            ("lr", LogisticRegression(class_weight="balanced", max_iter=2000, C=0.5)),
        ]
    )


@dataclass
class ChurnModel:
    """What a churn model version stores: both fitted estimators, the columns, and the population's reference
    values (median or most frequent) that the reasons compare a customer with."""

    model: CalibratedClassifierCV
    baseline: Pipeline
    numeric: list[str]
    categorical: list[str]
    reference: dict = field(default_factory=dict)
    calibration: str = "sigmoid"

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        with threads_for(len(frame)):
            return self.model.predict_proba(frame[self.features])[:, 1]

    def predict_baseline(self, frame: pd.DataFrame) -> np.ndarray:
        with threads_for(len(frame)):
            return self.baseline.predict_proba(frame[self.features])[:, 1]


def reference_values(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> dict:
    reference = {name: float(frame[name].median()) if frame[name].notna().any() else 0.0 for name in numeric}
    for name in categorical:
        mode = frame[name].astype("string").mode(dropna=True)
        reference[name] = str(mode.iloc[0]) if len(mode) else ""
    return reference


def check_trainable(y: pd.Series | np.ndarray, *, min_rows: int, min_positives: int, what: str) -> None:
    """Raise ValueError (a readable one) when there are too few rows or churners to fit or judge a model."""
    y = np.asarray(y)
    positives, n = int(y.sum()), len(y)
    if n < min_rows or positives < min_positives or n - positives < min_positives:
        raise ValueError(
            f"Not enough history for {what}: {n} customers of whom {positives} churned "
            f"(need at least {min_rows} customers and {min_positives} churners and stayers)."
        )


def fit_churn_model(X: pd.DataFrame, y, *, calibration: str = "auto", random_state: int = 0) -> ChurnModel:
    """Fit the calibrated boosting model and the baseline on the same rows. Columns with no value at all in the
    training rows (e.g. contract end where no key account is among them) carry nothing and are left out."""
    X = X.loc[:, X.notna().any(axis=0)]
    numeric, categorical = split_columns(X)
    y = np.asarray(y).astype(int)
    model = make_model(numeric, categorical, n_rows=len(X), calibration=calibration, random_state=random_state,
                       positives=int(y.sum()))  # fmt: skip
    with threads_for(len(X)):
        model.fit(X[numeric + categorical], y)
        baseline = make_baseline(numeric, categorical).fit(X[numeric + categorical], y)
    return ChurnModel(
        model=model,
        baseline=baseline,
        numeric=numeric,
        categorical=categorical,
        reference=reference_values(X, numeric, categorical),
        calibration=model.method,
    )


def risk_band(probability: np.ndarray, *, high: float, medium: float) -> np.ndarray:
    """ "high", "medium" or "low" per probability (thresholds inclusive)."""
    probability = np.asarray(probability, dtype=float)
    return np.where(probability >= high, "high", np.where(probability >= medium, "medium", "low"))
