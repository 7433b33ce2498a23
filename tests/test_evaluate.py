"""Analogy accuracy and word-pair correlation on hand-made examples with hand-computed answers."""
import numpy as np
import pytest

from minembed.vectors.evaluate import (evaluate_analogies, evaluate_pairs, nearest_neighbours, pearson, rankdata,
                               read_analogies, read_pairs, spearman)
from minembed.vectors.keyed import KeyedVectors

SQRT2 = np.sqrt(2.0)


def royal_table(extra_words=(), extra_vectors=()):
    """man/woman on two axes, royalty on the third (as in test_vectors.py).

    3CosAdd queries (b - a + c over unit vectors), with their winners among the allowed words:
      man:woman::king:?   (1/sqrt2-1, 1, 1/sqrt2)   queen .96, apple .56        -> queen
      woman:man::queen:?  (1, 1/sqrt2-1, 1/sqrt2)   king .96, apple .56         -> king
      king:queen::man:?   (1-1/sqrt2, 1/sqrt2, 0)   woman .92, apple 0          -> woman
      king:apple::queen:? (-1/sqrt2, 1/sqrt2, 1)    woman .5, man -.5           -> woman
      man:king::woman:?   same query as the first                               -> queen (not apple)
      man:apple::woman:?  (-1, 1, 1)                queen .82, king 0           -> queen (not king)
    """
    words = ["man", "woman", "king", "queen", "apple", *extra_words]
    vectors = [[2, 0, 0], [0, 3, 0], [5, 0, 5], [0, 0.5, 0.5], [0, 0, 7], *extra_vectors]
    return KeyedVectors(words, vectors)


QUESTIONS = """\
: family
man woman king queen
woman man queen king
man king woman apple
man woman boy girl
man apple woman king
: gram2-opposite
KING Queen mAn WOMAN
king apple queen woman
king queen prince princess
"""


