"""Exercise (docs/02-one-hot-and-bag-of-words.md): a bag of words with no vocabulary (the hashing trick).

A vocabulary must be built before the first document is encoded, and it grows with the corpus. The
hashing trick (Weinberger et al. 2009; scikit-learn's ``HashingVectorizer``) skips it: a token's
column is a hash of the token modulo ``n_features``. Two tokens may share a column (a collision);
with enough columns that rarely matters. Check with

    python -m pytest docs/exercises/test_hashing.py
"""


def feature_index(token, n_features):
    """The column of ``token``: ``zlib.crc32(token.encode("utf-8")) % n_features`` (an int).

    CRC-32 is used because Python's own ``hash`` of a str changes from one run to the next.
    """
    raise NotImplementedError("docs/exercises/hashing.py: feature_index")


def feature_sign(token):
    """+1.0 or -1.0: -1.0 when bit 31 (the highest) of ``zlib.crc32(token.encode("utf-8"))`` is set.

    With signs, two colliding tokens tend to cancel instead of adding up, so dot products between
    rows are right on average (scikit-learn's ``alternate_sign=True``).
    """
    raise NotImplementedError("docs/exercises/hashing.py: feature_sign")


def hashed_bag_of_words(token_lists, n_features, alternate_sign=False):
    """Token lists -> a dense float64 array of shape (len(token_lists), n_features).

    ``X[d, feature_index(t)]`` adds 1 for every occurrence of token ``t`` in document ``d``
    (``feature_sign(t)`` instead of 1 when ``alternate_sign``). Without collisions this is the bag
    of words of docs/02 with its columns permuted.
    """
    raise NotImplementedError("docs/exercises/hashing.py: hashed_bag_of_words")
