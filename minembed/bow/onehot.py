"""One-hot vectors and bag-of-words counts: the simplest way to turn words into numbers.

**One-hot.** Word number ``i`` of a ``V``-word vocabulary is the vector ``e_i`` with a
1 in position ``i`` and 0 elsewhere. Two things follow:

* every pair of distinct words is orthogonal, ``cos(e_i, e_j) = 0``: one-hot vectors say
  *which* word, never *how alike* two words are;
* multiplying by a ``(V, d)`` matrix ``E`` picks a row, ``e_i @ E == E[i]``. An embedding
  layer is exactly this product, done as a lookup because the product is mostly zeros.

**Bag of words.** A document is the sum of its tokens' one-hot vectors: ``X[doc, i]`` is the
number of times word ``i`` occurs in it (or 1/0 with ``binary=True``). Word order is lost.
(:class:`~minembed.bow.countvec.CountVectorizer` is the same matrix with scikit-learn's parameters.)

**An unknown word** has no position of its own. ``handle_unknown`` says what
:meth:`OneHotEncoder.transform` does with it, as in scikit-learn's ``OneHotEncoder``: ``"error"``
(the default) raises, naming it; ``"ignore"`` gives it an all-zero row, so rows still line up
with tokens. A vocabulary with ``<unk>`` sends it to that column instead.
"""
import itertools

import numpy as np

from ..core.estimator import Estimator, NotFittedError
from ..core.sparse import CSRMatrix, as_csr
from ..text.tokenize import Tokenizer
from ..text.vocab import Vocabulary


