r"""Okapi BM25: the weighting search engines use instead of TF-IDF (Lucene's default since 2015).

TF-IDF grows without bound with the count: the 10th "turtle" of a paragraph adds as much as the
first. BM25 (Robertson et al. 1994, "Okapi at TREC-3") **saturates** the count, and judges it against
the document's **length**. With ``n`` documents, ``df(t)`` of which contain term ``t``, ``tf`` the count
of ``t`` in document ``d``, ``|d|`` the length of ``d`` and ``avgdl`` the mean length of the fitted
documents::

    idf(t)      = ln(1 + (n - df(t) + 0.5) / (df(t) + 0.5))                        Lucene's idf, > 0 always
    w(t, d)     = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))   0 where tf = 0
    score(q, d) = sum over the query's terms t of qtf(t) * w(t, d)
    qtf(t)      = the count of t in the query (query_tf="count", default) or 1 (query_tf="binary")

``k1`` (default 1.2) is how fast the count saturates: ``w`` grows from ``idf`` at ``tf = 1`` towards
``idf * (k1 + 1)``, never past it (``k1 = 0``: presence only). ``b`` (default 0.75) is how much a long
document is discounted (``b = 0``: not at all). A term written twice in the query counts twice by default,
as in Lucene (each occurrence is one clause of the query, and the clauses' scores add up): Robertson's
query-term weight ``(k3 + 1) qtf / (k3 + qtf)`` with k3 -> infinity; ``query_tf="binary"`` is k3 = 0.
The idf is the one of Lucene's ``BM25Similarity``
(``log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5))``); Robertson's original
``ln((n - df + 0.5) / (df + 0.5))`` goes negative for a term in more than half the documents.
Two differences from Lucene, neither of which changes a ranking: Lucene 8+ leaves out the constant
factor ``(k1 + 1)`` (every score divided by the same number), and Lucene stores ``|d|`` in one byte
(lengths past 40 rounded); here ``|d|`` is exact: the number of the document's terms that are in the
vocabulary (its row sum of counts: with the default ``min_df=1``, fitted on the documents it weighs,
every token, as Lucene counts them).

**A score as a dot product.** ``score(q, d) = sum_t qtf(t) * w(t, d) = q_row . d_row``, where ``d_row``
is the document's row of :meth:`BM25Vectorizer.transform` (its weights ``w(t, d)``) and ``q_row`` the
query's row of :meth:`BM25Vectorizer.transform_queries` (its ``qtf``). So scoring every
document is one sparse matrix product, as for TF-IDF's cosine, and :class:`~minembed.tasks.search.SearchIndex`
serves both. Unlike TF-IDF the rows are not normalized: the score is BM25's own, not a cosine.

>>> bm25 = BM25Vectorizer()
>>> D = bm25.fit_transform(["the cat sat", "the dog sat", "the cat ran"])
>>> bm25.get_feature_names_out().tolist()
['cat', 'dog', 'ran', 'sat', 'the']
>>> D.toarray()[0].round(4).tolist()          # idf(cat) = ln(1 + 1.5/2.5) = 0.47; every |d| = avgdl = 3
[0.47, 0.0, 0.0, 0.47, 0.1335]
>>> (bm25.transform_queries(["cat cat"]) @ D.toarray().T).round(4).tolist()
[[0.94, 0.0, 0.94]]
"""
import numbers

import numpy as np

from .countvec import CountVectorizer, check_count_params
from ..text.tokenize import SKLEARN_PATTERN


