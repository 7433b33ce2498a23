"""TF-IDF: hand-computed values for every option, errors, and equality with scikit-learn."""
import itertools
import math
import os
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minembed import TfidfVectorizer
from minembed.core.sparse import CSRMatrix
from minembed.bow.fast.sorted_counts import count_matrix
from minembed.bow.tfidf import NotFittedError, inverse_document_frequency, word_ngrams
from minembed.text.tokenize import SKLEARN_PATTERN
from test_countvec import assert_same_inverse      # inverse_transform against scikit-learn's, every input kind

CATS = ["the cat sat", "the dog sat", "the cat ran"]      # the docstring's example
# columns: cat dog ran sat the;  df = 2 1 1 2 3;  n = 3
LN = math.log


def rows(X):
    return X.toarray().tolist()


def unit(vector, ord=2):
    vector = np.asarray(vector, dtype=float)
    return (vector / (np.sqrt((vector ** 2).sum()) if ord == 2 else np.abs(vector).sum())).tolist()


# ---------------------------------------------------------------------------- the formula by hand
def test_default_smooth_idf_l2_by_hand():
    tfidf = TfidfVectorizer()
    X = tfidf.fit_transform(CATS)
    assert tfidf.get_feature_names_out().tolist() == ["cat", "dog", "ran", "sat", "the"]
    assert tfidf.vocabulary_ == {"cat": 0, "dog": 1, "ran": 2, "sat": 3, "the": 4}
    idf_2, idf_1, idf_3 = LN(4 / 3) + 1, LN(4 / 2) + 1, LN(4 / 4) + 1      # smooth: ln((1+n)/(1+df)) + 1
    np.testing.assert_allclose(tfidf.idf_, [idf_2, idf_1, idf_1, idf_2, idf_3], rtol=0, atol=1e-15)
    assert tfidf.df_.tolist() == [2, 1, 1, 2, 3]
    np.testing.assert_allclose(rows(X), [unit([idf_2, 0, 0, idf_2, idf_3]),
                                         unit([0, idf_1, 0, idf_2, idf_3]),
                                         unit([idf_2, 0, idf_1, 0, idf_3])], atol=1e-15)
    # the numbers printed in the module docstring
    np.testing.assert_allclose(X.toarray()[0], [0.6198, 0, 0, 0.6198, 0.4813], atol=5e-5)
    assert X.dtype == np.float64 and isinstance(X, CSRMatrix)


def test_no_smoothing_uses_ln_n_over_df_plus_one():
    tfidf = TfidfVectorizer(smooth_idf=False, norm=None)
    X = tfidf.fit_transform(CATS)
    expected_idf = [LN(3 / 2) + 1, LN(3) + 1, LN(3) + 1, LN(3 / 2) + 1, 1.0]
    np.testing.assert_allclose(tfidf.idf_, expected_idf, atol=1e-15)
    np.testing.assert_allclose(rows(X)[1], [0, LN(3) + 1, 0, LN(3 / 2) + 1, 1.0], atol=1e-15)


@pytest.mark.parametrize("norm", ["l1", "l2", None])
def test_norms_and_raw_counts(norm):
    docs = ["aa aa aa bb", "bb cc"]                       # df: aa 1, bb 2, cc 1; n = 2
    X = TfidfVectorizer(norm=norm).fit_transform(docs)
    idf_aa, idf_bb = LN(3 / 2) + 1, LN(3 / 3) + 1
    raw = [3 * idf_aa, idf_bb, 0.0]                        # tf is the raw count
    expected = raw if norm is None else unit(raw, ord=1 if norm == "l1" else 2)
    np.testing.assert_allclose(rows(X)[0], expected, atol=1e-15)


def test_sublinear_tf_is_one_plus_log_count():
    docs = ["aa aa aa bb", "bb cc"]
    X = TfidfVectorizer(sublinear_tf=True, use_idf=False, norm=None).fit_transform(docs)
    np.testing.assert_allclose(rows(X), [[1 + LN(3), 1, 0], [0, 1, 1]], atol=1e-15)


def test_binary_tf_and_no_idf():
    docs = ["aa aa aa bb", "bb cc"]
    assert rows(TfidfVectorizer(binary=True, use_idf=False, norm=None).fit_transform(docs)) == \
        [[1, 1, 0], [0, 1, 1]]
    np.testing.assert_allclose(rows(TfidfVectorizer(use_idf=False).fit_transform(docs))[0],
                               [3 / math.sqrt(10), 1 / math.sqrt(10), 0], atol=1e-15)


