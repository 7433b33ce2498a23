"""Exercise (docs/03-tfidf.md): beyond BM25, query likelihood with Dirichlet smoothing.

minembed.BM25Vectorizer now weighs documents the way Lucene does. The other classic ranking of the 1990s
and 2000s comes from language models (Ponte and Croft 1998; Zhai and Lafferty 2001): rank document d by the
probability that a model of d's words would produce the query. With tf(t, d) the count of t in d, |d| the
length of d, and p(t | C) the frequency of t in the whole collection (its total count over all the counts),
the Dirichlet-smoothed probability of t under d is

    p(t | d) = (tf(t, d) + mu * p(t | C)) / (|d| + mu)

so a word d lacks still has a little probability, borrowed from the collection (mu is how many words' worth
of it: Zhai and Lafferty's default, 2000, suits news articles of hundreds of words), and the score is

    log p(q | d) = sum over the query's terms t of ln p(t | d)      (a term written twice counts twice)

Like BM25, it is a sum over the terms the document *has*, plus a per-document part: subtract the part that is
the same for every document, sum_t ln p(t | C), and what is left is

    log p(q | d) - sum_t ln p(t | C)
        = sum over the query's terms t with tf(t, d) > 0 of ln(1 + tf(t, d) / (mu p(t | C)))  +  |q| ln(mu / (|d| + mu))

a sparse dot product (the query's counts times a document weight ln(1 + tf / (mu p))) and a length prior.
Here ``counts`` is a dense (n_docs, n_terms) array of term counts (``CountVectorizer().fit_transform(docs)
.toarray()``) and a query is a list of columns, one per query term. Check with

    python -m pytest docs/exercises/test_bm25.py
"""


def collection_probabilities(counts):
    """(n_terms,) float64 p(t | C): each column's total count over the total count of the whole array."""
    raise NotImplementedError("docs/exercises/bm25.py: collection_probabilities")


def query_log_likelihood(counts, query_columns, mu=2000.0):
    """(n_docs,) float64 log p(q | d) with Dirichlet smoothing, for a query given as a list of columns."""
    raise NotImplementedError("docs/exercises/bm25.py: query_log_likelihood")


def matching_term_scores(counts, query_columns, mu=2000.0):
    """(n_docs,) float64: the same ranking as a sum over the matching terms plus the length prior (the
    module docstring's second form), computed without ln of anything that is 0."""
    raise NotImplementedError("docs/exercises/bm25.py: matching_term_scores")
