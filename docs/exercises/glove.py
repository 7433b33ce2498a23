"""Exercise (docs/04-word2vec.md): GloVe, word vectors fitted to the logarithm of co-occurrence counts.

word2vec streams over (centre, context) pairs one window at a time. GloVe (Pennington et al. 2014)
counts them once, then fits vectors so that ``w_i . c_j + b_i + b~_j ~ log X_ij``, where

    X_ij = sum, over every pair of positions in one document where word i and word j stand
           1 <= distance <= window apart, of 1 / distance          (both orders: X is symmetric)

Most X_ij are 0. On the shipped corpus (corpora/, four novels, V = 6,699 words seen 3+ times) a dense X
would be 6,699 x 6,699 float64, 359 MB, of which under 2% (848,597 entries) are non-zero. So X is kept
sparse, as its K non-zero entries: three arrays ``(rows, cols, values)``, pair k being word i_k = rows[k]
with word j_k = cols[k] and x_k = X_{i_k j_k} = values[k] > 0. The loss runs over those pairs only:

    e_k = w_{i_k} . c_{j_k} + b_{i_k} + b~_{j_k} - ln x_k
    J   = sum over k of  f(x_k) * e_k^2,          f(x) = (x / x_max)^alpha  if x < x_max,  else 1

and, with g_k = dJ/d(w_{i_k} . c_{j_k}) = 2 f(x_k) e_k, each word's gradient sums over the pairs it is in:

    dJ/dw_i = sum over k with i_k = i of  g_k c_{j_k}       dJ/db_i  = sum over k with i_k = i of  g_k
    dJ/dc_j = sum over k with j_k = j of  g_k w_{i_k}       dJ/db~_j = sum over k with j_k = j of  g_k

The words' vectors are ``W + C`` (the paper's choice). Check with

    python -m pytest docs/exercises/test_glove.py
"""


def cooccurrence(documents, vocab_size, window=5):
    """``documents``: a list of int id arrays (one per document, e.g. ``corpus.document(d)`` of an
    ``EncodedCorpus``) -> ``(rows, cols, values)``, X as defined above, sparse: each pair (i, j) with
    X_ij > 0 once, rows and cols int arrays, values float64 (any order of the pairs will do).

    ``cooccurrence([[0, 1, 2]], 3, window=2)`` -> rows [0, 0, 1, 1, 2, 2], cols [1, 2, 0, 2, 0, 1],
    values [1, 0.5, 1, 1, 0.5, 1]: X[0, 1] = X[1, 0] = 1, X[1, 2] = X[2, 1] = 1, X[0, 2] = X[2, 0] = 0.5
    (and X[0, 0], X[1, 1], X[2, 2] = 0, so absent). A word next to itself ([4, 4]) adds 2 to X[4, 4]
    (once per order). Never pair tokens of two different documents.

    No Python loop over tokens (the shipped corpus has 328,000): loop over the distances. Hint: join the
    documents into one array ``ids`` with each token's document number beside it; for each distance the
    pairs are ``ids[:-distance], ids[distance:]``, kept where both tokens have the same document number.
    Encode a pair as one integer, ``i * vocab_size + j``; then ``np.unique(keys, return_inverse=True)``
    numbers the distinct pairs and ``np.bincount(inverse, weights=...)`` sums the 1 / distance of each;
    ``key // vocab_size``, ``key % vocab_size`` give back i and j. (Counting only the order "i before j"
    into Y, then X = Y + Y^T with one more np.unique over Y's pairs and their mirror images, halves the
    big sort: the solution does that, in 0.2 s and 80 MB on the shipped corpus.)
    """
    raise NotImplementedError("docs/exercises/glove.py: cooccurrence")


def weighting(X, x_max=100.0, alpha=0.75):
    """f(X) elementwise (X: e.g. the ``values`` of :func:`cooccurrence`), an array shaped like X:
    ``(X / x_max) ** alpha`` below x_max, 1 from x_max on (so f(0) = 0)."""
    raise NotImplementedError("docs/exercises/glove.py: weighting")


def loss_and_grads(params, pairs, x_max=100.0, alpha=0.75, chunk=2 ** 16):
    """The loss J above and its gradient.

    ``params``: {"W": (V, d), "W_ctx": (V, d), "b": (V,), "b_ctx": (V,)} float64 arrays (W holds the
    w_i, W_ctx the c_j, b the b_i, b_ctx the b~_j); ``pairs``: ``(rows, cols, values)`` as
    :func:`cooccurrence` returns them (or any part of them: a batch). Returns ``(J: float, grads)`` with
    ``grads`` a dict of the same four names and shapes (rows of words in no pair stay 0).

    Take the pairs ``chunk`` at a time, so memory stays bounded (a chunk of 2^16 pairs at d = 50 needs
    ``W[i]`` and ``W_ctx[j]``, 26 MB each): ``e = np.einsum("nd,nd->n", W[i], W_ctx[j]) + b[i] + b_ctx[j]
    - np.log(x)``. A word is in many pairs, so scatter its rows back summed: ``grads["W"][i] += ...``
    would keep only one of them; use ``np.add.at(grads["W"], i, g[:, None] * W_ctx[j])`` or
    ``minembed.nn.layers.add_rows`` (the same, faster), and ``np.bincount(i, weights=g, minlength=V)``
    for the biases.
    """
    raise NotImplementedError("docs/exercises/glove.py: loss_and_grads")


def fit(pairs, vocab_size, dim=50, epochs=10, lr=0.05, x_max=100.0, alpha=0.75, batch_size=2 ** 14, seed=0):
    """AdaGrad on J over mini-batches of pairs. Returns ``(vectors, losses)``: vectors = W + W_ctx,
    (vocab_size, dim); losses, one per epoch: the sum of the batches' J, each taken just before its
    batch's step (the "cost" GloVe's code prints; the J of the final vectors is a little lower).

    Start from ``rng = np.random.default_rng(seed)``: W and W_ctx = ``(rng.random((V, dim)) - 0.5) / dim``
    (W first), biases 0. Each epoch visits the K pairs in a fresh order, ``order = rng.permutation(K)``,
    ``batch_size`` at a time: the batch's loss_and_grads, then AdaGrad on all four arrays. AdaGrad keeps,
    per entry, a running sum of squared gradients started at 1 (GloVe's choice):
    ``s += g * g;  p -= lr * g / sqrt(s)`` (a row that is in no pair of the batch has g = 0: unchanged).

    Why batches: GloVe's own code steps after every single pair, in shuffled order. One full-batch step
    per pass over all pairs learns far less per pass: on the shipped corpus (x_max 10, lr 0.1, d = 50)
    40 full-batch steps take J from 332,000 to 37,000 in about 24 s, and 10 epochs of batches of 2^14
    pairs take it to 36,000 in about 7 s.
    """
    raise NotImplementedError("docs/exercises/glove.py: fit")