def test_idf_helper_by_hand():
    np.testing.assert_allclose(inverse_document_frequency([3, 2, 1], 3), [1, LN(4 / 3) + 1, 2 * 0 + LN(2) + 1])
    np.testing.assert_allclose(inverse_document_frequency([3, 1], 3, smooth=False), [1, LN(3) + 1])


# ---------------------------------------------------------------------------- tokens and n-grams
def test_tokens_are_lowercased_two_plus_word_characters():
    tfidf = TfidfVectorizer(use_idf=False, norm=None)
    X = tfidf.fit_transform(["A cat, THE Cat! x_y 42 é_2 a"])
    assert tfidf.get_feature_names_out().tolist() == ["42", "cat", "the", "x_y", "é_2"]
    assert rows(X) == [[1, 2, 1, 1, 1]]
    tfidf = TfidfVectorizer(lowercase=False, token_pattern=r"[A-Z]+")
    tfidf.fit(["AB cd EF ab"])
    assert tfidf.get_feature_names_out().tolist() == ["AB", "EF"]


@given(st.text(alphabet="aZ9_ é\u0301.-'\nßΣς", max_size=40))
@settings(max_examples=200, deadline=None)
def test_fast_equivalent_pattern_finds_the_same_tokens(text):
    assert re.findall(SKLEARN_PATTERN, text) == re.findall(r"\w\w+", text)


def test_word_ngrams():
    assert word_ngrams(["aa", "bb", "cc"], 1, 2) == ["aa", "bb", "cc", "aa bb", "bb cc"]
    assert word_ngrams(["aa", "bb", "cc"], 2, 3) == ["aa bb", "bb cc", "aa bb cc"]
    assert word_ngrams(["aa"], 2, 2) == []                 # too short for a bigram


def test_ngram_range_features_and_counts():
    tfidf = TfidfVectorizer(ngram_range=(1, 2), use_idf=False, norm=None)
    X = tfidf.fit_transform(["aa bb aa bb", "bb cc", "dd"])
    assert tfidf.get_feature_names_out().tolist() == ["aa", "aa bb", "bb", "bb aa", "bb cc", "cc", "dd"]
    assert rows(X) == [[2, 2, 2, 1, 0, 0, 0], [0, 0, 1, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0, 1]]
    tfidf = TfidfVectorizer(ngram_range=(2, 2), norm=None)
    X = tfidf.fit_transform(["aa bb aa bb", "bb cc", "dd"])
    assert tfidf.get_feature_names_out().tolist() == ["aa bb", "bb aa", "bb cc"]
    idf_1 = LN(4 / 2) + 1                                  # every bigram is in 1 of 3 documents
    np.testing.assert_allclose(rows(X), [[2 * idf_1, idf_1, 0], [0, 0, idf_1], [0, 0, 0]], atol=1e-15)


# ---------------------------------------------------------------------------- pruning
PRUNE = ["the cat sat", "the dog sat", "the cat ran", "cat cat"]
# df: cat 3, dog 1, ran 1, sat 2, the 3;  total counts: cat 4, dog 1, ran 1, sat 2, the 3;  n = 4


@pytest.mark.parametrize("min_df, max_df, kept", [
    (2, 1.0, ["cat", "sat", "the"]),
    (0.5, 1.0, ["cat", "sat", "the"]),          # 0.5 * 4 = 2 documents
    (0.6, 1.0, ["cat", "the"]),                 # 2.4 -> df >= 3
    (1, 2, ["dog", "ran", "sat"]),
    (1, 0.5, ["dog", "ran", "sat"]),            # at most 2 documents
    (2, 2, ["sat"]),
    (0.0, 0.75, ["cat", "dog", "ran", "sat", "the"]),   # 3 documents allowed: nothing dropped
])
def test_min_df_max_df_int_and_float(min_df, max_df, kept):
    tfidf = TfidfVectorizer(min_df=min_df, max_df=max_df, norm=None)
    X = tfidf.fit_transform(PRUNE)
    assert tfidf.get_feature_names_out().tolist() == kept
    assert X.shape == (4, len(kept))
    full_df = {"cat": 3, "dog": 1, "ran": 1, "sat": 2, "the": 3}
    np.testing.assert_allclose(tfidf.idf_, [LN(5 / (1 + full_df[t])) + 1 for t in kept])  # n stays 4


