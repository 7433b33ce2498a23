"""Checks for docs/exercises/bigrams.py (run: python -m pytest docs/exercises/test_bigrams.py)."""
import os

import pytest

import minembed
from minembed import Vocabulary, iter_token_lists

# the corpus of the repository minembed is installed from, so a copy of this folder works too
ALICE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(minembed.__file__))), "corpora",
                     "pg11_alice_in_wonderland.txt")


def test_bigrams_of_one_list(impl):
    assert impl.bigrams(["the", "mock", "turtle"]) == ["the mock", "mock turtle"]
    assert impl.bigrams(["alice"]) == [] and impl.bigrams([]) == []


def test_bigram_vocabulary_counts_inside_documents_only(impl):
    vocab = impl.bigram_vocabulary([["a", "b", "a", "b"], ["b", "c"]])
    assert vocab.itos == ["a b", "b a", "b c"]                    # never "b b" across the two lists
    assert vocab.counts.tolist() == [2, 1, 1]
    assert impl.bigram_vocabulary([["a", "b", "a", "b"], ["b", "c"]], min_count=2).itos == ["a b"]


def test_phrase_score_by_hand(impl):
    docs = [["new", "york", "is", "new"]] * 10                     # T = 40; new 20, york 10; "new york" 10
    words, pairs = Vocabulary.build(docs), impl.bigram_vocabulary(docs)
    assert impl.phrase_score(words, pairs, "new york") == pytest.approx((10 - 5) * 40 / (20 * 10))
    assert impl.phrase_score(words, pairs, "is new", delta=0) == pytest.approx(10 * 40 / (10 * 20))
    assert impl.phrase_score(words, pairs, "york is", delta=10) == pytest.approx(0.0)


def test_alice_top_phrase_is_a_name(impl):
    docs = list(iter_token_lists(ALICE))
    words, pairs = Vocabulary.build(docs), impl.bigram_vocabulary(docs, min_count=10)
    assert len(pairs) == 272 and pairs.counts[pairs["mock turtle"]] == 57
    best = sorted(pairs.itos, key=lambda pair: -impl.phrase_score(words, pairs, pair))
    assert best[:3] == ["march hare", "mock turtle", "white rabbit"]
