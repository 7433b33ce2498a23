"""SearchIndex: exact top-k by hand and against a full sort, every method, appending, files, errors."""
import os

import numpy as np
import pytest

import minembed
from minembed import (AttentionEncoder, BM25Vectorizer, CountVectorizer, KeyedVectors, NotFittedError, OneHotEncoder,
                      SearchIndex, TfidfVectorizer, Tokenizer, Vocabulary)
from minembed.core.fileio import load_npz, save_npz
from minembed.tasks.search import FILE_FORMAT, top_k
from minembed.text.vocab import MASK, PAD, UNK
from minembed.vectors.sentence import SIF

DOCS = ["the cat sat", "the dog sat", "a cat and a cat", "dogs and cats", "the end"]
WORDS = ("turtle", "mock", "soup", "alice", "queen", "cat", "of", "the", "tea", "hatter")


def corpus(rng, n):
    return [" ".join(rng.choice(WORDS, size=rng.integers(1, 10))) for _ in range(n)]


def full_sort(scores, k):
    """The k best by a stable sort of the whole array: score descending, then position."""
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in order]


def assert_same_top(hits, expected, k):
    """``hits`` are k of the best of ``expected`` (n,), best first: up to rounding, which may order near-ties."""
    positions, scores = [p for p, _ in hits], [s for _, s in hits]
    assert len(set(positions)) == len(positions) == min(k, len(expected))
    np.testing.assert_allclose(scores, np.sort(expected)[::-1][:k], atol=1e-12)
    np.testing.assert_allclose(np.asarray(expected)[positions], scores, atol=1e-12)


def cosines(D, q):
    D, q = np.asarray(D, dtype=float), np.asarray(q, dtype=float)
    norms = np.linalg.norm(D, axis=1) * np.linalg.norm(q)
    return np.divide(D @ q, norms, out=np.zeros(len(D)), where=norms > 0)


# ---------------------------------------------------------------------------- the k best
def test_top_k_breaks_ties_by_position():
    scores = np.array([0.2, 0.9, 0.5, 0.9, 0.5, 0.5, 0.1])
    assert top_k(scores, 3)[0].tolist() == [1, 3, 2]                  # 0.5 three times: the first one wins
    assert top_k(scores, 4)[0].tolist() == [1, 3, 2, 4]
    assert top_k(scores, 100)[0].tolist() == [1, 3, 2, 4, 5, 0, 6]   # k > n: all of them
    rng = np.random.default_rng(0)
    for _ in range(50):
        scores = rng.integers(0, 5, size=rng.integers(1, 40)).astype(float)    # many ties
        k = int(rng.integers(1, 45))
        assert list(zip(*[a.tolist() for a in top_k(scores, k)])) == full_sort(scores, k)


def test_bm25_search_by_hand():
    index = SearchIndex(BM25Vectorizer()).add(DOCS[:3])
    # idf(cat) = ln(1 + 1.5/2.5) = 0.47; every |d| = avgdl = 3; tf 2 -> 0.47 * 2 * 2.2 / 3.2, tf 1 -> 0.47
    hits = index.search("cat", k=3)
    assert [p for p, _ in hits] == [2, 0, 1]
    assert [s for _, s in hits] == pytest.approx([np.log(1.6) * 4.4 / 3.2, np.log(1.6), 0.0], abs=1e-15)
    assert all(type(p) is int and type(s) is float for p, s in hits)
    assert index.scoring == "bm25" and len(index) == 3 and "3 documents" in repr(index)


@pytest.mark.parametrize("settings", [dict(), dict(k1=0.5, b=1.0, query_tf="binary"), dict(ngram_range=(1, 2))])
def test_bm25_search_is_the_exact_top_k_of_q_dot_d(settings):
    rng = np.random.default_rng(7)
    docs, queries = corpus(rng, 60), corpus(rng, 10)
    vectorizer = BM25Vectorizer(**settings)
    index = SearchIndex(vectorizer).add(docs)
    scores = vectorizer.transform_queries(queries).toarray() @ vectorizer.transform(docs).toarray().T
    for query, row in zip(queries, scores):
        hits = index.search(query, k=7)
        assert [p for p, _ in hits] == [p for p, _ in full_sort(row, 7)]
        np.testing.assert_allclose([s for _, s in hits], [s for _, s in full_sort(row, 7)], rtol=1e-12)


