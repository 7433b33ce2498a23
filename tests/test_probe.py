"""probe: logistic regression (gradient check, hand values, scikit-learn), stratified folds, features."""
import numpy as np
import pytest

from minembed.vectors.keyed import KeyedVectors
from minembed.nn.gradcheck import check_gradients
from minembed.tasks.probe import (LogisticRegression, _hessian_vector, bow_features, cross_val_accuracy,
                            loss_and_grad, mean_vector_features, sigmoid, stratified_kfold, tfidf_features)
from minembed.core.sparse import CSRMatrix


def toy(n=200, d=5, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.3 + noise * rng.normal(size=n) > 0).astype(int)
    return X, y


# ---------------------------------------------------------------------------- the objective
def test_loss_and_gradient_by_hand():
    # one sample x = (1, 2), y = 1, w = (0.5, -1), b = 0.25: z = 0.5 - 2 + 0.25 = -1.25
    X, y = np.array([[1.0, 2.0]]), np.array([1.0])
    params, C = np.array([0.5, -1.0, 0.25]), 2.0
    loss, grad = loss_and_grad(params, X, None, y, C)
    z, p = -1.25, 1 / (1 + np.exp(1.25))
    assert loss == pytest.approx(C * (np.log1p(np.exp(z)) - z) + 0.5 * (0.25 + 1.0))
    np.testing.assert_allclose(grad, [C * (p - 1) * 1 + 0.5, C * (p - 1) * 2 - 1.0, C * (p - 1)])


def test_sigmoid_is_stable_and_correct():
    z = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = sigmoid(z)
    np.testing.assert_allclose(p, [0.0, 1 / (1 + np.exp(2)), 0.5, 1 / (1 + np.exp(-3)), 1.0])


