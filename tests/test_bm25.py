"""BM25Vectorizer: a corpus worked by hand, a brute-force sum over the query's terms, gensim's Lucene BM25,
and scikit-learn's protocol."""
import collections
import math
import re

import numpy as np
import pytest

import minembed
from minembed import BM25Vectorizer, CountVectorizer, NotFittedError
from minembed.bow.bm25 import bm25_idf, bm25_weigh
from minembed.bow.countvec import word_ngrams
from minembed.core.sparse import CSRMatrix

# |d| = 3, 2, 1 -> avgdl = 2; columns bird cat dog; df = 1, 2, 2; n = 3
DOCS = ["cat cat dog", "dog bird", "cat"]
LN = math.log
IDF_1, IDF_2 = LN(1 + 2.5 / 1.5), LN(1 + 1.5 / 2.5)     # df 1: ln(8/3) = 0.9808;  df 2: ln(1.6) = 0.4700
# k1 (1 - b + b |d| / avgdl) with k1 = 1.2, b = 0.75:  1.2 (0.25 + 0.75 * 3/2) = 1.65,  1.2 (0.25 + 0.75) = 1.2,
# 1.2 (0.25 + 0.75 * 1/2) = 0.75
NORM = [1.65, 1.2, 0.75]


def w(idf, tf, norm, k1=1.2):
    return idf * tf * (k1 + 1) / (tf + norm)


# ---------------------------------------------------------------------------- by hand
def test_weights_and_scores_by_hand():
    bm25 = BM25Vectorizer()
    D = bm25.fit_transform(DOCS)
    assert bm25.get_feature_names_out().tolist() == ["bird", "cat", "dog"]
    assert bm25.df_.tolist() == [1, 2, 2] and bm25.n_documents_ == 3 and bm25.avgdl_ == 2.0
    np.testing.assert_allclose(bm25.idf_, [IDF_1, IDF_2, IDF_2], rtol=0, atol=1e-15)
    expected = [[0, w(IDF_2, 2, NORM[0]), w(IDF_2, 1, NORM[0])],     # 0.47 * 4.4/3.65,  0.47 * 2.2/2.65
                [w(IDF_1, 1, NORM[1]), 0, w(IDF_2, 1, NORM[1])],     # |d| = avgdl: w = idf
                [0, w(IDF_2, 1, NORM[2]), 0]]                        # 0.47 * 2.2/1.75
    np.testing.assert_allclose(D.toarray(), expected, rtol=0, atol=1e-15)
    assert D.toarray()[1].tolist() == pytest.approx([IDF_1, 0, IDF_2], abs=1e-15)
    assert isinstance(D, CSRMatrix) and D.dtype == np.float64
    # "cat dog": 0.47 (4.4/3.65 + 2.2/2.65) = 0.9567, 0.47, 0.47 * 2.2/1.75 = 0.5909
    scores = (bm25.transform_queries(["cat dog"]) @ D.toarray().T)[0]
    np.testing.assert_allclose(scores, [IDF_2 * (4.4 / 3.65 + 2.2 / 2.65), IDF_2, IDF_2 * 2.2 / 1.75], atol=1e-15)
    assert scores == pytest.approx([0.9567, 0.4700, 0.5909], abs=1e-4)


def test_idf_is_lucenes_and_always_positive():
    np.testing.assert_allclose(bm25_idf(np.array([1, 2, 3]), 3), [LN(1 + 2.5 / 1.5), LN(1 + 1.5 / 2.5),
                                                                  LN(1 + 0.5 / 3.5)], atol=1e-15)
    assert (bm25_idf(np.arange(1, 101), 100) > 0).all()                 # even a term in every document


def test_count_saturates_and_b_zero_ignores_the_length():
    docs = ["turtle"] + ["turtle " * n + "soup" for n in (2, 10, 1000)]
    bm25 = BM25Vectorizer(k1=1.2, b=0.0).fit(docs)
    weights = bm25.transform(docs).toarray()[:, bm25.vocabulary_["turtle"]]
    assert (np.diff(weights) > 0).all() and (weights < bm25.idf_[bm25.vocabulary_["turtle"]] * 2.2).all()
    assert weights[0] == pytest.approx(bm25.idf_[bm25.vocabulary_["turtle"]])      # tf 1, b 0: exactly idf
    presence = BM25Vectorizer(k1=0.0).fit(docs).transform(docs).toarray()
    assert np.allclose(presence[:, 1], presence[0, 1])                               # k1 = 0: presence only


