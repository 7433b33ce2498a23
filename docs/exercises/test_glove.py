"""Checks for docs/exercises/glove.py (run: python -m pytest docs/exercises/test_glove.py)."""
import os

import numpy as np
import pytest

import minembed
from minembed import encode_corpus
from minembed.nn.gradcheck import check_gradients

# the corpus of the repository minembed is installed from, so a copy of this folder works too
ALICE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(minembed.__file__))), "corpora",
                     "pg11_alice_in_wonderland.txt")


def test_cooccurrence_by_hand(impl):
    X = impl.cooccurrence([np.array([0, 1, 2])], 3, window=2)
    assert X.shape == (3, 3) and X.dtype == np.float64
    assert np.array_equal(X, [[0, 1, 0.5], [1, 0, 1], [0.5, 1, 0]])
    X = impl.cooccurrence([np.array([0, 1]), np.array([2, 2])], 3, window=5)
    assert np.array_equal(X, [[0, 1, 0], [1, 0, 0], [0, 0, 2]])   # nothing across documents; 2-2 both orders
    X = impl.cooccurrence([np.array([0, 1, 0, 1])], 2, window=3)
    assert np.allclose(X, [[1, 3 + 1 / 3], [3 + 1 / 3, 1]])          # 0-0 at distance 2: 1/2 per order


def test_weighting(impl):
    f = impl.weighting(np.array([0.0, 1.0, 50.0, 100.0, 300.0]), x_max=100, alpha=0.75)
    assert f == pytest.approx([0.0, 0.01 ** 0.75, 0.5 ** 0.75, 1.0, 1.0])


def _problem(V=6, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, (V, V)) * rng.random((V, V)) * 20.0
    X = X + X.T                                                    # some zeros, some above x_max = 10
    params = {"W": rng.normal(size=(V, d)), "W_ctx": rng.normal(size=(V, d)),
              "b": rng.normal(size=V), "b_ctx": rng.normal(size=V)}
    return X, params


def test_loss_by_hand(impl):
    X = np.array([[0.0, 2.0], [2.0, 0.0]])
    params = {"W": np.array([[1.0], [0.5]]), "W_ctx": np.array([[2.0], [1.0]]), "b": np.zeros(2), "b_ctx": np.zeros(2)}
    # pairs (0, 1): w0.c1 = 1, (1, 0): w1.c0 = 1; f(2) = (2/10)^0.5
    loss, _ = impl.loss_and_grads(params, X, x_max=10, alpha=0.5)
    assert loss == pytest.approx(2 * 0.2 ** 0.5 * (1 - np.log(2)) ** 2)


def test_gradients_by_finite_differences(impl):
    X, params = _problem()
    _, grads = impl.loss_and_grads(params, X, x_max=10, alpha=0.75)
    assert set(grads) == set(params) and all(grads[n].shape == params[n].shape for n in params)
    check_gradients(lambda: impl.loss_and_grads(params, X, x_max=10, alpha=0.75)[0], params, grads)


def test_fit_on_alice(impl):
    corpus = encode_corpus(ALICE, max_size=300)                    # the 300 most frequent words
    documents = [corpus.document(d) for d in range(len(corpus))]
    X = impl.cooccurrence(documents, len(corpus.vocab), window=5)
    assert np.allclose(X, X.T) and X[corpus.vocab["the"], corpus.vocab["the"]] > 0
    vectors, losses = impl.fit(X, dim=20, steps=150, lr=0.1, x_max=10, seed=0)
    assert vectors.shape == (300, 20) and len(losses) == 150
    assert losses[-1] < 0.25 * losses[0]
    again, _ = impl.fit(X, dim=20, steps=5, lr=0.1, x_max=10, seed=0)
    first, _ = impl.fit(X, dim=20, steps=5, lr=0.1, x_max=10, seed=0)
    assert np.array_equal(again, first)                            # one seed, one answer