class BM25Vectorizer(CountVectorizer):
    """Documents -> BM25-weighted document-term matrix; queries -> their term counts (module docstring).

    Parameters: ``k1`` (>= 0, default 1.2), ``b`` (in [0, 1], default 0.75), ``query_tf`` ("count", default,
    or "binary": how a query's terms are weighted by :meth:`transform_queries`), then those of
    :class:`~minembed.bow.countvec.CountVectorizer` (``lowercase``, ``token_pattern``, ``ngram_range``,
    ``min_df``, ``max_df``, ``max_features``, ``binary``: tf is 1/0 and |d| the number of distinct terms,
    ``output``), with the same meanings and the same terms. scikit-learn's estimator protocol as
    CountVectorizer's (``get_params``, ``set_params``, ``clone``, ``Pipeline``, ``NotFittedError``).

    Attributes after ``fit``: ``vocabulary_`` (term -> column), ``df_`` (n_terms,) document frequencies,
    ``n_documents_``, ``idf_`` (n_terms,) Lucene's idf, ``avgdl_`` the mean document length.

    >>> bm25 = BM25Vectorizer(k1=1.2, b=0.75).fit(["a long long long text", "short text"])
    >>> round(bm25.avgdl_, 2), bm25.idf_.round(4).tolist()       # lengths 4 and 2 ("a" is no term)
    (3.0, [0.6931, 0.6931, 0.1823])
    """

    PARAM_NAMES = CountVectorizer.PARAM_NAMES + ("k1", "b", "query_tf")

    def __init__(self, *, k1=1.2, b=0.75, query_tf="count", lowercase=True, token_pattern=SKLEARN_PATTERN,
                 ngram_range=(1, 1), max_df=1.0, min_df=1, max_features=None, binary=False, output="minembed"):
        super().__init__(lowercase=lowercase, token_pattern=token_pattern, ngram_range=ngram_range,
                         max_df=max_df, min_df=min_df, max_features=max_features, binary=binary, output=output)
        self.k1 = k1
        self.b = b
        self.query_tf = query_tf
        _check_bm25_params(k1, b, query_tf)

    def _check_params(self):
        """What ``set_params`` calls: the counting settings, then ``k1``, ``b`` and ``query_tf``."""
        check_count_params(self)
        _check_bm25_params(self.k1, self.b, self.query_tf)

    # ------------------------------------------------------------------ fit / transform: counts, then weights
    def fit(self, documents, y=None):
        """Learn the vocabulary, ``df_``, ``idf_`` and ``avgdl_`` from an iterable of str. ``y`` is ignored."""
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents, y=None):
        """Learn the vocabulary, ``df_``, ``idf_`` and ``avgdl_``; return the documents' (n_docs, n_terms)
        BM25 weights ``w(t, d)`` (a CSRMatrix, or SciPy's with ``output="scipy"``). ``y`` is ignored."""
        counts = self._fit_counts(documents)                     # (n_docs, n_terms) float64, sets vocabulary_
        self.df_ = counts.column_nnz()                           # (n_terms,)
        self.n_documents_ = counts.shape[0]
        self.idf_ = bm25_idf(self.df_, self.n_documents_)        # (n_terms,)
        self.avgdl_ = float(counts.data.sum() / counts.shape[0])   # sum of |d| / n
        return self._as_output(bm25_weigh(counts, self.idf_, self.k1, self.b, self.avgdl_))

    def transform(self, documents):
        """(n_docs, n_terms) BM25 weights ``w(t, d)`` of documents, with the fitted ``idf_`` and ``avgdl_``;
        unseen terms are ignored (and are not counted in ``|d|``)."""
        counts = self._transform_counts(documents)               # (n_docs, n_terms) float64
        idf, avgdl = self._fitted("idf_"), self.avgdl_
        return self._as_output(bm25_weigh(counts, idf, self.k1, self.b, avgdl))

    def transform_queries(self, queries):
        """(n_queries, n_terms) float64 ``qtf`` of queries: their term counts, or 1/0 with ``query_tf="binary"``
        (or ``binary``); unseen terms ignored. ``transform_queries(queries) @ transform(documents).T`` is every
        (query, document) BM25 score.

        >>> bm25 = BM25Vectorizer().fit(["the cat sat", "the dog"])
        >>> bm25.transform_queries(["cat or cat", "bird"]).toarray().tolist()
        [[2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
        """
        qtf = self._transform_counts(queries)                    # (n_queries, n_terms) float64 counts
        if self.query_tf == "binary":
            qtf.data[:] = 1.0
        return self._as_output(qtf)

    def __repr__(self):
        return (f"BM25Vectorizer(k1={self.k1!r}, b={self.b!r}, query_tf={self.query_tf!r}, "
                f"ngram_range={self.ngram_range}, "
                f"min_df={self.min_df!r}, max_df={self.max_df!r}, max_features={self.max_features}, "
                f"binary={self.binary})")


# ---------------------------------------------------------------------------- the weighting
def bm25_idf(df, n_documents):
    """Lucene's BM25 idf ``ln(1 + (n - df + 0.5) / (df + 0.5))``, float64 (n_terms,).

    >>> bm25_idf(np.array([1, 2, 3]), 3).round(4).tolist()      # ln(1 + 2.5/1.5), ln(1 + 1.5/2.5), ln(1 + 0.5/3.5)
    [0.9808, 0.47, 0.1335]
    """
    df = np.asarray(df, dtype=np.float64)
    return np.log1p((n_documents - df + 0.5) / (df + 0.5))


def bm25_weigh(counts, idf, k1, b, avgdl):
    """(n_docs, n_terms) CSRMatrix of float64 counts -> its BM25 weights, **in place** (returns ``counts``)::

        w = idf[column] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl)),   |d| = the row's sum of tf

    Only the stored values are touched, a block of rows at a time.

    >>> from minembed.core.sparse import CSRMatrix
    >>> bm25_weigh(CSRMatrix.from_dense([[2.0, 0.0], [1.0, 1.0]]), np.ones(2), 1.5, 0.75, 2.0).toarray().tolist()
    [[1.4285714285714286, 0.0], [1.0, 1.0]]
    """
    for block in counts.row_blocks(1 << 20):                       # views: small temporaries
        tf = block.data                                            # (block_nnz,)
        per_row = np.diff(block.indptr)                            # (block_rows,) stored values per row
        lengths = np.add.reduceat(tf, block.indptr[:-1][per_row > 0]) if len(tf) else np.zeros(0)
        norm = k1 * (1.0 - b + b * lengths / avgdl)                # (non-empty rows,)
        saturated = tf * (k1 + 1.0) / (tf + np.repeat(norm, per_row[per_row > 0]))   # (block_nnz,)
        np.multiply(idf[block.indices], saturated, out=tf)
    return counts


def _check_bm25_params(k1, b, query_tf):
    """Lucene's checks (k1 finite and >= 0, b in [0, 1]), and query_tf "count" or "binary"."""
    if isinstance(k1, bool) or not isinstance(k1, numbers.Real) or not (0.0 <= k1 < np.inf):
        raise ValueError(f"k1 must be a finite number >= 0 (how fast the count saturates; 1.2 is usual), got {k1!r}")
    if isinstance(b, bool) or not isinstance(b, numbers.Real) or not 0.0 <= b <= 1.0:
        raise ValueError(f"b must be a number in [0, 1] (how much long documents are discounted; 0.75 is usual), "
                         f"got {b!r}")
    if query_tf not in ("count", "binary"):
        raise ValueError(f"query_tf must be 'count' (a query term written twice counts twice, as Lucene) or 'binary' "
                         f"(every query term once), got {query_tf!r}")
