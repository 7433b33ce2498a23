"""sentence_vectors on every method: the vectorizers' rows (equal to their transform and to scikit-learn's),
bag-of-words counts, the mean of word vectors (by hand, and gensim's get_mean_vector) and SIF (by hand, its
component against an SVD and scikit-learn's TruncatedSVD, its errors)."""
import numpy as np
import pytest

from minembed import (BM25Vectorizer, CountVectorizer, KeyedVectors, NotFittedError, OneHotEncoder, TfidfVectorizer,
                      Tokenizer, Vocabulary)
from minembed.core.sparse import CSRMatrix
from minembed.vectors.sentence import SIF, first_component, sif_weights

DOCS = ["The cat sat on the mat.", "The dog sat on the log!", "A cat and a dog, and a cat."]
NEW = ["the cat and the bird", "nothing here is known", "dog dog dog"]


# ---------------------------------------------------------------------------- the sparse methods
@pytest.mark.parametrize("make", [CountVectorizer, TfidfVectorizer, BM25Vectorizer,
                                  lambda: TfidfVectorizer(norm=None, sublinear_tf=True, output="scipy")])
def test_vectorizer_sentence_vectors_are_its_transform_as_float_csr(make):
    vectorizer = make().fit(DOCS)
    rows = vectorizer.sentence_vectors(NEW)
    assert isinstance(rows, CSRMatrix) and rows.dtype == np.float64 and rows.shape == (3, len(vectorizer.vocabulary_))
    np.testing.assert_array_equal(rows.toarray(), np.asarray(vectorizer.transform(NEW).toarray(), dtype=np.float64))
    assert rows.toarray()[1].tolist() == [0.0] * rows.shape[1]                       # no known word: a zero row
    assert vectorizer.sentence_vectors([]).shape == (0, rows.shape[1])
    with pytest.raises(NotFittedError):
        make().sentence_vectors(NEW)


@pytest.mark.parametrize("name", ["CountVectorizer", "TfidfVectorizer"])
def test_vectorizer_sentence_vectors_equal_scikit_learns_rows(name):
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    ours = getattr(__import__("minembed"), name)().fit(DOCS)
    theirs = getattr(sklearn_text, name)().fit(DOCS)
    np.testing.assert_allclose(ours.sentence_vectors(NEW).toarray(), theirs.transform(NEW).toarray(), atol=1e-15)


def test_onehot_sentence_vectors_are_bag_of_words_counts():
    encoder = OneHotEncoder().fit(DOCS)                        # the words by frequency: a the cat and dog sat on ...
    rows = encoder.sentence_vectors(NEW + [["cat", "cat", "zebra"]])
    assert isinstance(rows, CSRMatrix) and rows.dtype == np.float64 and rows.shape == (4, len(encoder.vocabulary))
    words = encoder.get_feature_names_out().tolist()
    dense = rows.toarray()
    assert dense[0, words.index("the")] == 2 and dense[0, words.index("cat")] == 1 and dense[0].sum() == 4  # no bird
    assert dense[1].sum() == 0 and dense[2, words.index("dog")] == 3 and dense[3, words.index("cat")] == 2
    assert encoder.sentence_vectors([]).shape == (0, len(words))
    with_unk = OneHotEncoder(Vocabulary(["cat"], [1], specials=("<unk>",)))
    assert with_unk.sentence_vectors(["zebra cat zebra"]).toarray().tolist() == [[2.0, 1.0]]   # <unk> counts them


# ---------------------------------------------------------------------------- word vectors: the mean
def table(counts=(50, 30, 10, 10)):
    return KeyedVectors(["the", "cat", "dog", "sat"], [[1, 1, 0], [2, 0, 0], [0, 4, 0], [0, 0, 6]], counts=counts)


