"""KeyedVectors as a drop-in for gensim 4's: every verb by hand, then against gensim on the same arrays.

The hand-computed cases run everywhere; the cross-checks build ``gensim.models.KeyedVectors`` from
the same words and vectors (or read the same files) and skip when gensim (or SciPy) is absent.
"""
import bz2
import gzip
import math
import re

import numpy as np
import pytest

from minembed import KeyedVectors
from minembed.vectors.evaluate import CorrelationResult, correlation_pvalue, incomplete_beta

SQRT2 = np.sqrt(2.0)
QUESTIONS_WORDS = "/work/shared/data/analogy/questions-words.txt"
WORDSIM353 = "/work/shared/data/similarity/wordsim353.tsv"
CORPUS = "/work/main/corpora/pg11_alice_in_wonderland.txt"


def royal_table(counts=None):
    """man/woman on two axes, royalty on the third (as in test_vectors.py); rows of unequal length.

    unit vectors: man (1,0,0), woman (0,1,0), king (1,0,1)/sqrt2, queen (0,1,1)/sqrt2, apple (0,0,1).
    """
    words = ["man", "woman", "king", "queen", "apple"]
    vectors = [[2, 0, 0], [0, 3, 0], [5, 0, 5], [0, 0.5, 0.5], [0, 0, 7]]
    return KeyedVectors(words, vectors, counts=counts)


def random_words_and_table(n=300, dim=10, seed=7):
    rng = np.random.default_rng(seed)
    return [f"w{i}" for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32)


def gensim_twin(words, table):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(table.shape[1])
    theirs.add_vectors(words, table)
    return theirs


# ---------------------------------------------------------------------------- lookups
def test_get_index_get_vector_and_norms_by_hand():
    kv = royal_table()
    assert kv.get_index("queen") == 3 and kv.get_index(4) == 4            # an int that is no key: a row
    assert kv.get_index("prince", default=-1) == -1 and kv.get_index(99, default=-1) == -1
    with pytest.raises(KeyError, match="'prince' is not in the vocabulary"):
        kv.get_index("prince")
    assert kv.has_index_for("king") and kv.has_index_for(0) and not kv.has_index_for("prince")
    assert kv.get_vector("king").tolist() == [5, 0, 5]
    np.testing.assert_allclose(kv.get_vector("king", norm=True), [1 / SQRT2, 0, 1 / SQRT2], rtol=1e-6)
    with pytest.raises(ValueError):
        kv.get_vector("king")[0] = 1.0                                  # read-only, like gensim's
    kv.fill_norms()
    np.testing.assert_allclose(kv.norms, [2, 3, 5 * SQRT2, 0.5 * SQRT2, 7], rtol=1e-6)
    normed = kv.get_normed_vectors()
    assert normed.shape == (5, 3) and not normed.flags.writeable
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1, rtol=1e-6)
    kv.vectors[0] = [0, 0, 4]                                           # changed in place ...
    kv.fill_norms(force=True)                                           # ... and recomputed
    assert kv.norms[0] == pytest.approx(4) and kv.similarity("man", "apple") == pytest.approx(1)


def test_vecattr_counts():
    kv = royal_table(counts=[50, 40, 30, 20, 10])
    assert kv.get_vecattr("king", "count") == 30
    kv.set_vecattr("king", "count", 31)
    kv.set_vecattr("queen", "tag", 7)                                   # a new attribute starts at 0
    assert kv.get_vecattr("king", "count") == 31
    assert kv.get_vecattr("queen", "tag") == 7 and kv.get_vecattr("man", "tag") == 0
    with pytest.raises(KeyError, match="no attribute 'count'"):
        royal_table().get_vecattr("king", "count")
    with pytest.raises(ValueError, match=r"one count per word, \(5,\)"):
        royal_table(counts=[1, 2])


