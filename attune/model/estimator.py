"""The per-dimension classifier, following scikit-learn's estimator contract.

:class:`LevelClassifier` predicts a distribution over the codebook levels 0-3 of one
dimension from the cue features; its score is the expected level scaled to 0-100, and
:meth:`LevelClassifier.contributions` attributes that expectation to the features.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from ..dimensions import MAX_LEVEL

LEVEL_VALUES = np.arange(MAX_LEVEL + 1, dtype=np.float64)


class LevelClassifier(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression over standardised features, for one dimension.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength.
    class_weight : dict, "balanced" or None, default=None
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    max_iter : int, default=5000
        Iterations for the lbfgs solver.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 5)
    >>> y = np.array([0, 1, 2, 3] * 5)
    >>> clf = LevelClassifier(C=10.0).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 4)
    >>> bool(clf.expected_level(X[3:4])[0] > clf.expected_level(X[:1])[0])
    True
    """

    def __init__(self, C: float = 1.0, class_weight=None, max_iter: int = 5000):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.scaler_ = StandardScaler().fit(X)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
        ).fit(self.scaler_.transform(X), y)
        self.classes_ = self.model_.classes_
        return self

    def _proba_levels(self, X) -> np.ndarray:
        """Probabilities over levels 0..MAX_LEVEL (zero for levels unseen in training)."""
        p = self.model_.predict_proba(self.scaler_.transform(X))
        out = np.zeros((p.shape[0], MAX_LEVEL + 1))
        out[:, self.classes_.astype(int)] = p
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of the levels 0-3, shape (n_samples, 4).

        Columns follow :attr:`classes_` (the levels seen in training, normally all four).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.model_.predict_proba(self.scaler_.transform(X))

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.model_.predict(self.scaler_.transform(X))

    def level_proba(self, X) -> np.ndarray:
        """Probabilities over all four levels 0-3, shape (n_samples, 4)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._proba_levels(X)

    def expected_level(self, X) -> np.ndarray:
        """The expected level, 0-3, under the predicted distribution."""
        return self.level_proba(X) @ LEVEL_VALUES

    def contributions(self, X) -> np.ndarray:
        """Each feature's signed contribution to the expected level, shape like ``X``.

        A first-order attribution: the gradient of the expected level with respect to each
        standardised feature, times the feature's standardised value (its distance from the
        training mean). Positive values raised the score.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = self.scaler_.transform(X)
        p = self.model_.predict_proba(Z)                    # (n, k)
        levels = self.classes_.astype(np.float64)           # (k,)
        W = self.model_.coef_                               # (k, f)
        if W.shape[0] == 1:                                 # binary problem
            W = np.vstack([np.zeros_like(W[0]), W[0]])
        mean_w = p @ W                                      # (n, f)
        grad = np.einsum("nk,k,nkf->nf", p, levels, W[None, :, :] - mean_w[:, None, :])
        return grad * Z
