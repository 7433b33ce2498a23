r"""TF-IDF: weight each word of a document by how often it occurs there and how rare it is.

A document becomes a row of a (documents x terms) sparse matrix. The weight of term ``t``
in document ``d`` is

    w(t, d) = tf(t, d) * idf(t),    then every row is scaled to unit length.

**tf**, the term frequency: the raw count of ``t`` in ``d`` (how scikit-learn, and so
minembed, defines it; not divided by the document length, the normalization takes care of
that). ``binary=True`` replaces it by 1/0; ``sublinear_tf=True`` by ``1 + ln(count)``, so
the 10th "whale" adds less than the 2nd.

**idf**, the inverse document frequency. With ``n`` documents, ``df(t)`` of which contain ``t``:

    smooth_idf=True  (default):   idf(t) = ln((1 + n) / (1 + df(t))) + 1
    smooth_idf=False:             idf(t) = ln(n / df(t)) + 1

The textbook formula is ``idf = log(n / df)``. The formula users of scikit-learn actually
get differs in two ways:

1. **The "+ 1" outside the log.** A term found in every document has ``n / df = 1`` and
   textbook idf 0: it would vanish from every row. Here it gets idf 1, the smallest weight,
   but stays. Every idf is therefore >= 1.
2. **Smoothing** adds 1 to ``n`` and to every ``df``, as if one extra document contained
   every term once. This keeps idf finite for a term that no training document contains
   and pulls the rare terms' idf down a little.

The log is the natural log. (In the textbook formula the base only scales every weight by
one constant, which the normalization cancels; with the +1 it does not.)

**Normalization** (``norm``): "l2" divides each row by its Euclidean length, so the dot
product of two rows is their cosine similarity; "l1" by the sum of its absolute values;
None keeps the raw products. Worked example, 3 documents ``"the cat sat"``, ``"the dog
sat"``, ``"the cat ran"``: n = 3, df(the) = 3, df(cat) = df(sat) = 2, df(dog) = df(ran) = 1::

    idf(the) = ln(4/4) + 1 = 1,  idf(cat) = ln(4/3) + 1 = 1.2877,  idf(dog) = ln(4/2) + 1 = 1.6931
    row 0 before norm: cat 1.2877, sat 1.2877, the 1      length sqrt(2 * 1.2877^2 + 1) = 2.0776
    row 0:             cat 0.6198, sat 0.6198, the 0.4813

The same numbers as :func:`minembed.bow.reference.tfidf` (read that first: loops over a dense
matrix). **Which terms, and the counts** come from :class:`~minembed.bow.countvec.CountVectorizer`,
which this class extends as scikit-learn's does: ``fit_transform`` and ``transform`` ask it for
the counts (``_fit_counts``, ``_transform_counts``: scikit-learn's token pattern, word n-grams,
``min_df`` / ``max_df`` / ``max_features`` pruning, alphabetical columns, counting by sorting
``(document, term)`` pairs, never a dense matrix), then weight them with :func:`weigh`, the formula
above applied in place to the stored values. ``df`` is the number of stored values per column.
"""
import numbers

import numpy as np

from .countvec import CountVectorizer, NotFittedError, check_count_params, word_ngrams  # noqa: F401 (re-exported)
from ..text.tokenize import SKLEARN_PATTERN


