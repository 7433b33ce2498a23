"""word2vec as the textbook writes it: skip-gram and CBOW with negative sampling, one update at a time.

Read this first; the fast modules do the same arithmetic on whole batches. Every word ``w`` has an
input vector ``v_w`` (a row of ``in_vectors``, the vectors you keep) and an output vector ``u_w``
(``out_vectors``). One example has an input ``x``, the centre word ``o`` and K negatives ``k``:

* skip-gram: one (centre, context) pair; ``x = v_c``, the **context** word's input vector predicts
  the centre (as word2vec.c and :mod:`~minembed.word2vec.objectives` do; the pairs are symmetric);
* CBOW: one (centre, window) example; ``x = h = (1/n) sum_c v_c``, the mean of the n context vectors.

The loss, its derivative in each score ``s_t = u_t . x`` (label ``y_t``: 1 for ``o``, 0 for a ``k``),
and the gradients::

    L = -log sigma(u_o . x) - sum_k log sigma(-u_k . x)           sigma(s) = 1 / (1 + e^-s)
    dL/ds_t = sigma(s_t) - y_t =: e_t
    dL/du_t = e_t x                dL/dx = sum_t e_t u_t

SGD moves each output row by ``-lr * e_t x`` as soon as it is scored (``x`` still the old one), then
the input: skip-gram's ``v_c`` by ``-lr * dL/dx``; CBOW gives **every** context word the whole
``-lr * dL/dh`` (word2vec.c's step; the exact gradient of the mean would be 1/n of it). A negative
equal to the centre is skipped. This is the order of word2vec.c's inner loop.

Taken as given here (drawn by the caller): the sentence after subsampling (word ``w`` kept with
probability ``(sqrt(f_w/(s*T)) + 1) * s*T / f_w``), each centre's window ``b ~ U{1..window}``, and
its K negatives (``P(k) ~ count(k)^0.75``).

The fast path, and what it changes for speed
--------------------------------------------
* :mod:`~minembed.word2vec.objectives`: ``skipgram`` / ``cbow`` score a **batch** of N windows at
  once, ``X (N, 2w+1, d)`` against ``Y (N, K+1, d)``, masks saying which positions are contexts
  (``context_mask``) and which negatives count; the K negatives of a centre are shared by all its
  context words. Every update is computed from the tables **before** the step, and ``sgd_step``
  adds them back with ``add_rows`` (``np.add.at`` on the flat table: repeated rows summed).
* :mod:`~minembed.word2vec.model`: windows over the stream (``batch_window``), dynamic windows,
  negatives, the linear learning-rate decay, epochs, checkpoints.
* :mod:`~minembed.word2vec.subsample`: the subsampled stream, drawn block by block, never whole.
* :mod:`~minembed.word2vec.alias`: negatives in constant time from a table of V slots.
* :mod:`~minembed.word2vec.hogwild`: ``workers`` processes updating shared tables without locks.

``tests/test_reference_word2vec.py`` proves one ``sgd_step`` equal to these functions (1e-6, float64).

>>> rng = np.random.default_rng(0)
>>> in_vectors, out_vectors = rng.normal(size=(5, 3)), np.zeros((5, 3))
>>> round(skipgram_step(in_vectors, out_vectors, centre=0, context=1, negatives=[2, 3], lr=0.1), 4)
2.0794
>>> bool(out_vectors[0] @ in_vectors[1] > 0)        # the true pair now scores higher
True
"""
import numpy as np


def sigmoid(s):
    return 1.0 / (1.0 + np.exp(-s))


def negative_sampling(out_vectors, x, centre, negatives, lr):
    """Score the input ``x`` (d,) against the centre and its negatives, moving each output row by its
    SGD step in place; return ``(loss, dL/dx)`` (the step on ``x`` is the caller's, as ``x`` differs)."""
    grad_x, loss = np.zeros_like(x), 0.0
    for target, label in [(centre, 1)] + [(k, 0) for k in negatives if k != centre]:
        u = out_vectors[target].copy()                # (d,) u_o or u_k
        s = u @ x
        loss -= float(np.log(sigmoid(s) if label else sigmoid(-s)))
        e = sigmoid(s) - label                        # dL/ds
        grad_x += e * u                               # dL/dx = sum_t e_t u_t
        out_vectors[target] -= lr * e * x             # dL/du_t = e_t x
    return loss, grad_x


def skipgram_step(in_vectors, out_vectors, centre, context, negatives, lr):
    """One SGD step on the pair (centre, context), in place; returns its loss before the step.

    ``in_vectors``, ``out_vectors`` (V, d); ``centre``, ``context`` word ids; ``negatives`` K ids."""
    x = in_vectors[context].copy()                    # (d,) v_c, the input
    loss, grad_x = negative_sampling(out_vectors, x, centre, negatives, lr)
    in_vectors[context] -= lr * grad_x
    return loss


def cbow_step(in_vectors, out_vectors, centre, contexts, negatives, lr):
    """One SGD step on the window (centre, contexts), in place; returns its loss before the step.

    ``contexts``: the ids of the window's context words (at least one)."""
    x = np.mean([in_vectors[c] for c in contexts], axis=0)    # (d,) h, the mean of the context
    loss, grad_x = negative_sampling(out_vectors, x, centre, negatives, lr)
    for c in contexts:                                # the whole step on h to each context word
        in_vectors[c] -= lr * grad_x
    return loss


def train_sentence(in_vectors, out_vectors, sentence, windows, negatives, lr, sg=True):
    """Every update of one (subsampled) sentence, centre by centre; returns the summed loss.

    ``sentence`` word ids; ``windows[i]`` the window ``b`` drawn for centre i; ``negatives[i]``
    its K negatives, shared by its context words (as the fast path shares them).

    >>> in_vectors, out_vectors = np.full((4, 2), 0.1), np.zeros((4, 2))
    >>> round(train_sentence(in_vectors, out_vectors, [0, 1, 2], [1, 1, 1], [[3]] * 3, lr=0.0), 4)
    5.5452
    >>> round(float(8 * np.log(2)), 4)                # 4 pairs (0-1, 1-0, 1-2, 2-1), each 2 ln 2 at u = 0
    5.5452
    """
    loss = 0.0
    for i, centre in enumerate(sentence):
        b = windows[i]
        contexts = [sentence[j] for j in range(max(0, i - b), min(len(sentence), i + b + 1)) if j != i]
        if sg:
            for context in contexts:
                loss += skipgram_step(in_vectors, out_vectors, centre, context, negatives[i], lr)
        elif contexts:
            loss += cbow_step(in_vectors, out_vectors, centre, contexts, negatives[i], lr)
    return loss
