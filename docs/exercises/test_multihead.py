"""Checks for docs/exercises/multihead.py (run: python -m pytest docs/exercises/test_multihead.py)."""
import math

import numpy as np
import pytest

from minembed.nn.gradcheck import check_gradients
from minembed.nn.layers import softmax

NAMES = ("W_q", "W_k", "W_v", "W_o", "b_q", "b_k", "b_v", "b_o")


def _params(d, seed=0):
    rng = np.random.default_rng(seed)
    return {n: rng.normal(size=(d, d) if n.startswith("W") else d) * d ** -0.5 for n in NAMES}


def _one_head_by_loops(x, p, pad):
    """minembed/encoder/model.py's attention, one sequence at a time."""
    out = []
    for b in range(len(x)):
        q, k, v = (x[b] @ p[f"W_{n}"] + p[f"b_{n}"] for n in "qkv")
        scores = q @ k.T / math.sqrt(x.shape[-1]) + np.where(pad[b], -1e30, 0.0)[None, :]
        out.append(softmax(scores) @ v @ p["W_o"] + p["b_o"])
    return np.stack(out)


def test_split_and_merge(impl):
    z = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    heads = impl.split_heads(z, 2)
    assert heads.shape == (2, 2, 3, 2)
    assert np.array_equal(heads[1, 1, 2], z[1, 2, 2:])            # head 1 holds columns 2..3
    assert np.array_equal(impl.merge_heads(heads), z)


def test_one_head_is_minembeds_attention(impl):
    rng = np.random.default_rng(1)
    x, p = rng.normal(size=(2, 5, 4)), _params(4)
    pad = np.zeros((2, 5), bool)
    pad[1, 3:] = True
    out, cache = impl.attention_forward(x, p, n_heads=1, pad=pad)
    assert out.shape == (2, 5, 4)
    assert np.allclose(out, _one_head_by_loops(x, p, pad))
    assert cache["attn"].shape == (2, 1, 5, 5)


def test_two_heads_are_two_attentions_side_by_side(impl):
    rng = np.random.default_rng(2)
    x, p = rng.normal(size=(2, 5, 4)), _params(4)
    pad = np.zeros((2, 5), bool)
    pad[0, 4] = True
    out, cache = impl.attention_forward(x, p, n_heads=2, pad=pad)
    attn = cache["attn"]
    assert attn.shape == (2, 2, 5, 5) and np.allclose(attn.sum(axis=-1), 1.0)
    assert np.all(attn[0, :, :, 4] == 0)                            # the padded key, in both heads
    assert not np.allclose(attn[:, 0], attn[:, 1])                  # the heads attend differently
    q, k = x @ p["W_q"] + p["b_q"], x @ p["W_k"] + p["b_k"]
    head1 = softmax(q[1][:, 2:] @ k[1][:, 2:].T / math.sqrt(2))     # head 1 of sequence 1 by hand
    assert np.allclose(attn[1, 1], head1)


@pytest.mark.parametrize("n_heads", [1, 2, 4])
def test_gradients_by_finite_differences(impl, n_heads):
    rng = np.random.default_rng(3)
    params = _params(4, seed=n_heads)
    params["x"] = rng.normal(size=(2, 3, 4))
    pad = np.array([[False, False, True], [False, False, False]])
    weights = rng.normal(size=(2, 3, 4))                            # loss = sum(weights * out)

    def loss():
        out, _ = impl.attention_forward(params["x"], params, n_heads, pad)
        return float(np.sum(weights * out))

    _, cache = impl.attention_forward(params["x"], params, n_heads, pad)
    grads = impl.attention_backward(weights, cache)
    assert set(grads) == set(params)
    check_gradients(loss, params, grads)
