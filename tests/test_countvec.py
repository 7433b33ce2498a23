"""CountVectorizer: scikit-learn's bag of words, by hand and against scikit-learn itself."""
import numpy as np
import pytest

from minembed import CountVectorizer
from minembed.countvec import NotFittedError

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


def test_not_fitted_and_bad_params_are_clear():
    with pytest.raises(NotFittedError, match="this CountVectorizer is not fitted yet"):
        CountVectorizer().transform(["a cat"])
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


def test_drops_into_a_scikit_learn_pipeline():
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.feature_extraction.text import CountVectorizer as SkCount
    from sklearn.model_selection import cross_val_score
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import Pipeline
    texts = ["good great fine", "great good plot", "fine good story"] * 5 + ["bad awful film", "awful bad plot",
                                                                            "boring bad story"] * 5
    labels = [1] * 15 + [0] * 15
    ours = Pipeline([("bag", CountVectorizer(output="scipy")), ("nb", MultinomialNB())])
    theirs = Pipeline([("bag", SkCount()), ("nb", MultinomialNB())])
    assert clone(ours).get_params()["bag__output"] == "scipy"
    np.testing.assert_allclose(ours.fit(texts, labels).predict_proba(texts),
                               theirs.fit(texts, labels).predict_proba(texts), atol=1e-12)
    np.testing.assert_allclose(cross_val_score(ours, texts, labels, cv=3), cross_val_score(theirs, texts, labels, cv=3))