@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_and_hessian_pass_finite_differences(sparse):
    X, y = toy(n=30, d=4, seed=1)
    X[X < 0.3] = 0.0                                                   # some zeros for the sparse case
    features = CSRMatrix.from_dense(X) if sparse else X
    Xt = features.transpose() if sparse else None
    y = y.astype(np.float64)
    params = {"theta": np.random.default_rng(2).normal(size=5)}
    loss = lambda: loss_and_grad(params["theta"], features, Xt, y, 0.7)[0]          # noqa: E731
    _, grad = loss_and_grad(params["theta"], features, Xt, y, 0.7)
    check_gradients(loss, params, {"theta": grad})
    # the Hessian-vector product is the derivative of the gradient along v
    v = np.random.default_rng(3).normal(size=5)
    p = sigmoid(X @ params["theta"][:-1] + params["theta"][-1])
    s = p * (1 - p)
    eps = 1e-6
    numeric = (loss_and_grad(params["theta"] + eps * v, features, Xt, y, 0.7)[1]
               - loss_and_grad(params["theta"] - eps * v, features, Xt, y, 0.7)[1]) / (2 * eps)
    np.testing.assert_allclose(_hessian_vector(features, Xt, s, 0.7, v), numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------- the classifier
def test_probe_separates_a_linearly_separable_set():
    X, y = toy(n=300, d=3, seed=4, noise=0.0)
    labels = np.where(y == 1, "pos", "neg")
    probe = LogisticRegression(C=100.0).fit(X, labels)
    assert probe.classes_.tolist() == ["neg", "pos"]
    assert probe.score(X, labels) >= 0.98
    proba = probe.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert ((proba[:, 1] > 0.5) == (labels == "pos")).mean() >= 0.98


def test_probe_reaches_a_stationary_point():
    X, y = toy(seed=5)
    probe = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    _, grad = loss_and_grad(np.append(probe.coef_, probe.intercept_), X, None, y.astype(float), 0.5)
    assert np.linalg.norm(grad) < 1e-6


def test_dense_and_sparse_features_give_the_same_model():
    X, y = toy(seed=6)
    X[np.abs(X) < 0.5] = 0.0
    dense = LogisticRegression().fit(X, y)
    sparse = LogisticRegression().fit(CSRMatrix.from_dense(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(sparse.predict(CSRMatrix.from_dense(X)), dense.predict(X))


def test_probe_matches_scikit_learn():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = toy(n=400, d=8, seed=7)
    ours = LogisticRegression(C=0.3, tol=1e-10).fit(X, y)
    theirs = linear_model.LogisticRegression(C=0.3, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_[0], atol=1e-6)
    assert ours.intercept_ == pytest.approx(theirs.intercept_[0], abs=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


def test_probe_rejects_bad_input():
    X, y = toy(n=20)
    with pytest.raises(ValueError, match="exactly 2 classes"):
        LogisticRegression().fit(X, np.arange(20) % 3)
    with pytest.raises(ValueError, match="labels"):
        LogisticRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match="not fitted"):
        LogisticRegression().predict(X)
    with pytest.raises(ValueError, match="C"):
        LogisticRegression(C=0)
    with pytest.raises(ValueError, match="fitted on 5"):
        LogisticRegression().fit(X, y).predict(X[:, :2])


# ---------------------------------------------------------------------------- folds
def test_stratified_folds_partition_the_data_and_balance_the_classes():
    labels = np.array([0] * 37 + [1] * 23 + [2] * 10)
    folds = stratified_kfold(labels, k=10, seed=3)
    assert len(folds) == 10
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(70))                  # every index tested exactly once
    for train, test in folds:
        assert set(train.tolist()) | set(test.tolist()) == set(range(70)) and not set(train) & set(test)
        counts = np.bincount(labels[test], minlength=3)
        for c, total in enumerate([37, 23, 10]):
            assert counts[c] in (total // 10, total // 10 + 1)         # each class evenly spread
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1
    assert [t.tolist() for _, t in stratified_kfold(labels, 10, 3)] == [t.tolist() for _, t in folds]
    assert [t.tolist() for _, t in stratified_kfold(labels, 10, 4)] != [t.tolist() for _, t in folds]


def test_stratified_kfold_rejects_too_many_folds():
    with pytest.raises(ValueError, match="fewer than"):
        stratified_kfold([0, 0, 0, 1, 1], k=3)
    with pytest.raises(ValueError, match="k must be"):
        stratified_kfold([0, 1], k=1)


def test_cross_val_accuracy_on_an_easy_and_a_hopeless_problem():
    X, y = toy(n=300, seed=8, noise=0.1)
    easy = cross_val_accuracy(X, y, k=5, seed=1)
    assert easy["mean"] > 0.9 and len(easy["folds"]) == 5
    assert easy["mean"] == pytest.approx(np.mean(easy["folds"]))
    noise = np.random.default_rng(9).normal(size=(300, 5))
    assert abs(cross_val_accuracy(noise, y, k=5, standardize=True)["mean"] - max(y.mean(), 1 - y.mean())) < 0.12
    with pytest.raises(ValueError, match="dense"):
        cross_val_accuracy(CSRMatrix.from_dense(X), y, k=5, standardize=True)


def test_cross_val_accuracy_matches_scikit_learn_on_the_same_folds():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = toy(n=200, seed=10)
    ours = cross_val_accuracy(CSRMatrix.from_dense(X), y, k=4, seed=2)["folds"]
    theirs = [linear_model.LogisticRegression().fit(X[train], y[train]).score(X[test], y[test])
              for train, test in stratified_kfold(y, 4, 2)]
    np.testing.assert_allclose(ours, theirs)


# ---------------------------------------------------------------------------- features
TEXTS = ["a good good film", "a bad film", "good"]


def test_bow_and_tfidf_features():
    bow = bow_features(TEXTS)
    # vocabulary by count: good 3, a 2, film 2, bad 1 -> columns good, a, film, bad
    np.testing.assert_array_equal(bow.toarray(), [[2, 1, 1, 0], [0, 1, 1, 1], [1, 0, 0, 0]])
    tfidf = tfidf_features(TEXTS)
    assert tfidf.shape == (3, 3)                                      # "a" is too short for the pattern
    np.testing.assert_allclose(tfidf.row_norms(), 1.0)


def test_mean_vector_features_skip_unknown_words():
    kv = KeyedVectors(["good", "bad", "film"], np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0]]))
    features = mean_vector_features(TEXTS + ["zzz unknown"], kv)
    # "a good good film" -> mean of good, good, film = (2/3, 2/3); "a bad film" -> (-1/2, 1)
    np.testing.assert_allclose(features, [[2 / 3, 2 / 3], [-0.5, 1.0], [1.0, 0.0], [0.0, 0.0]])


def test_take_rows_selects_rows_in_order():
    A = np.array([[1.0, 0, 2], [0, 0, 0], [0, 3, 0]])
    X = CSRMatrix.from_dense(A)
    for rows in ([2, 0], [1], [], [0, 0, 2, 1]):
        np.testing.assert_array_equal(X.take_rows(rows).toarray(), A[rows])
    with pytest.raises(ValueError, match="out of range"):
        X.take_rows([3])