@pytest.mark.parametrize("max_features, binary, kept", [
    (1, False, ["cat"]),
    (2, False, ["cat", "the"]),
    (3, False, ["cat", "sat", "the"]),
    (4, False, ["cat", "dog", "sat", "the"]),   # dog and ran tie at 1: the alphabetically first wins
    (1, True, ["cat"]),                         # binary: ranked by df, cat and the tie at 3
    (5, False, ["cat", "dog", "ran", "sat", "the"]),
])
def test_max_features_keeps_the_most_frequent(max_features, binary, kept):
    tfidf = TfidfVectorizer(max_features=max_features, binary=binary)
    assert tfidf.fit(PRUNE).get_feature_names_out().tolist() == kept


def test_max_features_ranks_by_document_frequency_when_binary():
    docs = ["aa aa aa aa", "bb", "bb cc"]                  # count: aa 4, bb 2; df: aa 1, bb 2
    assert TfidfVectorizer(max_features=1).fit(docs).get_feature_names_out().tolist() == ["aa"]
    assert TfidfVectorizer(max_features=1, binary=True).fit(docs).get_feature_names_out().tolist() == ["bb"]


def test_max_df_prunes_before_max_features():
    tfidf = TfidfVectorizer(max_df=2, max_features=1)       # cat and the go first, then sat (2) wins
    assert tfidf.fit(PRUNE).get_feature_names_out().tolist() == ["sat"]


# ---------------------------------------------------------------------------- transform, empty rows
def test_transform_ignores_unseen_terms_and_keeps_empty_rows():
    tfidf = TfidfVectorizer().fit(CATS)
    X = tfidf.transform(["zebra cat CAT", "zebra", "", "the"])
    assert X.shape == (4, 5)
    assert rows(X) == [[1.0, 0, 0, 0, 0], [0] * 5, [0] * 5, [0, 0, 0, 0, 1.0]]
    np.testing.assert_allclose(rows(tfidf.transform(CATS)), rows(tfidf.fit_transform(CATS)), atol=0)


def test_all_zero_document_counts_as_a_document():
    tfidf = TfidfVectorizer(norm=None)
    X = tfidf.fit_transform(["aa bb", "", "?! a", "aa"])    # n = 4, two documents have no term
    assert rows(X)[1] == [0, 0] and rows(X)[2] == [0, 0]
    np.testing.assert_allclose(tfidf.idf_, [LN(5 / 3) + 1, LN(5 / 2) + 1])
    assert X.nnz == 3


def test_generator_input_is_read_once():
    tfidf = TfidfVectorizer()
    X = tfidf.fit_transform(doc for doc in CATS)
    np.testing.assert_allclose(rows(X), rows(TfidfVectorizer().fit_transform(CATS)))


