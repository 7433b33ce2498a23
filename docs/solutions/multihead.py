"""Reference solution: attention with several heads, forward and backward (the exercise is docs/exercises/multihead.py)."""
import math

import numpy as np

from minembed.nn.layers import softmax, softmax_backward


def split_heads(z, n_heads):
    """See docs/exercises/multihead.py."""
    B, T, d = z.shape
    return z.reshape(B, T, n_heads, d // n_heads).transpose(0, 2, 1, 3)


def merge_heads(z):
    """See docs/exercises/multihead.py."""
    B, H, T, d_head = z.shape
    return z.transpose(0, 2, 1, 3).reshape(B, T, H * d_head)


def attention_forward(x, params, n_heads, pad=None):
    """See docs/exercises/multihead.py."""
    p = params
    d_head = x.shape[-1] // n_heads
    q, k, v = (split_heads(x @ p[f"W_{n}"] + p[f"b_{n}"], n_heads) for n in "qkv")   # (B, H, T, d_head)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d_head)                        # (B, H, T, T)
    if pad is not None:
        scores += np.where(pad, -1e30, 0.0)[:, None, None, :]
    attn = softmax(scores)
    context = merge_heads(attn @ v)                                                 # (B, T, d)
    out = context @ p["W_o"] + p["b_o"]
    return out, {"x": x, "q": q, "k": k, "v": v, "attn": attn, "context": context, "params": p}


def attention_backward(dout, cache):
    """See docs/exercises/multihead.py."""
    c, p = cache, cache["params"]
    H, d_head = c["q"].shape[1], c["q"].shape[-1]
    grads = {"W_o": np.einsum("bti,btj->ij", c["context"], dout), "b_o": dout.sum(axis=(0, 1))}
    d_context = split_heads(dout @ p["W_o"].T, H)                                   # (B, H, T, d_head)
    d_attn = d_context @ c["v"].transpose(0, 1, 3, 2)
    dv = c["attn"].transpose(0, 1, 3, 2) @ d_context
    d_scores = softmax_backward(d_attn, c["attn"]) / math.sqrt(d_head)
    dq, dk = d_scores @ c["k"], d_scores.transpose(0, 1, 3, 2) @ c["q"]
    dx = np.zeros_like(c["x"])
    for name, dz in (("q", dq), ("k", dk), ("v", dv)):
        dz = merge_heads(dz)                                                        # (B, T, d)
        grads[f"W_{name}"] = np.einsum("bti,btj->ij", c["x"], dz)
        grads[f"b_{name}"] = dz.sum(axis=(0, 1))
        dx += dz @ p[f"W_{name}"].T
    grads["x"] = dx
    return grads
