"""Exercise (docs/03-tfidf.md): Okapi BM25, the weighting search engines use instead of TF-IDF.

TF-IDF grows without bound with the count: the 10th "turtle" in a paragraph adds as much as the
first. BM25 (Robertson et al. 1994; Lucene's default ranking since 2015) saturates it, and judges a
count against the document's length. For term t in document d with count tf, the document's length
|d| (its number of tokens, here the row sum of the counts), and avgdl the mean length:

    idf(t)     = ln(1 + (n - df(t) + 0.5) / (df(t) + 0.5))                       (Lucene's, always > 0)
    w(t, d)    = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))  (0 where tf = 0)
    score(q, d) = sum over the query's terms t of w(t, d)

Check with

    python -m pytest docs/exercises/test_bm25.py
"""


def bm25_idf(df, n_docs):
    """``df`` (n_terms,) document frequencies, ``n_docs`` the number of documents -> (n_terms,) float64 idf."""
    raise NotImplementedError("docs/exercises/bm25.py: bm25_idf")


def bm25_weights(counts, k1=1.5, b=0.75):
    """``counts`` (n_docs, n_terms), a dense array of term counts (``CountVectorizer().fit_transform(docs)
    .toarray()``) -> (n_docs, n_terms) float64 BM25 weights ``w(t, d)``.

    ``df(t)`` is the number of rows where column t is > 0. Every entry where the count is 0 is 0.
    """
    raise NotImplementedError("docs/exercises/bm25.py: bm25_weights")


def bm25_scores(counts, query_columns, k1=1.5, b=0.75):
    """(n_docs,) float64: each document's score for a query given as a list of columns (one per query
    term; a term listed twice counts twice)."""
    raise NotImplementedError("docs/exercises/bm25.py: bm25_scores")
