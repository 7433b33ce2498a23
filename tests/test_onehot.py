"""One-hot rows and bag-of-words counts; the lesson that an embedding layer is a lookup."""
import os

import numpy as np
import pytest

from minembed import CSRMatrix, OneHotEncoder, Tokenizer, Vocabulary, encode_corpus
from minembed.bow.onehot import NotFittedError, sparsity
from minembed.text.tokenize import LETTERS
from minembed.text.vocab import UNK

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# counts: the 2, cat 1, dog 1, sat 1 -> ids: the 0, cat 1, dog 2, sat 3
VOCAB = Vocabulary.build([["the", "cat", "sat"], ["the", "dog"]])


def test_transform_ids_rows():
    enc = OneHotEncoder(VOCAB)
    assert enc.dim == 4
    X = enc.transform_ids([2, 0, 2])
    assert X.shape == (3, 4) and X.nnz == 3
    np.testing.assert_array_equal(X.toarray(), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0]])
    assert enc.transform_ids([]).shape == (0, 4)
    for bad in ([4], [-1], [0, 7]):
        with pytest.raises(ValueError, match=r"ids must be in \[0, 4\)"):
            enc.transform_ids(bad)


def test_transform_tokens_follows_encode_policy():
    np.testing.assert_array_equal(OneHotEncoder(VOCAB).transform_tokens(["dog", "zebra", "the"]).toarray(),
                                  [[0, 0, 1, 0], [1, 0, 0, 0]])
    with_unk = OneHotEncoder(VOCAB.with_specials((UNK,)))
    np.testing.assert_array_equal(with_unk.transform_tokens(["zebra"]).toarray(), [[1, 0, 0, 0, 0]])


def test_onehot_times_embedding_table_is_a_row_lookup():
    # the reason embeddings are lookups: e_i @ E == E[i], exactly
    rng = np.random.default_rng(0)
    E = rng.normal(size=(len(VOCAB), 5))                     # (V, d)
    ids = np.array([3, 0, 0, 2, 1])
    onehot = OneHotEncoder(VOCAB).transform_ids(ids)          # (n, V)
    np.testing.assert_array_equal(onehot.toarray() @ E, E[ids])   # dense product, (n, d)
    np.testing.assert_array_equal(onehot @ E, E[ids])             # sparse product, (n, d)


def test_distinct_onehot_vectors_are_orthogonal():
    X = OneHotEncoder(VOCAB).transform_ids(np.arange(4)).normalize_rows().toarray()
    cosines = X @ X.T
    np.testing.assert_array_equal(cosines, np.eye(4))        # cos(e_i, e_j) = 0 for i != j


