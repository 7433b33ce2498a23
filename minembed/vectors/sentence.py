r"""Sentence vectors from a table of word vectors: the mean, and SIF (Arora, Liang and Ma 2017).

A text becomes the average of the vectors of those of its words that the table knows (unknown words
are left out; a text with none is the zero vector)::

    mean:  v_s = (1 / m) sum_{w in s, w known} v_w                   m = the number of known words of s

**SIF**, "smooth inverse frequency" (Arora, Liang and Ma 2017, "A simple but tough-to-beat baseline for
sentence embeddings"), weighs each word down by how frequent it is, then removes the direction that
all texts share (mostly frequent, meaningless words)::

    v_s = (1 / m) sum_{w in s, w known} a / (a + p(w)) v_w        p(w) = count(w) / sum_w' count(w'),  a = 1e-3
    u   = first principal component of the reference texts' v_s  (first right singular vector, not centred)
    v_s <- v_s - (u . v_s) u

p(w) comes from the word counts the :class:`~minembed.vectors.keyed.KeyedVectors` carries (``counts``:
``Word2Vec(...).wv`` has them; so has ``load_word2vec_format(path, fvocab=...)``); a table without them is
refused, naming the fix. Dividing by m, the number of known words, follows the authors' code (``SIF_embedding.py``:
the weighted sum over ``count_nonzero`` of the weights); ``u`` is what their ``TruncatedSVD(n_components=1)``
finds, here the top eigenvector of ``R^T R`` (d x d) for the (n_ref, d) matrix ``R`` of reference vectors.

**Where u comes from.** In the paper, from the very texts being embedded (a whole evaluation set at once):
``kv.sentence_vectors(texts, weighting="sif")`` does that, and needs 2 or more texts with a known word (the
component of one text is its own direction: removing it would leave 0). For texts that come one at a
time, such as search queries, fit it once on a reference set and keep it: ``SIF(kv).fit(corpus)``, then
``.sentence_vectors(queries)`` (what :class:`~minembed.tasks.search.SearchIndex` does with an unfitted
``SIF``), or ``kv.sentence_vectors(texts, weighting="sif", reference=corpus)``.

Texts are str, tokenized by ``tokenizer`` (default: minembed's ``Tokenizer()``, the one word2vec trains
with), or lists of tokens, taken as they are.
"""
import array
import itertools
import numbers

import numpy as np

from ..core.estimator import Estimator
from ..core.sparse import CSRMatrix
from ..text.tokenize import Tokenizer

WEIGHTINGS = ("mean", "sif")


