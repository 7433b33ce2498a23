r"""A logistic-regression probe: how much does each kind of vector know about sentiment?

Every method turns a sentence into one vector (bag of words, TF-IDF, the mean of its word2vec
vectors, the mean of the encoder's contextual vectors); the same linear classifier is then
trained on each, and its cross-validated accuracy compares what the vectors carry.

**The model.** For features ``x_i`` (d,) and labels ``y_i`` in {0, 1},

    z_i = x_i . w + b,      p_i = sigmoid(z_i) = 1 / (1 + exp(-z_i))    = P(y_i = 1 | x_i)

**The objective** (scikit-learn's ``LogisticRegression(C=C)``, so both find the same ``w``):
the summed negative log-likelihood plus an L2 penalty on ``w`` (not on the bias ``b``),

    f(w, b) = C * sum_i [ log(1 + exp(z_i)) - y_i z_i ]  +  1/2 |w|^2

**Gradient** (d log(1 + e^z) / dz = sigmoid(z)):

    df/dw = C * X^T (p - y) + w              df/db = C * sum_i (p_i - y_i)

**Hessian** (positive definite, so f is strictly convex in w), with s_i = p_i (1 - p_i):

    H [v; c] = [ C * X^T (s * (X v + c)) + v ;  C * sum_i s_i (x_i . v + c) ]

**Solver: Newton's method with conjugate gradients** (as liblinear's "newton-cg"). Each
Newton step solves ``H step = -gradient`` approximately by conjugate gradients, which only
needs products ``H v`` -- two passes over ``X`` -- and never the (d, d) matrix, so the same code
serves 64 dense features and 20,000 sparse TF-IDF columns. A backtracking line search
(Armijo: accept when f drops by at least 1e-4 of the predicted decrease) keeps every step
downhill. Stops when ``|gradient| <= tol * |gradient at the start|``.

``X`` may be a dense ``np.ndarray`` or a :class:`~minembed.sparse.CSRMatrix`; only ``X @ v`` and
``X^T @ r`` are used (for CSR, ``X^T`` is built once per fit).
"""
import warnings

import numpy as np

from ..bow.onehot import OneHotEncoder
from ..core.sparse import CSRMatrix
from ..bow.tfidf import TfidfVectorizer
from ..text.tokenize import Tokenizer
from ..text.vocab import Vocabulary


