"""Checks for docs/exercises/weat.py (run: python -m pytest docs/exercises/test_weat.py)."""
import numpy as np
import pytest

# 2-D toy vectors: A points along x, B along y
A = np.array([[1.0, 0.0], [2.0, 0.0]])
B = np.array([[0.0, 1.0], [0.0, 3.0]])


def test_association_by_hand(impl):
    assert impl.association(np.array([1.0, 0.0]), A, B) == pytest.approx(1.0)
    assert impl.association(np.array([0.0, 5.0]), A, B) == pytest.approx(-1.0)
    assert impl.association(np.array([1.0, 1.0]), A, B) == pytest.approx(0.0)
    assert impl.association(np.array([3.0, 4.0]), A, B) == pytest.approx(0.6 - 0.8)   # cosines 3/5, 4/5


def test_effect_size_by_hand(impl):
    X = np.array([[1.0, 0.0], [3.0, 4.0]])               # s = 1, -0.2
    Y = np.array([[0.0, 1.0], [4.0, 3.0]])               # s = -1, 0.2
    s = np.array([1.0, -0.2, -1.0, 0.2])
    expected = (0.4 - (-0.4)) / np.std(s, ddof=1)
    assert impl.effect_size(X, Y, A, B) == pytest.approx(expected)
    assert impl.effect_size(Y, X, A, B) == pytest.approx(-expected)          # swapping the targets flips it
    assert impl.effect_size(X, Y, B, A) == pytest.approx(-expected)          # so does swapping the attributes
    assert impl.effect_size(X * 7.0, Y, A * 0.1, B) == pytest.approx(expected)   # cosines: lengths do not matter


def test_p_value_is_exact(impl):
    rng = np.random.default_rng(0)
    X = np.abs(rng.normal(size=(4, 2))) * [1, 0.1]       # all near A's direction
    Y = np.abs(rng.normal(size=(4, 2))) * [0.1, 1]       # all near B's
    assert impl.p_value(X, Y, A, B) == 0.0               # no split is more extreme than the given one
    assert impl.p_value(Y, X, A, B) == pytest.approx(69 / 70)   # all C(8, 4) = 70 splits but the extreme one
    X2 = np.array([[1.0, 0.0], [3.0, 4.0]])              # s = 1, -0.2
    Y2 = np.array([[4.0, 3.0], [0.0, 1.0]])              # s = 0.2, -1;  S(X2, Y2) = 0.8 + 0.8 = 1.6
    # the 6 splits give S = 2 * sum(X_i) - 0: {1, -0.2} 1.6 (the given one), {1, 0.2} 2.4, {1, -1} 0,
    # {-0.2, 0.2} 0, {-0.2, -1} -2.4, {0.2, -1} -1.6: one of six is greater
    assert impl.p_value(X2, Y2, A, B) == pytest.approx(1 / 6)