def test_query_tf_count_or_binary():
    bm25 = BM25Vectorizer().fit(DOCS)
    assert bm25.transform_queries(["cat cat fish dog"]).toarray().tolist() == [[0.0, 2.0, 1.0]]
    assert bm25.set_params(query_tf="binary").transform_queries(["cat cat dog"]).toarray().tolist() == [[0, 1, 1]]


def test_transform_matches_fit_transform_ignores_unseen_terms_and_their_length():
    bm25 = BM25Vectorizer()
    D = bm25.fit_transform(DOCS)
    np.testing.assert_allclose(bm25.transform(DOCS).toarray(), D.toarray(), atol=1e-15)
    # the unseen words are not terms and do not make the document longer: |d| = 2 = avgdl
    assert bm25.transform(["dog bird zebra zebra zebra"]).toarray() == pytest.approx(D.toarray()[1:2])
    assert bm25.transform([]).shape == (0, 3) and bm25.transform(["zebra"]).nnz == 0


def test_weigh_leaves_empty_rows_and_works_in_blocks(monkeypatch):
    counts = CSRMatrix.from_dense([[0.0, 0.0], [2.0, 1.0], [0.0, 0.0], [0.0, 3.0]])
    expected = bm25_weigh(CSRMatrix.from_dense(counts.toarray()), np.array([1.0, 2.0]), 1.2, 0.75, 2.0).toarray()
    one_row_blocks = CSRMatrix.row_blocks
    monkeypatch.setattr(CSRMatrix, "row_blocks", lambda self, n: one_row_blocks(self, 1))
    assert bm25_weigh(counts, np.array([1.0, 2.0]), 1.2, 0.75, 2.0).toarray() == pytest.approx(expected)
    assert expected[0].tolist() == [0, 0] and expected[3, 1] == pytest.approx(2 * 3 * 2.2 / (3 + 1.2 * (0.25 + 1.125)))


# ---------------------------------------------------------------------------- a brute-force sum
def brute_force_scores(docs, queries, k1, b, query_tf="count", binary=False, ngram_range=(1, 1), min_df=1):
    """score(q, d) = sum over the query's terms t (repeats included, or each once) of w(t, d), by loops."""
    def terms(text):
        return word_ngrams(re.findall(r"(?u)\b\w\w+\b", text.lower()), *ngram_range)
    df = collections.Counter(t for doc in docs for t in set(terms(doc)))
    vocabulary = {t for t, n in df.items() if n >= min_df}
    bags = []
    for doc in docs:
        bag = collections.Counter(t for t in terms(doc) if t in vocabulary)
        bags.append({t: 1 for t in bag} if binary else bag)
    avgdl = sum(sum(bag.values()) for bag in bags) / len(docs)
    scores = np.zeros((len(queries), len(docs)))
    for i, query in enumerate(queries):
        query_terms = [t for t in terms(query) if t in vocabulary]
        if query_tf == "binary" or binary:
            query_terms = sorted(set(query_terms))
        for j, bag in enumerate(bags):
            length = sum(bag.values())
            for t in query_terms:
                tf = bag.get(t, 0)
                if tf == 0:
                    continue                                             # w(t, d) = 0 (even with k1 = 0)
                idf = math.log(1 + (len(docs) - df[t] + 0.5) / (df[t] + 0.5))
                scores[i, j] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))
    return scores


def random_corpus(rng, n_docs, words=("turtle", "mock", "soup", "alice", "queen", "cat", "of", "the", "tea")):
    return [" ".join(rng.choice(words, size=rng.integers(0, 12))) for _ in range(n_docs)]


@pytest.mark.parametrize("settings", [dict(), dict(k1=2.0, b=0.3), dict(k1=0.0, b=1.0), dict(query_tf="binary"),
                                      dict(binary=True), dict(ngram_range=(1, 2)), dict(min_df=2, k1=0.9, b=0.5)])
def test_scores_equal_a_brute_force_sum_over_the_query_terms(settings):
    rng = np.random.default_rng(len(str(settings)))
    docs, queries = random_corpus(rng, 40), random_corpus(rng, 12) + ["mock mock turtle", "unknown words only"]
    docs[5] = ""                                                         # an empty document counts in n and avgdl
    bm25 = BM25Vectorizer(**settings).fit(docs)
    ours = bm25.transform_queries(queries).toarray() @ bm25.transform(docs).toarray().T
    full = {"k1": 1.2, "b": 0.75, **settings}
    np.testing.assert_allclose(ours, brute_force_scores(docs, queries, **full), rtol=1e-12, atol=1e-12)


