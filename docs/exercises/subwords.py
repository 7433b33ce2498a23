"""Exercise (docs/04-word2vec.md): fastText-style subword vectors, so that unseen words get a vector too.

word2vec knows only the words it was trained on: "sisters" is absent if only "sister" was seen.
fastText (Bojanowski et al. 2017) gives every character n-gram a vector and makes a word's vector
out of its n-grams. Here, after word2vec has trained, we fit n-gram vectors so that the **mean** of
a word's n-gram vectors reproduces its word2vec vector:

    G(w) = the character n-grams of "<" + w + ">", min_n <= n <= max_n        ("<" and ">" mark the ends)
    L(Z) = 1/2 sum over the known words w of | mean_{g in G(w)} z_g - v_w |^2
    dL/dz_g = sum over the words w containing g, once per occurrence of g in G(w), of (mean_w - v_w) / |G(w)|

A new word's vector is then the mean of its n-grams' vectors (the ones seen in training). Check with

    python -m pytest docs/exercises/test_subwords.py
"""


def char_ngrams(word, min_n=3, max_n=6):
    """The character n-grams of ``"<" + word + ">"``, lengths min_n..max_n, ordered by start position
    and then by length; repeats kept (as fastText). The marked word itself is included when it is
    short enough.

    ``char_ngrams("where", 3, 3) -> ["<wh", "whe", "her", "ere", "re>"]`` (fastText's paper example);
    ``char_ngrams("ab", 2, 3) -> ["<a", "<ab", "ab", "ab>", "b>"]``.
    """
    raise NotImplementedError("docs/exercises/subwords.py: char_ngrams")


def loss_and_grads(Z, word_ngram_ids, targets):
    """L and dL/dZ as above.

    ``Z`` (n_ngrams, d) float64 n-gram vectors; ``word_ngram_ids`` a list of W int arrays, the rows of
    Z of each word's n-grams (repeats kept); ``targets`` (W, d) the words' vectors. Returns
    ``(loss: float, dZ: array shaped like Z)``. Hint: ``np.add.at(dZ, ids, row)`` adds ``row`` once per
    id, repeats included.
    """
    raise NotImplementedError("docs/exercises/subwords.py: loss_and_grads")


def fit(words, vectors, min_n=3, max_n=5, steps=300, lr=0.5):
    """Fit n-gram vectors to the words' vectors. ``words`` a list of W str, ``vectors`` (W, d).

    Number the n-grams in order of first appearance (word by word, each word's n-grams in
    :func:`char_ngrams` order): ``index`` maps n-gram -> row. Start from ``Z = zeros``, then take
    ``steps`` steps of AdaGrad on :func:`loss_and_grads`: ``s += dZ * dZ;  Z -= lr * dZ / sqrt(s)``
    with ``s`` started at ones. Returns ``(index: dict, Z: (len(index), d) float64)``.
    """
    raise NotImplementedError("docs/exercises/subwords.py: fit")


def word_vector(word, index, Z, min_n=3, max_n=5):
    """(d,) float64: the mean of ``Z``'s rows for the n-grams of ``word`` found in ``index`` (repeats
    counted), or zeros if none is. Works for any word, seen or not."""
    raise NotImplementedError("docs/exercises/subwords.py: word_vector")