def test_mean_of_the_known_words_by_hand():
    kv = table()
    rows = kv.sentence_vectors(["The cat sat!", ["dog", "zebra", "dog"], "zebra", "the cat the dog"])
    assert rows.dtype == np.float64 and rows.shape == (4, 3)
    np.testing.assert_allclose(rows, [[1, 1 / 3, 2],                 # (the + cat + sat) / 3 = (3, 1, 6) / 3
                                      [0, 4, 0],                      # the two dogs; zebra is left out
                                      [0, 0, 0],                      # no known word: the zero row
                                      [1, 1.5, 0]], atol=1e-15)       # (2 the + cat + dog) / 4 = (4, 6, 0) / 4
    assert kv.sentence_vectors([]).shape == (0, 3)
    upper = Tokenizer(lowercase=False)
    assert kv.sentence_vectors(["The cat"], tokenizer=upper).tolist() == [[2.0, 0.0, 0.0]]   # "The" is unknown


def test_mean_equals_gensims_get_mean_vector():
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    vectors = rng.standard_normal((50, 8)).astype(np.float32)
    ours = KeyedVectors(words, vectors)
    theirs = gensim_models.KeyedVectors(8)
    theirs.add_vectors(words, vectors)
    texts = [list(rng.choice(words + ["unknown"], size=int(rng.integers(1, 12)))) for _ in range(20)]
    expected = [theirs.get_mean_vector([w for w in text if w in ours], pre_normalize=False) for text in texts]
    np.testing.assert_allclose(ours.sentence_vectors(texts), expected, rtol=1e-5, atol=1e-6)


def test_bad_inputs_are_named():
    kv = table()
    with pytest.raises(TypeError, match="wrap it in a list"):
        kv.sentence_vectors("the cat")
    with pytest.raises(TypeError, match="a text is a str or a list of tokens"):
        kv.sentence_vectors([42])
    with pytest.raises(ValueError, match="weighting must be one of"):
        kv.sentence_vectors(["the cat"], weighting="idf")
    with pytest.raises(ValueError, match="reference= is SIF's"):
        kv.sentence_vectors(["the cat"], reference=["the dog"])


# ---------------------------------------------------------------------------- SIF
def test_sif_by_hand():
    kv = KeyedVectors(["the", "cat", "dog"], [[1, 1], [1, 0], [0, 1]], counts=[8, 1, 1])
    assert sif_weights(kv, a=0.1).tolist() == pytest.approx([1 / 9, 1 / 2, 1 / 2])   # 0.1 / (0.1 + p), p = .8 .1 .1
    texts = ["the cat", "the dog", "the the cat", "zebra"]
    weighted = np.array([[11 / 36, 1 / 18],                          # (1/9 (1, 1) + 1/2 (1, 0)) / 2
                         [1 / 18, 11 / 36],                          # (1/9 (1, 1) + 1/2 (0, 1)) / 2
                         [13 / 54, 2 / 27],                          # (2/9 (1, 1) + 1/2 (1, 0)) / 3
                         [0, 0]])
    u = np.linalg.svd(weighted)[2][0]                                # first right singular vector, not centred
    expected = weighted - np.outer(weighted @ u, u)
    np.testing.assert_allclose(kv.sentence_vectors(texts, weighting="sif", a=0.1), expected, atol=1e-15)
    np.testing.assert_allclose(SIF(kv, a=0.1).fit_transform(texts), expected, atol=1e-15)
    assert kv.sentence_vectors(texts, weighting="sif", a=0.1)[3].tolist() == [0.0, 0.0]    # still a zero row


def test_sif_component_is_truncated_svds_as_in_the_authors_code():
    decomposition = pytest.importorskip("sklearn.decomposition")
    rows = np.random.default_rng(1).standard_normal((200, 20)) + 3.0          # a large shared direction
    theirs = decomposition.TruncatedSVD(n_components=1, n_iter=7, random_state=0).fit(rows).components_[0]
    assert abs(first_component(rows) @ theirs) == pytest.approx(1.0, abs=1e-9)


