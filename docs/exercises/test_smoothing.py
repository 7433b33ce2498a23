"""Checks for docs/exercises/smoothing.py (run: python -m pytest docs/exercises/test_smoothing.py)."""
import math

import numpy as np
import pytest

from minembed.nn.gradcheck import check_gradients
from minembed.nn.layers import cross_entropy


def test_targets(impl):
    q = impl.smoothed_targets(np.array([0, 2]), 3, smoothing=0.3)
    assert q == pytest.approx(np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]))


def test_by_hand(impl):
    loss, _ = impl.smoothed_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]), smoothing=0.5)
    assert loss == pytest.approx(math.log(2))                   # uniform prediction: -ln(1/2) whatever q is
    loss, _ = impl.smoothed_cross_entropy(np.array([[math.log(3), 0.0]]), np.array([0]), smoothing=0.2)
    assert loss == pytest.approx(-(0.9 * math.log(0.75) + 0.1 * math.log(0.25)))


def test_no_smoothing_is_minembeds_cross_entropy(impl):
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    loss, grad = impl.smoothed_cross_entropy(logits, labels, smoothing=0.0)
    theirs, their_grad = cross_entropy(logits.copy(), labels)
    assert loss == pytest.approx(theirs) and np.allclose(grad, their_grad)


def test_gradient_and_stability(impl):
    rng = np.random.default_rng(1)
    params = {"logits": rng.normal(size=(5, 3)) * 3}
    labels = rng.integers(0, 3, 5)
    _, grad = impl.smoothed_cross_entropy(params["logits"], labels, smoothing=0.1)
    check_gradients(lambda: impl.smoothed_cross_entropy(params["logits"], labels, 0.1)[0], params, {"logits": grad})
    loss, grad = impl.smoothed_cross_entropy(np.array([[1000.0, 0.0]]), np.array([0]), smoothing=0.1)
    assert math.isfinite(loss) and loss == pytest.approx(0.05 * 1000, rel=1e-3)   # finite, and it punishes overconfidence
    q = impl.smoothed_targets(labels, 3, 0.1)
    _, at_q = impl.smoothed_cross_entropy(np.log(q), labels, smoothing=0.1)
    assert np.allclose(at_q, 0.0)                               # the minimum is at p = q, finite logits