@pytest.mark.parametrize("make", [CountVectorizer, TfidfVectorizer, lambda: TfidfVectorizer(norm=None),
                                  lambda: OneHotEncoder(tokenizer=Tokenizer(pattern=r"\w\w+"))])
def test_sparse_methods_rank_by_cosine(make):
    rng = np.random.default_rng(3)
    docs, queries = corpus(rng, 50), corpus(rng, 8) + ["zebra"]
    method = make()
    index = SearchIndex(method).add(docs)
    assert index.scoring == "cosine"
    D = method.sentence_vectors(docs).toarray()
    for query in queries:
        expected = cosines(D, method.sentence_vectors([query]).toarray()[0])
        assert_same_top(index.search(query, k=5), expected, 5)
    assert index.search("zebra", k=3) == [(0, 0.0), (1, 0.0), (2, 0.0)]     # no known word: 0 everywhere


def test_tfidf_search_equals_scikit_learns_cosine_ranking():
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    rng = np.random.default_rng(11)
    docs, queries = corpus(rng, 80), corpus(rng, 10)
    theirs = sklearn_text.TfidfVectorizer().fit(docs)
    scores = (theirs.transform(queries) @ theirs.transform(docs).T).toarray()    # l2 rows: the cosine
    index = SearchIndex(TfidfVectorizer()).add(docs)
    for query, row in zip(queries, scores):
        assert_same_top(index.search(query, k=10), row, 10)


def test_word_vectors_rank_by_the_cosine_of_the_means():
    kv = KeyedVectors(["cat", "dog", "tea", "soup"], [[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.8, 0.6]])
    index = SearchIndex(kv).add(["a cat", "tea and soup", "the dog", "nothing known"])
    hits = index.search("cat", k=4)
    # cos((1, 0, 0), .): cat 1; dog 0.9/|(0.9, 0.1, 0)| = 0.9939; tea and soup (0, 0.9, 0.3): 0; the zero row: 0
    assert [p for p, _ in hits] == [0, 2, 1, 3]
    assert [s for _, s in hits] == pytest.approx([1.0, 0.9 / np.hypot(0.9, 0.1), 0.0, 0.0], abs=1e-7)
    assert index.search(["soup"], k=1)[0][0] == 1                            # a token list is a query too


def test_sif_is_fitted_on_the_documents_and_kept():
    kv = KeyedVectors(["the", "cat", "dog", "tea"], [[1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], counts=[50, 5, 5, 2])
    sif = SIF(kv, a=0.01)
    docs = ["the cat", "the dog", "the tea", "the cat and the tea"]
    index = SearchIndex(sif).add(docs)
    u = sif.component_.copy()
    expected = cosines(sif.sentence_vectors(docs), sif.sentence_vectors(["tea"])[0])
    assert [p for p, _ in index.search("tea", k=4)] == [p for p, _ in full_sort(expected, 4)]
    index.add(["the dog and the cat"])
    assert np.array_equal(sif.component_, u)                                 # not refitted by a later add


def test_the_encoder_ranks_by_the_cosine_of_its_sentence_vectors():
    vocab = Vocabulary.build([["the", "cat", "sat", "on", "mat", "dog"]]).with_specials((PAD, UNK, MASK))
    encoder = AttentionEncoder(vocab, dim=8, ff_dim=8, max_len=8, seed=3)
    docs = ["the cat sat", "the dog sat on the mat", "cat cat", "mat"]
    index = SearchIndex(encoder).add(docs)
    expected = cosines(encoder.sentence_vectors(docs), encoder.sentence_vectors(["the cat"])[0])
    hits = index.search("the cat", k=4)
    assert [p for p, _ in hits] == [p for p, _ in full_sort(expected, 4)]          # (no two texts tie here)
    assert [s for _, s in hits] == pytest.approx([s for _, s in full_sort(expected, 4)], abs=1e-6)


# ---------------------------------------------------------------------------- adding, fitting
def test_add_fits_an_unfitted_vectorizer_once_and_appends():
    vectorizer = TfidfVectorizer()
    index = SearchIndex(vectorizer)
    assert index.add(DOCS[:3]) is index and vectorizer.__sklearn_is_fitted__()
    idf = vectorizer.idf_.copy()
    index.add(DOCS[3:])
    assert len(index) == 5 and np.array_equal(vectorizer.idf_, idf)          # the idf of the first documents
    assert index.scores("dogs cats").tolist() == [0.0] * 5                   # words the fit never saw match nothing
    assert index.search("the end", k=1)[0][0] == 4                            # positions go on from 3
    assert index.add([]) is index and len(index) == 5
    index.add(["the cat sat"])
    assert [p for p, _ in index.search("the cat sat", k=2)] == [0, 5]         # equal scores: the first added wins


def test_a_fitted_vectorizer_is_not_refitted():
    vectorizer = BM25Vectorizer().fit(["turtle soup", "mock turtle"])
    SearchIndex(vectorizer).add(DOCS)
    assert sorted(vectorizer.vocabulary_) == ["mock", "soup", "turtle"]


def test_errors_are_clear():
    with pytest.raises(ValueError, match=r"index is empty \(and its method is not fitted: add fits it\)"):
        SearchIndex(TfidfVectorizer()).search("cat")
    with pytest.raises(ValueError, match="index is empty: add"):
        SearchIndex(KeyedVectors(["cat"], [[1.0]])).scores("cat")
    index = SearchIndex(CountVectorizer()).add(DOCS)
    for k in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="k must be an int >= 1"):
            index.search("cat", k=k)
    with pytest.raises(TypeError, match="needs a method with sentence_vectors"):
        SearchIndex(object())
    with pytest.raises(TypeError, match="wrap it"):
        index.add("one document")

    class Unfittable:
        def __sklearn_is_fitted__(self):
            return False

        def sentence_vectors(self, texts):
            return np.zeros((len(texts), 2))
    with pytest.raises(NotFittedError, match="not fitted and has no fit"):
        SearchIndex(Unfittable()).add(DOCS)


