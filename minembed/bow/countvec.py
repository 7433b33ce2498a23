r"""Bag of words with scikit-learn's ``CountVectorizer``: a (documents x terms) matrix of counts.

The counts of :func:`minembed.bow.reference.bag_of_words` (read that first: a dict per document),
with scikit-learn's parameters and output, so that code written for
``sklearn.feature_extraction.text.CountVectorizer`` runs unchanged. It is also the first half of
TF-IDF: :class:`~minembed.bow.tfidf.TfidfVectorizer` calls :meth:`CountVectorizer._fit_counts` and
:meth:`CountVectorizer._transform_counts` for its counts, then weights them.

**Which terms.** Tokens come from the shared :class:`~minembed.text.tokenize.Tokenizer` with
scikit-learn's pattern ``(?u)\b\w\w+\b`` (2+ word characters), lowercased first.
``ngram_range=(1, 2)`` adds every pair of neighbouring tokens, joined by one space. Then
terms found in fewer than ``min_df`` or more than ``max_df`` documents are dropped (an int
is a document count, a float a fraction of the documents); of the rest, ``max_features`` keeps
the most frequent over the whole corpus. Columns are in alphabetical order.

**How it is computed.** Every term gets an integer id. For the patterns that mean "a run of one
character class" (the default among them), the tokens and their n-grams are found and numbered by
array operations over a million characters at a time, with no Python work per token
(:mod:`minembed.bow.fast.hashed_tokens`: runs of a class, polynomial hashes, a table of known hashes);
otherwise one Python pass maps every token to its id through a dict. Everything after that is
array work: the ``(document, term)`` pairs are sorted as single integers and counted in runs
(:func:`~minembed.bow.fast.sorted_counts.count_matrix`). The matrix is never dense. When ``min_df``
or ``max_df`` can drop terms, they are applied first, on the ids in order of first appearance
(:func:`~minembed.bow.fast.sorted_counts.document_frequency`), so that only the surviving terms are
sorted alphabetically and counted: with word pairs and ``min_df=2``, 527,609 of the 1,975,436 terms
of 100,000 enwiki paragraphs survive.

>>> bag = CountVectorizer()
>>> bag.fit_transform(["the cat sat", "the cat saw the cat"]).toarray()
array([[1, 1, 0, 1],
       [2, 0, 1, 2]])
>>> bag.get_feature_names_out().tolist()
['cat', 'sat', 'saw', 'the']
"""
import array
import collections
import itertools
import numbers

import numpy as np

from ..core.estimator import Estimator, NotFittedError  # noqa: F401 (NotFittedError re-exported)
from ..core.sparse import CSRMatrix, as_csr
from .fast import hashed_tokens
from .fast.sorted_counts import count_matrix, document_frequency
from ..text.tokenize import RUN_PATTERNS, SKLEARN_PATTERN, Tokenizer

# scikit-learn's default pattern runs as r"\w\w+": it finds exactly the same tokens (scanning
# left to right, a greedy run of 2+ word characters always starts and ends at a word boundary,
# so the two \b checks never reject anything), and Python's re runs it about 25% faster.
_SAME_MATCHES_FASTER = {SKLEARN_PATTERN: r"\w\w+"}


