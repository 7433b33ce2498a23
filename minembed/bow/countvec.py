r"""Bag of words with scikit-learn's ``CountVectorizer``: a (documents x terms) matrix of counts.

Where :class:`~minembed.onehot.OneHotEncoder` is the lesson (one-hot rows, and the bag of words
as their sum), this is the tool with scikit-learn's parameters and output, so that code written
for ``sklearn.feature_extraction.text.CountVectorizer`` runs unchanged. It is also the first half
of TF-IDF: :class:`~minembed.tfidf.TfidfVectorizer` is this class plus a weighting step.

**Which terms.** Tokens come from the shared :class:`~minembed.tokenize.Tokenizer` with
scikit-learn's pattern ``(?u)\b\w\w+\b`` (2+ word characters), lowercased first.
``ngram_range=(1, 2)`` adds every pair of neighbouring tokens, joined by one space. Then
terms found in fewer than ``min_df`` or more than ``max_df`` documents are dropped (an int
is a document count, a float a fraction of the documents); of the rest, ``max_features`` keeps
the most frequent over the whole corpus. Columns are in alphabetical order.

**How it is computed.** Every term gets an integer id. For the patterns that mean "a run of one
character class" (the default among them), the tokens and their n-grams are found and numbered by
array operations over a million characters at a time, with no Python work per token
(:mod:`minembed.hashed_tokens`: runs of a class, polynomial hashes, a table of known hashes);
otherwise one Python pass maps every token to its id through a dict. Everything after that is
array work: the ``(document, term)`` pairs are sorted as single
integers and counted in runs (:func:`count_matrix`). The matrix is never dense. When ``min_df`` or
``max_df`` can drop terms, they are applied first, on the ids in order of first appearance
(:func:`document_frequency`), so that only the surviving terms are sorted alphabetically and
counted: with word pairs and ``min_df=2``, 527,609 of the 1,975,436 terms of 100,000 enwiki paragraphs
survive.

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
    output : ``"minembed"`` (default) returns a :class:`~minembed.sparse.CSRMatrix`, the small sparse
        matrix a reader can follow; scikit-learn estimators take it too, as a dense array (see
        CSRMatrix). ``"scipy"`` returns ``scipy.sparse.csr_matrix`` (SciPy must be installed), which
        they take as it is, sparse: the setting for a ``Pipeline`` on a real corpus.

    scikit-learn's estimator protocol (:mod:`minembed.estimator`): ``get_params(deep)``,
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
        self._check_params()

    @property
    def tokenizer(self):
        """The :class:`Tokenizer` these settings describe (built anew, so set_params is all it takes)."""
        return Tokenizer(pattern=_SAME_MATCHES_FASTER.get(self.token_pattern, self.token_pattern),
                         lowercase=self.lowercase, normalize=None)      # as scikit-learn: no normalization

    def _check_params(self):
        """Refuse a bad setting with a ValueError; ``ngram_range`` is kept as a tuple."""
        if isinstance(self.ngram_range, list):
            self.ngram_range = tuple(self.ngram_range)
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            is_count = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            is_fraction = isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral))
            if not ((is_count and value >= 1) or (is_fraction and 0.0 <= value <= 1.0)):
                raise ValueError(f"{name} must be an int >= 1 (a number of documents) or a float in "
                                 f"[0.0, 1.0] (a fraction of the documents), got {value!r}")
        if self.max_features is not None and not (
                isinstance(self.max_features, numbers.Integral) and self.max_features >= 1):
            raise ValueError(f"max_features must be None or an int >= 1, got {self.max_features!r}")
        if self.output not in ("minembed", "scipy"):
            raise ValueError(f"output must be 'minembed' (a CSRMatrix) or 'scipy' (scipy.sparse.csr_matrix, "
                             f"for scikit-learn estimators), got {self.output!r}")
        if self.output == "scipy":
            try:
                import scipy.sparse  # noqa: F401
            except ImportError:
                raise ValueError("output='scipy' needs SciPy: pip install scipy") from None
        if (not isinstance(self.ngram_range, tuple) or len(self.ngram_range) != 2
                or not all(isinstance(n, numbers.Integral) for n in self.ngram_range)
                or not 1 <= self.ngram_range[0] <= self.ngram_range[1]):
            raise ValueError(f"ngram_range must be (min_n, max_n) with 1 <= min_n <= max_n, "
                             f"got {self.ngram_range!r}")

    # ------------------------------------------------------------------ fit / transform
    def fit(self, documents, y=None):
        """Learn the vocabulary from an iterable of str (one pass; a generator is fine).
        ``y`` is ignored (scikit-learn's signature, so a Pipeline can pass the labels along)."""
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents, y=None):
        """Learn the vocabulary and return the documents' matrix (a CSRMatrix, or SciPy's with
        ``output="scipy"``). ``y`` is ignored."""
        return self._as_output(self._finish_fit(self._fit_counts(documents)))

    def transform(self, documents):
        """Rows for new documents with the fitted vocabulary; unseen terms are ignored."""
        vocabulary = self._fitted("vocabulary_")
        blocks = self._encode_known(documents, vocabulary)      # unseen terms get id -1, then are skipped
        counts = count_matrix(blocks, len(vocabulary))
        if self.binary:
            counts.data[:] = 1.0
        return self._as_output(self._finish(counts))

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

    def _fit_counts(self, documents):
        """Count every document's terms, prune the columns, set ``vocabulary_``: the float64 counts."""
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

    def _finish_fit(self, counts):
        """What fit_transform returns, from the pruned counts (TF-IDF weights them here)."""
        return self._finish(counts)

    def _finish(self, counts):
        """Counts as scikit-learn's CountVectorizer gives them: int64."""
        return CSRMatrix(counts.data.astype(np.int64), counts.indices, counts.indptr, counts.shape)

    def _as_output(self, matrix):
        return matrix.to_scipy() if self.output == "scipy" else matrix

    # ------------------------------------------------------------------ the steps
    def _encode_new(self, documents):
        """Documents -> (blocks as :meth:`_encode` gives them, the terms by raw id), every term new.

        When a token is "a run of one character class" (scikit-learn's default pattern among them), the
        tokens and their n-grams are found and numbered by array operations over many documents at once
        (:mod:`minembed.hashed_tokens`, about twice as fast); otherwise by the tokenizer and a dict, one
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
        :meth:`_encode_new` (the vocabulary's hashes in a :class:`~minembed.term_index.FixedTermIndex`,
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


def document_frequency(blocks, n_terms):
    """(n_terms,) int64: in how many documents each id of ``blocks`` (as for :func:`count_matrix`) occurs.

    >>> document_frequency([(np.array([2, 0, 2, 1]), np.array([3, 1]))], 3).tolist()
    [1, 1, 1]
    """
    df = np.zeros(n_terms, dtype=np.int64)
    for ids, doc_lengths in blocks:
        keys = _cell_keys(ids, doc_lengths, n_terms)                # (block_tokens,) doc * n_terms + id
        keys.sort(kind="stable")                                    # (see _count_block)
        pairs = keys[np.diff(keys, prepend=-1) != 0]                # each (doc, id) pair once
        df += np.bincount(pairs % n_terms, minlength=n_terms)
    return df


def count_matrix(blocks, n_terms, relabel=None):
    """Blocks of term ids -> (n_docs, n_terms) CSR matrix of counts (float64).

    ``blocks`` is a list of ``(term_ids, doc_lengths)``: ``term_ids`` holds a block's first
    document's ids, then the next document's, ...; ``doc_lengths[d]`` says how many belong
    to each. ``relabel[id]``, if given, is the column of ``id``; ids < 0 (unseen terms) are
    skipped. Each token becomes one integer ``doc * n_terms + column``; sorting these puts
    equal (doc, column) pairs next to each other in CSR order, and the length of each run is
    the count. The list is emptied as it is read, so each block's ids are freed once counted.

    >>> count_matrix([(np.array([2, 0, 2, 1]), np.array([3, 1]))], 3).toarray()
    array([[1., 0., 2.],
           [0., 1., 0.]])
    """
    n_tokens = sum(len(ids) for ids, _ in blocks)
    n_docs = sum(len(doc_lengths) for _, doc_lengths in blocks)
    # There are at most n_tokens distinct (doc, column) pairs. The arrays are filled from the
    # front and trimmed at the end; pages never written never take memory.
    columns, counts = np.empty(n_tokens, np.int32), np.empty(n_tokens, np.float64)
    row_nnz = np.empty(n_docs, np.int64)
    nnz = doc = 0
    blocks.reverse()                                                # pop() from the front
    while blocks:
        ids, doc_lengths = blocks.pop()
        block_columns, block_counts, block_row_nnz = _count_block(ids, doc_lengths, n_terms, relabel)
        columns[nnz:nnz + len(block_columns)] = block_columns
        counts[nnz:nnz + len(block_columns)] = block_counts
        row_nnz[doc:doc + len(doc_lengths)] = block_row_nnz
        nnz, doc = nnz + len(block_columns), doc + len(doc_lengths)
    columns.resize(nnz, refcheck=False)                             # give back the unused tail
    counts.resize(nnz, refcheck=False)
    indptr = np.concatenate([[0], np.cumsum(row_nnz)])
    return CSRMatrix(counts, columns, indptr, (n_docs, n_terms))


def _count_block(ids, doc_lengths, n_terms, relabel):
    """One block -> (columns, counts, stored values per document), all int64, in CSR order."""
    if relabel is not None:
        ids = relabel[ids]
    keys = _cell_keys(ids, doc_lengths, n_terms)                    # (block_tokens,) doc * n_terms + column
    if len(ids) and ids.min() < 0:
        keys = keys[ids >= 0]
    # The keys already rise document by document and are shuffled only inside each document: the
    # stable sort (timsort for 64-bit integers, which finds the runs already in order and merges them)
    # uses that order and is 2-3x faster here than the default quicksort, which starts from scratch.
    keys.sort(kind="stable")
    run_starts = np.flatnonzero(np.diff(keys, prepend=-1))         # where a new (doc, column) begins
    cells = keys[run_starts]                                        # distinct (doc, column) pairs
    rows = cells // n_terms
    counts = np.diff(run_starts, append=len(keys))                  # run lengths
    return cells - rows * n_terms, counts, np.bincount(rows, minlength=len(doc_lengths))


def _cell_keys(ids, doc_lengths, n_terms):
    """Each token of a block as one int64, ``doc * n_terms + id`` (its cell of the matrix), so
    that sorting the keys groups equal (document, term) pairs, in CSR order."""
    keys = np.repeat(np.arange(len(doc_lengths), dtype=np.int64) * n_terms, doc_lengths)
    keys += ids
    return keys