DOCS = ["The cat saw the cat.", "dog DOG dog", "", "unknown words only"]
COUNTS = [[2, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_bag_of_words_counts_and_binary():
    enc = OneHotEncoder(VOCAB)
    X = enc.bag_of_words(DOCS)
    assert X.shape == (4, 4) and X.dtype == np.float64
    np.testing.assert_array_equal(X.toarray(), COUNTS)
    np.testing.assert_array_equal(enc.bag_of_words(DOCS, binary=True).toarray(), np.minimum(COUNTS, 1))
    assert X.nnz == 3


def test_bag_of_words_from_token_lists_and_generators():
    enc = OneHotEncoder(VOCAB)
    token_lists = [["the", "cat", "saw", "the", "cat"], ("dog",) * 3, [], ["unknown"]]
    np.testing.assert_array_equal(enc.bag_of_words(token_lists).toarray(), COUNTS)
    np.testing.assert_array_equal(enc.bag_of_words(d for d in DOCS).toarray(), COUNTS)
    assert enc.bag_of_words([]).shape == (0, 4)


def test_bag_of_words_counts_unknown_words_in_unk_column():
    X = OneHotEncoder(VOCAB.with_specials((UNK,))).bag_of_words(DOCS)
    np.testing.assert_array_equal(X.toarray(), [[1, 2, 2, 0, 0], [0, 0, 0, 3, 0], [0] * 5, [3, 0, 0, 0, 0]])


def test_bag_of_words_rejects_one_string():
    with pytest.raises(TypeError, match=r"wrap it: \[text\]"):
        OneHotEncoder(VOCAB).bag_of_words("the cat")


def test_corpus_counts_equals_bag_of_words(tmp_path):
    lines = ["the cat sat on the mat", "the dog", "a cat and a dog and a cat", "mat"]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    corpus = encode_corpus(path)
    enc = OneHotEncoder(corpus.vocab)
    for binary in (False, True):
        X, Y = enc.corpus_counts(corpus, binary=binary), enc.bag_of_words(lines, binary=binary)
        np.testing.assert_array_equal(X.indptr, Y.indptr)
        np.testing.assert_array_equal(X.indices, Y.indices)
        np.testing.assert_array_equal(X.data, Y.data)
    a = corpus.vocab["a"]
    assert enc.corpus_counts(corpus).toarray()[2, a] == 3


def test_counts_on_real_text_match_a_dense_count():
    corpus = encode_corpus(os.path.join(REPO, "corpora", "pg11_alice_in_wonderland.txt"))
    X = OneHotEncoder(corpus.vocab).corpus_counts(corpus)
    dense = np.zeros(X.shape)
    np.add.at(dense, (corpus.doc_ids(), corpus.ids), 1)
    np.testing.assert_array_equal(X.toarray(), dense)
    assert np.all(np.diff(X.indices)[np.diff(X.row_ids()) == 0] > 0)   # columns sorted in each row
    assert X.data.sum() == corpus.n_tokens


def test_bag_of_words_equals_sklearn_count_vectorizer():
    text = pytest.importorskip("sklearn.feature_extraction.text")
    with open(os.path.join(REPO, "corpora", "pg11_alice_in_wonderland.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    vocab = Vocabulary.build(Tokenizer().tokenize_many(lines))
    ours = OneHotEncoder(vocab).bag_of_words(lines)
    theirs = text.CountVectorizer(token_pattern=LETTERS, vocabulary=vocab.stoi).fit_transform(lines)
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_array_equal(ours.data, theirs.data)


def test_sparsity_hand_computed():
    X = OneHotEncoder(VOCAB).bag_of_words(DOCS)            # 3 non-zeros in 4 x 4 cells
    assert sparsity(X) == 1 - 3 / 16
    assert sparsity(OneHotEncoder(VOCAB).bag_of_words([])) == 1.0


# ---------------------------------------------------------------------------- scikit-learn's protocol
def test_fit_learns_a_vocabulary_and_transform_keeps_one_row_per_token():
    enc = OneHotEncoder().fit(["the cat sat", "the dog"])
    assert enc.get_feature_names_out().tolist() == ["the", "cat", "dog", "sat"]      # by count, ties alphabetical
    with pytest.raises(ValueError, match="token 'zebra' is not in the vocabulary"):
        enc.transform(["cat", "zebra"])
    rows = enc.set_params(handle_unknown="ignore").transform(["cat", "zebra", "the"])
    np.testing.assert_array_equal(rows.toarray(), [[0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(enc.transform(np.array([["dog"], ["cat"]])).toarray(),      # (n, 1): sklearn's shape
                                  [[0, 0, 1, 0], [0, 1, 0, 0]])
    with_unk = OneHotEncoder(VOCAB.with_specials((UNK,)))                             # <unk> has a column
    np.testing.assert_array_equal(with_unk.transform(["zebra"]).toarray(), [[1, 0, 0, 0, 0]])
    assert OneHotEncoder(VOCAB).fit(["zzz"]).get_feature_names_out().tolist() == VOCAB.itos   # a given vocab stays


def test_inverse_transform_gives_back_the_tokens():
    enc = OneHotEncoder(VOCAB)                                   # the 0, cat 1, dog 2, sat 3
    tokens = enc.inverse_transform(enc.transform(["dog", "the", "dog"]))
    assert tokens.shape == (3, 1) and tokens.dtype == object and tokens.ravel().tolist() == ["dog", "the", "dog"]
    assert enc.inverse_transform([[0, 0.2, 0.7, 0.7]]).tolist() == [["dog"]]     # largest value, first column on ties
    assert enc.inverse_transform(CSRMatrix.from_dense(np.eye(4)[[3, 1]])).ravel().tolist() == ["sat", "cat"]
    with pytest.raises(ValueError, match=r"rows \[1\] are all zeros and cannot be inverted"):
        enc.inverse_transform([[1, 0, 0, 0], [0, 0, 0, 0]])
    ignoring = OneHotEncoder(VOCAB, handle_unknown="ignore")
    assert ignoring.inverse_transform(ignoring.transform(["cat", "zebra"])).tolist() == [["cat"], [None]]
    with pytest.raises(ValueError, match="X has 3 columns, but this OneHotEncoder has 4 words"):
        enc.inverse_transform(np.eye(3))


def test_protocol_without_scikit_learn():
    enc = OneHotEncoder(handle_unknown="ignore")
    twin = type(enc)(**enc.get_params(deep=False))                             # what sklearn.base.clone does
    assert twin.get_params(deep=True) == {"vocab": None, "tokenizer": None, "handle_unknown": "ignore"}
    assert not enc.__sklearn_is_fitted__() and enc.fit([["a"]]).__sklearn_is_fitted__()
    assert OneHotEncoder(VOCAB).__sklearn_is_fitted__()                        # a given vocabulary: nothing to fit
    with pytest.raises(ValueError, match="handle_unknown must be"):
        enc.set_params(handle_unknown="drop", vocab=VOCAB)
    assert enc.handle_unknown == "ignore" and enc.vocab is None                 # refused: nothing changed


def test_protocol_errors_are_clear():
    for use in (lambda enc: enc.transform(["cat"]), lambda enc: enc.get_feature_names_out(),
                lambda enc: enc.inverse_transform([[1]])):
        with pytest.raises(NotFittedError, match="has no vocabulary: give one") as error:
            use(OneHotEncoder())
        assert isinstance(error.value, ValueError) and isinstance(error.value, AttributeError)   # as sklearn's
    with pytest.raises(ValueError, match="handle_unknown must be 'error' or 'ignore'"):
        OneHotEncoder(handle_unknown="drop")
    with pytest.raises(ValueError, match="invalid parameter 'categories' for OneHotEncoder"):
        OneHotEncoder().set_params(categories="auto")


def test_transform_equals_scikit_learns_one_hot_encoder_up_to_column_order():
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    from sklearn.base import clone
    tokens = "the cat sat on the mat and the dog sat on the log".split()
    ours = OneHotEncoder(handle_unknown="ignore")
    X = ours.fit_transform(tokens)
    theirs = preprocessing.OneHotEncoder(handle_unknown="ignore").fit(np.array(tokens)[:, None])
    sk_names = [name.split("_", 1)[1] for name in theirs.get_feature_names_out()]    # "x0_cat" -> "cat"
    order = [ours.get_feature_names_out().tolist().index(name) for name in sk_names]  # sklearn's order: sorted
    new = ["the", "zebra", "log"]
    np.testing.assert_array_equal(X.toarray()[:, order], theirs.transform(np.array(tokens)[:, None]).toarray())
    np.testing.assert_array_equal(ours.transform(new).toarray()[:, order],
                                  theirs.transform(np.array(new)[:, None]).toarray())
    assert clone(ours).get_params() == {"vocab": None, "tokenizer": None, "handle_unknown": "ignore"}
    encoded = np.array(new)[:, None]
    np.testing.assert_array_equal(ours.inverse_transform(ours.transform(new)),
                                  theirs.inverse_transform(theirs.transform(encoded)).astype(object))
    np.testing.assert_array_equal(ours.inverse_transform(X), np.array(tokens, dtype=object)[:, None])


def test_drops_into_a_scikit_learn_pipeline():
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError as SkNotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder as SkOneHot
    from sklearn.utils.validation import check_is_fitted
    tokens = np.array("good fine great fun bad awful dull poor good great bad dull".split() * 3)[:, None]   # (36, 1)
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0] * 3)
    ours = Pipeline([("onehot", OneHotEncoder(handle_unknown="ignore")), ("clf", LogisticRegression())])
    theirs = Pipeline([("onehot", SkOneHot(handle_unknown="ignore")), ("clf", LogisticRegression())])
    with pytest.raises(SkNotFittedError):
        check_is_fitted(clone(ours).named_steps["onehot"])
    new = np.array([["fun"], ["zebra"], ["poor"]])
    np.testing.assert_allclose(ours.fit(tokens, labels).predict_proba(new),             # columns in another order:
                               theirs.fit(tokens, labels).predict_proba(new), atol=1e-6)   # the same model
    check_is_fitted(ours)
    np.testing.assert_allclose(cross_val_score(ours, tokens, labels, cv=3), cross_val_score(theirs, tokens, labels, cv=3))
    vocab = Vocabulary.build([tokens.ravel().tolist()]).with_specials((UNK,))
    search = GridSearchCV(ours, {"onehot__vocab": [None, vocab]}, cv=3).fit(tokens, labels)
    assert search.cv_results_["mean_test_score"].shape == (2,) and search.best_score_ == pytest.approx(1.0)
