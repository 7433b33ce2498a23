"""Reference solution: GloVe on co-occurrence counts (the exercise is docs/exercises/glove.py)."""
import numpy as np


def cooccurrence(documents, vocab_size, window=5):
    """See docs/exercises/glove.py."""
    X = np.zeros((vocab_size, vocab_size))
    for ids in documents:
        ids = np.asarray(ids)
        for distance in range(1, window + 1):
            left, right = ids[:-distance], ids[distance:]
            np.add.at(X, (left, right), 1.0 / distance)
            np.add.at(X, (right, left), 1.0 / distance)
    return X


def weighting(X, x_max=100.0, alpha=0.75):
    """See docs/exercises/glove.py."""
    X = np.asarray(X, dtype=np.float64)
    return np.where(X < x_max, (X / x_max) ** alpha, 1.0)


def loss_and_grads(params, X, x_max=100.0, alpha=0.75):
    """See docs/exercises/glove.py."""
    W, C, b, c = params["W"], params["W_ctx"], params["b"], params["b_ctx"]
    seen = X > 0
    log_X = np.log(np.where(seen, X, 1.0))
    error = W @ C.T + b[:, None] + c[None, :] - log_X                 # (V, V)
    f_error = np.where(seen, weighting(X, x_max, alpha) * error, 0.0)  # f(X) * e, 0 where X = 0
    loss = float(np.sum(f_error * error))
    G = 2.0 * f_error                                                  # dJ / d(w_i . c_j)
    return loss, {"W": G @ C, "W_ctx": G.T @ W, "b": G.sum(axis=1), "b_ctx": G.sum(axis=0)}


def fit(X, dim=50, steps=200, lr=0.05, x_max=100.0, alpha=0.75, seed=0):
    """See docs/exercises/glove.py."""
    rng = np.random.default_rng(seed)
    V = len(X)
    params = {"W": (rng.random((V, dim)) - 0.5) / dim, "W_ctx": (rng.random((V, dim)) - 0.5) / dim,
              "b": np.zeros(V), "b_ctx": np.zeros(V)}
    squares = {name: np.ones_like(p) for name, p in params.items()}   # AdaGrad, started at 1 as GloVe's C code
    losses = []
    for _ in range(steps):
        loss, grads = loss_and_grads(params, X, x_max, alpha)
        losses.append(loss)
        for name, g in grads.items():
            squares[name] += g * g
            params[name] -= lr * g / np.sqrt(squares[name])
    return params["W"] + params["W_ctx"], losses
