"""Reference solution: Okapi BM25 (the exercise is docs/exercises/bm25.py)."""
import numpy as np


def bm25_idf(df, n_docs):
    """See docs/exercises/bm25.py."""
    df = np.asarray(df, dtype=np.float64)
    return np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def bm25_weights(counts, k1=1.5, b=0.75):
    """See docs/exercises/bm25.py."""
    counts = np.asarray(counts, dtype=np.float64)                     # (n_docs, n_terms)
    idf = bm25_idf((counts > 0).sum(axis=0), len(counts))             # (n_terms,)
    length = counts.sum(axis=1, keepdims=True)                        # (n_docs, 1)
    norm = k1 * (1.0 - b + b * length / length.mean())                # (n_docs, 1)
    saturated = np.zeros_like(counts)
    np.divide(counts * (k1 + 1.0), counts + norm, out=saturated, where=counts > 0)   # 0 where tf = 0
    return idf * saturated


def bm25_scores(counts, query_columns, k1=1.5, b=0.75):
    """See docs/exercises/bm25.py."""
    return bm25_weights(counts, k1, b)[:, list(query_columns)].sum(axis=1)
