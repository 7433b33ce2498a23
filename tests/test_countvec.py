"""CountVectorizer: scikit-learn's bag of words, by hand and against scikit-learn itself."""
import numpy as np
import pytest

from minembed import CountVectorizer, CSRMatrix
from minembed.bow.countvec import NotFittedError

DOCS = ["The cat sat on the mat.", "The dog sat on the log!", "A cat and a dog; the cat ran.",
        "Über-naïve café, the cat's mat", ""]
SETTINGS = [{}, {"ngram_range": (1, 2)}, {"min_df": 2}, {"max_df": 0.5}, {"max_features": 4},
            {"binary": True}, {"lowercase": False}, {"ngram_range": (2, 2), "min_df": 1, "max_features": 3}]


def test_counts_by_hand():
    bag = CountVectorizer()
    X = bag.fit_transform(["the cat sat", "the cat saw the cat"])
    assert bag.vocabulary_ == {"cat": 0, "sat": 1, "saw": 2, "the": 3}
    assert X.data.dtype == np.int64
    np.testing.assert_array_equal(X.toarray(), [[1, 1, 0, 1], [2, 0, 1, 2]])
    np.testing.assert_array_equal(bag.transform(["the dog saw a cat"]).toarray(), [[1, 0, 1, 1]])  # dog unseen
    assert CountVectorizer(binary=True).fit_transform(["cat cat cat"]).toarray().tolist() == [[1]]


def test_inverse_transform_by_hand():
    bag = CountVectorizer()
    X = bag.fit_transform(["the cat sat", "the cat saw the cat", "a"])      # columns: cat sat saw the
    terms = bag.inverse_transform(X)
    assert [t.tolist() for t in terms] == [["cat", "sat", "the"], ["cat", "saw", "the"], []]
    assert all(t.dtype == np.dtype("<U3") for t in terms)                  # str, as scikit-learn's
    assert [t.tolist() for t in bag.inverse_transform([[0, 5, 0, -1]])] == [["sat", "the"]]   # dense: by column
    stored_order = CSRMatrix([1, 0, 2], [3, 0, 1], [0, 3], (1, 4))         # unsorted, an explicit zero
    assert bag.inverse_transform(stored_order)[0].tolist() == ["the", "sat"]
    with pytest.raises(ValueError, match="X has 3 columns, but this CountVectorizer has 4 terms"):
        bag.inverse_transform(np.ones((1, 3)))


def test_protocol_without_scikit_learn():
    bag = CountVectorizer(ngram_range=[1, 2], min_df=2)
    params = bag.get_params(deep=True)
    assert params["ngram_range"] == (1, 2) and params == bag.get_params(deep=False)
    twin = type(bag)(**params)                                             # what sklearn.base.clone does
    assert all(twin.get_params()[name] is value for name, value in params.items())
    assert not bag.__sklearn_is_fitted__() and bag.fit(["aa bb", "aa bb cc"]).__sklearn_is_fitted__()
    assert bag.set_params(binary=True) is bag and bag.binary
    with pytest.raises(ValueError, match="ngram_range"):
        bag.set_params(ngram_range=(2, 1), binary=False)
    assert bag.ngram_range == (1, 2) and bag.binary                        # refused: nothing changed


def test_not_fitted_and_bad_params_are_clear():
    for use in (lambda bag: bag.transform(["a cat"]), lambda bag: bag.get_feature_names_out(),
                lambda bag: bag.inverse_transform([[1]])):
        with pytest.raises(NotFittedError, match="this CountVectorizer is not fitted yet") as error:
            use(CountVectorizer())
        assert isinstance(error.value, ValueError) and isinstance(error.value, AttributeError)   # as sklearn's
    with pytest.raises(ValueError, match="invalid parameter 'norm' for CountVectorizer"):
        CountVectorizer().set_params(norm="l2")                     # a TF-IDF setting, not a count one
    with pytest.raises(TypeError, match="wrap it in a list"):
        CountVectorizer().fit("the cat sat")


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
def test_equals_scikit_learn(settings):
    text = pytest.importorskip("sklearn.feature_extraction.text")
    ours, theirs = CountVectorizer(**settings), text.CountVectorizer(**settings)
    X, Y = ours.fit_transform(DOCS), theirs.fit_transform(DOCS)
    assert ours.vocabulary_ == {term: int(column) for term, column in theirs.vocabulary_.items()}
    np.testing.assert_array_equal(X.toarray(), Y.toarray())
    assert X.data.dtype == Y.dtype
    new = ["the cat and the log", "nothing known here"]
    np.testing.assert_array_equal(ours.transform(new).toarray(), theirs.transform(new).toarray())
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    assert_same_inverse(ours, theirs, X, Y)