# ---------------------------------------------------------------------------- the objective
def sigmoid(z):
    """Numerically stable ``1 / (1 + exp(-z))`` (no overflow for large |z|)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def loss_and_grad(params, X, Xt, y, C):
    """f and its gradient at ``params = [w (d,), b]`` (d + 1,); see the module docstring.

    ``Xt`` is ``X``'s transpose (or None for dense ``X``, which uses ``X.T``).
    """
    w, b = params[:-1], params[-1]
    z = X @ w + b                                                  # (n,)
    loss = C * np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * w @ w
    residual = sigmoid(z) - y                                      # (n,) p - y
    grad = np.empty_like(params)
    grad[:-1] = C * _rmatvec(X, Xt, residual) + w
    grad[-1] = C * residual.sum()
    return float(loss), grad


def _rmatvec(X, Xt, r):
    """``X^T @ r`` (d,): the prepared CSR transpose, or the dense transpose view."""
    return Xt @ r if Xt is not None else X.T @ r


def _hessian_vector(X, Xt, s, C, v):
    """H @ v for ``v = [v_w (d,), v_b]``, with ``s = p (1 - p)`` (n,)."""
    weighted = C * s * (X @ v[:-1] + v[-1])                         # (n,)
    out = np.empty_like(v)
    out[:-1] = _rmatvec(X, Xt, weighted) + v[:-1]
    out[-1] = weighted.sum()
    return out


def _conjugate_gradient(hessian_vector, grad, tol, max_iter):
    """Approximately solve ``H step = -grad`` by conjugate gradients, from step = 0."""
    step = np.zeros_like(grad)
    residual = -grad                                               # -grad - H step
    direction = residual.copy()
    rr = residual @ residual
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol:
            break
        Hd = hessian_vector(direction)
        alpha = rr / (direction @ Hd)
        step += alpha * direction
        residual -= alpha * Hd
        rr, rr_old = residual @ residual, rr
        direction = residual + (rr / rr_old) * direction
    return step


# ---------------------------------------------------------------------------- the classifier
class LogisticRegression:
    """Binary L2 logistic regression trained by Newton-CG, with scikit-learn's names.

    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> LogisticRegression(C=100).fit(X, y).predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, C=1.0, tol=1e-6, max_iter=100, max_cg_iter=200):
        if not C > 0:
            raise ValueError(f"C (inverse regularization strength) must be > 0, got {C}")
        self.C, self.tol, self.max_iter, self.max_cg_iter = float(C), tol, max_iter, max_cg_iter

    def fit(self, X, y):
        """Fit to features ``X`` (n, d), dense or CSRMatrix, and ``y`` (n,) with exactly two classes."""
        X = _check_features(X)
        y_raw = np.asarray(y).reshape(-1)
        if len(y_raw) != X.shape[0]:
            raise ValueError(f"{X.shape[0]} rows of features but {len(y_raw)} labels")
        self.classes_ = np.unique(y_raw)
        if len(self.classes_) != 2:
            raise ValueError(f"the probe is a binary classifier: labels need exactly 2 classes, "
                             f"got {len(self.classes_)} ({self.classes_[:5].tolist()})")
        y01 = (y_raw == self.classes_[1]).astype(np.float64)          # (n,) 0/1
        Xt = X.transpose() if isinstance(X, CSRMatrix) else None
        params = np.zeros(X.shape[1] + 1)
        loss, grad = loss_and_grad(params, X, Xt, y01, self.C)
        target = self.tol * max(np.linalg.norm(grad), 1e-12)
        self.n_iter_ = 0
        while np.linalg.norm(grad) > target and self.n_iter_ < self.max_iter:
            p = sigmoid(X @ params[:-1] + params[-1])                   # (n,)
            s = p * (1.0 - p)                                              # (n,) curvature per sample
            g_norm = np.linalg.norm(grad)
            step = _conjugate_gradient(lambda v: _hessian_vector(X, Xt, s, self.C, v), grad,
                                       tol=min(0.5, np.sqrt(g_norm)) * g_norm, max_iter=self.max_cg_iter)
            params, loss, grad = _line_search(params, step, loss, grad,
                                              lambda q: loss_and_grad(q, X, Xt, y01, self.C))
            self.n_iter_ += 1
        if np.linalg.norm(grad) > target:
            warnings.warn(f"LogisticRegression did not converge in {self.max_iter} Newton steps "
                          f"(|gradient| {np.linalg.norm(grad):.3g} > {target:.3g}); raise max_iter", stacklevel=2)
        self.coef_, self.intercept_, self.loss_ = params[:-1].copy(), float(params[-1]), loss
        return self

    def decision_function(self, X):
        """``z = X w + b`` (n,): positive means the second class."""
        if not hasattr(self, "coef_"):
            raise ValueError("this LogisticRegression is not fitted yet: call fit(X, y) first")
        X = _check_features(X)
        if X.shape[1] != len(self.coef_):
            raise ValueError(f"X has {X.shape[1]} features but the probe was fitted on {len(self.coef_)}")
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X):
        """(n, 2): ``[P(classes_[0]), P(classes_[1])]`` per row."""
        p = sigmoid(self.decision_function(X))
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, X):
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def score(self, X, y):
        """Accuracy: the fraction of rows whose predicted label equals ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))


def _line_search(params, step, loss, grad, evaluate, shrink=0.5, armijo=1e-4, max_halvings=30):
    """Backtrack from the full Newton step until f falls enough; returns (params, loss, grad)."""
    slope = grad @ step                                            # < 0: a descent direction
    t = 1.0
    for _ in range(max_halvings):
        candidate = params + t * step
        new_loss, new_grad = evaluate(candidate)
        if new_loss <= loss + armijo * t * slope:
            return candidate, new_loss, new_grad
        t *= shrink
    return params, loss, grad                                      # no progress possible: stay


def _check_features(X):
    if isinstance(X, CSRMatrix):
        return X if X.dtype == np.float64 else CSRMatrix(X.data.astype(np.float64), X.indices, X.indptr, X.shape)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"features must be a 2-D array (n_samples, n_features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("features contain NaN or infinity")
    return X


# ---------------------------------------------------------------------------- cross-validation
def stratified_kfold(labels, k=10, seed=1):
    """``k`` (train_indices, test_indices) splits; every class is spread evenly over the folds.

    Each class's indices are shuffled (seeded), the classes are laid end to end, and position
    ``j`` of that sequence goes to fold ``j % k``: each fold gets the same number of each class,
    give or take one, and every index is in exactly one test fold.

    >>> [test.tolist() for _, test in stratified_kfold([0, 0, 1, 1], k=2, seed=0)]   # doctest: +SKIP
    [[0, 3], [1, 2]]
    """
    labels = np.asarray(labels).reshape(-1)
    classes, counts = np.unique(labels, return_counts=True)
    if not 2 <= k <= len(labels):
        raise ValueError(f"k must be between 2 and the number of samples ({len(labels)}), got {k}")
    if counts.min() < k:
        raise ValueError(f"class {classes[np.argmin(counts)]!r} has only {counts.min()} samples, fewer than "
                         f"k={k} folds; lower k")
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(np.flatnonzero(labels == c)) for c in classes])
    fold_of = np.empty(len(labels), dtype=np.int64)
    fold_of[order] = np.arange(len(labels)) % k
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


def cross_val_accuracy(features, labels, k=10, seed=1, C=1.0, standardize=False):
    """Stratified ``k``-fold accuracy of :class:`LogisticRegression` on ``features`` (n, d).

    ``standardize=True`` (dense features only) rescales every column to mean 0, variance 1
    using the training fold's statistics. Returns ``{"mean", "std", "folds"}`` (accuracies).
    """
    X = _check_features(features)
    labels = np.asarray(labels).reshape(-1)
    if standardize and isinstance(X, CSRMatrix):
        raise ValueError("standardize=True needs dense features (centring would fill a sparse matrix)")
    scores = []
    for train, test in stratified_kfold(labels, k, seed):
        X_train, X_test = _rows(X, train), _rows(X, test)
        if standardize:
            mean, std = X_train.mean(axis=0), X_train.std(axis=0)
            std[std == 0] = 1.0
            X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
        scores.append(LogisticRegression(C=C).fit(X_train, labels[train]).score(X_test, labels[test]))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "folds": scores}


def _rows(X, indices):
    return X.take_rows(indices) if isinstance(X, CSRMatrix) else X[indices]


# ---------------------------------------------------------------------------- features per method
def bow_features(texts, tokenizer=None, binary=False):
    """Bag-of-words counts (n_texts, V) over the vocabulary of ``texts`` themselves (CSRMatrix)."""
    tokenizer = tokenizer or Tokenizer()
    token_lists = list(tokenizer.tokenize_many(texts))
    encoder = OneHotEncoder(Vocabulary.build(token_lists), tokenizer)
    return encoder.bag_of_words(token_lists, binary=binary)


def tfidf_features(texts, **tfidf_params):
    """TF-IDF rows (CSRMatrix) of ``texts``, fitted on them (scikit-learn's defaults unless given)."""
    return TfidfVectorizer(**tfidf_params).fit_transform(texts)


def mean_vector_features(texts, keyed_vectors, tokenizer=None):
    """Each text as the mean of its known words' vectors (n_texts, d); texts with none get 0.

    Computed as one sparse product ``A @ E``: ``A[t, w]`` = (count of word w in text t) /
    (known words in text t), ``E`` the (V, d) vector table.
    """
    tokenizer = tokenizer or Tokenizer()
    lookup = keyed_vectors.key_to_index
    rows, cols = [], []
    for t, tokens in enumerate(tokenizer.tokenize_many(texts)):
        known = [lookup[w] for w in tokens if w in lookup]
        rows.extend([t] * len(known))
        cols.extend(known)
    rows = np.asarray(rows, dtype=np.int64)
    n_known = np.bincount(rows, minlength=len(texts))               # (n_texts,)
    weights = 1.0 / n_known[rows] if len(rows) else np.zeros(0)
    averaging = CSRMatrix.from_coo(rows, cols, weights, (len(texts), len(keyed_vectors)))
    return averaging @ keyed_vectors.vectors.astype(np.float64)     # (n_texts, d)


def encoder_features(texts, encoder, batch_size=512):
    """Each text as the mean of the encoder's contextual vectors (n_texts, dim).

    Unknown words become ``<unk>``; texts longer than the encoder's ``max_len`` are truncated
    (one summary warning instead of one per text); a text with no words at all raises.
    """
    chunks = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for start in range(0, len(texts), batch_size):
            chunks.append(encoder.sentence_vectors(list(texts[start:start + batch_size])))
    truncated = sum("max_len" in str(w.message) for w in caught)
    if truncated:
        warnings.warn(f"{truncated} of {len(texts)} texts were longer than max_len="
                      f"{encoder.config['max_len']} tokens and were truncated", stacklevel=2)
    return np.concatenate(chunks).astype(np.float64)
