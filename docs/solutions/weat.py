"""Reference solution: the Word Embedding Association Test (the exercise is docs/exercises/weat.py)."""
import itertools

import numpy as np


def _unit(rows):
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def association(w, A, B):
    """See docs/exercises/weat.py."""
    w = _unit(w)[0]
    return float(np.mean(_unit(A) @ w) - np.mean(_unit(B) @ w))


def effect_size(X, Y, A, B):
    """See docs/exercises/weat.py."""
    s_x = [association(x, A, B) for x in X]
    s_y = [association(y, A, B) for y in Y]
    return float((np.mean(s_x) - np.mean(s_y)) / np.std(s_x + s_y, ddof=1))


def p_value(X, Y, A, B):
    """See docs/exercises/weat.py."""
    s = np.array([association(w, A, B) for w in list(X) + list(Y)])
    observed = s[:len(X)].sum() - s[len(X):].sum()
    total, n_greater, n_splits = s.sum(), 0, 0
    for chosen in itertools.combinations(range(len(s)), len(X)):
        statistic = 2 * s[list(chosen)].sum() - total                 # sum over X_i minus sum over Y_i
        n_greater += statistic > observed + 1e-12
        n_splits += 1
    return n_greater / n_splits
