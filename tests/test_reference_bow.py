"""The textbook one-hot / bag of words / TF-IDF (minembed/bow/reference.py): by hand, and equal to the fast
path (CountVectorizer, TfidfVectorizer, OneHotEncoder) to 1e-12 on several corpora and settings."""
import itertools

import numpy as np
import pytest

from minembed import CountVectorizer, OneHotEncoder, TfidfVectorizer
from minembed.bow import reference
from minembed.text.tokenize import SKLEARN_PATTERN, Tokenizer


def _random_corpus(n_docs, seed):
    rng = np.random.default_rng(seed)
    words = ["the", "The", "THE", "cat", "Cat", "a", "I", "dog", "sat", "x_y", "42", "7", "café", "Straße",
             "ΣΟΦΙΑ", "naïve", "don't", "e-mail", "日本語", "über", "snake_case"]
    seps = [" ", " ", ", ", ". ", "! ", "\n", " -- ", "\t"]
    return ["".join(str(rng.choice(words)) + str(rng.choice(seps)) for _ in range(int(rng.integers(0, 15))))
            for _ in range(n_docs)]


# name -> (training documents, new documents for transform); every corpus has terms counted more than
# once in a document and terms of different document frequencies, so that every setting changes the numbers
CORPORA = {
    "english": (["The cat sat on the mat.", "The dog sat on the log!", "A cat and a dog; the cat ran.",
                 "Dogs and cats, cats and dogs: the cat's mat?"],
                ["the cat and the log", "nothing known here", "Cat CAT cat"]),
    "unicode": (["Café naïve FAÇADE café", "ÉCOLE école Ecole", "ΣΟΦΙΑ σοφία Σοφία", "日本語 テキスト 日本語",
                 "x_y snake_case __init__ x_y", "42 7 2024 3rd 42", "Straße STRASSE strasse",
                 "e\u0301te\u0301 été ete", "İstanbul km² ½½ 10½", "café 42 σοφία x_y 42"],
                ["café école 42", "σοφία x_y", "ÉTÉ e\u0301te\u0301"]),
    "edge": (["", "word", "a b c", "!!! ???", "repeat repeat repeat repeat", "word repeat", "word",
              "repeat repeat word"],
             ["", "unseen only", "WORD word", "a"]),
    "random": (_random_corpus(60, seed=1), _random_corpus(20, seed=2)),
}
SETTINGS = [dict(smooth_idf=smooth, sublinear_tf=sublinear, norm=norm)
            for smooth, sublinear, norm in itertools.product([True, False], [False, True], ["l2", None])]


def _max_difference(a, b):
    assert a.shape == b.shape
    return float(np.abs(a - b).max(initial=0.0))


# ---------------------------------------------------------------------------- the reference by hand
def test_reference_by_hand():
    docs = ["The cat sat on the mat.", "the dog sat", "a"]
    assert reference.tokenize(docs[0]) == ["the", "cat", "sat", "on", "the", "mat"]
    assert reference.tokenize("a") == []                                      # one letter: no token
    assert reference.count_terms(docs[0]) == {"the": 2, "cat": 1, "sat": 1, "on": 1, "mat": 1}
    vocabulary = reference.build_vocabulary(docs)
    assert vocabulary == ["cat", "dog", "mat", "on", "sat", "the"]
    assert reference.bag_of_words(docs, vocabulary).tolist() == [[1, 0, 1, 1, 1, 2], [0, 1, 0, 0, 1, 1], [0] * 6]
    assert reference.one_hot("mat", vocabulary).tolist() == [0, 0, 1, 0, 0, 0]
    assert reference.one_hot("zebra", vocabulary).tolist() == [0] * 6

    # n = 3 ("a" has no token but is a document); df: cat dog mat on 1, sat the 2
    # smooth:  idf(df=1) = ln(4/2) + 1 = 1.693147,  idf(df=2) = ln(4/3) + 1 = 1.287682
    # raw:     idf(df=1) = ln(3/1) + 1 = 2.098612,  idf(df=2) = ln(3/2) + 1 = 1.405465
    idf = reference.idf_weights(docs, vocabulary)
    np.testing.assert_allclose(idf, [1.693147] * 4 + [1.287682] * 2, atol=1e-6)
    np.testing.assert_allclose(reference.idf_weights(docs, vocabulary, smooth_idf=False),
                               [2.098612] * 4 + [1.405465] * 2, atol=1e-6)

    # row 0 before the norm: (1.693147, 0, 1.693147, 1.693147, 1.287682, 2 * 1.287682 = 2.575364)
    # length^2 = 3 * 1.693147^2 + 1.287682^2 + 2.575364^2 = 8.600242 + 1.658125 + 6.632500 = 16.890868
    # length = 4.109850, row 0 = (0.411973, 0, 0.411973, 0.411973, 0.313316, 0.626632)
    # row 1 = (0, 1.693147, 0, 0, 1.287682, 1.287682) / sqrt(2.866748 + 2 * 1.658125 = 6.182998 -> 2.486563)
    #       = (0, 0.680919, 0, 0, 0.517856, 0.517856);  row 2 has no term: it stays zero
    X = reference.tfidf(docs, vocabulary, idf)
    np.testing.assert_allclose(X, [[0.411973, 0, 0.411973, 0.411973, 0.313316, 0.626632],
                                   [0, 0.680919, 0, 0, 0.517856, 0.517856], [0] * 6], atol=1e-6)
    # sublinear: tf(the) = 1 + ln 2 = 1.693147, weight 1.693147 * 1.287682 = 2.180235; length^2 = 8.600242
    # + 1.658125 + 4.753426 = 15.011793, length 3.874506: row 0 = (0.436997, 0, ..., 0.332347, 0.562713)
    np.testing.assert_allclose(reference.tfidf(docs, vocabulary, idf, sublinear_tf=True)[0],
                               [0.436997, 0, 0.436997, 0.436997, 0.332347, 0.562713], atol=1e-6)
    np.testing.assert_allclose(reference.tfidf(docs, vocabulary, idf, norm=None)[0],
                               [1.693147, 0, 1.693147, 1.693147, 1.287682, 2.575364], atol=1e-6)
    with pytest.raises(ValueError, match="norm must be"):
        reference.tfidf(docs, vocabulary, idf, norm="l1")


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_bag_of_words_is_the_sum_of_one_hot_vectors(corpus):
    docs, _ = CORPORA[corpus]
    vocabulary = reference.build_vocabulary(docs)
    summed = [sum((reference.one_hot(t, vocabulary) for t in reference.tokenize(doc)), np.zeros(len(vocabulary)))
              for doc in docs]
    np.testing.assert_array_equal(reference.bag_of_words(docs, vocabulary), summed)


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_every_setting_changes_the_numbers(corpus):
    # so that the comparisons below would catch a fast path that ignored a setting
    docs, _ = CORPORA[corpus]
    vocabulary = reference.build_vocabulary(docs)
    matrices = [reference.tfidf(docs, vocabulary, reference.idf_weights(docs, vocabulary, s["smooth_idf"]),
                                s["sublinear_tf"], s["norm"]) for s in SETTINGS]
    for a, b in itertools.combinations(matrices, 2):
        assert _max_difference(a, b) > 1e-6


