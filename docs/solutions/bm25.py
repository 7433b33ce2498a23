"""Reference solution: query likelihood with Dirichlet smoothing (the exercise is docs/exercises/bm25.py)."""
import numpy as np


def collection_probabilities(counts):
    """See docs/exercises/bm25.py."""
    counts = np.asarray(counts, dtype=np.float64)                     # (n_docs, n_terms)
    return counts.sum(axis=0) / counts.sum()                          # (n_terms,)


def query_log_likelihood(counts, query_columns, mu=2000.0):
    """See docs/exercises/bm25.py."""
    counts = np.asarray(counts, dtype=np.float64)
    p_collection = collection_probabilities(counts)                   # (n_terms,)
    length = counts.sum(axis=1, keepdims=True)                        # (n_docs, 1)
    columns = list(query_columns)
    p_document = (counts[:, columns] + mu * p_collection[columns]) / (length + mu)   # (n_docs, |q|)
    return np.log(p_document).sum(axis=1)


def matching_term_scores(counts, query_columns, mu=2000.0):
    """See docs/exercises/bm25.py."""
    counts = np.asarray(counts, dtype=np.float64)
    p_collection = collection_probabilities(counts)
    columns = list(query_columns)
    tf = counts[:, columns]                                           # (n_docs, |q|), mostly 0
    matching = np.log1p(tf / (mu * p_collection[columns])).sum(axis=1)   # ln(1 + 0) = 0 where tf = 0
    prior = len(columns) * np.log(mu / (counts.sum(axis=1) + mu))    # (n_docs,)
    return matching + prior