# ---------------------------------------------------------------------------- errors
def test_empty_vocabulary_errors():
    with pytest.raises(ValueError, match="empty vocabulary"):
        TfidfVectorizer().fit(["", "a b c", "!!"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        TfidfVectorizer().fit([])
    with pytest.raises(ValueError, match="After pruning, no terms remain"):
        TfidfVectorizer(min_df=4).fit(PRUNE)            # 4 of 4 documents: no term is that common


@pytest.mark.parametrize("min_df, max_df", [(3, 2), (0.9, 0.1), (3, 0.5)])
def test_contradictory_min_df_max_df(min_df, max_df):
    with pytest.raises(ValueError, match="max_df corresponds to < documents than min_df"):
        TfidfVectorizer(min_df=min_df, max_df=max_df).fit(PRUNE)


def test_not_fitted():
    tfidf = TfidfVectorizer()
    for use in (lambda: tfidf.transform(["aa"]), tfidf.get_feature_names_out, lambda: tfidf.top_terms(0),
                lambda: tfidf.similar_terms("aa"), lambda: tfidf.inverse_transform([[1.0]])):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            use()
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)   # as sklearn's
    assert not tfidf.__sklearn_is_fitted__() and tfidf.fit(CATS).__sklearn_is_fitted__()


def test_inverse_transform_names_the_weighted_terms():
    tfidf = TfidfVectorizer()
    X = tfidf.fit_transform(CATS)
    assert [terms.tolist() for terms in tfidf.inverse_transform(X)] == [["cat", "sat", "the"], ["dog", "sat", "the"],
                                                                        ["cat", "ran", "the"]]
    assert [terms.tolist() for terms in tfidf.inverse_transform(tfidf.transform(["zebra dog", "zebra"]))] == [["dog"], []]


@pytest.mark.parametrize("kwargs, word", [
    (dict(norm="l3"), "norm"), (dict(min_df=0), "min_df"), (dict(min_df=1.5), "min_df"),
    (dict(max_df=2.0), "max_df"), (dict(max_df=True), "max_df"), (dict(max_features=0), "max_features"),
    (dict(ngram_range=(2, 1)), "ngram_range"), (dict(ngram_range=(0, 1)), "ngram_range"),
])
def test_bad_parameters(kwargs, word):
    with pytest.raises(ValueError, match=word):
        TfidfVectorizer(**kwargs)


def test_a_single_string_is_rejected():
    with pytest.raises(TypeError, match="wrap it in a list"):
        TfidfVectorizer().fit("the cat sat")
    with pytest.raises(TypeError, match="str"):
        TfidfVectorizer().fit([b"bytes"])


# ---------------------------------------------------------------------------- looking inside
def test_top_terms_by_index_text_and_row():
    tfidf = TfidfVectorizer()
    X = tfidf.fit_transform(CATS)
    top = tfidf.top_terms(0, k=3)
    assert [t for t, _ in top] == ["cat", "sat", "the"]    # cat and sat tie: alphabetical
    np.testing.assert_allclose([w for _, w in top], [0.6198, 0.6198, 0.4813], atol=5e-5)
    assert tfidf.top_terms(X.row(2), k=1) == [("ran", pytest.approx(X.toarray()[2, 2]))]
    assert [t for t, _ in tfidf.top_terms("dog dog cat zebra", k=5)] == ["dog", "cat"]
    with pytest.raises(IndexError, match="out of range"):
        tfidf.top_terms(3)


def test_similar_terms_by_hand():
    tfidf = TfidfVectorizer(use_idf=False, norm=None)
    tfidf.fit(["aa bb", "aa bb bb", "cc", "aa cc"])
    # columns: aa = (1, 1, 0, 1), bb = (1, 2, 0, 0), cc = (0, 0, 1, 1)
    similar = tfidf.similar_terms("aa", k=5)
    assert [t for t, _ in similar] == ["bb", "cc"]
    np.testing.assert_allclose([c for _, c in similar], [3 / (math.sqrt(3) * math.sqrt(5)),
                                                         1 / (math.sqrt(3) * math.sqrt(2))])
    assert tfidf.similar_terms("bb", k=1) == [("aa", pytest.approx(3 / math.sqrt(15)))]
    with pytest.raises(KeyError, match="not in the TF-IDF vocabulary"):
        tfidf.similar_terms("zebra")


def test_similar_terms_matches_dense_cosines():
    docs = [" ".join(words) for words in np.random.default_rng(0).choice(
        ["aa", "bb", "cc", "dd", "ee", "ff"], size=(30, 5))]
    tfidf = TfidfVectorizer()
    dense = tfidf.fit_transform(docs).toarray()
    norms = np.linalg.norm(dense, axis=0)
    cosines = dense.T @ dense / np.outer(norms, norms)
    for term, column in tfidf.vocabulary_.items():
        got = dict(tfidf.similar_terms(term, k=10))
        assert len(got) == 5 and term not in got
        for other, value in got.items():
            assert value == pytest.approx(cosines[column, tfidf.vocabulary_[other]], abs=1e-12)


# ---------------------------------------------------------------------------- the sparse helpers
def test_count_matrix_blocks_and_unseen_ids():
    blocks = [(np.array([2, 0, 2], np.int32), np.array([3])), (np.array([-1, 1, -1], np.int32), np.array([0, 3]))]
    X = count_matrix(blocks, 3)
    assert blocks == [] and rows(X) == [[1, 0, 2], [0, 0, 0], [0, 1, 0]]
    relabeled = count_matrix([(np.array([0, 1, 1]), np.array([3]))], 2, relabel=np.array([1, 0]))
    assert rows(relabeled) == [[2, 1]]


def test_csr_helpers_against_dense():
    dense = np.array([[0, 2.0, 0, 1], [0, 0, 0, 0], [3, 0, 0, 4], [0, 5, 6, 0]])
    X = CSRMatrix.from_dense(dense)
    row_ids, values = X.column(1)
    assert row_ids.tolist() == [0, 3] and values.tolist() == [2, 5]
    np.testing.assert_allclose(X.column_sums(), dense.sum(axis=0))
    np.testing.assert_allclose(X.column_sums(squared=True), (dense ** 2).sum(axis=0))
    vector = np.array([0.5, 7.0, 0, -1])
    np.testing.assert_allclose(X.transpose_matvec(vector), dense.T @ vector)
    mask = np.array([True, False, True, True])
    np.testing.assert_array_equal(X.keep_columns(mask).toarray(), dense[:, mask])
    blocks = list(X.row_blocks(2))
    assert sum(b.shape[0] for b in blocks) == 4 and all(b.nnz <= 2 or b.shape[0] == 1 for b in blocks)
    np.testing.assert_array_equal(np.vstack([b.toarray() for b in blocks]), dense)
    for block in X.row_blocks(3):
        block.data *= 10                                   # views: edits reach X
    np.testing.assert_array_equal(X.toarray(), 10 * dense)


def test_keep_columns_random_matrices_with_empty_rows():
    rng = np.random.default_rng(0)
    for _ in range(200):
        dense = rng.integers(0, 3, size=(int(rng.integers(0, 6)), int(rng.integers(1, 6)))) * (rng.random() > 0.1)
        mask = rng.random(dense.shape[1]) > 0.4
        kept = CSRMatrix.from_dense(dense).keep_columns(mask)
        assert kept.shape == (dense.shape[0], mask.sum())
        np.testing.assert_array_equal(kept.toarray(), dense[:, mask])


# ---------------------------------------------------------------------------- equality with scikit-learn
GRID = [dict(), dict(smooth_idf=False), dict(sublinear_tf=True), dict(norm="l1"), dict(norm=None),
        dict(use_idf=False), dict(binary=True), dict(ngram_range=(1, 2)), dict(ngram_range=(2, 3), min_df=2),
        dict(min_df=2, max_df=0.5), dict(min_df=0.01, max_df=0.9, sublinear_tf=True, norm="l1"),
        dict(max_features=40), dict(max_features=25, binary=True, smooth_idf=False),
        dict(max_df=3, max_features=30, ngram_range=(1, 2)), dict(lowercase=False),
        dict(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 3), sublinear_tf=True)]


