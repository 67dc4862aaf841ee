"""The reasons' contributions (``reasons.contributions``) computed tree by tree, with the same numbers.

Putting one feature back at its reference value changes only the trees that split on it: a boosting tree of 15
leaves splits on a handful of the 40 features. So each tree's output is computed once for every customer, and for each
feature only the trees that use it are evaluated again on the customers whose value differs; the raw score is summed
in the boosting's own order and calibrated as scikit-learn does. Scoring spent 80 % of its time re-predicting the
whole model once per feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from .pipeline import ChurnModel, threads_for
from .reasons import contributions, differs_from


class _Fold:
    """One calibrated fold of the model: preprocessing, the trees (one per iteration) and the calibrator."""

    def __init__(self, calibrated) -> None:
        pipeline: Pipeline = calibrated.estimator
        self.prep, self.boosting = pipeline[:-1], pipeline[-1]
        self.calibrator = calibrated.calibrators[0]
        self.trees = [predictors[0] for predictors in self.boosting._predictors]
        self.bitsets, self.f_idx_map = self.boosting._bin_mapper.make_known_categories_bitsets()
        self.baseline = self.boosting._baseline_prediction.ravel()[0]
        self.columns = list(self.prep.get_feature_names_out())

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return self.boosting._preprocess_X(self.prep.transform(frame), reset=False)

    def outputs(self, X: np.ndarray, trees) -> np.ndarray:
        """(rows, len(trees)): each tree's leaf value per row."""
        out = np.empty((X.shape[0], len(trees)), dtype="float64")
        for k, tree in enumerate(trees):
            out[:, k] = tree.predict(X, self.bitsets, self.f_idx_map, 1)
        return out

    def index(self, column: str) -> int:
        """The column's index in the boosting's own input (it moves the categorical columns first)."""
        i = self.columns.index(column)
        mask = getattr(self.boosting, "is_categorical_", None)
        if self.boosting._preprocessor is None or mask is None:
            return i
        return [*np.flatnonzero(mask), *np.flatnonzero(~mask)].index(i)

    def uses(self, j: int) -> np.ndarray:
        """Indices of the trees that split on the boosting's input column ``j``."""
        return np.array(
            [k for k, t in enumerate(self.trees) if ((t.nodes["feature_idx"] == j) & (t.nodes["is_leaf"] == 0)).any()],
            dtype=int,
        )

    def probability(self, per_tree: np.ndarray) -> np.ndarray:
        raw = np.full(per_tree.shape[0], self.baseline, dtype="float64")
        for k in range(per_tree.shape[1]):  # the boosting's order of additions: the same floating-point sums
            raw += per_tree[:, k]
        probability = self.calibrator.predict(raw)
        probability[(probability > 1.0) & (probability <= 1.0 + 1e-5)] = 1.0  # as scikit-learn does per fold
        return probability


def _supported(model: ChurnModel) -> bool:
    calibrated = getattr(model.model, "calibrated_classifiers_", None)
    return bool(calibrated) and all(
        c.method in ("sigmoid", "isotonic")
        and len(c.calibrators) == 1
        and isinstance(c.estimator, Pipeline)
        and isinstance(c.estimator[-1], HistGradientBoostingClassifier)
        and c.estimator[-1].n_trees_per_iteration_ == 1
        for c in calibrated
    )


def model_contributions(model: ChurnModel, frame: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """``reasons.contributions(model.predict, frame, model.reference, features)``, tree by tree."""
    frame = frame[model.features]
    if not _supported(model):
        return contributions(model.predict, frame, model.reference, features)
    folds = [_Fold(c) for c in model.model.calibrated_classifiers_]
    n = len(frame)
    with threads_for(n):
        matrices = [fold.matrix(frame) for fold in folds]
        per_tree = [fold.outputs(X, fold.trees) for fold, X in zip(folds, matrices, strict=True)]
        base = np.zeros(n)
        for fold, outputs in zip(folds, per_tree, strict=True):
            base += fold.probability(outputs)
        base /= len(folds)
        # Each column is transformed on its own (passed through, or a category's code), so one row with every feature
        # at its reference value gives, per fold, the value a changed row gets in each column.
        at_reference = frame.iloc[:1].copy()
        for name in features:
            if name in model.reference:
                at_reference[name] = _at_reference(at_reference[name], model.reference[name])
        reference = [fold.matrix(at_reference) for fold in folds]
        out = {}
        for name in features:
            if name not in model.reference:
                continue
            value = model.reference[name]
            rows = differs_from(frame[name], value)
            contribution = np.zeros(n)
            if rows.any():
                total = np.zeros(int(rows.sum()))
                for f, (fold, X, outputs) in enumerate(zip(folds, matrices, per_tree, strict=True)):
                    j = fold.index(name)
                    trees = fold.uses(j)
                    mine = outputs[rows]
                    if len(trees):
                        changed = X[rows]
                        changed[:, j] = reference[f][0, j]
                        mine[:, trees] = fold.outputs(changed, [fold.trees[k] for k in trees])
                    total += fold.probability(mine)
                contribution[rows] = base[rows] - total / len(folds)
            out[name] = contribution
    return base, pd.DataFrame(out, index=frame.index)


def _at_reference(column: pd.Series, value) -> pd.Series | object:
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories if value in column.cat.categories else [*column.cat.categories, value]
        return pd.Categorical([value] * len(column), categories=categories)
    return value
