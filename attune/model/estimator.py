"""The per-dimension classifier, following scikit-learn's estimator contract.

:class:`LevelClassifier` predicts a distribution over the codebook levels 0-3 of one
dimension from the cue features; its score is the expected level scaled to 0-100, and
:meth:`LevelClassifier.contributions` attributes that expectation to the features.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .linear import LevelOutputs


class LevelClassifier(LevelOutputs, ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression for one dimension over standardised dense features,
    optionally followed by sparse n-gram columns.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength.
    class_weight : dict, "balanced" or None, default=None
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    n_dense : int or None, default=None
        The number of leading columns of ``X`` that are dense features (standardised before
        fitting); the remaining columns are sparse n-gram weights. None: all columns are dense.
    ngram_weight : float, default=1.0
        Multiplier of the n-gram columns relative to the standardised dense ones; 0 drops them.
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

    def __init__(self, C: float = 1.0, class_weight=None, n_dense: int | None = None,
                 ngram_weight: float = 1.0, max_iter: int = 5000):
        self.C = C
        self.class_weight = class_weight
        self.n_dense = n_dense
        self.ngram_weight = ngram_weight
        self.max_iter = max_iter

    def _split(self, X):
        n_dense = self.n_dense_
        if sparse.issparse(X):
            dense = X[:, :n_dense].toarray()
            rest = X[:, n_dense:] if X.shape[1] > n_dense else None
        else:
            dense, rest = X[:, :n_dense], (sparse.csr_matrix(X[:, n_dense:]) if X.shape[1] > n_dense else None)
        return dense, rest

    def _design(self, X):
        dense, rest = self._split(X)
        Z = self.scaler_.transform(dense)
        if rest is None or self.ngram_weight == 0:
            return Z
        return sparse.hstack([sparse.csr_matrix(Z), rest * self.ngram_weight], format="csr")

    def fit(self, X, y):
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        self.n_dense_ = X.shape[1] if self.n_dense is None else int(self.n_dense)
        if not 0 < self.n_dense_ <= X.shape[1]:
            raise ValueError(f"n_dense must be between 1 and {X.shape[1]}, got {self.n_dense}")
        dense, _ = self._split(X)
        self.scaler_ = StandardScaler().fit(dense)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
        ).fit(self._design(X), y)
        self.classes_ = self.model_.classes_
        return self

    def _check(self, X):
        check_is_fitted(self)
        return validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)

    def _proba(self, Z) -> np.ndarray:
        """Softmax of the logits divided by the fitted temperature (1.0 until calibrated)."""
        logits = self.model_.decision_function(Z)
        if logits.ndim == 1:
            logits = np.column_stack([np.zeros_like(logits), logits])
        logits = logits / getattr(self, "temperature_", 1.0)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def calibrate(self, logits: np.ndarray, y, factor: float = 1.0) -> "LevelClassifier":
        """Fit a temperature on held-out logits (from :meth:`decision_logits` of models that did
        not see those rows, one column per class in :attr:`classes_`) by minimising the
        negative log-likelihood of ``y``, and multiply it by ``factor``."""
        check_is_fitted(self)
        self.temperature_ = fit_temperature(logits, y, self.classes_) * float(factor)
        return self

    def decision_logits(self, X) -> np.ndarray:
        """Raw logits, one column per class in :attr:`classes_` (before the temperature)."""
        logits = self.model_.decision_function(self._design(self._check(X)))
        return np.column_stack([np.zeros_like(logits), logits]) if logits.ndim == 1 else logits

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of the levels seen in training (columns follow :attr:`classes_`),
        with the calibration temperature applied."""
        Z = self._design(self._check(X))
        return self._proba(Z)

    def predict(self, X) -> np.ndarray:
        Z = self._design(self._check(X))
        return self.model_.predict(Z)

    def level_proba_and_contributions(self, X) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`level_proba` and :meth:`contributions` in one pass over the design."""
        X = self._check(X)
        Z = self._design(X)
        p = self._proba(Z)
        return self._pad_levels(p), self._contributions(X, Z, p)

    def contributions(self, X) -> np.ndarray:
        """Each feature's signed contribution to the expected level, shape like ``X``.

        A first-order attribution: the gradient of the expected level with respect to each
        model input, times that input (a dense feature's distance from its training mean in
        standard deviations; an n-gram's weighted TF-IDF value). Positive values raised the score.
        """
        X = self._check(X)
        Z = self._design(X)
        return self._contributions(X, Z, self._proba(Z))

    def _contributions(self, X, Z, p) -> np.ndarray:
        levels = self.classes_.astype(np.float64)           # (k,)
        W = self.model_.coef_ / getattr(self, "temperature_", 1.0)   # (k, f)
        if W.shape[0] == 1:                                 # two levels only
            W = np.vstack([np.zeros_like(W[0]), W[0]])
        expected = p @ levels                               # (n,)
        # d E / d z_f = sum_k p_k (l_k - E) W_kf; only inputs that are non-zero need it
        A = p * (levels[None, :] - expected[:, None])       # (n, k)
        n_dense = self.n_dense_
        out = np.zeros((X.shape[0], X.shape[1]))
        if sparse.issparse(Z):
            dense_z = Z[:, :n_dense].toarray()
            rest = Z[:, n_dense:].tocoo()
            out[:, :n_dense] = (A @ W[:, :n_dense]) * dense_z
            if rest.nnz:
                cols = n_dense + rest.col
                grad = np.einsum("nk,kn->n", A[rest.row], W[:, cols])
                out[rest.row, cols] = grad * rest.data
        else:
            out[:, :Z.shape[1]] = (A @ W) * Z
        return out


def fit_temperature(logits: np.ndarray, y, classes) -> float:
    """The temperature T that minimises the negative log-likelihood of ``y`` under the softmax
    of ``logits / T`` (columns follow ``classes``), searched between e^-3 and e^3.

    >>> import numpy as np
    >>> logits = np.array([[4.0, 0.0], [0.0, 4.0], [4.0, 0.0], [4.0, 0.0]])
    >>> round(fit_temperature(logits, [0, 1, 1, 0], [0, 1]), 2) > 1.0  # overconfident: soften
    True
    """
    from scipy.optimize import minimize_scalar

    index = {c: k for k, c in enumerate(classes)}
    rows = np.arange(len(y))
    cols = np.array([index[v] for v in y])

    def nll(log_t):
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[rows, cols].mean()

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))