# ---------------------------------------------------------------------------- files
@pytest.mark.parametrize("make", [lambda: BM25Vectorizer(k1=0.9, b=0.4, query_tf="binary"),
                                  lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
                                  CountVectorizer, OneHotEncoder, lambda: OneHotEncoder(tokenizer=Tokenizer(r"\w+"))])
def test_a_vectorizer_index_saves_what_answers_queries(make, tmp_path):
    rng = np.random.default_rng(5)
    docs, queries = corpus(rng, 30), corpus(rng, 6)
    index = SearchIndex(make()).add(docs[:20]).add(docs[20:])
    index.save(tmp_path / "index.npz")
    loaded = SearchIndex.load(tmp_path / "index.npz")
    assert type(loaded.method) is type(index.method) and len(loaded) == 30 and loaded.scoring == index.scoring
    assert loaded.method.get_params().keys() == index.method.get_params().keys()
    for query in queries:
        assert loaded.search(query, k=30) == index.search(query, k=30)
    loaded.add(["mock turtle soup"])                                           # weighs new documents as before
    index.add(["mock turtle soup"])
    assert loaded.search("mock turtle", k=31) == index.search("mock turtle", k=31)


@pytest.mark.parametrize("kind", ["KeyedVectors", "SIF"])
def test_a_dense_index_takes_its_method_back(kind, tmp_path):
    kv = KeyedVectors(["cat", "dog", "tea"], [[1, 0], [0.8, 0.6], [0, 1]], counts=[3, 2, 1])
    method = kv if kind == "KeyedVectors" else SIF(kv, a=0.1)
    index = SearchIndex(method).add(["cat", "dog tea", "tea", "cat dog"])
    index.save(tmp_path / "index.npz")
    with pytest.raises(ValueError, match=f"indexes documents with a {kind}, which the file does not hold"):
        SearchIndex.load(tmp_path / "index.npz")
    with pytest.raises(ValueError, match="was built with a"):
        SearchIndex.load(tmp_path / "index.npz", method=CountVectorizer())
    loaded = SearchIndex.load(tmp_path / "index.npz", method=method)
    assert loaded.search("cat", k=4) == index.search("cat", k=4)
    wider = KeyedVectors(["cat"], [[1.0, 0.0, 0.0]]) if kind == "KeyedVectors" else None
    if wider is not None:
        with pytest.raises(ValueError, match="width 3, the index holds width 2"):
            SearchIndex.load(tmp_path / "index.npz", method=wider).search("cat")


