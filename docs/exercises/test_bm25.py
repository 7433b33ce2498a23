"""Checks for docs/exercises/bm25.py (run: python -m pytest docs/exercises/test_bm25.py)."""
import math
import os

import numpy as np
import pytest

import minembed
from minembed import CountVectorizer, iter_documents

# the corpus of the repository minembed is installed from, so a copy of this folder works too
ALICE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(minembed.__file__))), "corpora",
                     "pg11_alice_in_wonderland.txt")


def test_idf_by_hand(impl):
    idf = impl.bm25_idf(np.array([1, 2, 3]), 3)
    assert idf == pytest.approx([math.log(1 + 2.5 / 1.5), math.log(1 + 1.5 / 2.5), math.log(1 + 0.5 / 3.5)])
    assert (idf > 0).all()                                       # even a term in every document


def test_weights_by_hand(impl):
    counts = np.array([[2, 0], [1, 1]])                          # lengths 2 and 2, avgdl 2; df = 2, 1
    W = impl.bm25_weights(counts, k1=1.5, b=0.75)
    idf0, idf1 = math.log(1 + 0.5 / 2.5), math.log(1 + 1.5 / 1.5)
    assert W.shape == (2, 2) and W[0, 1] == 0
    assert W[0, 0] == pytest.approx(idf0 * 2 * 2.5 / (2 + 1.5))
    assert W[1, 1] == pytest.approx(idf1 * 1 * 2.5 / (1 + 1.5))
    longer = impl.bm25_weights(np.array([[1, 3], [1, 0]]), b=0.75)   # lengths 4, 1; avgdl 2.5
    assert longer[0, 0] == pytest.approx(math.log(1 + 0.5 / 2.5) * 2.5 / (1 + 1.5 * (0.25 + 0.75 * 4 / 2.5)))


def test_saturation_and_length(impl):
    counts = np.array([[1, 5], [50, 5], [0, 5]])
    W = impl.bm25_weights(counts, k1=1.2, b=0.0)
    idf = impl.bm25_idf((counts > 0).sum(axis=0), 3)
    assert (W <= idf * 2.2 + 1e-12).all()                        # never above idf * (k1 + 1)
    assert W[0, 1] == pytest.approx(W[2, 1])                     # b = 0: the length does not matter
    assert impl.bm25_weights(counts, k1=0.0)[:, 1] == pytest.approx([idf[1]] * 3)   # k1 = 0: presence only


def test_search_alice(impl):
    paragraphs = list(iter_documents(ALICE))
    vectorizer = CountVectorizer()
    counts = vectorizer.fit_transform(paragraphs).toarray()
    query = [vectorizer.vocabulary_[w] for w in ("mock", "turtle", "soup")]
    scores = impl.bm25_scores(counts, query)
    assert scores.shape == (len(paragraphs),)
    best = paragraphs[int(np.argmax(scores))].lower()
    assert all(w in best for w in ("mock", "turtle", "soup"))
    assert impl.bm25_scores(counts, query[:1] * 2) == pytest.approx(2 * impl.bm25_scores(counts, query[:1]))