@pytest.fixture
def questions(tmp_path):
    path = tmp_path / "questions-words.txt"
    path.write_text(QUESTIONS, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- analogies
def test_analogies_hand_computed(questions):
    result = evaluate_analogies(royal_table(), questions)
    # family: right, right, wrong (queen), OOV (boy, girl), wrong (queen); gram2: right, right, OOV
    assert result["sections"] == {"family": {"correct": 2, "answered": 4, "accuracy": 0.5},
                                  "gram2-opposite": {"correct": 2, "answered": 2, "accuracy": 1.0}}
    assert (result["correct"], result["answered"], result["oov"]) == (4, 6, 2)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["semantic"] == 0.5 and result["syntactic"] == 1.0    # 'gram*' sections are syntactic


def test_restrict_vocab_makes_rarer_words_oov(questions):
    # without apple (row 4) three more questions are out of vocabulary; the rest are still right
    result = evaluate_analogies(royal_table(), questions, restrict_vocab=4)
    assert (result["correct"], result["answered"], result["oov"]) == (3, 3, 5)
    assert result["sections"]["family"] == {"correct": 2, "answered": 2, "accuracy": 1.0}
    # only man and woman left: every question is out of vocabulary, nothing is answered
    result = evaluate_analogies(royal_table(), questions, restrict_vocab=2)
    assert (result["correct"], result["answered"], result["oov"], result["accuracy"]) == (0, 0, 8, 0.0)
    assert result["sections"] == {}


def test_restrict_vocab_removes_the_winning_candidate(tmp_path):
    # man:apple::woman:? -> queen (.82) beats king (0); with queen moved behind apple, restrict_vocab=4
    # takes it out of the search (though no question word is OOV) and king is the answer
    kv = KeyedVectors(["man", "woman", "king", "apple", "queen"],
                      [[2, 0, 0], [0, 3, 0], [5, 0, 5], [0, 0, 7], [0, 0.5, 0.5]])
    path = tmp_path / "q.txt"
    path.write_text(": s\nman apple woman king\n", encoding="utf-8")
    assert evaluate_analogies(kv, path, restrict_vocab=5)["correct"] == 0
    assert evaluate_analogies(kv, path, restrict_vocab=4)["correct"] == 1


def test_case_variants_in_the_vocabulary(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": family\nman woman king queen\n", encoding="utf-8")
    query = [1 / SQRT2 - 1, 1, 1 / SQRT2]            # unit(king) - unit(man) + unit(woman)
    # the only spelling in the vocabulary is "Queen": the question's "queen" finds it
    kv = KeyedVectors(["man", "woman", "king", "Queen"], [[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 1, 1]])
    assert evaluate_analogies(kv, path)["correct"] == 1
    # "KING" is a case variant of a question word: it is never the answer, even when closest
    kv = royal_table(["KING"], [query])
    assert evaluate_analogies(kv, path)["correct"] == 1
    # "Queen" (closest) is a case variant of the expected word: it counts as correct
    kv = royal_table(["Queen"], [query])
    assert evaluate_analogies(kv, path)["correct"] == 1
    # a plain other word that is closest makes the question wrong
    kv = royal_table(["consort"], [query])
    assert evaluate_analogies(kv, path)["correct"] == 0


def test_question_words_are_excluded_even_when_closest(tmp_path):
    # b - a + c with a = b: the query is c itself, which must not be its own answer
    path = tmp_path / "q.txt"
    path.write_text(": s\nking king apple queen\nking king man woman\n", encoding="utf-8")
    result = evaluate_analogies(royal_table(), path)
    # apple's neighbours: king 1/sqrt2 (excluded), queen 1/2 -> right; man's: king (excluded), woman 0,
    # queen 0, apple 0 -> woman wins the tie by row order
    assert result["correct"] == 2


def test_read_analogies_lowercases_and_refuses_bad_lines(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": capital\nAthens Greece Baghdad Iraq\n\n: gram1-x\na b c d\n", encoding="utf-8")
    assert list(read_analogies(path)) == [("capital", ["athens", "greece", "baghdad", "iraq"]),
                                          ("gram1-x", ["a", "b", "c", "d"])]
    path.write_text(": s\na b c d\na b c\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: an analogy needs 4 words, got 3"):
        evaluate_analogies(royal_table(), path)


def test_batches_give_the_same_answer(questions):
    assert evaluate_analogies(royal_table(), questions, batch_size=1) == evaluate_analogies(royal_table(),
                                                                                             questions)


def structured_table_and_questions(tmp_path, seed=0):
    """40 country/capital pairs (capital = country + a shared offset + noise), plus distractors and
    case variants; every ordered pair of pairs is a question. The noise makes about half wrong."""
    rng = np.random.default_rng(seed)
    countries = rng.standard_normal((40, 12))
    capitals = countries + rng.standard_normal(12) + 0.9 * rng.standard_normal((40, 12))
    words = [f"country{i}" for i in range(40)] + [f"capital{i}" for i in range(40)]
    table = np.vstack([countries, capitals, rng.standard_normal((20, 12))])
    words += [f"other{i}" for i in range(20)]
    order = rng.permutation(len(words))                              # mix frequent and rare rows
    words, table = [words[i] for i in order], table[order]
    # case variants after the originals: near an expected answer (counts as right), near a question
    # word (must be skipped), and far from everything
    variants = {"Capital3": "capital3", "COUNTRY5": "country5", "Other2": "other2"}
    words += list(variants)
    table = np.vstack([table] + [table[words.index(original)] + 0.05 * rng.standard_normal(12)
                                 for original in variants.values()])
    lines = [": capital-world"]
    for i in range(40):
        for j in range(40):
            if i != j:
                country_i = f"Country{i}" if i % 7 == 0 else f"country{i}"   # questions in mixed case
                lines.append(f"{country_i} capital{i} country{j} capital{j}")
    lines += [": gram-unknown", "country1 capital1 country2 nowhere"]
    path = tmp_path / "generated-questions.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return words, table.astype(np.float32), path


@pytest.mark.parametrize("restrict_vocab", [30000, 90])
def test_analogies_agree_with_gensim(tmp_path, restrict_vocab):
    gensim_models = pytest.importorskip("gensim.models")
    words, table, path = structured_table_and_questions(tmp_path)
    theirs = gensim_models.KeyedVectors(vector_size=table.shape[1])
    theirs.add_vectors(words, table)
    expected_accuracy, expected_sections = theirs.evaluate_word_analogies(str(path),
                                                                          restrict_vocab=restrict_vocab)
    result = evaluate_analogies(KeyedVectors(words, table), path, restrict_vocab=restrict_vocab)
    expected_correct = sum(len(s["correct"]) for s in expected_sections if s["section"] != "Total accuracy")
    expected_answered = expected_correct + sum(len(s["incorrect"]) for s in expected_sections
                                               if s["section"] != "Total accuracy")
    assert 0.2 < result["accuracy"] < 0.8                            # a test that can tell right from wrong
    assert (result["correct"], result["answered"]) == (expected_correct, expected_answered)
    assert result["accuracy"] == expected_accuracy


# ---------------------------------------------------------------------------- ranks and correlations
def test_rankdata_averages_ties():
    assert rankdata([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert rankdata([3, 1, 3, 3, 2]).tolist() == [4.0, 1.0, 4.0, 4.0, 2.0]   # ranks 3, 4, 5 -> 4
    assert rankdata([7.5, 7.5, 7.5]).tolist() == [2.0, 2.0, 2.0]
    assert rankdata([-1.0, 5.0, 0.0]).tolist() == [1.0, 3.0, 2.0]
    assert rankdata([]).tolist() == []


def test_pearson_and_spearman_by_hand():
    # x - mean = (-1, 0, 1), y - mean = (-7/3, -1/3, 8/3): r = 5 / sqrt(2 * 114/9)
    assert pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / np.sqrt(2 * 114 / 9))
    assert spearman([1, 2, 3], [2, 4, 7]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [9, 3, 2, -5]) == pytest.approx(-1.0)
    # ranks (5, 2.5, 2.5, 4, 1) and (5, 4, 3, 2, 1): sum of centred products 6.5, squares 9.5 and 10
    assert spearman([9, 7, 7, 8, 1], [5, 4, 3, 2, 1]) == pytest.approx(6.5 / np.sqrt(95))


def test_constant_input_has_no_correlation():
    assert np.isnan(pearson([1, 1, 1], [1, 2, 3]))                  # undefined, as in SciPy
    assert np.isnan(spearman([1, 2, 3], [4, 4, 4]))
    with pytest.raises(ValueError, match="same length"):
        pearson([1, 2, 3], [1, 2])


def test_spearman_agrees_with_scipy_on_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    for n in (5, 30, 353):
        human = rng.integers(0, 6, n).astype(float)                  # many ties
        model = np.round(rng.standard_normal(n) + 0.3 * human, 1)    # some ties
        assert spearman(human, model) == pytest.approx(stats.spearmanr(human, model).statistic, abs=1e-12)
        assert pearson(human, model) == pytest.approx(stats.pearsonr(human, model).statistic, abs=1e-12)
        np.testing.assert_array_equal(rankdata(model), stats.rankdata(model))


# ---------------------------------------------------------------------------- word pairs
def circle_table():
    """w0 = (1, 0); a_k at 0, 30, 60, 90 and 120 degrees, so cos(w0, a_k) = 1, .87, .5, 0, -.5."""
    angles = np.radians([0, 30, 60, 90, 120])
    words = ["w0", "a1", "a2", "a3", "a4", "a5"]
    return KeyedVectors(words, np.vstack([[1, 0], np.c_[np.cos(angles), np.sin(angles)]]))


PAIRS = """\
# Word 1\tWord 2\tHuman (mean)
w0\ta1\t9
w0\ta2\t7
W0\tA3\t7
# a comment between pairs

w0\ta4\t8
w0\tunknown\t3.5
w0\ta5\t1
nothing\tw0\t2
"""


def test_pairs_hand_computed(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS, encoding="utf-8")
    result = evaluate_pairs(circle_table(), path)
    # human ranks (5, 2.5, 2.5, 4, 1), model ranks (5, 4, 3, 2, 1): rho = 6.5 / sqrt(9.5 * 10)
    assert result["spearman"] == pytest.approx(6.5 / np.sqrt(95))
    human = np.array([9, 7, 7, 8, 1.0])
    model = np.array([1, np.sqrt(3) / 2, 0.5, 0, -0.5])
    assert result["pearson"] == pytest.approx(np.corrcoef(human, model)[0, 1], rel=1e-6)
    assert (result["pairs"], result["oov"]) == (5, 2)
    assert result["oov_ratio"] == pytest.approx(2 / 7)


def test_pairs_match_the_most_frequent_case_variant(tmp_path):
    kv = KeyedVectors(["Paris", "france", "paris"], [[1, 0], [1, 1], [0, 1]])
    path = tmp_path / "pairs.tsv"
    path.write_text("paris france 8\nparis paris 10\nFrance PARIS 2\n", encoding="utf-8")
    result = evaluate_pairs(kv, path)
    # every "paris" is the row "Paris" (row 0): cosines 1/sqrt2, 1, 1/sqrt2 against scores 8, 10, 2
    assert result["pairs"] == 3 and result["oov"] == 0
    assert result["spearman"] == pytest.approx(spearman([8, 10, 2], [1 / SQRT2, 1, 1 / SQRT2]))


def test_too_few_known_pairs_is_an_error(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("w0 a1 9\nw0 xyz 2\nabc a2 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="only 1 of the 3 pairs.*min_count"):
        evaluate_pairs(circle_table(), path)
    path.write_text("# nothing but a comment\n", encoding="utf-8")
    with pytest.raises(ValueError, match="only 0 of the 0 pairs"):
        evaluate_pairs(circle_table(), path)


def test_read_pairs_refuses_bad_lines(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("w0 a1 9\nw0 a2 high\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: expected 'word1 word2 score'"):
        list(read_pairs(path))
    path.write_text("w0 a1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: expected 'word1 word2 score'"):
        list(read_pairs(path))


def test_nearest_neighbours_skips_unknown_words():
    kv = circle_table()
    result = nearest_neighbours(kv, ["w0", "missing"], topn=2)
    assert list(result) == ["w0"]
    assert [w for w, _ in result["w0"]] == ["a1", "a2"]
    assert result["w0"][1][1] == pytest.approx(np.sqrt(3) / 2)


def test_pairs_agree_with_gensim(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(60)] + ["W3", "w7X"]               # a case variant of w3 comes last
    table = rng.standard_normal((len(words), 6)).astype(np.float32)
    lines = [f"{words[i].upper() if i % 5 == 0 else words[i]}\t{words[j]}\t{rng.integers(0, 11)}"
             for i, j in rng.integers(0, 60, (170, 2)) if i != j][:150]   # (self-pairs tie at 1 +- eps)
    lines += ["w1\tmissing\t5", "absent\tw2\t3"]
    path = tmp_path / "pairs.tsv"
    path.write_text("# generated\n" + "\n".join(lines) + "\n", encoding="utf-8")
    theirs = gensim_models.KeyedVectors(vector_size=6)
    theirs.add_vectors(words, table)
    (pearson_r, _), (spearman_rho, _), oov_percent = theirs.evaluate_word_pairs(str(path))
    result = evaluate_pairs(KeyedVectors(words, table), path)
    assert result["spearman"] == pytest.approx(spearman_rho, abs=1e-6)
    assert result["pearson"] == pytest.approx(pearson_r, abs=1e-6)
    assert result["oov_ratio"] * 100 == pytest.approx(oov_percent)
    assert (result["pairs"], result["oov"]) == (150, 2)