# ---------------------------------------------------------------------------- the reference equals the fast path
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_counts_equal_count_vectorizer(corpus):
    docs, new_docs = CORPORA[corpus]
    fast = CountVectorizer()
    X = fast.fit_transform(docs)
    vocabulary = reference.build_vocabulary(docs)
    assert fast.get_feature_names_out().tolist() == vocabulary
    assert fast.vocabulary_ == {term: j for j, term in enumerate(vocabulary)}
    np.testing.assert_array_equal(X.toarray(), reference.bag_of_words(docs, vocabulary))
    np.testing.assert_array_equal(fast.transform(new_docs).toarray(), reference.bag_of_words(new_docs, vocabulary))


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_tfidf_equals_tfidf_vectorizer(corpus, settings):
    docs, new_docs = CORPORA[corpus]
    fast = TfidfVectorizer(**settings)
    X = fast.fit_transform(docs)
    vocabulary = reference.build_vocabulary(docs)
    assert fast.get_feature_names_out().tolist() == vocabulary
    idf = reference.idf_weights(docs, vocabulary, settings["smooth_idf"])
    assert _max_difference(fast.idf_, idf) <= 1e-12
    expected = reference.tfidf(docs, vocabulary, idf, settings["sublinear_tf"], settings["norm"])
    assert _max_difference(X.toarray(), expected) <= 1e-12
    expected_new = reference.tfidf(new_docs, vocabulary, idf, settings["sublinear_tf"], settings["norm"])
    assert _max_difference(fast.transform(new_docs).toarray(), expected_new) <= 1e-12


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_tfidf_without_idf_is_the_reference_with_idf_one(corpus):
    docs, new_docs = CORPORA[corpus]
    fast = TfidfVectorizer(use_idf=False).fit(docs)
    vocabulary = reference.build_vocabulary(docs)
    ones = np.ones(len(vocabulary))
    assert _max_difference(fast.transform(new_docs).toarray(), reference.tfidf(new_docs, vocabulary, ones)) <= 1e-12


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_one_hot_rows_and_bag_of_words_equal_one_hot_encoder(corpus):
    # OneHotEncoder orders its columns by frequency, not alphabetically: compare over its own word list
    docs, new_docs = CORPORA[corpus]
    tokenizer = Tokenizer(pattern=SKLEARN_PATTERN, lowercase=True, normalize=None)     # the reference's tokens
    encoder = OneHotEncoder(tokenizer=tokenizer, handle_unknown="ignore").fit(docs)
    words = encoder.get_feature_names_out().tolist()
    assert sorted(words) == reference.build_vocabulary(docs)
    tokens = [token for doc in new_docs for token in reference.tokenize(doc)] + ["never seen"]
    np.testing.assert_array_equal(encoder.transform(tokens).toarray(),
                                  np.array([reference.one_hot(t, words) for t in tokens]).reshape(-1, len(words)))
    np.testing.assert_array_equal(encoder.bag_of_words(docs + new_docs).toarray(),
                                  reference.bag_of_words(docs + new_docs, words))