def assert_same_inverse(ours, theirs, X, Y):
    """inverse_transform: the same arrays (values, dtype, order) as scikit-learn's, for every input kind."""
    def same(a, b):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert x.dtype == y.dtype and x.tolist() == y.tolist()
    # scikit-learn's fit_transform stores a row's columns in first-seen order, minembed's by column:
    # inverse_transform keeps the stored order, so each side is compared on the same matrix
    for matrix in (Y, Y.tocoo(), Y.toarray()):
        same(ours.inverse_transform(matrix), theirs.inverse_transform(matrix))
    Y = Y.copy()
    Y.sort_indices()
    for matrix in (X, X.to_scipy(), X.toarray()):
        same(ours.inverse_transform(matrix), theirs.inverse_transform(Y))


@pytest.mark.parametrize("output", ["minembed", "scipy"])
def test_drops_into_a_scikit_learn_pipeline(output):
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError as SkNotFittedError
    from sklearn.feature_extraction.text import CountVectorizer as SkCount
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted
    texts = ["good great fine", "great good plot", "fine good story"] * 5 + ["bad awful film", "awful bad plot",
                                                                            "boring bad story"] * 5
    labels = [1] * 15 + [0] * 15
    ours = Pipeline([("bag", CountVectorizer(output=output)), ("nb", MultinomialNB())])
    theirs = Pipeline([("bag", SkCount()), ("nb", MultinomialNB())])
    assert clone(ours).get_params(deep=True)["bag__output"] == output
    with pytest.raises(SkNotFittedError):
        check_is_fitted(ours.named_steps["bag"])
    np.testing.assert_allclose(ours.fit(texts, labels).predict_proba(texts),
                               theirs.fit(texts, labels).predict_proba(texts), atol=1e-12)
    check_is_fitted(ours)
    assert ours[:-1].get_feature_names_out().tolist() == theirs[:-1].get_feature_names_out().tolist()
    np.testing.assert_allclose(cross_val_score(ours, texts, labels, cv=3), cross_val_score(theirs, texts, labels, cv=3))
    grid = {"bag__binary": [False, True], "bag__ngram_range": [(1, 1), (1, 2)]}
    ours_search, theirs_search = GridSearchCV(ours, grid, cv=3).fit(texts, labels), GridSearchCV(theirs, grid, cv=3)
    np.testing.assert_allclose(ours_search.cv_results_["mean_test_score"],
                               theirs_search.fit(texts, labels).cv_results_["mean_test_score"])
    assert ours_search.best_params_ == theirs_search.best_params_


def test_document_frequency_counts_each_document_once():
    from minembed.bow.fast.sorted_counts import document_frequency
    # two blocks: documents [2, 0, 2], [1] | [2, 2], [], [0, 1]
    blocks = [(np.array([2, 0, 2, 1]), np.array([3, 1])), (np.array([2, 2, 0, 1]), np.array([2, 0, 2]))]
    assert document_frequency(blocks, 4).tolist() == [2, 2, 2, 0]


@pytest.mark.parametrize("limits, df_range", [(dict(min_df=2), (2, 5)), (dict(max_df=2), (1, 2)),
                                              (dict(min_df=2, max_df=0.75), (2, 3.75)),
                                              (dict(min_df=2, max_features=2), (2, 5))])
def test_pruning_before_sorting_equals_dropping_columns_of_the_full_matrix(limits, df_range):
    # min_df / max_df prune on the raw ids before the columns are sorted; the result must be
    # the unpruned matrix with the other columns removed. df: a 3, b 2, c 2, d 2, e 1, f 1
    docs = ["b a c a", "c d", "a e e b", "d a", "f"]
    full = CountVectorizer(token_pattern=r"\w+").fit(docs)
    X_full = full.transform(docs).toarray()
    pruned = CountVectorizer(token_pattern=r"\w+", **limits)
    X = pruned.fit_transform(docs).toarray()
    kept = pruned.get_feature_names_out().tolist()
    df = dict(zip(full.get_feature_names_out().tolist(), (X_full > 0).sum(axis=0).tolist()))
    expected = [term for term, n in df.items() if df_range[0] <= n <= df_range[1]]
    if "max_features" in limits:             # by total count: a (4), then b, c, d (2 each, argsort's pick)
        expected = ["a", "b"]
    assert kept == expected
    np.testing.assert_array_equal(X, X_full[:, [full.vocabulary_[t] for t in kept]])