# ---------------------------------------------------------------------------- similarity of given words
def test_pairwise_verbs_by_hand():
    kv = royal_table()
    assert kv.distance("king", "queen") == pytest.approx(0.5)          # 1 - cos, cos = 1/2
    assert kv.distance("man", "woman") == pytest.approx(1.0)
    # means of raw vectors: (man + woman)/2 = (1, 1.5, 0); king = (5, 0, 5): cos = 5 / (sqrt(3.25) 5 sqrt2)
    assert kv.n_similarity(["man", "woman"], ["king"]) == pytest.approx(1 / (np.sqrt(3.25) * SQRT2))
    with pytest.raises(ZeroDivisionError, match="empty"):
        kv.n_similarity([], ["king"])
    # distances from king: man 1 - 1/sqrt2, woman 1, king 0, queen 1/2, apple 1 - 1/sqrt2
    np.testing.assert_allclose(kv.distances("king"), [1 - 1 / SQRT2, 1, 0, 0.5, 1 - 1 / SQRT2], atol=1e-6)
    np.testing.assert_allclose(kv.distances("king", ["queen", "woman"]), [0.5, 1], atol=1e-6)
    np.testing.assert_allclose(kv.distances(np.array([0, 0, 2.0]), ["apple", "man"]), [0, 1], atol=1e-6)
    np.testing.assert_allclose(KeyedVectors.cosine_similarities(np.array([3.0, 4]), np.array([[4.0, 3], [0, 1]])),
                               [24 / 25, 4 / 5])
    # closer to king than queen (distance 1/2): man and apple (1 - 1/sqrt2 = 0.29), in row order
    assert kv.closer_than("king", "queen") == ["man", "apple"]
    assert kv.rank("king", "queen") == 3 and kv.rank("king", "man") == 1
    assert kv.closer_than("king", "man") == []


# ---------------------------------------------------------------------------- most_similar and friends
def test_most_similar_takes_vectors_and_weights():
    kv = royal_table()
    norm = np.sqrt(3 - SQRT2)                       # |unit(king) - unit(man) + unit(woman)|
    by_words = kv.most_similar(positive=["king", "woman"], negative=["man"])
    # the same query as one vector: no word is excluded, so woman (1/|q| = .79) comes second
    query = np.array([1 / SQRT2 - 1, 1, 1 / SQRT2])
    by_vector = kv.similar_by_vector(query, topn=3)
    assert [w for w, _ in by_vector] == ["queen", "woman", "apple"]
    assert by_vector[0][1] == pytest.approx(by_words[0][1], rel=1e-6) == pytest.approx((1 / SQRT2 + .5) / norm)
    # (word, weight) pairs: 2 unit(king) + unit(apple) = (sqrt2, 0, sqrt2 + 1): queen (0, 1, 1)/sqrt2
    # scores (1 + 1/sqrt2)/|q|, man sqrt2/|q|
    result = kv.most_similar(positive=[("king", 2.0), "apple"], topn=2)
    q = np.array([SQRT2, 0, SQRT2 + 1]) / np.sqrt(2 + (SQRT2 + 1) ** 2)
    assert [w for w, _ in result] == ["queen", "man"]
    assert result[0][1] == pytest.approx((q[1] + q[2]) / SQRT2, rel=1e-6)
    assert result[1][1] == pytest.approx(q[0], rel=1e-6)
    # a raw vector is used as given (not normalised), as gensim: 10 * (1,0,0) outweighs unit(woman)
    assert kv.most_similar(positive=[np.array([10.0, 0, 0]), "woman"], topn=1)[0][0] == "man"
    # a (n, d) array is n vectors
    assert kv.most_similar(positive=np.array([[1.0, 0, 0], [0, 1, 0]]), topn=1)[0][0] == "man"
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        kv.most_similar(positive=[np.ones(2)])


