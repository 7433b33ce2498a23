"""Checks for docs/exercises/bm25.py (run: python -m pytest docs/exercises/test_bm25.py)."""
import math
import os

import numpy as np
import pytest

import minembed
from minembed import BM25Vectorizer, CountVectorizer, SearchIndex, iter_documents

# the corpus of the repository minembed is installed from, so a copy of this folder works too
ALICE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(minembed.__file__))), "corpora",
                     "pg11_alice_in_wonderland.txt")
COUNTS = np.array([[2, 0, 1],                                    # |d| = 3
                   [0, 1, 0],                                    # |d| = 1
                   [1, 1, 4]])                                   # |d| = 6; totals 3, 2, 5 of 10


def test_collection_probabilities_by_hand(impl):
    assert impl.collection_probabilities(COUNTS) == pytest.approx([0.3, 0.2, 0.5])


def test_log_likelihood_by_hand(impl):
    scores = impl.query_log_likelihood(COUNTS, [0, 1], mu=10.0)
    # p(t | d) = (tf + 10 p(t | C)) / (|d| + 10): term 0 has 10 p = 3, term 1 has 10 p = 2
    assert scores == pytest.approx([math.log(5 / 13) + math.log(2 / 13),
                                    math.log(3 / 11) + math.log(3 / 11),
                                    math.log(4 / 16) + math.log(3 / 16)])
    twice = impl.query_log_likelihood(COUNTS, [0, 0, 1], mu=10.0)
    assert twice - scores == pytest.approx(impl.query_log_likelihood(COUNTS, [0], mu=10.0))   # repeats count


def test_the_matching_terms_form_ranks_the_same(impl):
    counts = CountVectorizer().fit_transform(list(iter_documents(ALICE))[:300]).toarray()
    rng = np.random.default_rng(0)
    for mu in (1.0, 50.0, 2000.0):
        query = rng.choice(counts.shape[1], size=4).tolist()
        p = impl.collection_probabilities(counts)
        full, sparse = impl.query_log_likelihood(counts, query, mu), impl.matching_term_scores(counts, query, mu)
        assert sparse == pytest.approx(full - np.log(p[query]).sum(), rel=1e-9, abs=1e-9)  # the same for every d
        assert np.isfinite(sparse).all()


def test_smoothing_limits(impl):
    tiny = impl.query_log_likelihood(COUNTS, [1], mu=1e-9)
    assert tiny[0] < -15 and tiny[1] == pytest.approx(0.0, abs=1e-6)        # mu -> 0: p(t | d) = tf / |d|
    huge = impl.query_log_likelihood(COUNTS, [1], mu=1e12)
    assert huge == pytest.approx([math.log(0.2)] * 3, abs=1e-9)             # mu -> inf: p(t | C) for every d


def test_search_alice_beside_bm25(impl):
    paragraphs = list(iter_documents(ALICE))
    vectorizer = CountVectorizer()
    counts = vectorizer.fit_transform(paragraphs).toarray()              # paragraphs of 31.5 terms on average
    query = [vectorizer.vocabulary_[w] for w in ("mock", "turtle", "soup")]
    scores = impl.matching_term_scores(counts, query, mu=50.0)           # mu about a paragraph's length
    assert scores.shape == (len(paragraphs),)
    best = paragraphs[int(np.argmax(scores))].lower()
    assert all(w in best for w in ("mock", "turtle", "soup"))
    ours = set(np.argsort(-scores, kind="stable")[:10].tolist())
    bm25 = {position for position, _ in SearchIndex(BM25Vectorizer()).add(paragraphs).search("mock turtle soup", 10)}
    assert len(ours & bm25) >= 5                              # two models of relevance, much the same answers
    # mu = 2000 (for news articles of hundreds of words) smooths a 31-word paragraph into the collection:
    # ln(1 + tf / (mu p)) ~ tf / (mu p) grows linearly with tf, and the song with "soup" 7 times comes first
    oversmoothed = paragraphs[int(np.argmax(impl.matching_term_scores(counts, query, mu=2000.0)))].lower()
    assert oversmoothed.count("soup") >= 5 and "mock" not in oversmoothed
