"""Exercise (docs/05-attention-encoder.md): attention with several heads, forward and backward by hand.

minembed's encoder has one head: every token reads the others through one softmax over scores
``q k^T / sqrt(d)``. With H heads (Vaswani et al. 2017) the d columns of q, k and v are cut into H
blocks of d_h = d / H columns; each head attends on its own, and the heads' outputs are put side by
side again before W_o. A head can then follow one relation (the previous word, say) while another
follows a different one. Row vectors, x (B, T, d):

    q, k, v = x W_q + b_q,  x W_k + b_k,  x W_v + b_v              (B, T, d)
    q_h, k_h, v_h = columns h*d_h .. (h+1)*d_h - 1 of q, k, v      (B, T, d_h)  for h = 0 .. H-1
    A_h = softmax(q_h k_h^T / sqrt(d_h) + pad_mask)                (B, T, T)
    out = concat_h(A_h v_h) W_o + b_o                              (B, T, d)

Backward, head by head, with dZ = d loss / dZ (softmax_backward is minembed.layers's):

    d context = d out W_o^T,  dW_o = context^T d out,  db_o = sum d out;   split d context into heads
    dA_h = d context_h v_h^T,   dv_h = A_h^T d context_h
    dS_h = softmax_backward(dA_h, A_h) / sqrt(d_h)
    dq_h = dS_h k_h,   dk_h = dS_h^T q_h;    merge the heads back: dq, dk, dv   (B, T, d)
    dW_q = x^T dq, db_q = sum dq (same for k, v),   dx = dq W_q^T + dk W_k^T + dv W_v^T

With H = 1 this is exactly the attention in minembed/encoder/model.py. Check with

    python -m pytest docs/exercises/test_multihead.py
"""


def split_heads(z, n_heads):
    """(B, T, d) -> (B, H, T, d // H): head h gets columns ``h*d_h .. (h+1)*d_h - 1``.
    Hint: ``z.reshape(B, T, H, d_h).transpose(0, 2, 1, 3)``."""
    raise NotImplementedError("docs/exercises/multihead.py: split_heads")


def merge_heads(z):
    """The inverse of :func:`split_heads`: (B, H, T, d_h) -> (B, T, H * d_h)."""
    raise NotImplementedError("docs/exercises/multihead.py: merge_heads")


def attention_forward(x, params, n_heads, pad=None):
    """The forward pass above. ``x`` (B, T, d) float64; ``params`` {"W_q", "W_k", "W_v", "W_o": (d, d),
    "b_q", "b_k", "b_v", "b_o": (d,)}; ``pad`` None or a (B, T) bool array, True at padded positions,
    whose keys get the score -1e30 (so zero attention) in every head.

    Returns ``(out (B, T, d), cache)``: ``cache`` is a dict holding at least "attn", the (B, H, T, T)
    attention weights, plus whatever :func:`attention_backward` needs.
    """
    raise NotImplementedError("docs/exercises/multihead.py: attention_forward")


def attention_backward(dout, cache):
    """``dout`` (B, T, d), the loss's gradient at ``out`` -> a dict with the gradient of each of the
    eight parameters (same names and shapes as ``params``) and of the input, under the name "x"."""
    raise NotImplementedError("docs/exercises/multihead.py: attention_backward")