def random_documents(n_docs, seed):
    rng = np.random.default_rng(seed)
    words = ["the", "The", "cat", "CAT", "a", "I", "x_y", "42", "7", "café", "Straße", "ΣΟΦΙΑ", "naïve",
             "don't", "e-mail", "dog", "sat", "ran", "on", "mat", "hello", "world", "über", "日本語"]
    seps = [" ", " ", " ", ", ", ". ", "! ", "\n", " -- ", "\t"]
    docs = []
    for _ in range(n_docs):
        n = int(rng.integers(0, 25))
        docs.append("".join(str(rng.choice(words)) + str(rng.choice(seps)) for _ in range(n)))
    return docs


def real_documents(n_docs):
    path = os.path.join(os.path.dirname(__file__), "..", "corpora", "pg11_alice_in_wonderland.txt")
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in itertools.islice(f, 5, 5 + 2 * n_docs)]
    return [line for line in lines if line][:n_docs]


def assert_same_as_sklearn(ours, theirs, X, Y):
    Y = Y.tocsr()
    Y.sort_indices()
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    assert ours.vocabulary_ == {t: int(i) for t, i in theirs.vocabulary_.items()}
    assert X.shape == Y.shape and X.nnz == Y.nnz
    np.testing.assert_array_equal(X.indptr, Y.indptr)
    np.testing.assert_array_equal(X.indices, Y.indices)
    assert np.abs(X.data - Y.data).max(initial=0.0) <= 1e-12
    if ours.use_idf:
        assert np.abs(ours.idf_ - theirs.idf_).max() <= 1e-12


@pytest.mark.parametrize("kwargs", GRID, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "defaults")
@pytest.mark.parametrize("source", ["random", "real"])
def test_equals_sklearn(kwargs, source):
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    docs = random_documents(300, seed=1) if source == "random" else real_documents(300)
    new_docs = random_documents(50, seed=2) if source == "random" else real_documents(350)[300:]
    ours, theirs = TfidfVectorizer(**kwargs), sklearn_text.TfidfVectorizer(**kwargs)
    X, Y = ours.fit_transform(docs), theirs.fit_transform(docs)
    assert_same_as_sklearn(ours, theirs, X, Y)
    assert_same_inverse(ours, theirs, X, Y)
    assert_same_as_sklearn(ours, theirs, ours.transform(new_docs), theirs.transform(new_docs))