def test_topn_none_returns_every_score_and_clipping():
    kv = royal_table()
    scores = kv.most_similar("king", topn=None)
    assert scores.shape == (5,)                                          # query word included
    np.testing.assert_allclose(scores, [1 / SQRT2, 0, 1, 0.5, 1 / SQRT2], atol=1e-6)
    assert kv.most_similar("king", topn=None, restrict_vocab=2).shape == (2,)
    assert kv.most_similar("king", topn=0) == [] and kv.similar_by_word("king", topn=None).shape == (5,)
    assert [w for w, _ in kv.most_similar("king", clip_start=3, clip_end=5)] == ["apple", "queen"]
    assert kv.similar_by_key("king", topn=1) == kv.similar_by_word("king", topn=1) == [("man", pytest.approx(1 / SQRT2))]

    class Indexer:
        def most_similar(self, vector, topn):
            return [("from the index", float(vector @ vector)), topn]
    assert kv.most_similar("king", topn=3, indexer=Indexer()) == [("from the index", pytest.approx(1.0)), 3]


def test_most_similar_cosmul_by_hand():
    kv = royal_table()
    # king - man + woman, multiplicatively: s(w, x) = (1 + cos) / 2
    #   queen:  s(king) = 3/4, s(woman) = (1 + 1/sqrt2)/2, s(man) = 1/2
    #   apple:  s(king) = (1 + 1/sqrt2)/2, s(woman) = 1/2, s(man) = 1/2
    result = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"])
    s = (1 + 1 / SQRT2) / 2
    assert [w for w, _ in result] == ["queen", "apple"]
    assert result[0][1] == pytest.approx(0.75 * s / (0.5 + 1e-6), rel=1e-6)
    assert result[1][1] == pytest.approx(s * 0.5 / (0.5 + 1e-6), rel=1e-6)
    scores = kv.most_similar_cosmul("king", topn=None)                   # one positive: (1 + cos)/2 / (1 + 1e-6)
    np.testing.assert_allclose(scores, (1 + kv.most_similar("king", topn=None)) / 2 / (1 + 1e-6), rtol=1e-6)
    assert [w for w, _ in kv.most_similar_cosmul("king", restrict_vocab=2)] == ["man", "woman"]
    with pytest.raises(ValueError, match="at least one positive"):
        kv.most_similar_cosmul(negative=["man"])


# ---------------------------------------------------------------------------- p-values
def test_incomplete_beta_identities():
    assert incomplete_beta(0.3, 2.5, 1) == pytest.approx(0.3 ** 2.5, rel=1e-12)          # I_x(a, 1) = x^a
    assert incomplete_beta(0.3, 1, 4) == pytest.approx(1 - 0.7 ** 4, rel=1e-12)          # 1 - (1-x)^b
    assert incomplete_beta(0.25, 0.5, 0.5) == pytest.approx(2 / np.pi * np.arcsin(0.5), rel=1e-12)
    assert incomplete_beta(0.5, 7.5, 7.5) == pytest.approx(0.5, rel=1e-12)               # symmetric
    assert incomplete_beta(0.9, 3, 2) + incomplete_beta(0.1, 2, 3) == pytest.approx(1, rel=1e-12)
    assert incomplete_beta(0.0, 2, 3) == 0.0 and incomplete_beta(1.0, 2, 3) == 1.0


def test_correlation_pvalues_by_hand():
    # n = 3: t has 1 degree of freedom (Cauchy), p = 1 - (2/pi) atan|t|; r = 1/2 -> t = 1/sqrt3 -> 2/3
    assert correlation_pvalue(0.5, 3) == pytest.approx(2 / 3, rel=1e-12)
    # n = 4: 2 degrees of freedom, p = 1 - |t| / sqrt(2 + t^2) = 1 - |r|
    for r in (0.1, -0.6, 0.95):
        assert correlation_pvalue(r, 4) == pytest.approx(1 - abs(r), rel=1e-12)
    assert correlation_pvalue(1.0, 10) == 0.0 and correlation_pvalue(0.0, 10) == pytest.approx(1.0)
    assert math.isnan(correlation_pvalue(0.5, 2)) and math.isnan(correlation_pvalue(float("nan"), 10))
    result = CorrelationResult(0.5, 0.1)
    r, p = result
    assert (r, p, result.statistic, result.correlation, result.pvalue, result[0]) == (0.5, 0.1, 0.5, 0.5, 0.1, 0.5)