class CountVectorizer(Estimator):
    """Documents -> document-term matrix of counts, with scikit-learn's parameters and protocol.

    Parameters (names, defaults and meanings as ``sklearn.feature_extraction.text.CountVectorizer``)
    ----------
    lowercase : bool, default True
    token_pattern : str, default ``r"(?u)\\b\\w\\w+\\b"``
    ngram_range : (min_n, max_n), default (1, 1)   word n-grams, joined by one space
    min_df, max_df : int (document count) or float in [0, 1] (fraction), defaults 1 and 1.0
    max_features : int or None   keep the most frequent terms (by total count) after min/max_df
    binary : bool   1/0 instead of a count
    output : ``"minembed"`` (default) returns a :class:`~minembed.core.sparse.CSRMatrix`, the small sparse
        matrix a reader can follow; scikit-learn estimators take it too, as a dense array (see
        CSRMatrix). ``"scipy"`` returns ``scipy.sparse.csr_matrix`` (SciPy must be installed), which
        they take as it is, sparse: the setting for a ``Pipeline`` on a real corpus.

    scikit-learn's estimator protocol (:mod:`minembed.core.estimator`): ``get_params(deep)``,
    ``set_params(**params)``, ``fit(X, y=None)``, ``fit_transform(X, y=None)``, ``transform``,
    ``inverse_transform``, ``get_feature_names_out``, ``NotFittedError`` before ``fit``, so ``clone``,
    ``Pipeline``, ``cross_val_score``, ``GridSearchCV`` and ``check_is_fitted`` work (the tests check
    them against scikit-learn when it is installed). Nothing here imports scikit-learn.

    Attributes after ``fit``: ``vocabulary_`` (term -> column). Counts are int64, as scikit-learn's.
    """

    PARAM_NAMES = ("lowercase", "token_pattern", "ngram_range", "max_df", "min_df", "max_features",
                   "binary", "output")
    FITTED = "vocabulary_"
    INPUT_TAGS = {"string": True, "two_d_array": False}                # a list of str, as scikit-learn's

    def __init__(self, *, lowercase=True, token_pattern=SKLEARN_PATTERN, ngram_range=(1, 1),
                 max_df=1.0, min_df=1, max_features=None, binary=False, output="minembed"):
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.binary = binary
        self.output = output
        check_count_params(self)

    @property
    def tokenizer(self):
        """The :class:`Tokenizer` these settings describe (built anew, so set_params is all it takes)."""
        return Tokenizer(pattern=_SAME_MATCHES_FASTER.get(self.token_pattern, self.token_pattern),
                         lowercase=self.lowercase, normalize=None)      # as scikit-learn: no normalization

    def _check_params(self):
        """What ``set_params`` calls (:class:`~minembed.core.estimator.Estimator`): :func:`check_count_params`."""
        check_count_params(self)

    # ------------------------------------------------------------------ fit / transform
    def fit(self, documents, y=None):
        """Learn the vocabulary from an iterable of str (one pass; a generator is fine).
        ``y`` is ignored (scikit-learn's signature, so a Pipeline can pass the labels along)."""
        self._fit_counts(documents)
        return self

    def fit_transform(self, documents, y=None):
        """Learn the vocabulary and return the documents' (n_docs, n_terms) int64 counts (a CSRMatrix, or
        SciPy's with ``output="scipy"``). ``y`` is ignored."""
        return self._as_output(_as_int64(self._fit_counts(documents)))

    def transform(self, documents):
        """(n_docs, n_terms) int64 counts of new documents with the fitted vocabulary; unseen terms are ignored."""
        return self._as_output(_as_int64(self._transform_counts(documents)))

    def sentence_vectors(self, texts):
        """One vector per text: its row of :meth:`transform` (counts here; TF-IDF or BM25 weights in the
        subclasses) as a float64 :class:`~minembed.core.sparse.CSRMatrix` (n_texts, n_terms), whatever
        ``output`` says. A text with no known term is a zero row; ``[]`` gives shape (0, n_terms).

        >>> CountVectorizer().fit(["the cat sat"]).sentence_vectors(["the cat, the end", "a dog"]).toarray()
        array([[1., 0., 2.],
               [0., 0., 0.]])
        """
        X = as_csr(self.transform(texts))                        # (n_texts, n_terms)
        return CSRMatrix(X.data.astype(np.float64), X.indices, X.indptr, X.shape)

    def get_feature_names_out(self, input_features=None):
        """(n_terms,) object array of the terms, in column (alphabetical) order."""
        self._fitted("vocabulary_")
        return np.array(self._terms, dtype=object)

    def inverse_transform(self, X):
        """The terms with a non-zero entry in each row of ``X``, as scikit-learn's: a list of ``n_rows``
        arrays of str (NumPy's ``<U`` dtype), a row's terms in the order its values are stored (by
        column, so alphabetical, for what ``transform`` returns; a dense row: by column).

        ``X`` is (n_docs, n_terms): a CSRMatrix, a SciPy sparse matrix or a dense array. Unlike
        scikit-learn, a matrix with another number of columns is refused (it would name wrong terms).

        >>> bag = CountVectorizer().fit(["the cat sat", "the dog"])
        >>> [terms.tolist() for terms in bag.inverse_transform(bag.transform(["the dog and a cat", "no"]))]
        [['cat', 'dog', 'the'], []]
        """
        self._fitted("vocabulary_")
        terms = np.array(self._terms)                            # (n_terms,) column -> term, as str
        X = as_csr(X)
        if X.shape[1] != len(terms):
            raise ValueError(f"X has {X.shape[1]} columns, but this {type(self).__name__} has {len(terms)} "
                             "terms: was X made by another vectorizer?")
        stored = X.data != 0                                     # (nnz,) an explicit 0 is no term
        found = terms[X.indices[stored]]                         # (nnz',) every row's terms, row after row
        ends = np.cumsum(np.bincount(X.row_ids()[stored], minlength=X.shape[0]))   # (n_rows,)
        starts = np.concatenate([[0], ends[:-1]])
        return [found[start:end] for start, end in zip(starts.tolist(), ends.tolist())]

    # ------------------------------------------------------------------ the counts (TfidfVectorizer's too)
    def _fit_counts(self, documents):
        """Count every document's terms, prune the columns, set ``vocabulary_``: the (n_docs, n_terms)
        float64 counts (1/0 if ``binary``)."""
        self._fixed_index = None                       # (transform's, of the previous fit)
        blocks, raw_terms = self._encode_new(documents)  # raw_terms: raw id (first appearance) -> term
        if not raw_terms:
            raise ValueError("empty vocabulary: no document contains a token matching token_pattern="
                             f"{self.token_pattern!r}; are the documents empty, or only punctuation "
                             "and one-letter words?")
        n_docs = sum(len(doc_lengths) for _, doc_lengths in blocks)
        n_raw = len(raw_terms)
        raw_ids = np.arange(n_raw)
        if self._df_limits_prune(n_docs):
            # min_df / max_df first, on the raw ids: with word pairs most terms go here (min_df=2
            # drops about 73% of them), and only the survivors are sorted and counted
            raw_ids = np.flatnonzero(self._df_keep(document_frequency(blocks, n_raw), n_docs))
        # columns are alphabetical: sort the surviving terms, and renumber raw id -> column (-1: pruned)
        by_term = sorted(raw_ids.tolist(), key=raw_terms.__getitem__)
        terms = [raw_terms[raw_id] for raw_id in by_term]
        del raw_terms
        raw_to_column = np.full(n_raw, -1, dtype=np.int32)
        raw_to_column[by_term] = np.arange(len(terms))
        counts = count_matrix(blocks, len(terms), relabel=raw_to_column)   # (n_docs, n_terms)
        if self.binary:
            counts.data[:] = 1.0
        keep = self._keep_mask(counts)
        if not keep.all():
            counts = counts.keep_columns(keep)
            terms = [terms[i] for i in np.flatnonzero(keep).tolist()]
        self.vocabulary_ = dict(zip(terms, range(len(terms))))
        self._terms = terms                            # column -> term
        return counts

    def _transform_counts(self, documents):
        """New documents -> their (n_docs, n_terms) float64 counts (1/0 if ``binary``) over the fitted columns."""
        vocabulary = self._fitted("vocabulary_")
        blocks = self._encode_known(documents, vocabulary)      # unseen terms get id -1, then are skipped
        counts = count_matrix(blocks, len(vocabulary))
        if self.binary:
            counts.data[:] = 1.0
        return counts

    def _as_output(self, matrix):
        """A CSRMatrix as ``output`` asks: itself, or ``scipy.sparse.csr_matrix``."""
        return matrix.to_scipy() if self.output == "scipy" else matrix

    # ------------------------------------------------------------------ the steps
    def _encode_new(self, documents):
        """Documents -> (blocks as :meth:`_encode` gives them, the terms by raw id), every term new.

        When a token is "a run of one character class" (scikit-learn's default pattern among them), the
        tokens and their n-grams are found and numbered by array operations over many documents at once
        (:mod:`minembed.bow.fast.hashed_tokens`, about twice as fast); otherwise by the tokenizer and a dict, one
        term at a time. Both give the same blocks and terms.
        """
        if self.token_pattern in RUN_PATTERNS:
            _refuse_one_document(documents)
            in_class, min_length = RUN_PATTERNS[self.token_pattern]
            return hashed_tokens.encode_documents(documents, in_class, min_length, self.lowercase,
                                                  self.ngram_range)
        index = collections.defaultdict()
        index.default_factory = index.__len__          # a new term gets the next id
        blocks = self._encode(documents, lambda terms: map(index.__getitem__, terms))
        return blocks, list(index)

    def _encode_known(self, documents, vocabulary):
        """Documents -> blocks of the fitted vocabulary's columns, -1 for an unseen term: by arrays, as
        :meth:`_encode_new` (the vocabulary's hashes in a :class:`~minembed.bow.fast.term_index.FixedTermIndex`,
        built at the first ``transform`` after ``fit`` and kept), unless the pattern is not a run of one
        class or two terms of the vocabulary share a first hash; then by the dict ``vocabulary``."""
        if self.token_pattern in RUN_PATTERNS:
            _refuse_one_document(documents)
            if getattr(self, "_fixed_index", None) is None:
                try:
                    self._fixed_index = hashed_tokens.fixed_index(self._terms)
                except hashed_tokens.HashCollision:
                    self._fixed_index = False                       # (no fixed index: the dict, every time)
            if self._fixed_index:
                in_class, min_length = RUN_PATTERNS[self.token_pattern]
                return hashed_tokens.encode_documents(documents, in_class, min_length, self.lowercase,
                                                      self.ngram_range, index=self._fixed_index)[0]
        return self._encode(documents, lambda terms: map(vocabulary.get, terms, itertools.repeat(-1)))

    def __getstate__(self):
        """Pickled without the fixed index of :meth:`_encode_known` (it is made again when needed)."""
        state = self.__dict__.copy()
        state.pop("_fixed_index", None)
        return state

    def _encode(self, documents, term_ids_of, block_tokens=1 << 18):
        """Documents -> list of blocks ``(term ids int32, terms per document int64)``.

        Each block holds whole consecutive documents, about ``block_tokens`` terms. The only
        Python-level work per token: the regex, and one dict lookup inside a C-level ``map``
        (``term_ids_of``) that appends straight into a growing int32 buffer.
        """
        _refuse_one_document(documents)
        blocks, ids, lengths = [], array.array("i"), array.array("q")
        for terms in map(self._analyzer(), documents):
            ids.extend(term_ids_of(terms))
            lengths.append(len(terms))
            if len(ids) >= block_tokens:
                blocks.append((np.frombuffer(ids, np.int32), np.frombuffer(lengths, np.int64)))
                ids, lengths = array.array("i"), array.array("q")
        if lengths or not blocks:
            blocks.append((np.frombuffer(ids, np.int32), np.frombuffer(lengths, np.int64)))
        return blocks

    def _analyzer(self):
        """The function document (str) -> list of terms (tokens, then n-grams if asked)."""
        tokenize = self.tokenizer.tokenize
        min_n, max_n = self.ngram_range
        if (min_n, max_n) == (1, 1):
            return tokenize
        return lambda doc: word_ngrams(tokenize(doc), min_n, max_n)

    def _df_limits(self, n_docs):
        """(min, max) number of documents a kept term may occur in, from min_df and max_df."""
        max_count = self.max_df if isinstance(self.max_df, numbers.Integral) else self.max_df * n_docs
        min_count = self.min_df if isinstance(self.min_df, numbers.Integral) else self.min_df * n_docs
        if max_count < min_count:
            raise ValueError(f"max_df corresponds to < documents than min_df: max_df={self.max_df!r} "
                             f"allows at most {max_count:g} of the {n_docs} documents, min_df="
                             f"{self.min_df!r} asks for at least {min_count:g}; lower min_df or raise max_df")
        return min_count, max_count

    def _df_limits_prune(self, n_docs):
        """Whether min_df / max_df can drop a term at all (not with the defaults 1 and 1.0)."""
        min_count, max_count = self._df_limits(n_docs)
        return min_count > 1 or max_count < n_docs

    def _df_keep(self, df, n_docs):
        """(n_terms,) bool: the terms whose document frequency ``df`` min_df and max_df allow."""
        min_count, max_count = self._df_limits(n_docs)
        keep = (df <= max_count) & (df >= min_count)
        if not keep.any():
            raise ValueError(f"After pruning, no terms remain. Try a lower min_df or a higher max_df. "
                             f"(min_df={self.min_df!r}, max_df={self.max_df!r}, {n_docs} documents, "
                             f"{len(df)} terms, largest document frequency {df.max()})")
        return keep

    def _keep_mask(self, counts):
        """min_df / max_df / max_features -> (n_terms,) bool mask of the columns to keep."""
        n_docs, n_terms = counts.shape
        # (when _fit_counts could prune, min_df / max_df were applied on the raw ids already; applying
        # them again here keeps out nothing new)
        keep = self._df_keep(counts.column_nnz(), n_docs)
        if self.max_features is not None and keep.sum() > self.max_features:
            # The most frequent terms by total count (by df if binary). Ties: the exact call
            # scikit-learn makes (NumPy's default argsort over the alphabetical columns).
            totals = counts.column_sums()
            best = (-totals[keep]).argsort()[:self.max_features]
            new_keep = np.zeros(n_terms, dtype=bool)
            new_keep[np.flatnonzero(keep)[best]] = True
            keep = new_keep
        return keep