def test_files_are_stamped_and_checked(tmp_path):
    SearchIndex(BM25Vectorizer()).add(DOCS).save(tmp_path / "a.npz")
    with pytest.raises(ValueError, match="holds its own BM25Vectorizer: load it without method="):
        SearchIndex.load(tmp_path / "a.npz", method=BM25Vectorizer())
    arrays = load_npz(tmp_path / "a.npz", "an index", file_format=FILE_FORMAT)
    save_npz(tmp_path / "old.npz", file_format=(FILE_FORMAT[0], 0), **arrays)
    with pytest.raises(ValueError, match="minembed search index v0, and this minembed reads minembed search index v1"):
        SearchIndex.load(tmp_path / "old.npz")
    with pytest.raises(ValueError, match="index is empty"):
        SearchIndex(BM25Vectorizer()).save(tmp_path / "empty.npz")
    assert minembed.SearchIndex is SearchIndex


# ---------------------------------------------------------------------------- train.py search
def train_main(argv):
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import train
    return train.main(argv)


@pytest.fixture
def lines(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("the cat sat on the mat\n\nthe dog sat on the log\nmock turtle soup is made from turtles\n"
                    "a cat and a dog\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("method", ["bow", "tfidf", "bm25"])
def test_train_py_search_prints_the_best_documents(method, lines, tmp_path, capsys):
    out = tmp_path / "index.npz"
    assert train_main(["search", "--method", method, "--corpus", lines, "--query", "turtle soup", "--query", "dog",
                       "--k", "2", "--save-index", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "indexed 4 documents" in printed and "query: 'turtle soup'" in printed
    assert "  1. [2] " in printed and "mock turtle soup is made from turtles" in printed   # blank lines skipped
    assert SearchIndex.load(out).search("turtle soup", k=1)[0][0] == 2


def test_train_py_search_with_word_vectors_and_sif(lines, tmp_path, capsys):
    words = ["the", "cat", "dog", "mat", "turtle", "soup", "log", "sat", "on", "a", "and", "is"]
    kv = KeyedVectors(words, np.random.default_rng(0).standard_normal((12, 4)), counts=list(range(40, 28, -1)))
    kv.save_word2vec_format(tmp_path / "vectors.txt", fvocab=tmp_path / "vocab.tsv")
    docs = [line for line in open(lines, encoding="utf-8").read().splitlines() if line]
    read = KeyedVectors.load_word2vec_format(tmp_path / "vectors.txt", fvocab=tmp_path / "vocab.tsv")
    for method, same in (("vectors", read), ("sif", SIF(read))):       # sif finds vocab.tsv beside the vectors
        assert train_main(["search", "--method", method, "--corpus", lines, "--vectors", str(tmp_path / "vectors.txt"),
                           "--query", "turtle soup", "--k", "1"]) == 0
        (position, score), = SearchIndex(same).add(docs).search("turtle soup", k=1)
        assert f"  1. [{position}] {score:.4f}  {docs[position]}" in capsys.readouterr().out


def test_train_py_search_with_an_encoder(lines, tmp_path, capsys):
    words = ["the", "cat", "sat", "on", "mat", "dog", "turtle", "soup"]
    vocab = Vocabulary.build([words]).with_specials((PAD, UNK, MASK))
    AttentionEncoder(vocab, dim=8, ff_dim=8, max_len=16, seed=2).save(tmp_path / "encoder.npz")
    assert train_main(["search", "--method", "encoder", "--corpus", lines, "--encoder", str(tmp_path / "encoder.npz"),
                       "--query", "turtle soup", "--k", "4"]) == 0
    docs = [line for line in open(lines, encoding="utf-8").read().splitlines() if line]
    hits = SearchIndex(AttentionEncoder.load(tmp_path / "encoder.npz")).add(docs).search("turtle soup", k=4)
    printed = capsys.readouterr().out
    assert [printed.index(f"[{position}] {score:.4f}") for position, score in hits] == sorted(
        printed.index(f"[{position}] {score:.4f}") for position, score in hits)


@pytest.mark.parametrize("argv, message", [
    (["--method", "sif", "--query", "x"], "--method sif needs --vectors"),
    (["--method", "tfidf", "--vectors", "v.txt", "--query", "x"], "--vectors does not apply to --method tfidf"),
    (["--method", "encoder", "--encoder", "missing.npz", "--query", "x"], "--encoder file not found"),
    (["--method", "bm25", "--query", "x", "--k", "0"], "--k must be > 0"),
    (["--method", "bm25", "--corpus", "nowhere", "--query", "x"], "corpus path not found")])
def test_train_py_search_mistakes_are_one_line(argv, message, capsys):
    assert train_main(["search", *argv]) == 2
    assert message in capsys.readouterr().err
