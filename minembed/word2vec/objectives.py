"""word2vec's objectives, skip-gram and CBOW, and the one SGD step that serves them both.

The same arithmetic one update at a time, as the textbook writes it, is :mod:`minembed.word2vec.reference`
(read it first); ``tests/test_reference_word2vec.py`` proves :func:`sgd_step` equal to it.

The two objectives
------------------
Every word ``w`` has an *input* vector ``v_w`` (row of ``in_vectors``, word2vec.c's ``syn0``;
the vectors you keep) and an *output* vector ``u_w`` (``out_vectors``, ``syn1neg``). Both
objectives tell a true centre word from K "negative" words ``n_k`` drawn from the noise
distribution ``P(n) ~ count(n)^0.75`` (negative sampling, Mikolov et al. 2013):

* **skip-gram** (``sg=1``): every context word ``c`` of the centre ``w`` is one example,

      log sigma(v_c . u_w)  +  sum_k log sigma(-v_c . u_{n_k})          sigma(s) = 1 / (1 + e^-s)

  (as in word2vec.c the context word is the input and the centre the output; in expectation
  the pairs are symmetric);
* **CBOW** (``sg=0``, continuous bag of words): the whole window is one example, its input
  the mean ``h`` of the context words' vectors (the sum with ``cbow_mean=0``),

      log sigma(h . u_w)  +  sum_k log sigma(-h . u_{n_k}),     h = (1/n) sum_{c in window} v_c

For one score ``s = x . u`` with label ``y`` (1 for the centre, 0 for a negative) the
log-likelihood ``y log sigma(s) + (1-y) log sigma(-s)`` has derivative ``y - sigma(s)``, so with
``g = lr * (y - sigma(s))`` a step of SGD (on the loss, minus the log-likelihood) is

    x += g * u;     u += g * x        (both from the old values)

For CBOW the step on ``h`` goes, whole, to **every** context word's vector, as in word2vec.c and
gensim. (The exact gradient of the mean would give each of the n words ``g * u / n``; word2vec.c's
larger step is the algorithm everybody's CBOW vectors come from, so minembed keeps it. With
``cbow_mean=0`` gensim divides the step by n instead; minembed does the same.)

The seam: an objective is one function
--------------------------------------
Both objectives see a batch the same way (N centre words, ``P = 2w+1`` window positions each):

    X              (N, P, d)     input vectors of the window positions around each centre
    Y              (N, K+1, d)   output vectors: the centre word, then its K negatives
    context_mask   (N, P)        which window positions are contexts of each centre
    target_mask    (N, K+1)      False for a negative equal to its centre (skipped, as word2vec.c)

and an objective is ``f(X, Y, context_mask, target_mask, lr) -> (loss, n_examples, step_X,
step_Y)``: the batch's loss (summed, before the step), how many examples it had, and the amounts
to add to the rows, already scaled by ``lr``: ``-lr * d loss / d X`` and ``-lr * d loss / d Y`` (for
CBOW's ``step_X``, word2vec.c's step instead of the exact gradient, above). :func:`sgd_step` does
the rest for every objective: it gathers ``X`` and ``Y`` from the tables and adds the steps back,
summing those of repeated rows. (So every step of a batch is computed from the tables before it;
the reference, one update after another, lets a row's later updates see its earlier ones. The two
agree exactly when no row repeats in the batch, and otherwise differ by O(lr^2).) A new objective
(a student's) is one such function and one line in ``OBJECTIVES``.

Why windows and shared negatives
--------------------------------
word2vec.c walks the corpus one pair at a time in C; NumPy is fast only on whole arrays. So a
batch of centres is updated at once (its gradients computed from the same parameters and summed),
and **the K negatives of a centre word are shared by all the context words of its window** (Ji et
al. 2016, "Parallelizing Word2Vec in Shared and Distributed Memory"; also BlazingText). Each
(context, centre) pair still sees K negatives from the same distribution, but now skip-gram on one
window is a small matrix product:

    scores = X @ Y^T    (N, P, K+1);   G = lr * (labels - sigma(scores)) * mask
    step_X = G @ Y      (N, P, d);     step_Y = G^T @ X    (N, K+1, d)

Every position's input vector is fetched once (``X`` is a sliding-window view of the rows of the
batch's stretch of the stream), and a batch touches about ``7 * N`` rows instead of ``~42 * N``
pair by pair. ``benchmarks/bench_word2vec.py`` shows the vectors are as accurate as gensim's.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..nn.layers import add_rows


# ---------------------------------------------------------------------------- the objectives
def skipgram(X, Y, context_mask, target_mask, lr):
    """Skip-gram with negative sampling on a batch of windows (see the module docstring).

    X (N, P, d), Y (N, K+1, d), context_mask (N, P), target_mask (N, K+1) ->
    ``(loss, n_pairs, step_X (N, P, d), step_Y (N, K+1, d))``."""
    mask = context_mask[:, :, None] & target_mask[:, None, :]            # (N, P, K+1) a pair is scored
    scores = X @ Y.transpose(0, 2, 1)                                      # (N, P, K+1) scores s
    loss = _error_and_loss(scores, mask)                                   # in place: label - sigma(s)
    scores *= lr
    G = scores                        # lr * (label - sigma(s)) * mask: the same array, now G (N, P, K+1)
    step_X = G @ Y                                                         # (N, P, d)
    step_Y = G.transpose(0, 2, 1) @ X                                      # (N, K+1, d)
    return loss, int(context_mask.sum()), step_X, step_Y


def cbow(X, Y, context_mask, target_mask, lr, mean=True):
    """CBOW with negative sampling: the mean (``mean=False``: the sum) ``h`` of a window's
    context vectors predicts its centre. Same arguments and returns as :func:`skipgram`;
    ``n_examples`` counts the windows with at least one context word."""
    n_context = context_mask.sum(axis=1)                                   # (N,)
    has_context = n_context > 0
    weights = context_mask.astype(X.dtype)                                 # (N, P)
    if mean:
        weights /= np.maximum(n_context, 1).astype(X.dtype)[:, None]
    h = (weights[:, None, :] @ X)[:, 0]                                    # (N, d) mean (or sum) of the context
    scores = (Y @ h[:, :, None])[:, :, 0]                                  # (N, K+1) scores s
    loss = _error_and_loss(scores, target_mask & has_context[:, None])    # in place: label - sigma(s)
    scores *= lr
    G = scores                                                             # the same array, now G (N, K+1)
    step_h = (G[:, None, :] @ Y)[:, 0]                                     # (N, d)
    if not mean:                                                           # gensim: the sum's step split n ways
        step_h /= np.maximum(n_context, 1).astype(X.dtype)[:, None]
    step_X = context_mask[:, :, None] * step_h[:, None, :]                 # (N, P, d): all of it to each context word
    step_Y = G[:, :, None] * h[:, None, :]                                 # (N, K+1, d)
    return loss, int(has_context.sum()), step_X, step_Y


def cbow_sum(X, Y, context_mask, target_mask, lr):
    """CBOW on the sum of the context vectors (gensim's ``cbow_mean=0``)."""
    return cbow(X, Y, context_mask, target_mask, lr, mean=False)


# name -> objective; Word2Vec(objective=name). gensim's sg=1 is "skipgram", sg=0 "cbow" (or
# "cbow_sum" with cbow_mean=0). Register a new one here (or, from outside, OBJECTIVES["mine"] = f).
OBJECTIVES = {"skipgram": skipgram, "cbow": cbow, "cbow_sum": cbow_sum}


def _error_and_loss(scores, mask):
    """In place: scores s (..., K+1) become ``(label - sigma(s)) * mask`` (label 1 in column 0);
    return the loss ``-sum log P(right answer)`` over the masked entries, in float64.

    The probability of the right answer is sigma(s) for the centre and 1 - sigma(s) for a
    negative; both are ``1 - |label - sigma(s)|`` (and 1, adding nothing, where masked)."""
    error = _sigmoid(scores, out=scores)                                   # sigma(s)
    np.negative(error, out=error)
    error[..., 0] += 1.0                                                   # label - sigma(s)
    error *= mask                                                          # 0 where no example
    right = 1.0 - np.abs(error)
    return -float(np.sum(np.log(np.maximum(right, 1e-12)), dtype=np.float64))


def _sigmoid(x, out=None):
    """1 / (1 + e^-x), written with tanh so it never overflows (in place with ``out=x``)."""
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


# ---------------------------------------------------------------------------- the shared step
def sgd_step(in_vectors, out_vectors, window_ids, real, in_window, target_ids, lr, objective=skipgram):
    """Apply one SGD step of ``objective`` in place; return (loss before the step, n_examples).

    window_ids : (N+2w,) ids of the N centres and ``w`` positions either side
    real       : (N+2w,) False where ``window_ids`` is padding past the corpus ends
    in_window  : (N, 2w+1) which window positions are contexts of each centre
    target_ids : (N, K+1) the centre word, then its K negatives

    Each table row moves by the objective's step, the steps of repeated rows summed.
    """
    n_centres, dim = len(target_ids), in_vectors.shape[1]
    target_mask = np.ones(target_ids.shape, bool)
    target_mask[:, 1:] = target_ids[:, 1:] != target_ids[:, :1]            # skip negative == centre
    window_vectors = in_vectors[window_ids]                                # (N+2w, d)
    span = in_window.shape[1]                                              # 2w+1
    X = np.ascontiguousarray(sliding_window_view(window_vectors, (span, dim))[:, 0])   # (N, 2w+1, d)
    Y = out_vectors[target_ids]                                            # (N, K+1, d)
    loss, n_examples, step_X, step_Y = objective(X, Y, in_window, target_mask, lr)
    # step_X[n, j] belongs to window position n + j: add the 2w+1 shifted slices (a loop over offsets)
    step_window = np.zeros_like(window_vectors)                            # (N+2w, d)
    for j in range(span):
        step_window[j:j + n_centres] += step_X[:, j]
    add_rows(in_vectors, window_ids[real], step_window[real])
    add_rows(out_vectors, target_ids.ravel(), step_Y.reshape(-1, dim))
    return loss, n_examples


def batch_window(stream, stream_offsets, start, end, window):
    """The ids and documents of the stream positions ``start - window`` to ``end + window``.

    Returns ``window_ids`` (N+2w,) int32 and ``window_doc`` (N+2w,): the document of each
    position (found by binary search in ``stream_offsets``), -1 (and id 0) past either end of the
    stream. The centres are ``window_ids[w:-w]``.

    >>> batch_window(np.array([7, 8, 9], np.int32), np.array([0, 2, 3]), 0, 2, 1)
    (array([0, 7, 8, 9], dtype=int32), array([-1,  0,  0,  1]))
    """
    positions = np.arange(start - window, end + window)                    # (N+2w,)
    inside = (positions >= 0) & (positions < len(stream))
    window_ids = np.zeros(len(positions), dtype=np.int32)
    window_ids[inside] = stream[positions[inside]]
    window_doc = np.searchsorted(stream_offsets, positions, side="right") - 1
    window_doc[~inside] = -1
    return window_ids, window_doc


def context_mask(window_doc, reduced, window):
    """Which of the 2w+1 positions around each centre are its context words.

    ``window_doc`` (N+2w,) gives the document of every position (-1 for padding);
    centre ``n`` sits at ``n + w``. Position ``n + w + o`` is a context iff
    ``0 < |o| <= reduced[n]`` and it lies in the centre's document.

    >>> context_mask(np.array([0, 0, 0, 1]), np.array([1, 1]), 1).astype(int)
    array([[1, 0, 1],
           [1, 0, 0]])
    """
    offsets = np.arange(-window, window + 1)                               # (2w+1,)
    n_centres = len(window_doc) - 2 * window
    doc_windows = sliding_window_view(window_doc, 2 * window + 1)          # (N, 2w+1)
    return ((np.abs(offsets) <= reduced[:, None]) & (offsets != 0)
            & (doc_windows == window_doc[window:window + n_centres, None]))