class OneHotEncoder(Estimator):
    """One-hot rows and bag-of-words matrices over a fixed :class:`~minembed.text.vocab.Vocabulary`.

    >>> enc = OneHotEncoder(Vocabulary.build([["a", "b", "a"]]))
    >>> enc.transform_ids([1, 0]).toarray()
    array([[0., 1.],
           [1., 0.]])

    scikit-learn's protocol too (:mod:`minembed.core.estimator`): without a ``vocab``, :meth:`fit` learns
    one (words by frequency) from token lists or texts; :meth:`transform` turns tokens into rows
    and :meth:`inverse_transform` rows back into tokens; ``get_feature_names_out`` (the words, not
    scikit-learn's ``"x0_word"``), ``get_params`` / ``set_params`` (``vocab``, ``tokenizer``,
    ``handle_unknown``), ``NotFittedError`` before ``fit``.

    >>> enc = OneHotEncoder(handle_unknown="ignore").fit([["a", "b", "a"]])
    >>> enc.transform(["b", "zebra"]).toarray()
    array([[0., 1.],
           [0., 0.]])
    >>> enc.inverse_transform(enc.transform(["b", "zebra"])).tolist()
    [['b'], [None]]
    """

    PARAM_NAMES = ("vocab", "tokenizer", "handle_unknown")
    INPUT_TAGS = {"categorical": True, "string": True}               # an (n, 1) column of tokens, as sklearn's

    def __init__(self, vocab=None, tokenizer=None, handle_unknown="error"):
        self.vocab = vocab
        self.tokenizer = tokenizer
        self.handle_unknown = handle_unknown
        self._check_params()

    @property
    def vocabulary(self):
        """The vocabulary in use: the one given, else the one :meth:`fit` learned."""
        if self.vocab is not None:
            return self.vocab
        if not hasattr(self, "vocabulary_"):
            raise NotFittedError("this OneHotEncoder has no vocabulary: give one (OneHotEncoder(vocab)) or "
                                 "call fit(documents) first")
        return self.vocabulary_

    @property
    def dim(self):
        return len(self.vocabulary)

    # ------------------------------------------------------------------ scikit-learn's protocol
    def _check_params(self):
        _check_handle_unknown(self.handle_unknown)

    def __sklearn_is_fitted__(self):
        return self.vocab is not None or hasattr(self, "vocabulary_")

    def fit(self, documents, y=None):
        """Learn the vocabulary (every word seen, most frequent first) from texts or token lists;
        with a ``vocab`` given, nothing to learn. ``y`` is ignored. Returns self."""
        if self.vocab is None:
            self.vocabulary_ = Vocabulary.build(self._token_lists(documents))
        return self

    def transform(self, tokens):
        """A token list (or an (n, 1) array of tokens, scikit-learn's shape) -> (n, V) one-hot rows,
        one per token, in order; an unknown token as ``handle_unknown`` says (module docstring)."""
        tokens = _token_list(tokens)
        vocab = self.vocabulary
        if vocab.unk_id is not None:
            return self.transform_ids(vocab.encode(tokens))
        ids = np.fromiter(map(vocab.stoi.get, tokens, itertools.repeat(-1)), np.int64, len(tokens))   # (n,)
        unknown = ids < 0
        if unknown.any() and self.handle_unknown == "error":
            first = tokens[int(np.flatnonzero(unknown)[0])]
            raise ValueError(f"token {first!r} is not in the vocabulary ({len(vocab)} words); use "
                             "handle_unknown='ignore' for an all-zero row, or a vocabulary with <unk>")
        rows = np.flatnonzero(~unknown)                                  # the known tokens' rows
        indptr = np.concatenate([[0], np.cumsum(~unknown)])
        return CSRMatrix(np.ones(len(rows)), ids[rows], indptr, (len(tokens), self.dim))

    def fit_transform(self, tokens, y=None):
        """``fit([tokens])`` then ``transform(tokens)``."""
        tokens = _token_list(tokens)
        return self.fit([tokens]).transform(tokens)

    def get_feature_names_out(self, input_features=None):
        """(V,) object array: the word of each column."""
        return np.array(self.vocabulary.itos, dtype=object)

    def inverse_transform(self, X):
        """(n, V) one-hot rows -> (n, 1) object array of their tokens, as scikit-learn's OneHotEncoder.

        A row's token is the word of its largest value (the first column on ties: for the rows
        :meth:`transform` makes, the one 1). A row that sums to 0, an unknown token's row, gives None
        with ``handle_unknown="ignore"`` and is refused with ``"error"``. ``X`` is a CSRMatrix, a SciPy
        sparse matrix or a dense array.
        """
        words = np.array(self.vocabulary.itos, dtype=object)             # (V,) column -> word
        X = as_csr(X)
        if X.shape[1] != len(words):
            raise ValueError(f"X has {X.shape[1]} columns, but this OneHotEncoder has {len(words)} words")
        row_of = X.row_ids()                                             # (nnz,)
        by_row_then_value = np.lexsort((X.indices, -X.data.astype(np.float64), row_of))
        nonempty = np.flatnonzero(np.diff(X.indptr))                     # rows with a stored value
        tokens = np.full(X.shape[0], None, dtype=object)                 # (n,)
        tokens[nonempty] = words[X.indices[by_row_then_value[X.indptr[nonempty]]]]   # each row's largest
        zero = np.bincount(row_of, weights=X.data, minlength=X.shape[0]) == 0
        if zero.any() and self.handle_unknown == "error":
            raise ValueError(f"rows {np.flatnonzero(zero)[:10].tolist()} are all zeros and cannot be inverted "
                             "with handle_unknown='error'; use handle_unknown='ignore' to get None for them")
        tokens[zero] = None
        return tokens.reshape(-1, 1)

    def transform_ids(self, ids):
        """(n,) ids -> (n, V) CSR matrix whose row ``r`` is ``e_{ids[r]}``."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) and (ids.min() < 0 or ids.max() >= self.dim):
            raise ValueError(f"ids must be in [0, {self.dim}), got min {ids.min()} max {ids.max()}")
        return CSRMatrix(np.ones(len(ids)), ids, np.arange(len(ids) + 1), (len(ids), self.dim))

    def transform_tokens(self, tokens):
        """Token list -> one-hot rows (unknown tokens follow ``Vocabulary.encode``'s policy)."""
        return self.transform_ids(self.vocabulary.encode(tokens))

    def bag_of_words(self, documents, binary=False):
        """Documents -> (n_docs, V) counts; ``documents`` are strings or token lists.

        ``X[d, i] = number of times word i occurs in document d`` (1/0 if ``binary``).
        Unknown words follow :meth:`Vocabulary.encode`: ignored, or counted in the ``<unk>``
        column if the vocabulary has one. Built in one vectorized pass: all (doc, id) pairs
        are concatenated, sorted and counted (see ``_counts``).
        """
        id_lists = [self.vocabulary.encode(tokens) for tokens in self._token_lists(documents)]
        all_ids = np.concatenate(id_lists) if id_lists else np.zeros(0, np.int32)
        return self._counts([len(ids) for ids in id_lists], all_ids, binary)

    def sentence_vectors(self, texts):
        """One vector per text (a str, tokenized by ``tokenizer``, default ``Tokenizer()``, or a token list):
        its bag-of-words counts, :meth:`bag_of_words`, a float64 CSRMatrix (n_texts, V). A text with no
        known word is a zero row (unless the vocabulary has ``<unk>``: that column counts its unknown
        words); ``[]`` gives shape (0, V).

        >>> OneHotEncoder(Vocabulary.build([["a", "b", "a"]])).sentence_vectors([["b", "a", "b"], "zzz"]).toarray()
        array([[1., 2.],
               [0., 0.]])
        """
        return self.bag_of_words(texts)

    def corpus_counts(self, corpus, binary=False):
        """Bag of words of an :class:`~minembed.text.corpus.EncodedCorpus`: one row per document."""
        return self._counts(np.diff(corpus.offsets), corpus.ids, binary)

    def _counts(self, doc_lengths, ids, binary):
        """Count (document, word) pairs by sorting one int64 key per token, ``doc * V + word``:
        equal pairs become neighbours, and each run of equal keys is one stored count.
        Example, V = 3: doc 0 = [2, 0, 2], doc 1 = [1] -> keys [2, 0, 2, 4] -> sorted
        [0, 2, 2, 4] -> runs (0), (2, 2), (4) -> X[0, 0] = 1, X[0, 2] = 2, X[1, 1] = 1.
        (Sorting in place needs far less memory than ``np.unique(..., return_inverse=True)``.)
        """
        n_docs, V = len(doc_lengths), self.dim
        keys = np.repeat(np.arange(n_docs, dtype=np.int64) * V, doc_lengths)   # (n_tokens,) doc * V
        keys += ids
        keys.sort(kind="stable")           # (already in document order: see fast/sorted_counts._count_block)
        is_start = np.ones(len(keys), dtype=bool)              # first key of each run
        np.not_equal(keys[1:], keys[:-1], out=is_start[1:])
        run_starts = np.flatnonzero(is_start)                  # (nnz,)
        cells = keys[run_starts]                               # (nnz,) distinct keys, sorted
        counts = np.ones(len(cells)) if binary else np.diff(run_starts, append=len(keys)).astype(np.float64)
        del keys, is_start, run_starts
        indptr = np.searchsorted(cells, np.arange(n_docs + 1, dtype=np.int64) * V)  # row d starts at key d*V
        return CSRMatrix(counts, (cells % V).astype(np.int32), indptr, (n_docs, V))

    def _token_lists(self, documents):
        if isinstance(documents, str):
            raise TypeError("expected a list of documents, not one str; wrap it: [text]")
        tokenizer = self.tokenizer or Tokenizer()
        for doc in documents:
            yield tokenizer.tokenize(doc) if isinstance(doc, str) else list(doc)


def _token_list(tokens):
    """A token list, or scikit-learn's (n, 1) array of them -> a flat list of str."""
    return list(map(str, np.asarray(tokens, dtype=object).reshape(-1)))


def _check_handle_unknown(value):
    if value not in ("error", "ignore"):
        raise ValueError(f"handle_unknown must be 'error' or 'ignore', got {value!r}")


def sparsity(matrix):
    """Fraction of cells that are zero in a :class:`CSRMatrix`."""
    cells = matrix.shape[0] * matrix.shape[1]
    return 1.0 - matrix.nnz / cells if cells else 1.0

