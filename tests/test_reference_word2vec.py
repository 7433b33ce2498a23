"""The fast word2vec step (objectives.sgd_step on a batch of windows) against the textbook one
(reference.py, one update at a time), in float64: the same updated rows, and the same loss."""
import numpy as np
import pytest

from minembed.word2vec import reference
from minembed.word2vec.objectives import OBJECTIVES, batch_window, context_mask, sgd_step

W, K, DIM = 2, 3, 4                          # window, negatives, dimension
SPAN = 2 * W + 1


def _disjoint_batch(rng, n_windows, contexts_per_window):
    """A batch whose updates never touch a row twice, so that it does not matter whether they are
    applied together (sgd_step: every step computed from the tables before the step) or one after
    another (the reference). In a stream every position is in 2w+1 windows, so only every (2w+1)-th
    centre has context words here (the windows of the others are empty), and every id occurs once:
    the batch's positions and all the negatives are distinct words. Skip-gram must also have one
    context per centre: the pairs of a window share its output rows (the centre and its negatives).

    Returns float64 tables and ``(window_ids, real, in_window, target_ids)`` for sgd_step."""
    n_centres = SPAN * n_windows
    n_positions = n_centres + 2 * W
    ids = rng.permutation(n_positions + n_centres * K)             # every id once
    window_ids, negatives = ids[:n_positions], ids[n_positions:].reshape(n_centres, K)
    in_window = np.zeros((n_centres, SPAN), bool)
    offsets = [j for j in range(SPAN) if j != W]                      # window position j is centre + j - w
    for n in range(0, n_centres, SPAN):                               # windows n .. n + 2w: disjoint
        in_window[n, rng.choice(offsets, size=contexts_per_window, replace=False)] = True
    target_ids = np.concatenate([window_ids[W:W + n_centres, None], negatives], axis=1)   # (N, K+1)
    in_vectors = rng.normal(scale=0.5, size=(len(ids), DIM))
    out_vectors = rng.normal(scale=0.5, size=(len(ids), DIM))
    return in_vectors, out_vectors, (window_ids, np.ones(n_positions, bool), in_window, target_ids)


def _reference_step(in_vectors, out_vectors, batch, lr, sg):
    """The batch's updates with the reference, one after another, centre by centre."""
    window_ids, _, in_window, target_ids = batch
    loss = 0.0
    for n in range(len(target_ids)):
        centre, negatives = target_ids[n, 0], target_ids[n, 1:]
        contexts = window_ids[n + np.flatnonzero(in_window[n])]      # window position j is stream n + j
        if sg:
            for context in contexts:
                loss += reference.skipgram_step(in_vectors, out_vectors, centre, context, negatives, lr)
        elif len(contexts):
            loss += reference.cbow_step(in_vectors, out_vectors, centre, contexts, negatives, lr)
    return loss


@pytest.mark.parametrize("objective, contexts_per_window", [("skipgram", 1), ("cbow", 3)])
def test_one_fast_step_equals_the_reference_when_no_row_repeats(objective, contexts_per_window):
    rng = np.random.default_rng(0)
    in_vectors, out_vectors, batch = _disjoint_batch(rng, n_windows=4, contexts_per_window=contexts_per_window)
    lr = 0.5                                          # large, so that any mistake shows
    fast_in, fast_out = in_vectors.copy(), out_vectors.copy()
    fast_loss, _ = sgd_step(fast_in, fast_out, *batch, lr=lr, objective=OBJECTIVES[objective])
    slow_in, slow_out = in_vectors.copy(), out_vectors.copy()
    slow_loss = _reference_step(slow_in, slow_out, batch, lr, sg=objective == "skipgram")
    np.testing.assert_allclose(fast_in, slow_in, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fast_out, slow_out, rtol=0, atol=1e-6)
    assert fast_loss == pytest.approx(slow_loss, abs=1e-6)
    moved_in = np.abs(fast_in - in_vectors).max(axis=1) > 1e-3
    moved_out = np.abs(fast_out - out_vectors).max(axis=1) > 1e-3
    assert moved_in.sum() == 4 * contexts_per_window and moved_out.sum() == 4 * (K + 1)   # not vacuous


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
def test_with_repeated_rows_the_difference_is_second_order_in_lr(sg):
    # One sentence over 5 words: every row is in several windows of the batch. The fast step
    # computes all of them from the tables before the step; the reference sees each update of a
    # row before the next. That changes each update by O(lr) * O(lr): halving lr quarters it.
    rng = np.random.default_rng(1)
    sentence = rng.integers(0, 5, size=12)
    windows = rng.integers(1, W + 1, size=len(sentence))            # b ~ U{1..w} per centre
    negatives = rng.integers(0, 5, size=(len(sentence), K))
    in_vectors, out_vectors = rng.normal(scale=0.5, size=(2, 5, DIM))
    window_ids, window_doc = batch_window(sentence.astype(np.int32), np.array([0, len(sentence)]),
                                          0, len(sentence), W)
    in_window = context_mask(window_doc, windows, W)
    target_ids = np.concatenate([sentence[:, None], negatives], axis=1)

    def difference(lr):
        fast_in, fast_out = in_vectors.copy(), out_vectors.copy()
        sgd_step(fast_in, fast_out, window_ids, window_doc >= 0, in_window, target_ids, lr,
                 OBJECTIVES["skipgram" if sg else "cbow"])
        slow_in, slow_out = in_vectors.copy(), out_vectors.copy()
        reference.train_sentence(slow_in, slow_out, sentence, windows, negatives, lr, sg=sg)
        moved = np.abs(np.concatenate([fast_in - in_vectors, fast_out - out_vectors])).max()
        apart = np.abs(np.concatenate([fast_in - slow_in, fast_out - slow_out])).max()
        return apart, moved

    apart, moved = difference(0.01)
    half, _ = difference(0.005)
    assert 0 < apart < 0.1 * moved                  # small beside the step itself, but there
    assert 3.5 < apart / half < 4.5                 # second order: lr / 2 -> difference / 4