def sentence_vectors(keyed_vectors, texts, weighting="mean", a=1e-3, reference=None, tokenizer=None):
    """(n_texts, d) float64 sentence vectors of ``texts`` from a KeyedVectors (``KeyedVectors.sentence_vectors``).

    ``weighting="mean"``: the mean of each text's known words' vectors; ``"sif"``: Arora et al.'s weights
    ``a / (a + p(w))`` and the first principal component of ``reference`` (default: of ``texts``) removed
    (module docstring). A text with no known word gives a zero row; ``[]`` gives shape (0, d).

    >>> from minembed import KeyedVectors
    >>> kv = KeyedVectors(["cat", "dog"], [[1.0, 0.0], [0.0, 1.0]], counts=[3, 1])
    >>> kv.sentence_vectors(["The cat and the dog!", ["cat", "cat"], "nothing known"]).tolist()
    [[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]]
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    if weighting == "mean":
        if reference is not None:
            raise ValueError("reference= is SIF's (the texts whose common component is removed); "
                             "weighting='mean' has none: pass weighting='sif'")
        return weighted_means(keyed_vectors, texts, tokenizer=tokenizer)
    sif = SIF(keyed_vectors, a=a, tokenizer=tokenizer)
    texts = _text_list(texts)
    return sif.fit(texts if reference is None else reference).sentence_vectors(texts)


class SIF(Estimator):
    """SIF sentence vectors whose common component ``u`` is fitted once, on a reference set of texts.

    ``SIF(kv, a=1e-3, tokenizer=None).fit(texts)`` sets ``component_`` ((d,) unit vector ``u``: the first
    principal component of the texts' weighted means); ``sentence_vectors(texts)`` gives the (n, d) weighted
    means minus their projection on it. scikit-learn's protocol (``get_params``, ``set_params``, ``clone``,
    ``NotFittedError`` before ``fit``); ``transform`` is ``sentence_vectors``.

    >>> from minembed import KeyedVectors
    >>> kv = KeyedVectors(["the", "cat", "dog"], [[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]], counts=[8, 1, 1])
    >>> sif_weights(kv, a=0.1).round(4).tolist()                 # p = 0.8, 0.1, 0.1: 0.1/0.9, 0.1/0.2, 0.1/0.2
    [0.1111, 0.5, 0.5]
    >>> sif = SIF(kv, a=0.1).fit(["the cat", "the dog", "the the cat"])
    >>> V = sif.sentence_vectors(["the cat", "the dog"])
    >>> bool(np.abs(V @ sif.component_).max() < 1e-12)           # nothing is left along u
    True
    """

    PARAM_NAMES = ("keyed_vectors", "a", "tokenizer")
    FITTED = "component_"

    def __init__(self, keyed_vectors, a=1e-3, tokenizer=None):
        self.keyed_vectors = keyed_vectors
        self.a = a
        self.tokenizer = tokenizer
        self._check_params()

    def _check_params(self):
        if isinstance(self.a, bool) or not isinstance(self.a, numbers.Real) or not 0 < self.a < np.inf:
            raise ValueError(f"a must be a number > 0 (the paper uses 1e-4 to 1e-3), got {self.a!r}")

    def fit(self, texts, y=None):
        """Fit ``component_``, the first principal component of the texts' SIF-weighted means. Returns self."""
        rows = self._weighted_means(texts)                        # (n_ref, d)
        self.component_ = first_component(rows)                  # (d,)
        return self

    def sentence_vectors(self, texts):
        """(n_texts, d) float64: SIF-weighted means with ``component_`` removed, ``v - (u . v) u``."""
        u = self._fitted("component_")                           # (d,)
        rows = self._weighted_means(texts)                       # (n, d)
        rows -= np.outer(rows @ u, u)
        return rows

    transform = sentence_vectors

    def fit_transform(self, texts, y=None):
        """``fit(texts)`` then ``sentence_vectors(texts)`` (the paper's recipe, as one call)."""
        texts = _text_list(texts)
        return self.fit(texts).sentence_vectors(texts)

    def _weighted_means(self, texts):
        weights = sif_weights(self.keyed_vectors, self.a)        # (V,)
        return weighted_means(self.keyed_vectors, texts, weights, self.tokenizer)


# ---------------------------------------------------------------------------- the pieces
def weighted_means(keyed_vectors, texts, word_weights=None, tokenizer=None):
    """(n_texts, d) float64: each text's ``(1/m) sum_w weight(w) v_w`` over its m known words (a zero row
    when m = 0); ``word_weights`` (V,) per row of the table, or None for 1 (the plain mean).

    The tokens of every text become row numbers (-1: unknown) through a C-level ``map`` over the table's
    dict, one text at a time; then one sparse (n_texts, V) matrix of summed weights times the (V, d) table,
    a block of texts at a time.
    """
    texts = _text_list(texts)
    tokenizer = tokenizer or Tokenizer()
    lookup, ids, lengths = keyed_vectors.key_to_index.get, array.array("q"), array.array("q")
    for i, text in enumerate(texts):
        tokens = tokenizer.tokenize(text) if isinstance(text, str) else _token_list(text, i)
        ids.extend(map(lookup, tokens, itertools.repeat(-1)))
        lengths.append(len(tokens))
    ids = np.frombuffer(ids, np.int64)                           # (n_tokens,) row, -1 for an unknown word
    text_of = np.repeat(np.arange(len(texts)), np.frombuffer(lengths, np.int64))   # (n_tokens,)
    known = ids >= 0
    ids, text_of = ids[known], text_of[known]
    weights = np.ones(len(ids)) if word_weights is None else np.asarray(word_weights, np.float64)[ids]
    V, d = keyed_vectors.vectors.shape
    X = CSRMatrix.from_coo(text_of, ids, weights, (len(texts), V))   # (n, V) summed weights per word
    sums = np.zeros((len(texts), d))                             # (n, d)
    first = 0
    for block in X.row_blocks(1 << 16):
        sums[first:first + block.shape[0]] = block @ keyed_vectors.vectors
        first += block.shape[0]
    m = np.bincount(text_of, minlength=len(texts))               # (n,) known words per text
    return sums / np.maximum(m, 1)[:, None]