# ---------------------------------------------------------------------------- helpers
def check_count_params(vectorizer):
    """Refuse a bad counting setting of ``vectorizer`` with a ValueError; ``ngram_range`` is kept as a tuple.
    (TfidfVectorizer calls it too, then checks its weighting settings.)"""
    if isinstance(vectorizer.ngram_range, list):
        vectorizer.ngram_range = tuple(vectorizer.ngram_range)
    for name in ("min_df", "max_df"):
        value = getattr(vectorizer, name)
        is_count = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        is_fraction = isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral))
        if not ((is_count and value >= 1) or (is_fraction and 0.0 <= value <= 1.0)):
            raise ValueError(f"{name} must be an int >= 1 (a number of documents) or a float in "
                             f"[0.0, 1.0] (a fraction of the documents), got {value!r}")
    max_features, output, ngram_range = vectorizer.max_features, vectorizer.output, vectorizer.ngram_range
    if max_features is not None and not (isinstance(max_features, numbers.Integral) and max_features >= 1):
        raise ValueError(f"max_features must be None or an int >= 1, got {max_features!r}")
    if output not in ("minembed", "scipy"):
        raise ValueError(f"output must be 'minembed' (a CSRMatrix) or 'scipy' (scipy.sparse.csr_matrix, "
                         f"for scikit-learn estimators), got {output!r}")
    if output == "scipy":
        try:
            import scipy.sparse  # noqa: F401
        except ImportError:
            raise ValueError("output='scipy' needs SciPy: pip install scipy") from None
    if (not isinstance(ngram_range, tuple) or len(ngram_range) != 2
            or not all(isinstance(n, numbers.Integral) for n in ngram_range)
            or not 1 <= ngram_range[0] <= ngram_range[1]):
        raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, got {ngram_range!r}")


def _as_int64(counts):
    """Counts as scikit-learn's CountVectorizer gives them: int64 values."""
    return CSRMatrix(counts.data.astype(np.int64), counts.indices, counts.indptr, counts.shape)


def _refuse_one_document(documents):
    """A str (or bytes) is one document, not an iterable of them: say so (iterating it would make every
    character a document)."""
    if isinstance(documents, (str, bytes)):
        raise TypeError("expected an iterable of documents (str), got a single "
                        f"{type(documents).__name__}; wrap it in a list: [text]")


def word_ngrams(tokens, min_n, max_n):
    """Token list -> its n-grams for n in [min_n, max_n], joined by one space.

    >>> word_ngrams(["a", "b", "c"], 1, 2)
    ['a', 'b', 'c', 'a b', 'b c']
    """
    grams = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
        grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)))))
    return grams