class TfidfVectorizer(CountVectorizer):
    """Documents -> TF-IDF weighted document-term matrix, with scikit-learn's parameters.

    Parameters (names, defaults and meanings as ``sklearn.feature_extraction.text.TfidfVectorizer``):
    those of :class:`~minembed.bow.countvec.CountVectorizer` (``lowercase``, ``token_pattern``,
    ``ngram_range``, ``min_df``, ``max_df``, ``max_features``, ``binary``: tf is 1/0, ``output``),
    and the weighting's:

    norm : "l2", "l1" or None
    use_idf, smooth_idf, sublinear_tf : bool, defaults True, True, False

    It speaks scikit-learn's estimator protocol as CountVectorizer does, ``inverse_transform`` included
    (``tests/test_tfidf.py`` checks ``clone``, ``Pipeline``, ``cross_val_score``, ``GridSearchCV`` and
    ``check_is_fitted`` against scikit-learn's TfidfVectorizer, with either ``output``).

    ``sentence_vectors(texts)`` (CountVectorizer's) gives the rows of ``transform`` as a float64 CSRMatrix:
    one TF-IDF vector per text (of length 1 with the default ``norm="l2"``), a zero row for a text with no
    known term.

    Attributes after ``fit``: ``vocabulary_`` (term -> column), ``idf_`` (n_terms,) (also
    computed when ``use_idf=False``, then just not applied), ``df_`` (n_terms,) document
    frequencies, ``n_documents_``, ``train_matrix_`` (the TF-IDF rows of the training
    documents, used by :meth:`top_terms` and :meth:`similar_terms`; ``fit_transform``
    returns this same matrix).

    >>> tfidf = TfidfVectorizer()
    >>> X = tfidf.fit_transform(["the cat sat", "the dog sat", "the cat ran"])
    >>> tfidf.get_feature_names_out().tolist()
    ['cat', 'dog', 'ran', 'sat', 'the']
    >>> X.toarray()[0].round(4).tolist()
    [0.6198, 0.0, 0.0, 0.6198, 0.4813]
    """

    PARAM_NAMES = CountVectorizer.PARAM_NAMES + ("norm", "use_idf", "smooth_idf", "sublinear_tf")

    def __init__(self, *, lowercase=True, token_pattern=SKLEARN_PATTERN, ngram_range=(1, 1),
                 max_df=1.0, min_df=1, max_features=None, binary=False, norm="l2",
                 use_idf=True, smooth_idf=True, sublinear_tf=False, output="minembed"):
        super().__init__(lowercase=lowercase, token_pattern=token_pattern, ngram_range=ngram_range,
                         max_df=max_df, min_df=min_df, max_features=max_features, binary=binary, output=output)
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf
        _check_norm(self.norm)

    def _check_params(self):
        """What ``set_params`` calls (:class:`~minembed.core.estimator.Estimator`): the counting settings, the norm."""
        check_count_params(self)
        _check_norm(self.norm)

    # ------------------------------------------------------------------ fit / transform: counts, then weights
    def fit(self, documents, y=None):
        """Learn the vocabulary, ``df_`` and ``idf_`` from an iterable of str. ``y`` is ignored. Returns self."""
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents, y=None):
        """Learn the vocabulary, ``df_`` and ``idf_``, and return the documents' (n_docs, n_terms) TF-IDF rows
        (a CSRMatrix, or SciPy's with ``output="scipy"``), kept as ``train_matrix_``. ``y`` is ignored."""
        counts = self._fit_counts(documents)                       # (n_docs, n_terms) float64, sets vocabulary_
        self.df_ = counts.column_nnz()                             # (n_terms,) documents containing each term
        self.n_documents_ = counts.shape[0]
        self.idf_ = inverse_document_frequency(self.df_, self.n_documents_, self.smooth_idf)
        self.train_matrix_ = weigh(counts, self.idf_ if self.use_idf else None, self.sublinear_tf, self.norm)
        return self._as_output(self.train_matrix_)

    def transform(self, documents):
        """(n_docs, n_terms) TF-IDF rows of new documents, with the fitted vocabulary and ``idf_``; unseen terms
        are ignored."""
        counts = self._transform_counts(documents)                 # (n_docs, n_terms) float64
        idf = self.idf_ if self.use_idf else None
        return self._as_output(weigh(counts, idf, self.sublinear_tf, self.norm))

    # ------------------------------------------------------------------ looking inside
    def top_terms(self, row, k=10):
        """The ``k`` highest-weighted terms of one document, as ``[(term, weight), ...]``.

        ``row`` is the index of a training document, a new document (str), or a
        ``(columns, values)`` pair such as ``X.row(i)``. Ties are broken alphabetically.
        """
        if isinstance(row, str):
            columns, values = self.transform([row]).row(0)
        elif isinstance(row, numbers.Integral):
            n_documents = self._fitted("train_matrix_").shape[0]
            if not 0 <= row < n_documents:
                raise IndexError(f"document {row} is out of range: fit saw {n_documents} documents")
            columns, values = self.train_matrix_.row(row)
        else:
            columns, values = row
        order = np.lexsort((columns, -values))[:k]               # weight desc, then column asc
        return [(self._terms[c], float(v)) for c, v in zip(columns[order].tolist(), values[order].tolist())]

    def similar_terms(self, term, k=10, X=None):
        """The ``k`` terms whose columns have the highest cosine with ``term``'s column.

        Two terms are similar here when they are weighted highly in the *same documents*
        (``X`` defaults to the training matrix): a notion of similarity from co-occurrence
        in whole documents, to set beside word2vec's neighbouring-word contexts.
        """
        X = self._fitted("train_matrix_") if X is None else X
        vocabulary = self._fitted("vocabulary_")
        if term not in vocabulary:
            raise KeyError(f"term {term!r} is not in the TF-IDF vocabulary ({len(vocabulary)} terms); "
                           "it may be absent from the documents or pruned by min_df/max_df/max_features")
        column = vocabulary[term]
        rows, weights = X.column(column)                           # the documents containing it
        dense_column = np.zeros(X.shape[0])
        dense_column[rows] = weights
        dots = X.transpose_matvec(dense_column)                    # (n_terms,) column . column
        norms = np.sqrt(X.column_sums(squared=True))               # (n_terms,)
        norms[norms == 0.0] = 1.0
        cosines = dots / (norms * norms[column])
        cosines[column] = -np.inf                                  # not itself
        candidates = np.flatnonzero(cosines > 0)
        order = np.lexsort((candidates, -cosines[candidates]))[:k]
        return [(self._terms[c], float(cosines[c])) for c in candidates[order].tolist()]

    def __repr__(self):
        return (f"TfidfVectorizer(ngram_range={self.ngram_range}, min_df={self.min_df!r}, "
                f"max_df={self.max_df!r}, max_features={self.max_features}, binary={self.binary}, "
                f"norm={self.norm!r}, use_idf={self.use_idf}, smooth_idf={self.smooth_idf}, "
                f"sublinear_tf={self.sublinear_tf})")


