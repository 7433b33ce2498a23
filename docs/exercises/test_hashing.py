"""Checks for docs/exercises/hashing.py (run: python -m pytest docs/exercises/test_hashing.py)."""
import os

import numpy as np

import minembed
from minembed import OneHotEncoder, Vocabulary, iter_token_lists

# the corpus of the repository minembed is installed from, so a copy of this folder works too
ALICE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(minembed.__file__))), "corpora",
                     "pg11_alice_in_wonderland.txt")


def test_columns_and_signs_by_hand(impl):
    # zlib.crc32(b"cat") = 2656977832 >= 2**31 (bit 31 set), zlib.crc32(b"the") = 1011183078 (not set)
    assert impl.feature_index("cat", 1000) == 832
    assert impl.feature_index("the", 1000) == 78
    assert impl.feature_sign("cat") == -1.0 and impl.feature_sign("the") == 1.0
    assert impl.feature_index("café", 10 ** 9) == 561491637            # crc32 of the UTF-8 bytes: 2561491637


def test_small_matrix(impl):
    X = impl.hashed_bag_of_words([["cat", "the", "cat"], [], ["the"]], 1000)
    assert X.shape == (3, 1000) and X.dtype == np.float64
    assert X[0, 832] == 2 and X[0, 78] == 1 and X[2, 78] == 1 and X.sum() == 4 and X[1].sum() == 0
    signed = impl.hashed_bag_of_words([["cat", "the", "cat"]], 1000, alternate_sign=True)
    assert signed[0, 832] == -2 and signed[0, 78] == 1


def test_without_collisions_it_is_the_bag_of_words(impl):
    docs = list(iter_token_lists(ALICE))[:30]                    # 646 distinct words
    vocab = Vocabulary.build(docs)
    n = 2 ** 18
    columns = [impl.feature_index(w, n) for w in vocab.itos]
    assert len(set(columns)) == len(columns) == 646              # no collision in 262,144 columns
    X = impl.hashed_bag_of_words(docs, n)[:, columns]            # (docs, V): hashed columns in vocab order
    assert np.array_equal(X, OneHotEncoder(vocab).bag_of_words(docs).toarray())


def test_collisions_at_1024_columns(impl):
    words = Vocabulary.build(iter_token_lists(ALICE)).itos        # 2,577 words in 1,024 columns
    assert len({impl.feature_index(w, 1024) for w in words}) == 934
    X = impl.hashed_bag_of_words([words], 1024)
    assert X.sum() == len(words) and (X > 0).sum() == 934 and X.max() >= 3
