"""The textbook encoder (minembed/encoder/reference.py, one sequence, loops over positions) and the fast
one (AttentionEncoder.loss_and_grads, batched) give the same loss and every gradient to 1e-10 in float64."""
import ast
import inspect

import numpy as np
import pytest

from minembed import AttentionEncoder, Vocabulary
from minembed.encoder import reference
from minembed.encoder.model import PARAM_NAMES

WORDS = "the cat sat on the mat while a dog ran to the park and my bird sang in a tree".split()


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.build([WORDS]).with_specials()


def float64_encoder(vocab, dim, ff_dim, max_len, seed):
    """An encoder in float64 whose biases and gains are moved off their 0 / 1 start (so that a
    gradient which forgot one of them is seen)."""
    enc = AttentionEncoder(vocab, dim=dim, ff_dim=ff_dim, max_len=max_len, seed=seed)
    enc.params = {name: value.astype(np.float64) for name, value in enc.params.items()}
    rng = np.random.default_rng(seed)
    for value in enc.params.values():
        if value.ndim == 1:
            value += rng.normal(0, 0.3, value.shape)
    return enc


def one_sequence(vocab, T, scored, seed):
    """T ids (words, a repeated word and a <mask>; no padding) and targets with ``scored`` positions
    set, the rest -1."""
    rng = np.random.default_rng(seed + 100)
    ids = rng.integers(len(vocab.specials), len(vocab), size=T)
    ids[1] = vocab.mask_id
    ids[-1] = ids[0]                                           # the lookup's gradient must add up
    targets = np.full(T, -1)
    positions = rng.choice(T, size=scored, replace=False)
    targets[positions] = rng.integers(len(vocab.specials), len(vocab), size=scored)
    return ids, targets


CASES = [  # dim, ff_dim, max_len, T, scored positions, seed
    (8, 16, 8, 6, 3, 0),
    (6, 10, 12, 9, 1, 1),
    (12, 20, 7, 7, 7, 2),       # T = max_len, every position scored
    (4, 8, 10, 5, 2, 3),
]


@pytest.mark.parametrize("dim, ff_dim, max_len, T, scored, seed", CASES)
def test_reference_equals_the_fast_path_to_1e_10(vocab, dim, ff_dim, max_len, T, scored, seed):
    enc = float64_encoder(vocab, dim, ff_dim, max_len, seed)
    ids, targets = one_sequence(vocab, T, scored, seed)
    fast_loss, fast = enc.loss_and_grads(ids[None, :], targets[None, :])
    ref_loss, ref = reference.loss_and_grads(enc.params, ids, targets)
    assert sorted(ref) == sorted(PARAM_NAMES)
    assert abs(ref_loss - fast_loss) <= 1e-10 * max(1.0, abs(fast_loss))
    for name in PARAM_NAMES:
        assert ref[name].shape == fast[name].shape and ref[name].dtype == np.float64, name
        if name == "b_k":        # q_t . (k_s + b) adds the same q_t . b to every score of row t: no effect
            assert np.max(np.abs(fast[name])) < 1e-12
        else:                    # every other parameter really gets a gradient, far above the tolerance
            assert np.max(np.abs(fast[name])) > 1e-6, name
        np.testing.assert_allclose(ref[name], fast[name], rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_array_equal(ref["pos_emb"][T:], 0)           # rows past T get none


def test_reference_forward_gives_the_encoders_vectors(vocab):
    enc = float64_encoder(vocab, 8, 16, 8, 4)
    ids, _ = one_sequence(vocab, 6, 1, 4)
    y_fast, cache = enc._forward(ids[None, :])                     # (T, d)
    y_ref, kept = reference.forward(enc.params, ids)
    np.testing.assert_allclose(y_ref, y_fast, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(kept["a"], cache["attn"][0], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(kept["a"].sum(axis=1), 1.0, rtol=1e-12)


def test_the_comparison_sees_a_wrong_gradient(vocab):
    """The tolerance is tight enough to catch a small mistake: dropping one position's share of the
    lookup's gradient, or the head's share of tok_emb, fails it."""
    enc = float64_encoder(vocab, 8, 16, 8, 0)
    ids, targets = one_sequence(vocab, 6, 3, 0)
    _, fast = enc.loss_and_grads(ids[None, :], targets[None, :])
    _, ref = reference.loss_and_grads(enc.params, ids, targets)
    wrong = ref["pos_emb"].copy()
    wrong[2] = 0.0
    assert not np.allclose(wrong, fast["pos_emb"], rtol=1e-10, atol=1e-12)
    _, head_only = reference.loss_and_grads({**enc.params, "tok_emb": enc.params["tok_emb"] * (1 + 1e-6)},
                                            ids, targets)
    assert not np.allclose(head_only["tok_emb"], fast["tok_emb"], rtol=1e-10, atol=1e-12)


def test_the_reference_is_written_on_its_own():
    """It imports nothing of minembed (its softmax, LayerNorm and GELU are its own, erf is math.erf),
    so agreeing with the fast path is evidence, not the same code run twice."""
    tree = ast.parse(inspect.getsource(reference))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "." for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"math", "numpy"}