def sif_weights(keyed_vectors, a=1e-3):
    """(V,) float64 ``a / (a + p(w))``, ``p(w) = count(w) / sum of counts``, from the table's counts; a
    ValueError naming the fix when it has none, or only the stand-in ``V, V-1, ..., 1`` that
    ``load_word2vec_format`` makes up without ``fvocab`` (taken as such from 10 words up: no corpus counts so).

    >>> from minembed import KeyedVectors
    >>> sif_weights(KeyedVectors(["the", "cat"], [[1.0], [2.0]], counts=[999, 1]), a=1e-3).round(4).tolist()
    [0.001, 0.5]
    """
    counts = keyed_vectors.expandos.get("count")
    how = ("load the vectors with their vocabulary file: KeyedVectors.load_word2vec_format(path, "
           "fvocab='vocab.txt') (word count lines), take model.wv from a trained Word2Vec, or build "
           "KeyedVectors(words, vectors, counts=...)")
    if counts is None:
        raise ValueError(f"SIF weighs each word by its corpus frequency p(w), and these vectors have no word "
                         f"counts: {how}")
    counts = np.asarray(counts, dtype=np.float64)
    if len(counts) >= 10 and np.array_equal(counts, np.arange(len(counts), 0, -1)):
        raise ValueError("SIF weighs each word by its corpus frequency p(w), and these vectors' counts are "
                         f"{len(counts)}, {len(counts) - 1}, ..., 1: the stand-in load_word2vec_format makes up "
                         f"when it is given no fvocab, not counts: {how}")
    if counts.sum() <= 0 or (counts < 0).any():
        raise ValueError(f"SIF needs word counts >= 0 that are not all 0; these sum to {counts.sum():g}: {how}")
    return a / (a + counts / counts.sum())


def first_component(rows):
    """(d,) unit vector: the first principal component of the (n, d) ``rows``, not centred (the first right
    singular vector; the top eigenvector of ``rows^T rows``). Needs 2 or more non-zero rows.

    >>> first_component(np.array([[3.0, 0.0], [0.0, 1.0], [2.0, 0.0]])).round(6).tolist() in ([1.0, 0.0], [-1.0, 0.0])
    True
    """
    nonzero = int(np.count_nonzero(np.any(rows != 0, axis=1)))
    if nonzero < 2:
        raise ValueError(f"SIF's common component needs 2 or more texts with a known word, got {nonzero}: the "
                         "component of one text is its own direction, and removing it leaves 0. Fit it on a "
                         "reference set: SIF(kv).fit(corpus), or sentence_vectors(texts, weighting='sif', "
                         "reference=corpus)")
    gram = rows.T @ rows                                         # (d, d)
    _, eigenvectors = np.linalg.eigh(gram)                       # eigenvalues ascending
    return eigenvectors[:, -1]


def _text_list(texts):
    """The texts as a list; a single str (or bytes) is refused (each character would be a text)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"expected a list of texts, got a single {type(texts).__name__}; wrap it in a list: [text]")
    return texts if isinstance(texts, list) else list(texts)


def _token_list(tokens, i):
    """A pre-tokenized text: a list (or tuple) of str."""
    if not isinstance(tokens, (list, tuple)):
        raise TypeError(f"text {i} is a {type(tokens).__name__}; a text is a str or a list of tokens (str)")
    return tokens
