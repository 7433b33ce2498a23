"""Exercise (docs/04-word2vec.md): GloVe, word vectors fitted to the logarithm of co-occurrence counts.

word2vec streams over (centre, context) pairs one window at a time. GloVe (Pennington et al. 2014)
counts them once into a matrix X, then fits vectors so that ``w_i . c_j + b_i + b~_j ~ log X_ij``:

    X_ij = sum, over every pair of positions in one document where word i and word j stand
           1 <= distance <= window apart, of 1 / distance          (both orders: X is symmetric)

    J = sum over (i, j) with X_ij > 0 of  f(X_ij) * (w_i . c_j + b_i + b~_j - ln X_ij)^2
    f(x) = (x / x_max)^alpha  if x < x_max,  else 1

and, with e_ij = w_i . c_j + b_i + b~_j - ln X_ij and G_ij = 2 f(X_ij) e_ij (0 where X_ij = 0):

    dJ/dW = G @ C,   dJ/dC = G^T @ W,   dJ/db = G.sum(axis=1),   dJ/db~ = G.sum(axis=0)

The words' vectors are ``W + C`` (the paper's choice). Check with

    python -m pytest docs/exercises/test_glove.py
"""


def cooccurrence(documents, vocab_size, window=5):
    """``documents``: a list of int id arrays (one per document, e.g. ``corpus.document(d)`` of an
    ``EncodedCorpus``) -> X, a dense (vocab_size, vocab_size) float64 array as defined above.

    ``cooccurrence([[0, 1, 2]], 3, window=2)`` -> X[0, 1] = X[1, 0] = 1, X[1, 2] = X[2, 1] = 1,
    X[0, 2] = X[2, 0] = 0.5, 0 elsewhere. A word next to itself ([4, 4]) adds 2 to X[4, 4]
    (once per order). Never pair tokens of two different documents.
    Hint: for each distance, ``np.add.at(X, (ids[:-distance], ids[distance:]), 1 / distance)``.
    """
    raise NotImplementedError("docs/exercises/glove.py: cooccurrence")


def weighting(X, x_max=100.0, alpha=0.75):
    """f(X) elementwise, an array shaped like X: ``(X / x_max) ** alpha`` below x_max, 1 from x_max on
    (so f(0) = 0)."""
    raise NotImplementedError("docs/exercises/glove.py: weighting")


def loss_and_grads(params, X, x_max=100.0, alpha=0.75):
    """The loss J above and its gradient.

    ``params``: {"W": (V, d), "W_ctx": (V, d), "b": (V,), "b_ctx": (V,)} float64 arrays (W holds the
    w_i, W_ctx the c_j, b the b_i, b_ctx the b~_j); X (V, V). Returns ``(J: float, grads)`` with
    ``grads`` a dict of the same four names and shapes. Pairs with X_ij = 0 add nothing (take care
    that ln 0 never reaches the sum: ``np.log(np.where(X > 0, X, 1))``).
    """
    raise NotImplementedError("docs/exercises/glove.py: loss_and_grads")


def fit(X, dim=50, steps=200, lr=0.05, x_max=100.0, alpha=0.75, seed=0):
    """Full-batch AdaGrad on J, as GloVe's own code (which goes pair by pair). Returns
    ``(vectors, losses)``: vectors = W + W_ctx, (V, dim); losses, the list of J before each step.

    Start from ``rng = np.random.default_rng(seed)``: W and W_ctx = ``(rng.random((V, dim)) - 0.5) / dim``
    (W first), biases 0. AdaGrad keeps, per entry, a running sum of squared gradients started at 1
    (GloVe's choice): ``s += g * g;  p -= lr * g / sqrt(s)``, for all four arrays at every step.
    """
    raise NotImplementedError("docs/exercises/glove.py: fit")