def test_sklearn_max_features_ties_on_a_large_vocabulary():
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    rng = np.random.default_rng(3)
    words = [f"w{i:04d}" for i in range(3000)]
    docs = [" ".join(rng.choice(words, size=int(rng.integers(1, 8)))) for _ in range(2000)]
    for max_features in (10, 500, 1500, 2900):              # many terms tie at counts 1, 2, 3
        ours = TfidfVectorizer(max_features=max_features)
        theirs = sklearn_text.TfidfVectorizer(max_features=max_features)
        assert_same_as_sklearn(ours, theirs, ours.fit_transform(docs), theirs.fit_transform(docs))


# ---------------------------------------------------------------------------- scikit-learn's estimator protocol
PROTOCOL_TEXTS = (["good great fine film", "great acting and a good plot", "a fine good story"] * 6
                  + ["bad awful film", "an awful plot and bad acting", "a boring bad story"] * 6)
PROTOCOL_LABELS = [1] * 18 + [0] * 18


def test_get_and_set_params_follow_scikit_learns_protocol():
    tfidf = TfidfVectorizer()
    assert tfidf.get_params(deep=False) == tfidf.get_params(deep=True)
    assert tfidf.set_params(min_df=2, ngram_range=[1, 2]) is tfidf
    assert tfidf.min_df == 2 and tfidf.ngram_range == (1, 2)
    tfidf.fit(PROTOCOL_TEXTS, PROTOCOL_LABELS)                             # y is accepted and ignored
    assert "good great" in tfidf.vocabulary_                               # the new settings are used
    with pytest.raises(ValueError, match="invalid parameter 'min_dff' for TfidfVectorizer"):
        tfidf.set_params(min_dff=2)
    with pytest.raises(ValueError, match="norm must be"):
        tfidf.set_params(norm="l3", min_df=3)
    assert tfidf.norm == "l2" and tfidf.min_df == 2                        # refused: nothing changed
    with pytest.raises(ValueError, match="output must be 'minembed'"):
        TfidfVectorizer(output="dense")


@pytest.mark.parametrize("output", ["minembed", "scipy"])     # a CSRMatrix reaches LogisticRegression densified
def test_drops_into_a_scikit_learn_pipeline_with_the_same_predictions(output):
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError as SkNotFittedError
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.utils import get_tags
    from sklearn.utils.validation import check_is_fitted
    ours = Pipeline([("tfidf", TfidfVectorizer(output=output)), ("clf", LogisticRegression())])
    theirs = Pipeline([("tfidf", SkTfidf()), ("clf", LogisticRegression())])
    assert clone(ours).get_params(deep=True)["tfidf__output"] == output
    assert get_tags(ours.named_steps["tfidf"]).input_tags.string                         # a list of str, as sklearn's
    with pytest.raises(SkNotFittedError):
        check_is_fitted(ours.named_steps["tfidf"])
    X = ours.named_steps["tfidf"].fit_transform(PROTOCOL_TEXTS)
    assert type(X).__module__.startswith("scipy.sparse" if output == "scipy" else "minembed")
    np.testing.assert_allclose(ours.fit(PROTOCOL_TEXTS, PROTOCOL_LABELS).predict_proba(PROTOCOL_TEXTS),
                               theirs.fit(PROTOCOL_TEXTS, PROTOCOL_LABELS).predict_proba(PROTOCOL_TEXTS),
                               atol=1e-6 if output == "minembed" else 1e-10)              # dense vs sparse lbfgs
    np.testing.assert_array_equal(ours.predict(PROTOCOL_TEXTS[::5]), theirs.predict(PROTOCOL_TEXTS[::5]))
    assert ours[:-1].get_feature_names_out().tolist() == theirs[:-1].get_feature_names_out().tolist()
    scores = cross_val_score(ours, PROTOCOL_TEXTS, PROTOCOL_LABELS, cv=3)
    np.testing.assert_allclose(scores, cross_val_score(theirs, PROTOCOL_TEXTS, PROTOCOL_LABELS, cv=3))
    grid = {"tfidf__min_df": [1, 2], "tfidf__ngram_range": [(1, 1), (1, 2)], "tfidf__sublinear_tf": [False, True]}
    search = GridSearchCV(ours, grid, cv=3, scoring="neg_log_loss").fit(PROTOCOL_TEXTS, PROTOCOL_LABELS)
    their_search = GridSearchCV(theirs, grid, cv=3, scoring="neg_log_loss").fit(PROTOCOL_TEXTS, PROTOCOL_LABELS)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], their_search.cv_results_["mean_test_score"],
                               rtol=1e-5)
    assert search.best_params_ == their_search.best_params_