def test_pvalues_agree_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    from minembed.vectors.evaluate import pearson_result, spearman_result
    rng = np.random.default_rng(11)
    for n in (2, 3, 4, 7, 30, 353, 5000):
        x = rng.standard_normal(n)
        y = 0.05 * x + rng.standard_normal(n)
        ours_p, theirs_p = pearson_result(x, y), stats.pearsonr(x, y)
        ours_s, theirs_s = spearman_result(x, np.round(y, 1)), stats.spearmanr(x, np.round(y, 1))
        assert ours_p.statistic == pytest.approx(theirs_p.statistic, abs=1e-12)
        assert ours_s.correlation == pytest.approx(theirs_s.correlation, abs=1e-12)
        np.testing.assert_allclose([ours_p.pvalue, ours_s.pvalue], [theirs_p.pvalue, theirs_s.pvalue],
                                   rtol=1e-9, atol=1e-300)            # (spearman, n = 2: both NaN)


# ---------------------------------------------------------------------------- evaluation methods
QUESTIONS = """\
: family
man woman king queen
woman man queen king
man woman boy girl
: gram2-opposite
KING Queen mAn WOMAN
king queen prince princess
: empty-section
boy girl prince princess
"""


def test_evaluate_word_analogies_by_hand(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(QUESTIONS, encoding="utf-8")
    score, sections = royal_table().evaluate_word_analogies(path)
    # family: both right, one OOV (skipped); gram2: right, OOV; empty-section: all OOV
    assert sections == [
        {"section": "family", "correct": [("MAN", "WOMAN", "KING", "QUEEN"), ("WOMAN", "MAN", "QUEEN", "KING")],
         "incorrect": []},
        {"section": "gram2-opposite", "correct": [("KING", "QUEEN", "MAN", "WOMAN")], "incorrect": []},
        {"section": "empty-section", "correct": [], "incorrect": []},
        {"section": "Total accuracy", "correct": sections[0]["correct"] + sections[1]["correct"], "incorrect": []}]
    assert score == 1.0
    score, sections = royal_table().evaluate_word_analogies(path, dummy4unknown=True)
    assert score == 3 / 6 and sections[2]["incorrect"] == [("BOY", "GIRL", "PRINCE", "PRINCESS")]
    score, sections = royal_table().evaluate_word_analogies(path, case_insensitive=False)
    assert score == 1.0 and sections[1]["correct"] == [] and sections[0]["correct"][0] == ("man", "woman", "king", "queen")
    assert royal_table().evaluate_word_analogies(path, restrict_vocab=2) == (0.0, [
        {"section": s, "correct": [], "incorrect": []}
        for s in ("family", "gram2-opposite", "empty-section", "Total accuracy")])


def test_repeated_sections_stay_apart_and_headerless_questions_are_refused(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(": s\nman woman king queen\n: t\n: s\nwoman man queen king\n", encoding="utf-8")
    score, sections = royal_table().evaluate_word_analogies(path)
    assert [(s["section"], len(s["correct"])) for s in sections] == [("s", 1), ("t", 0), ("s", 1),
                                                                     ("Total accuracy", 2)]
    path.write_text("man woman king queen\n: s\n", encoding="utf-8")
    with pytest.raises(ValueError, match="a question comes before the first ': section' line"):
        royal_table().evaluate_word_analogies(path)


def test_evaluate_word_pairs_by_hand(tmp_path):
    angles = np.radians([0, 30, 60, 90, 120])                 # cos(w0, a_k) = 1, .87, .5, 0, -.5
    kv = KeyedVectors(["w0", "a1", "a2", "a3", "a4", "a5"], np.vstack([[1, 0], np.c_[np.cos(angles), np.sin(angles)]]))
    path = tmp_path / "pairs.tsv"
    path.write_text("# w1\tw2\tscore\nw0\ta1\t9\nw0\ta2\t7\nW0\tA3\t7\nw0\ta4\t8\nw0\tunknown\t3.5\n"
                    "w0\ta5\t1\nnot a pair line\nw0 a1 10\n", encoding="utf-8")   # the last two: skipped
    (r, r_p), spearman, oov = kv.evaluate_word_pairs(path)
    human, model = np.array([9, 7, 7, 8, 1.0]), np.array([1, np.sqrt(3) / 2, 0.5, 0, -0.5])
    assert r == pytest.approx(np.corrcoef(human, model)[0, 1], rel=1e-6)
    assert r_p == pytest.approx(correlation_pvalue(r, 5))
    assert spearman.correlation == pytest.approx(6.5 / np.sqrt(95)) and spearman.pvalue == pytest.approx(
        correlation_pvalue(6.5 / np.sqrt(95), 5))
    assert oov == pytest.approx(100 / 6)
    (r, _), _, oov = kv.evaluate_word_pairs(path, dummy4unknown=True)  # the unknown pair scores 0.0
    assert r == pytest.approx(np.corrcoef([9, 7, 7, 8, 3.5, 1], [*model[:4], 0, -0.5])[0, 1], rel=1e-6)
    assert oov == pytest.approx(100 / 6)
    _, _, oov = kv.evaluate_word_pairs(path, case_insensitive=False)   # W0/A3 is now unknown
    assert oov == pytest.approx(200 / 6)
    with pytest.raises(ValueError, match="no valid similarity judgements"):
        kv.evaluate_word_pairs(path, delimiter=";")


# ---------------------------------------------------------------------------- save / load
def test_save_load_round_trip(tmp_path):
    kv = KeyedVectors(["the", "café", "東京", "a\x00b"], np.arange(8, dtype=np.float32).reshape(4, 2),
                      counts=[9, 5, 3, 1])
    kv.set_vecattr("東京", "flag", 1.5)
    kv.save(tmp_path / "kv.npz")
    loaded = KeyedVectors.load(tmp_path / "kv.npz")
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert loaded.get_vecattr("café", "count") == 5 and loaded.get_vecattr("東京", "flag") == 1.5
    with np.load(tmp_path / "kv.npz") as data:                         # arrays only, no pickle
        assert all(data[name].dtype != object for name in data.files)


def test_load_refuses_other_files(tmp_path):
    royal_table().save_word2vec_format(tmp_path / "v.txt")
    with pytest.raises(ValueError, match=r"v\.txt is not a minembed KeyedVectors file .*load_word2vec_format"):
        KeyedVectors.load(tmp_path / "v.txt")
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(ValueError, match=r"other\.npz is not a minembed KeyedVectors file.*no meta"):
        KeyedVectors.load(tmp_path / "other.npz")
    np.savez(tmp_path / "fake.npz", meta=np.frombuffer(b'{"format": "x"}', np.uint8), vectors=np.zeros((1, 1)))
    with pytest.raises(ValueError, match="not a KeyedVectors header"):
        KeyedVectors.load(tmp_path / "fake.npz")


# ---------------------------------------------------------------------------- word2vec files
@pytest.mark.parametrize("name", ["v.txt.gz", "v.bin.gz", "v.txt.bz2", "plain.txt"])
def test_compressed_round_trip(tmp_path, name):
    kv = royal_table()
    binary = ".bin" in name
    kv.save_word2vec_format(tmp_path / name, binary=binary)
    data = (tmp_path / name).read_bytes()
    opener = {".gz": gzip.decompress, "bz2": bz2.decompress}.get(name[-3:], lambda b: b)
    assert opener(data).startswith(b"5 3\n")                            # compressed by name
    loaded = KeyedVectors.load_word2vec_format(tmp_path / name, binary=binary)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    (tmp_path / "renamed").write_bytes(data)                            # recognised by content
    assert KeyedVectors.load_word2vec_format(tmp_path / "renamed", binary=binary).index_to_key == kv.index_to_key


def test_damaged_gzip_is_refused(tmp_path):
    royal_table().save_word2vec_format(tmp_path / "v.txt.gz")
    data = (tmp_path / "v.txt.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz: the compressed file is damaged or cut short"):
        KeyedVectors.load_word2vec_format(tmp_path / "cut.gz")


@pytest.mark.parametrize("binary", [False, True])
def test_limit_reads_only_the_first_rows(tmp_path, binary):
    kv = royal_table()
    kv.save_word2vec_format(tmp_path / "v", binary=binary)
    with open(tmp_path / "v", "ab") as f:
        f.write(b"\xff garbage that no reader could parse\n" * 1000)   # never reached with limit
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, limit=3)
    assert loaded.index_to_key == ["man", "woman", "king"]
    np.testing.assert_array_equal(loaded.vectors, kv.vectors[:3])
    assert loaded.get_vecattr("man", "count") == 3                     # gensim's made-up counts: V - row
    clean = tmp_path / "clean"
    kv.save_word2vec_format(clean, binary=binary)
    assert len(KeyedVectors.load_word2vec_format(clean, binary=binary, limit=50)) == 5
    assert len(KeyedVectors.load_word2vec_format(clean, binary=binary, limit=0)) == 5   # 0: no limit


def test_limit_streams_without_reading_the_whole_file(tmp_path, monkeypatch):
    from minembed.vectors import vectorfile
    rows = 3 * vectorfile.ROWS_PER_BLOCK
    big = KeyedVectors([f"w{i}" for i in range(rows)], np.ones((rows, 4)))
    big.save_word2vec_format(tmp_path / "big.bin", binary=True)
    monkeypatch.setattr(vectorfile, "CHUNK_BYTES", 4096)
    read = []
    real_open = vectorfile.open_for_reading

    def counting_open(path):
        stream = real_open(path)
        real_read = stream.read
        stream.read = lambda n=-1: read.append(n) or real_read(n)
        return stream
    monkeypatch.setattr(vectorfile, "open_for_reading", counting_open)
    KeyedVectors.load_word2vec_format(tmp_path / "big.bin", binary=True, limit=10)
    assert read and all(0 < n <= 4096 for n in read) and len(read) == 1     # one chunk for 10 rows


def test_no_header_glove_file(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\n\nof -1 2 3e-2\nand 4 5 6\n", encoding="utf-8")
    kv = KeyedVectors.load_word2vec_format(path, no_header=True)
    assert kv.index_to_key == ["the", "of", "and"] and kv.vector_size == 3
    np.testing.assert_array_equal(kv.vectors[1], np.float32([-1, 2, 0.03]))
    assert KeyedVectors.load_word2vec_format(path, no_header=True, limit=2).index_to_key == ["the", "of"]
    royal_table().save_word2vec_format(tmp_path / "out.txt", write_header=False)
    assert (tmp_path / "out.txt").read_text().startswith("man 2 0 0\n")
    assert KeyedVectors.load_word2vec_format(tmp_path / "out.txt", no_header=True).index_to_key == royal_table().index_to_key
    with pytest.raises(ValueError, match="no_header=True reads text"):
        KeyedVectors.load_word2vec_format(path, binary=True, no_header=True)


def test_header_prefix_total_vec_and_datatype(tmp_path):
    kv = royal_table()
    kv.save_word2vec_format(tmp_path / "v.txt", prefix="en_", total_vec=5)
    assert (tmp_path / "v.txt").read_text().splitlines()[:2] == ["5 3", "en_man 2 0 0"]
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", datatype=np.float64)
    assert loaded.vectors.dtype == np.float64 and loaded.index_to_key[0] == "en_man"


def test_fvocab_both_ways_and_count_order(tmp_path):
    kv = royal_table(counts=[5, 50, 40, 40, 1])                       # not in count order
    kv.save_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt")
    # as gensim: rows in descending count order, ties kept in row order
    assert (tmp_path / "vocab.txt").read_text() == "woman 50\nking 40\nqueen 40\nman 5\napple 1\n"
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt")
    assert loaded.index_to_key == ["woman", "king", "queen", "man", "apple"]
    assert [loaded.get_vecattr(w, "count") for w in loaded.index_to_key] == [50, 40, 40, 5, 1]
    np.testing.assert_array_equal(loaded["man"], kv["man"])
    with pytest.raises(ValueError, match="has no counts"):
        royal_table().save_word2vec_format(tmp_path / "w.txt", fvocab=tmp_path / "w.vocab")
    (tmp_path / "short.txt").write_text("woman 50\nking 40\n")
    with pytest.raises(ValueError, match=r"short\.txt has no count for 3 of the 5 words"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "short.txt")


# ---------------------------------------------------------------------------- against gensim
def test_verbs_agree_with_gensim():
    words, table = random_words_and_table()
    table[5] = table[4] * 3                                            # a parallel row: exact tie, skipped below
    theirs, ours = gensim_twin(words, table), KeyedVectors(words, table)
    vector = np.random.default_rng(3).standard_normal(10).astype(np.float32)
    queries = [dict(positive=["w3"]), dict(positive=["w5", "w7"], negative=["w9"]),
               dict(positive=[vector, "w2"], negative=["w1"]), dict(positive=[("w8", 2.0), ("w10", -0.5)]),
               dict(positive=["w150", 20], negative=["w1"], restrict_vocab=100), dict(negative=["w0"]),
               dict(positive=["w3"], clip_start=50, clip_end=120)]
    for query in queries:
        expected, result = theirs.most_similar(topn=10, **query), ours.most_similar(topn=10, **query)
        assert [w for w, _ in result] == [w for w, _ in expected], query
        np.testing.assert_allclose([s for _, s in result], [s for _, s in expected], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.most_similar(topn=None, **query), theirs.most_similar(topn=None, **query),
                                   atol=1e-5)
    for expected, result in [(theirs.similar_by_vector(vector), ours.similar_by_vector(vector)),
                             (theirs.similar_by_word("w11"), ours.similar_by_word("w11")),
                             (theirs.similar_by_key("w12", restrict_vocab=40), ours.similar_by_key("w12", restrict_vocab=40)),
                             (theirs.most_similar_cosmul(["w5", "w7"], ["w9"]), ours.most_similar_cosmul(["w5", "w7"], ["w9"])),
                             (theirs.most_similar_cosmul("w13"), ours.most_similar_cosmul("w13"))]:
        assert [w for w, _ in result] == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in expected], rtol=1e-5)
    np.testing.assert_allclose(ours.most_similar_cosmul(["w5", "w7"], ["w9"], topn=None),
                               theirs.most_similar_cosmul(["w5", "w7"], ["w9"], topn=None), rtol=1e-5)
    unit = vector / np.linalg.norm(vector)                             # gensim does not normalise it
    assert [w for w, _ in ours.most_similar_cosmul([unit])] == [w for w, _ in theirs.most_similar_cosmul([unit])]
    assert ours.n_similarity(["w1", "w2"], ["w3", "w9", "w4"]) == pytest.approx(
        theirs.n_similarity(["w1", "w2"], ["w3", "w9", "w4"]), abs=1e-6)
    assert ours.distance("w1", "w2") == pytest.approx(theirs.distance("w1", "w2"), abs=1e-6)
    np.testing.assert_allclose(ours.distances("w1"), theirs.distances("w1"), atol=1e-6)
    np.testing.assert_allclose(ours.distances(vector, ["w3", "w4"]), theirs.distances(vector, ["w3", "w4"]), atol=1e-6)
    np.testing.assert_allclose(KeyedVectors.cosine_similarities(vector, table),
                               type(theirs).cosine_similarities(vector, table), rtol=1e-5)
    for key1, key2 in [("w1", "w2"), ("w20", "w200"), ("w7", "w8")]:
        assert ours.closer_than(key1, key2) == theirs.closer_than(key1, key2)
        assert ours.rank(key1, key2) == theirs.rank(key1, key2)
    for key in ("w3", 17, np.int64(4)):
        assert ours.get_index(key) == theirs.get_index(key)
        np.testing.assert_allclose(ours.get_vector(key, norm=True), theirs.get_vector(key, norm=True), rtol=1e-6)
    assert ours.get_index("nope", 0) == theirs.get_index("nope", 0)
    assert ours.has_index_for("w3") == theirs.has_index_for("w3") and not ours.has_index_for("nope")
    np.testing.assert_allclose(ours.get_normed_vectors(), theirs.get_normed_vectors(), rtol=1e-6, atol=1e-7)
    ours.fill_norms(), theirs.fill_norms()
    np.testing.assert_allclose(ours.norms, theirs.norms, rtol=1e-6)


