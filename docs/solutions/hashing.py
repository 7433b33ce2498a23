"""Reference solution: the hashing trick (the exercise is docs/exercises/hashing.py)."""
import zlib

import numpy as np


def feature_index(token, n_features):
    """See docs/exercises/hashing.py."""
    return zlib.crc32(token.encode("utf-8")) % n_features


def feature_sign(token):
    """See docs/exercises/hashing.py."""
    return -1.0 if zlib.crc32(token.encode("utf-8")) >> 31 else 1.0


def hashed_bag_of_words(token_lists, n_features, alternate_sign=False):
    """See docs/exercises/hashing.py."""
    X = np.zeros((len(token_lists), n_features))
    for d, tokens in enumerate(token_lists):
        for token in tokens:
            X[d, feature_index(token, n_features)] += feature_sign(token) if alternate_sign else 1.0
    return X
