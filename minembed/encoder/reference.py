"""The encoder for ONE sequence, forward and backward, written the way the math reads (read this first).

No batch, no padding, no options: GELU, post-LayerNorm (BERT's layout), one head, the output layer tied
to the token embeddings and scored at the target positions. ``p`` is ``enc.params`` (same names), ``ids``
the T token ids of one sequence, ``targets`` the word to predict at each position or -1 (not scored).
Row vectors, width d, for each position t::

    x_t  = tok_emb[ids_t] + pos_emb[t]                                   the input
    q_t, k_t, v_t = x_t W_q + b_q,  x_t W_k + b_k,  x_t W_v + b_v
    a_ts = softmax over s of  q_t . k_s / sqrt(d)                        how much token t reads token s
    c_t  = sum_s a_ts v_s
    h_t  = LN(x_t + c_t W_o + b_o;  ln1_gain, ln1_bias)        LN(r) = gain (r - mean r) / sqrt(var r + eps) + bias
    y_t  = LN(h_t + gelu(h_t W_1 + b_1) W_2 + b_2;  ln2_gain, ln2_bias)     the contextual vector of token t
    loss = mean over the scored t of  -log softmax(y_t tok_emb^T + out_bias)[targets_t]

:func:`loss_and_grads` then runs the same lines in reverse (the chain rule), each gradient beside the
line it comes from. ``tests/test_reference_encoder.py`` proves the loss and every gradient equal to
the fast path's (``AttentionEncoder.loss_and_grads``) to 1e-10 in float64.

The fast path does the same work; what each module changes for speed:

* ``model.py`` (:class:`~minembed.encoder.model.AttentionEncoder`): B sequences at once, every loop over
  positions a matrix product (all the scores are ``q @ k^T``, (B, T, T)); padded keys masked with -1e30;
  the head at the scored rows only, into a reused logits buffer, or a sampled softmax over a candidate
  set (``fit(sampled_softmax=S)``); the lookup's gradient by ``nn.layers.add_rows``; float32 in training.
* ``nn/layers.py``: softmax, LayerNorm, GELU (with a fast float32 erf) and the cross-entropy, over whole
  arrays, in place where it saves memory.
* ``batches.py`` and ``mlm.py``: training: the corpus cut into rows, 15% of the tokens masked
  (80/10/10), the loop of Adam steps; ``contextual.py``: what a trained encoder gives.
"""
import math

import numpy as np

LN_EPS = 1e-5                  # AttentionEncoder's default ln_eps


def softmax(s):
    """exp(s_i - max s) / sum_j exp(s_j - max s) of one row."""
    e = np.exp(s - np.max(s))
    return e / e.sum()


def layer_norm(r, gain, bias):
    """One row r (d,) -> (LN(r), r_hat, 1/std), with r_hat = (r - mean r) / std."""
    inv_std = 1.0 / math.sqrt(np.var(r) + LN_EPS)
    r_hat = (r - np.mean(r)) * inv_std
    return gain * r_hat + bias, r_hat, inv_std


def layer_norm_backward(dout, r_hat, inv_std, gain):
    """dLoss/dr of one row: with g = dout * gain, dr = (g - mean g - r_hat mean(g r_hat)) / std."""
    g = dout * gain
    return inv_std * (g - np.mean(g) - r_hat * np.mean(g * r_hat))


def Phi(u):
    """The standard normal CDF, elementwise: (1 + erf(u / sqrt 2)) / 2."""
    return 0.5 * (1.0 + np.vectorize(math.erf)(u / math.sqrt(2.0)))


def gelu(u):
    """u Phi(u); its derivative is Phi(u) + u phi(u), phi the normal density."""
    return u * Phi(u)


def gelu_derivative(u):
    return Phi(u) + u * np.exp(-u * u / 2.0) / math.sqrt(2.0 * math.pi)


# ---------------------------------------------------------------------------- forward
def forward(p, ids):
    """One sequence of T ids -> the contextual vectors y (T, d) and what the backward pass reads."""
    T, d = len(ids), p["tok_emb"].shape[1]
    x = np.array([p["tok_emb"][ids[t]] + p["pos_emb"][t] for t in range(T)])          # (T, d)
    q, k, v = x @ p["W_q"] + p["b_q"], x @ p["W_k"] + p["b_k"], x @ p["W_v"] + p["b_v"]
    a = np.array([softmax(np.array([q[t] @ k[s] / math.sqrt(d) for s in range(T)]))
                  for t in range(T)])                                                  # (T, T)
    c = np.array([sum(a[t, s] * v[s] for s in range(T)) for t in range(T)])            # (T, d)
    ln1 = [layer_norm(r, p["ln1_gain"], p["ln1_bias"]) for r in x + c @ p["W_o"] + p["b_o"]]
    h = np.array([out for out, _, _ in ln1])                                           # (T, d)
    u = h @ p["W_1"] + p["b_1"]                                                        # (T, f)
    ln2 = [layer_norm(r, p["ln2_gain"], p["ln2_bias"]) for r in h + gelu(u) @ p["W_2"] + p["b_2"]]
    y = np.array([out for out, _, _ in ln2])                                           # (T, d)
    return y, dict(x=x, q=q, k=k, v=v, a=a, c=c, ln1=ln1, h=h, u=u, ln2=ln2)


