"""The encoder's building blocks, each forward pass beside its backward pass.

Every function here is one operation of :mod:`minembed.encoder`'s Transformer block. A
backward function takes the gradient of the loss with respect to the forward output and
returns the gradient with respect to the input; its derivative is in its docstring::

    gelu(u) -> out, cache                  gelu_backward(dout, cache) -> du       (needs erf, below)
    relu(u) -> out, positive               relu_backward(dout, positive) -> du
    softmax(S) -> A        (in place)      softmax_backward(dA, A) -> dS          (the output is the cache)
    layer_norm(r, gain, bias, eps) -> out, cache
                                           layer_norm_backward(dout, cache) -> dr, dgain, dbias
    cross_entropy(logits, targets) -> loss, dlogits   (the last step, so no backward of its own:
                                           it returns the gradient at once, written over ``logits``)

``tests/test_encoder.py`` checks erf against ``math.erf``, softmax, LayerNorm and the
cross-entropy against hand-computed values, and every parameter's gradient through the
whole block against finite differences (GELU and ReLU) and PyTorch (GELU).
"""
import math

import numpy as np


# ---------------------------------------------------------------------------- erf and GELU
# NumPy has no erf, so here are two. In float64 (gradient checks, the PyTorch comparison):
# W. J. Cody's rational Chebyshev approximation (Math. Comp. 1969; netlib specfun CALERF), three
# intervals of |x|, relative error below 1e-15 (the tests compare it with math.erf). In float32
# (training) that accuracy cannot be stored anyway, so the branch-free Abramowitz & Stegun 7.1.26
# is used, 5x faster: |error| <= 1.5e-7 in exact arithmetic, 5.3e-7 measured in float32
# (Cody's formula evaluated in float32 measures 1.6e-7).
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)


def _rational(z, num, den, n):
    """Cody's Horner form: ``(num[n] + z(num[n-1] + ...)) / (den[n] + z(...))`` with the
    leading coefficients last, as in CALERF."""
    top, bottom = num[n + 1] * z, z
    for i in range(n):
        top = (top + num[i]) * z
        bottom = (bottom + den[i]) * z
    return (top + num[n]) / (bottom + den[n])


def erf(x):
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise.

    >>> [round(float(value), 10) for value in erf(np.array([0.0, 0.5, -3.0]))]
    [0.0, 0.5204998778, -0.9999779095]
    """
    x = np.asarray(x)
    if x.dtype == np.float32:
        return _erf_float32(np.atleast_1d(x)).reshape(x.shape)
    return _erf_cody(x)


def _erf_float32(x):
    """A&S 7.1.26: ``erf(y) = 1 - t (a1 + t (a2 + ... t a5)) exp(-y^2)``, ``t = 1 / (1 + p y)``, y >= 0.

    Written in place (``out=``): on a (2048, 256) activation each temporary would cost as much
    as the arithmetic, and the GELU runs twice per step."""
    y = np.abs(x)
    t = np.multiply(y, 0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)                                  # t = 1 / (1 + p y)
    poly = np.multiply(t, 1.061405429)                       # Horner: ((((a5 t + a4) t + a3) t + a2) t + a1) t
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += coefficient
        poly *= t
    np.square(y, out=y)
    np.negative(y, out=y)
    poly *= np.exp(y, out=y)                                 # ... * exp(-y^2)
    np.subtract(1.0, poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _erf_cody(x):
    """Cody's three intervals; float64 accuracy."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    y = np.abs(x)
    out = np.empty_like(y)
    small = y <= 0.46875                     # erf = y * P(y^2) / Q(y^2)
    ys = y[small]
    out[small] = ys * _rational(ys * ys, _ERF_A, _ERF_B, 3)
    middle = ~small & (y <= 4.0)             # erfc = exp(-y^2) P(y) / Q(y)
    ym = y[middle]
    out[middle] = 1.0 - np.exp(-ym * ym) * _rational(ym, _ERFC_C, _ERFC_D, 7)
    large = y > 4.0                          # erfc = exp(-y^2) / y * (1/sqrt(pi) - P(1/y^2)/(y^2 Q(1/y^2)))
    yl = y[large]
    inv_sq = 1.0 / (yl * yl)
    tail = inv_sq * _rational(inv_sq, _ERFC_P, _ERFC_Q, 4)
    out[large] = 1.0 - np.exp(-yl * yl) * (1.0 / math.sqrt(math.pi) - tail) / yl
    return np.copysign(out, x)


def gelu(u):
    """Exact GELU ``u * Phi(u)``, ``Phi(u) = (1 + erf(u / sqrt 2)) / 2``. Returns (out, cache)."""
    cdf = erf(u * (1.0 / math.sqrt(2.0)))
    cdf += 1.0
    cdf *= 0.5                               # Phi(u), the standard normal CDF
    return u * cdf, (u, cdf)


