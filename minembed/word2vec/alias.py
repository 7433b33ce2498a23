"""Walker's alias method: draws from a fixed discrete distribution in constant time each.

word2vec draws K negatives for every centre word from the noise distribution ``P(w)``. The obvious
vectorized way, inverse-CDF sampling (``np.searchsorted(cumsum(P), uniform)``), costs a binary search
per draw: about 16 steps over a 70,000-word table, each a likely cache miss. word2vec.c instead
fills a table of 10^8 word ids, each word's share of the slots equal to its probability, and reads
one random slot: one step, but 400 MB. The alias method (Walker 1977; Vose 1991 for the stable
construction below) is as fast with a table of only V slots:

Scale the probabilities by V, so the average is 1: ``q_i = V * P(i)``. Slot ``i`` keeps word ``i``
with probability ``accept[i]`` and otherwise gives its *alias*, another word ``alias[i]``. The table
is filled by pairing: take a word ``s`` with ``q_s < 1`` (too little for a whole slot) and a word
``l`` with ``q_l >= 1``; slot ``s`` keeps ``s`` with probability ``q_s`` and gives ``l`` otherwise, so
``l`` has used ``1 - q_s`` of its mass (``q_l -= 1 - q_s``), and is small or large again. Each step
fills one slot, so V steps fill them all (a loop over the vocabulary, once, not over draws).

A draw is then two random numbers and two lookups::

    slot = uniform integer in [0, V);   word = slot if uniform(0, 1) < accept[slot] else alias[slot]

and P(word = i) = (accept[i] + sum over the slots j aliased to i of (1 - accept[j])) / V, which is
P(i) (the tests check this identity on the built tables).

>>> accept, alias = alias_table(np.array([0.5, 0.25, 0.25]))
>>> accept.tolist(), alias.tolist()
([1.0, 0.75, 0.75], [0, 0, 0])
"""
import numpy as np


def alias_table(probs):
    """``probs`` (V,) non-negative weights with a positive sum (scaled to sum to 1 here) ->
    ``(accept (V,) float64, alias (V,) int32)``.

    A word of probability 0 is never drawn: it starts among the small ones, so its slot is paired
    with a large word and always gives that alias (accept 0)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 1 or len(probs) == 0 or not np.all(np.isfinite(probs)) or probs.min() < 0:
        raise ValueError("alias_table needs a 1-D array of finite, non-negative probabilities")
    if probs.sum() <= 0:
        raise ValueError("alias_table needs at least one positive probability (all of them are 0)")
    scaled = probs * (len(probs) / probs.sum())                          # (V,) mean 1
    accept = np.ones(len(probs))
    alias = np.arange(len(probs), dtype=np.int32)                        # a slot's own word, until paired
    small = np.flatnonzero(scaled < 1.0).tolist()
    large = np.flatnonzero(scaled >= 1.0).tolist()
    scaled = scaled.tolist()                                             # (Python floats: a plain loop)
    while small and large:                                               # a loop over words, once
        short, tall = small.pop(), large[-1]
        accept[short], alias[short] = scaled[short], tall
        scaled[tall] -= 1.0 - scaled[short]
        if scaled[tall] < 1.0:
            small.append(large.pop())
    # What is left has mass 1 up to rounding and keeps its own slot (accept 1). A word of mass 0 is never
    # left over: the words left hold as much mass as there are of them, so each holds about 1.
    return accept, alias


def alias_draw(rng, accept, alias, size):
    """Ids drawn from the table of :func:`alias_table` (int64, shape ``size``), with ``rng``
    (a ``numpy.random.Generator``)."""
    slots = rng.integers(0, len(accept), size=size)
    keep = rng.random(size) < accept[slots]
    return np.where(keep, slots, alias[slots])


def table_probs(accept, alias):
    """(V,) the probability with which :func:`alias_draw` gives each id (for tests and readers)."""
    V = len(accept)
    return (accept + np.bincount(alias, weights=1.0 - accept, minlength=V)) / V