@pytest.fixture(scope="module")
def trained_vectors(tmp_path_factory):
    """word2vec vectors trained by gensim on one small book, case kept so that case variants exist."""
    gensim_models = pytest.importorskip("gensim.models")
    sentences = [re.findall(r"[A-Za-z]+", line) for line in open(CORPUS, encoding="utf-8")]
    model = gensim_models.Word2Vec([s for s in sentences if s], vector_size=24, min_count=2, epochs=3, seed=1,
                                   workers=1)
    path = tmp_path_factory.mktemp("w2v") / "vectors.txt"
    model.wv.save_word2vec_format(str(path))
    return path


@pytest.mark.parametrize("settings", [{}, {"restrict_vocab": 800}, {"case_insensitive": False},
                                      {"dummy4unknown": True}])
def test_real_analogies_and_pairs_equal_gensim(trained_vectors, settings):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(trained_vectors))
    ours = KeyedVectors.load_word2vec_format(trained_vectors)
    assert len({w.upper() for w in ours.index_to_key}) < len(ours)     # there are case variants
    expected_score, expected_sections = theirs.evaluate_word_analogies(QUESTIONS_WORDS, **settings)
    score, sections = ours.evaluate_word_analogies(QUESTIONS_WORDS, **settings)
    assert sections == expected_sections and score == expected_score
    assert len(sections) == 15 and len(sections[-1]["correct"]) > 0
    expected_pearson, expected_spearman, expected_oov = theirs.evaluate_word_pairs(WORDSIM353, **settings)
    pearson, spearman, oov = ours.evaluate_word_pairs(WORDSIM353, **settings)
    np.testing.assert_allclose(pearson, expected_pearson, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(spearman, expected_spearman, rtol=1e-4, atol=1e-5)
    assert spearman.correlation == pytest.approx(expected_spearman.correlation, abs=1e-5)
    assert oov == pytest.approx(expected_oov)


def test_fvocab_interop_with_gensim(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    words, table = random_words_and_table(n=50, dim=4)
    counts = np.arange(1000, 950, -1)
    ours = KeyedVectors(words, table, counts=counts)
    ours.save_word2vec_format(tmp_path / "ours.txt", fvocab=tmp_path / "ours.vocab")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "ours.txt"),
                                                             fvocab=str(tmp_path / "ours.vocab"))
    assert theirs.index_to_key == words and [theirs.get_vecattr(w, "count") for w in words] == counts.tolist()
    np.testing.assert_array_equal(theirs.vectors, table)
    theirs.set_vecattr("w3", "count", 2000)                            # gensim writes in count order too
    theirs.save_word2vec_format(str(tmp_path / "theirs.bin"), fvocab=str(tmp_path / "theirs.vocab"), binary=True)
    back = KeyedVectors.load_word2vec_format(tmp_path / "theirs.bin", fvocab=tmp_path / "theirs.vocab", binary=True)
    assert back.index_to_key == ["w3"] + [w for w in words if w != "w3"]
    assert back.get_vecattr("w3", "count") == 2000 and back.get_vecattr("w4", "count") == 996
    np.testing.assert_array_equal(back["w3"], table[3])


def test_gensim_reads_our_compressed_and_glove_files(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    words, table = random_words_and_table(n=20, dim=3)
    ours = KeyedVectors(words, table)
    ours.save_word2vec_format(tmp_path / "v.txt.gz")
    ours.save_word2vec_format(tmp_path / "glove.txt", write_header=False)
    for name, no_header in (("v.txt.gz", False), ("glove.txt", True)):
        theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / name), no_header=no_header)
        assert theirs.index_to_key == words
        np.testing.assert_array_equal(theirs.vectors, table)
    theirs.save_word2vec_format(str(tmp_path / "theirs.txt.bz2"))
    assert KeyedVectors.load_word2vec_format(tmp_path / "theirs.txt.bz2", limit=7).index_to_key == words[:7]