def gelu_backward(dout, cache):
    """d gelu / du = Phi(u) + u phi(u),  phi(u) = exp(-u^2 / 2) / sqrt(2 pi)."""
    u, cdf = cache
    pdf = np.square(u)
    pdf *= -0.5
    np.exp(pdf, out=pdf)                     # exp(-u^2 / 2)
    pdf *= u
    pdf *= 1.0 / math.sqrt(2.0 * math.pi)    # u phi(u)
    pdf += cdf
    pdf *= dout
    return pdf


def relu(u):
    """ReLU ``max(u, 0)``. Returns (out, cache)."""
    return np.maximum(u, 0), u > 0


def relu_backward(dout, positive):
    """d relu / du = 1 where u > 0, else 0."""
    return dout * positive


ACTIVATIONS = {"gelu": (gelu, gelu_backward), "relu": (relu, relu_backward)}


# ---------------------------------------------------------------------------- softmax, LayerNorm, loss
def softmax(scores):
    """Softmax over the last axis, ``A_ij = exp(S_ij - max_j S) / sum_j exp(S_ij - max_j S)`` (in place)."""
    scores -= scores.max(axis=-1, keepdims=True)      # shift: same result, no overflow
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores


def softmax_backward(dA, A):
    """dS_ij = A_ij (dA_ij - sum_k dA_ik A_ik)   (the Jacobian diag(a) - a a^T, applied per row)."""
    dS = dA * A
    dS -= A * dS.sum(axis=-1, keepdims=True)
    return dS


def layer_norm(r, gain, bias, eps):
    """``LN(r) = gain * (r - mean) / sqrt(var + eps) + bias`` over the last axis. Returns (out, cache)."""
    centered = r - r.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(np.mean(centered * centered, axis=-1, keepdims=True) + eps)
    normed = centered * inv_std                       # r_hat: mean 0, variance 1 per row
    return normed * gain + bias, (normed, inv_std, gain)


def layer_norm_backward(dout, cache):
    """With ``r_hat = (r - mean) * inv_std`` and ``g = dout * gain`` (per row of width d)::

        dr = inv_std * (g - mean(g) - r_hat * mean(g * r_hat))
        dgain = sum_rows dout * r_hat,   dbias = sum_rows dout
    """
    normed, inv_std, gain = cache
    g = dout * gain
    dr = g - g.mean(axis=-1, keepdims=True)
    dr -= normed * np.mean(g * normed, axis=-1, keepdims=True)
    dr *= inv_std
    return dr, (dout * normed).sum(axis=0), dout.sum(axis=0)


def cross_entropy(logits, targets):
    """Mean of ``logsumexp(l) - l[target]`` over rows, and its gradient ``(softmax(l) - onehot) / N``.

    ``logits`` (N, V) is overwritten with the gradient (it is the largest array of a step).
    The loss is summed in float64.
    """
    n = len(targets)
    rows = np.arange(n)
    picked = logits[rows, targets].astype(np.float64)
    row_max = logits.max(axis=1, keepdims=True)
    logits -= row_max
    np.exp(logits, out=logits)
    total = logits.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0], dtype=np.float64) + row_max[:, 0] - picked))
    logits *= 1.0 / (total * n)                        # softmax / N
    logits[rows, targets] -= 1.0 / n                   # - onehot / N
    return loss, logits

def add_rows(table, row_ids, updates):
    """``table[row_ids] += updates`` in place, with the updates of repeated ids summed (as ``np.add.at``).

    ``table[row_ids] += updates`` alone would keep only the last update of an id that repeats
    (fancy-index assignment is not accumulating), and ``np.add.at(table, row_ids, updates)`` sums
    them but walks a 2-D table one row at a time, slowly. Here the table is seen as one flat array
    and every single number gets its own index, ``row * d + column``: that 1-D form of
    ``np.add.at`` has a fast path in NumPy (>= 1.25) and is 3-4x faster on a word2vec batch. The
    hot path of word2vec's and the encoder's embedding updates.

    >>> t = np.zeros((3, 2)); add_rows(t, np.array([2, 0, 2]), np.ones((3, 2))); t[:, 0]
    array([1., 0., 2.])
    """
    if not table.flags.c_contiguous:
        raise ValueError("add_rows needs a C-contiguous table")
    dim = table.shape[1]
    flat_index = (np.asarray(row_ids, dtype=np.intp)[:, None] * dim + np.arange(dim)).ravel()   # (n * d,)
    np.add.at(table.reshape(-1), flat_index, np.asarray(updates, dtype=table.dtype).reshape(-1))