# ---------------------------------------------------------------------------- loss and backward
def loss_and_grads(p, ids, targets):
    """The masked-token loss of one sequence and the gradient of every parameter (same names as ``p``)."""
    T, d = len(ids), p["tok_emb"].shape[1]
    y, f = forward(p, ids)
    g = {name: np.zeros_like(value) for name, value in p.items()}
    scored = [t for t in range(T) if targets[t] >= 0]

    # loss = mean over scored t of -log softmax(logits_t)[target],  logits_t = y_t tok_emb^T + out_bias
    loss, dy = 0.0, np.zeros_like(y)
    for t in scored:
        probs = softmax(p["tok_emb"] @ y[t] + p["out_bias"])                           # (V,)
        loss -= math.log(probs[targets[t]]) / len(scored)
        dlogits = probs.copy()
        dlogits[targets[t]] -= 1.0
        dlogits /= len(scored)                                   # (softmax - onehot) / N
        g["out_bias"] += dlogits
        g["tok_emb"] += np.outer(dlogits, y[t])                  # the tied head's share of tok_emb
        dy[t] = dlogits @ p["tok_emb"]

    # y_t = LN2(r2_t),  r2 = h + gelu(u) W_2 + b_2,  u = h W_1 + b_1
    dr2 = np.array([layer_norm_backward(dy[t], r_hat, inv_std, p["ln2_gain"])
                    for t, (_, r_hat, inv_std) in enumerate(f["ln2"])])
    g["ln2_gain"] = sum(dy[t] * f["ln2"][t][1] for t in range(T))
    g["ln2_bias"] = dy.sum(axis=0)
    g["W_2"], g["b_2"] = gelu(f["u"]).T @ dr2, dr2.sum(axis=0)
    du = (dr2 @ p["W_2"].T) * gelu_derivative(f["u"])
    g["W_1"], g["b_1"] = f["h"].T @ du, du.sum(axis=0)
    dh = dr2 + du @ p["W_1"].T                                   # the residual, plus the branch

    # h_t = LN1(r1_t),  r1 = x + c W_o + b_o
    dr1 = np.array([layer_norm_backward(dh[t], r_hat, inv_std, p["ln1_gain"])
                    for t, (_, r_hat, inv_std) in enumerate(f["ln1"])])
    g["ln1_gain"] = sum(dh[t] * f["ln1"][t][1] for t in range(T))
    g["ln1_bias"] = dh.sum(axis=0)
    g["W_o"], g["b_o"] = f["c"].T @ dr1, dr1.sum(axis=0)
    dc = dr1 @ p["W_o"].T

    # c_t = sum_s a_ts v_s,  a_t = softmax over s of q_t . k_s / sqrt(d)
    a, q, k, v = f["a"], f["q"], f["k"], f["v"]
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    for t in range(T):
        da = np.array([dc[t] @ v[s] for s in range(T)])          # dLoss/da_ts
        ds = a[t] * (da - a[t] @ da)                             # softmax: ds_s = a_s (da_s - sum_r a_r da_r)
        for s in range(T):
            dv[s] += a[t, s] * dc[t]
            dq[t] += ds[s] * k[s] / math.sqrt(d)
            dk[s] += ds[s] * q[t] / math.sqrt(d)

    # q, k, v = x W + b, and x reaches h through the residual too
    dx = dr1.copy()
    for name, dz in (("q", dq), ("k", dk), ("v", dv)):
        g[f"W_{name}"], g[f"b_{name}"] = f["x"].T @ dz, dz.sum(axis=0)
        dx += dz @ p[f"W_{name}"].T

    # x_t = tok_emb[ids_t] + pos_emb[t]
    for t in range(T):
        g["tok_emb"][ids[t]] += dx[t]                            # the lookup's share (a repeated id adds up)
        g["pos_emb"][t] += dx[t]
    return loss, g