def test_equals_gensims_lucene_bm25_times_k1_plus_1():
    gensim_bm25 = pytest.importorskip("gensim.models.bm25model")
    from gensim.corpora import Dictionary
    docs = random_corpus(np.random.default_rng(3), 30)
    bm25 = BM25Vectorizer(k1=1.5, b=0.75)
    D = bm25.fit_transform(docs).toarray()
    token_lists = [re.findall(r"\w\w+", doc) for doc in docs]
    dictionary = Dictionary(token_lists)
    bows = [dictionary.doc2bow(tokens) for tokens in token_lists]
    # (from the dictionary: from a corpus, gensim 4.4 takes avgdl as the mean number of *distinct* terms)
    lucene = gensim_bm25.LuceneBM25Model(dictionary=dictionary, k1=1.5, b=0.75)   # Lucene 8+: no (k1 + 1)
    theirs = np.zeros_like(D)
    for row, bow in enumerate(bows):
        for term_id, weight in lucene[bow]:
            theirs[row, bm25.vocabulary_[dictionary[term_id]]] = weight
    np.testing.assert_allclose(D, theirs * (1.5 + 1), rtol=1e-10)


# ---------------------------------------------------------------------------- scikit-learn's protocol, errors
def test_params_clone_and_fitted_check():
    bm25 = BM25Vectorizer(k1=0.9, b=0.4, min_df=2)
    assert bm25.get_params()["k1"] == 0.9 and bm25.get_params()["query_tf"] == "count"
    assert set(CountVectorizer().get_params()) < set(bm25.get_params())
    assert bm25.set_params(k1=2.0) is bm25 and bm25.k1 == 2.0
    with pytest.raises(ValueError, match="b must be a number in"):
        bm25.set_params(b=1.5)
    assert bm25.b == 0.4                                                     # refused: nothing changed
    with pytest.raises(NotFittedError):
        bm25.transform(DOCS)
    with pytest.raises(NotFittedError):
        bm25.transform_queries(["cat"])
    sklearn_base = pytest.importorskip("sklearn.base")
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    from sklearn.utils.validation import check_is_fitted
    copy = sklearn_base.clone(bm25)
    assert copy.get_params() == bm25.get_params() and copy is not bm25
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(copy)
    check_is_fitted(copy.fit(DOCS + ["cat dog"]))


@pytest.mark.parametrize("kwargs, message", [(dict(k1=-0.1), "k1 must be"), (dict(k1=float("inf")), "k1 must be"),
                                             (dict(b=-0.01), "b must be"), (dict(b=True), "b must be"),
                                             (dict(query_tf="log"), "query_tf must be"), (dict(min_df=0), "min_df")])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BM25Vectorizer(**kwargs)


def test_in_a_scikit_learn_pipeline_with_scipy_output():
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    texts = ["good tea", "bad soup", "good soup", "bad tea", "very good", "very bad"] * 3
    labels = [1, 0, 1, 0, 1, 0] * 3
    pipe = Pipeline([("bm25", BM25Vectorizer(output="scipy")), ("clf", LogisticRegression())]).fit(texts, labels)
    assert pipe.predict(["good", "bad"]).tolist() == [1, 0]
    ours = BM25Vectorizer().fit(texts)
    assert np.allclose(pipe.named_steps["bm25"].transform(texts).toarray(), ours.transform(texts).toarray())


def test_sentence_vectors_are_the_bm25_rows_and_it_is_exported():
    bm25 = BM25Vectorizer(output="scipy").fit(DOCS)
    rows = bm25.sentence_vectors(DOCS + ["nothing known"])
    assert isinstance(rows, CSRMatrix) and rows.dtype == np.float64 and rows.shape == (4, 3)
    np.testing.assert_allclose(rows.toarray()[:3], bm25.transform(DOCS).toarray(), atol=0)
    assert rows.toarray()[3].tolist() == [0, 0, 0] and bm25.sentence_vectors([]).shape == (0, 3)
    assert minembed.BM25Vectorizer is BM25Vectorizer and "k1=1.2" in repr(BM25Vectorizer())