# ---------------------------------------------------------------------------- the weighting
def weigh(counts, idf=None, sublinear_tf=False, norm="l2"):
    """(n_docs, n_terms) CSRMatrix of float64 counts -> its TF-IDF rows, **in place** (returns ``counts``).

    tf is the count, or ``1 + ln(count)`` if ``sublinear_tf``; times ``idf[column]`` ((n_terms,), or no
    idf if None); each row then divided by its l2 norm, or l1 norm (sum of absolute values), or not
    (``norm`` "l2", "l1", None). Only the stored values are touched, a block of rows at a time.

    >>> from minembed.core.sparse import CSRMatrix
    >>> weigh(CSRMatrix.from_dense([[3.0, 4.0], [0.0, 0.0]])).toarray().tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    for block in counts.row_blocks(1 << 20):                       # views: small temporaries
        data = block.data                                          # (block_nnz,) float64
        if sublinear_tf:
            np.log(data, out=data)
            data += 1.0                                            # tf = 1 + ln(count)
        if idf is not None:
            data *= idf[block.indices]                             # tf * idf(column)
        if norm is not None:
            norms = block.row_norms(ord=2 if norm == "l2" else 1)  # (block_rows,)
            norms[norms == 0.0] = 1.0                              # empty rows stay empty
            data /= np.repeat(norms, np.diff(block.indptr))
    return counts


def _check_norm(norm):
    if norm not in ("l2", "l1", None):
        raise ValueError(f"norm must be 'l2', 'l1' or None, got {norm!r}")


def inverse_document_frequency(df, n_documents, smooth=True):
    """``ln((1 + n) / (1 + df)) + 1`` (smooth) or ``ln(n / df) + 1``, as float64 (n_terms,).

    >>> inverse_document_frequency(np.array([3, 2, 1]), 3).round(4).tolist()
    [1.0, 1.2877, 1.6931]
    """
    df = np.asarray(df, dtype=np.float64) + float(smooth)
    return np.log((n_documents + int(smooth)) / df) + 1.0
