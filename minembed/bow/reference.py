r"""One-hot vectors, the bag of words and TF-IDF, the textbook way: dicts and loops, as the formulas read.
Read this module first; the rest of ``minembed/bow`` computes the same numbers faster.

**Tokens**: lowercase the text, keep every match of scikit-learn's pattern ``(?u)\b\w\w+\b`` (runs of
2+ word characters: letters of any script, digits, "_"). **Vocabulary**: every distinct token of the
training documents, sorted alphabetically (as scikit-learn); ``vocabulary[j]`` names column ``j``
of ``V``. **One-hot**: term ``j`` is ``e_j``, ``V`` zeros but a 1 at ``j``. **Bag of words**:
document ``d`` is the sum of its tokens' one-hot vectors, ``counts[d, j]`` = how often term ``j``
occurs in ``d``; a token outside the vocabulary adds nothing. **TF-IDF**, with ``n`` training
documents, ``df(t)`` of which contain ``t``::

    idf(t)  = ln((1 + n) / (1 + df(t))) + 1       smooth_idf=True (the default)
    idf(t)  = ln(n / df(t)) + 1                   smooth_idf=False
    tf(t,d) = counts[d, t]                        or 1 + ln counts[d, t] (sublinear_tf=True; 0 stays 0)
    w(t,d)  = tf(t,d) * idf(t)
    row d  <- row d / sqrt(sum_t w(t,d)^2)        norm="l2" (the default); an all-zero row stays zero

**The fast modules do the same work** (``tests/test_reference_bow.py`` proves them equal to 1e-12).
``bow/countvec.py`` (``CountVectorizer``) gives these counts as a CSR matrix (``core/sparse.py``: the
non-zeros of each row only, never the dense ``n x V`` array), numbering terms in order of first
appearance and sorting the vocabulary once. ``bow/fast/hashed_tokens.py`` finds tokens without the
regex and numbers them without a dict: runs of word characters found by array operations over a
million characters at a time, each named by a polynomial (Rabin-Karp) hash of its characters, with
no Python work per token; ``bow/fast/term_index.py`` turns the hashes into ids by one array gather
per token. ``bow/fast/sorted_counts.py`` counts with no dict per document: one integer ``d * V + j``
per token, sorted, each run of equal integers one count. ``bow/tfidf.py`` (``TfidfVectorizer``) takes
``df`` as the stored values per column and weighs the stored values in place, a block of rows at a
time. ``bow/onehot.py`` (``OneHotEncoder``) stores a one-hot row as one column number. They also have
the options left out here (``min_df``, ``max_df``, ``max_features``, n-grams, ``binary``, ``norm="l1"``).

>>> documents = ["the cat sat", "the dog sat", "the cat ran"]
>>> vocabulary = build_vocabulary(documents)
>>> vocabulary
['cat', 'dog', 'ran', 'sat', 'the']
>>> bag_of_words(["the cat saw the cat"], vocabulary).tolist()    # "saw" has no column
[[2, 0, 0, 0, 2]]
>>> idf = idf_weights(documents, vocabulary)                       # n = 3: ln(4/3)+1, ln(4/2)+1, ...
>>> idf.round(4).tolist()
[1.2877, 1.6931, 1.6931, 1.2877, 1.0]
>>> tfidf(documents, vocabulary, idf)[0].round(4).tolist()       # (1.2877, 0, 0, 1.2877, 1) / 2.0776
[0.6198, 0.0, 0.0, 0.6198, 0.4813]
"""
import math
import re

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")                     # scikit-learn's default token_pattern


def tokenize(text):
    """str -> list of tokens, lowercased. ``tokenize("The cat's 2 CATS!") -> ['the', 'cat', 'cats']``"""
    return TOKEN.findall(text.lower())


def count_terms(text):
    """str -> {term: how many times it occurs}. ``count_terms("the cat the") -> {'the': 2, 'cat': 1}``"""
    counts = {}
    for token in tokenize(text):
        counts[token] = counts.get(token, 0) + 1
    return counts


def build_vocabulary(documents):
    """list of str -> every distinct term, sorted: the list of column names, length ``V``."""
    terms = set()
    for text in documents:
        terms.update(tokenize(text))
    return sorted(terms)


def one_hot(term, vocabulary):
    """(V,) float64 ``e_j`` for ``term == vocabulary[j]``, all zeros for a term outside the vocabulary.
    ``one_hot("dog", ["cat", "dog", "the"]) -> [0., 1., 0.]``"""
    vector = np.zeros(len(vocabulary))
    if term in vocabulary:
        vector[vocabulary.index(term)] = 1.0
    return vector


def bag_of_words(documents, vocabulary):
    """list of n str -> (n, V) int64 counts: ``counts[d, j]`` = occurrences of ``vocabulary[j]`` in
    document ``d`` (the sum of its tokens' one-hot vectors). Tokens outside the vocabulary are skipped."""
    column = {term: j for j, term in enumerate(vocabulary)}
    counts = np.zeros((len(documents), len(vocabulary)), dtype=np.int64)   # (n, V)
    for d, text in enumerate(documents):
        for term, count in count_terms(text).items():
            if term in column:
                counts[d, column[term]] = count
    return counts


def idf_weights(documents, vocabulary, smooth_idf=True):
    """list of n str -> (V,) float64 ``idf``: ``ln((1 + n) / (1 + df)) + 1``, or ``ln(n / df) + 1``
    without smoothing, where ``df`` counts the documents that contain the term."""
    n = len(documents)
    df = {term: 0 for term in vocabulary}
    for text in documents:
        for term in set(tokenize(text)):                    # a document counts once per term
            if term in df:
                df[term] += 1
    if smooth_idf:
        return np.array([math.log((1 + n) / (1 + df[term])) + 1 for term in vocabulary])
    return np.array([math.log(n / df[term]) + 1 for term in vocabulary])


def tfidf(documents, vocabulary, idf, sublinear_tf=False, norm="l2"):
    """list of n str -> (n, V) float64 TF-IDF rows ``tf * idf``, each divided by its l2 norm (norm="l2")
    or left as it is (norm=None). ``idf`` is (V,), from :func:`idf_weights` on the training documents
    (all ones: no idf weighting). ``sublinear_tf``: tf is ``1 + ln(count)`` instead of the count."""
    if norm not in ("l2", None):
        raise ValueError(f"norm must be 'l2' or None, got {norm!r}")
    weights = np.zeros((len(documents), len(vocabulary)))              # (n, V)
    for d, counts in enumerate(bag_of_words(documents, vocabulary)):
        for j, count in enumerate(counts.tolist()):
            if count > 0:
                tf = 1 + math.log(count) if sublinear_tf else count
                weights[d, j] = tf * idf[j]
        length = math.sqrt(sum(w * w for w in weights[d].tolist()))
        if norm == "l2" and length > 0:
            weights[d] /= length
    return weights
