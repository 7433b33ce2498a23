"""Exercise (docs/06-evaluation-and-pictures.md): the Word Embedding Association Test (WEAT).

Vectors learned from text learn its associations too, wanted or not. WEAT (Caliskan, Bryson and
Narayanan 2017, *Science*) measures one: are the target words X (say, male names) closer to the
attribute words A (career words) and the targets Y (female names) closer to B (family words) than
the other way round? All similarities are cosines:

    s(w, A, B)    = mean_{a in A} cos(w, a) - mean_{b in B} cos(w, b)
    effect size   = (mean_{x in X} s(x, A, B) - mean_{y in Y} s(y, A, B)) / std_{w in X u Y} s(w, A, B)
                    (sample standard deviation, ddof=1; about -2 .. 2, 0 = no association)
    S(X, Y)       = sum_{x in X} s(x, A, B) - sum_{y in Y} s(y, A, B)
    p-value       = the fraction of the ways to split X u Y into two sets (X_i, Y_i) of sizes |X|, |Y|
                    for which S(X_i, Y_i) > S(X, Y)          (one-sided permutation test, exact)

Vectors are given as arrays of rows (each (n, d)), so the test works with any table:
``kv[["man", "boy"]]``-style lookups, or ``np.stack([kv[w] for w in words])``. Check with

    python -m pytest docs/exercises/test_weat.py
"""


def association(w, A, B):
    """s(w, A, B) as a float; ``w`` (d,), ``A`` (n_A, d), ``B`` (n_B, d). Vectors need not be unit length."""
    raise NotImplementedError("docs/exercises/weat.py: association")


def effect_size(X, Y, A, B):
    """The effect size, a float; X (n_X, d), Y (n_Y, d), A, B as in :func:`association`."""
    raise NotImplementedError("docs/exercises/weat.py: effect_size")


def p_value(X, Y, A, B):
    """The exact one-sided p-value above, a float in [0, 1]: enumerate every choice of |X| of the
    |X| + |Y| target rows as X_i (``itertools.combinations``; the rest is Y_i), the given split
    included. Count "greater" only when larger by more than 1e-12, so rounding never counts the
    given split (or a tie) as greater."""
    raise NotImplementedError("docs/exercises/weat.py: p_value")
