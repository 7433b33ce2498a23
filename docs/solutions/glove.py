"""Reference solution: GloVe on co-occurrence counts (the exercise is docs/exercises/glove.py)."""
import numpy as np

from minembed.nn.layers import add_rows


def cooccurrence(documents, vocab_size, window=5):
    """See docs/exercises/glove.py."""
    documents = [np.asarray(ids, dtype=np.int64) for ids in documents]
    ids = np.concatenate(documents) if documents else np.zeros(0, dtype=np.int64)
    doc = np.repeat(np.arange(len(documents)), [len(d) for d in documents])   # each token's document
    keys, weights = [], []
    for distance in range(1, window + 1):
        same = doc[:-distance] == doc[distance:]              # the pairs inside one document
        keys.append(ids[:-distance][same] * vocab_size + ids[distance:][same])   # word i before word j
        weights.append(np.full(len(keys[-1]), 1.0 / distance))
    keys, weights = np.concatenate(keys), np.concatenate(weights)
    before, where = np.unique(keys, return_inverse=True)    # Y_ij: i before j; X = Y + Y^T
    sums = np.bincount(where, weights=weights, minlength=len(before))
    del keys, weights, where
    rows, cols = before // vocab_size, before % vocab_size
    pairs, where = np.unique(np.concatenate([before, cols * vocab_size + rows]), return_inverse=True)
    values = np.bincount(where, weights=np.concatenate([sums, sums]), minlength=len(pairs))
    return pairs // vocab_size, pairs % vocab_size, values


def weighting(X, x_max=100.0, alpha=0.75):
    """See docs/exercises/glove.py."""
    X = np.asarray(X, dtype=np.float64)
    return np.where(X < x_max, (X / x_max) ** alpha, 1.0)


def loss_and_grads(params, pairs, x_max=100.0, alpha=0.75, chunk=2 ** 16):
    """See docs/exercises/glove.py."""
    W, C, b, c = params["W"], params["W_ctx"], params["b"], params["b_ctx"]
    rows, cols, values = pairs
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    loss = 0.0
    for start in range(0, len(values), chunk):
        i, j, x = rows[start:start + chunk], cols[start:start + chunk], values[start:start + chunk]
        w, ctx = W[i], C[j]                                                 # (n, d) each
        error = np.einsum("nd,nd->n", w, ctx) + b[i] + c[j] - np.log(x)     # e_k
        f_error = weighting(x, x_max, alpha) * error
        loss += float(f_error @ error)
        g = 2.0 * f_error                                                   # dJ / d(w_i . c_j), per pair
        add_rows(grads["W"], i, g[:, None] * ctx)
        add_rows(grads["W_ctx"], j, g[:, None] * w)
        grads["b"] += np.bincount(i, weights=g, minlength=len(b))
        grads["b_ctx"] += np.bincount(j, weights=g, minlength=len(c))
    return loss, grads


def fit(pairs, vocab_size, dim=50, epochs=20, lr=0.05, x_max=100.0, alpha=0.75, batch_size=2 ** 14, seed=0):
    """See docs/exercises/glove.py."""
    rng = np.random.default_rng(seed)
    V = vocab_size
    params = {"W": (rng.random((V, dim)) - 0.5) / dim, "W_ctx": (rng.random((V, dim)) - 0.5) / dim,
              "b": np.zeros(V), "b_ctx": np.zeros(V)}
    squares = {name: np.ones_like(p) for name, p in params.items()}   # AdaGrad, started at 1 as GloVe's C code
    rows, cols, values = (np.asarray(a) for a in pairs)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(values))
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, (rows[batch], cols[batch], values[batch]), x_max, alpha)
            total += loss
            for name, g in grads.items():
                squares[name] += g * g
                params[name] -= lr * g / np.sqrt(squares[name])
        losses.append(total)
    return params["W"] + params["W_ctx"], losses