def test_sif_with_a_reference_set_embeds_one_text_at_a_time():
    kv = table()
    corpus = ["the cat sat", "the dog sat", "the cat", "dog the sat sat"]
    sif = SIF(kv, a=0.01).fit(corpus)
    assert sif.component_.shape == (3,) and np.linalg.norm(sif.component_) == pytest.approx(1.0)
    one = sif.sentence_vectors(["the dog"])
    np.testing.assert_allclose(one, kv.sentence_vectors(["the dog"], weighting="sif", a=0.01, reference=corpus))
    np.testing.assert_allclose(sif.sentence_vectors(corpus)[1:2], sif.sentence_vectors(["the dog sat"]))
    with pytest.raises(ValueError, match="2 or more texts with a known word.*reference"):
        kv.sentence_vectors(["the dog"], weighting="sif")
    with pytest.raises(NotFittedError):
        SIF(kv).sentence_vectors(["the dog"])
    with pytest.raises(ValueError, match="a must be a number > 0"):
        SIF(kv, a=0)
    assert kv.sentence_vectors([], weighting="sif", reference=corpus).shape == (0, 3)


def test_sif_clone_and_params():
    base = pytest.importorskip("sklearn.base")
    sif = SIF(table(), a=0.005)
    copy = base.clone(sif.fit(["the cat", "the dog"]))                # (scikit-learn deep-copies the table)
    assert copy.get_params()["a"] == 0.005 and not copy.__sklearn_is_fitted__()
    assert np.array_equal(copy.keyed_vectors.vectors, sif.keyed_vectors.vectors)


def test_sif_needs_real_counts_and_says_how_to_get_them(tmp_path):
    words = ["the", "cat", "dog"] + [f"w{i}" for i in range(9)]
    vectors = np.random.default_rng(0).standard_normal((12, 2))
    counts = [80, 50, 10] + [5] * 9
    texts = ["the cat", "the dog w3"]
    with pytest.raises(ValueError, match="no word counts.*fvocab"):
        KeyedVectors(words, vectors).sentence_vectors(texts, weighting="sif")
    KeyedVectors(words, vectors, counts=counts).save_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "c.txt")
    made_up = KeyedVectors.load_word2vec_format(tmp_path / "v.txt")                 # counts 12, 11, ..., 1
    with pytest.raises(ValueError, match="12, 11, ..., 1: the stand-in.*fvocab="):
        made_up.sentence_vectors(texts, weighting="sif")
    read = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "c.txt")
    assert read.get_vecattr("dog", "count") == 10
    np.testing.assert_allclose(read.sentence_vectors(texts, weighting="sif"),
                               KeyedVectors(words, vectors, counts=counts).sentence_vectors(texts, weighting="sif"),
                               rtol=1e-6, atol=1e-7)                                # (float32 vectors in the file)
    few = KeyedVectors(words[:3], vectors[:3], counts=[3, 2, 1])                   # real counts that look so
    assert few.sentence_vectors(["the cat", "dog"], weighting="sif").shape == (2, 2)
    with pytest.raises(ValueError, match="not all 0"):
        KeyedVectors(words, vectors, counts=[0] * 12).sentence_vectors(texts, weighting="sif")


def test_sif_from_a_trained_word2vec_uses_its_counts():
    from minembed import Word2Vec
    sentences = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "and", "a", "dog"]] * 20
    model = Word2Vec(sentences, vector_size=8, min_count=1, epochs=1, seed=1, progress=False)
    counts = model.wv.expandos["count"].astype(float)
    assert sif_weights(model.wv).tolist() == pytest.approx((1e-3 / (1e-3 + counts / counts.sum())).tolist())
    texts = [["the", "cat"], ["a", "dog"], ["sat"]]
    rows = model.wv.sentence_vectors(texts, weighting="sif")
    assert rows.shape == (3, 8) and np.abs(rows @ SIF(model.wv).fit(texts).component_).max() < 1e-6
