"""incontext: WiC / CoarseWSD readers on tiny synthetic files, hand-worked scores, 1-NN under CV.

Every file here is made up in tmp_path: the real WiC and CoarseWSD-20 are CC BY-NC and stay out
of the repository.
"""
import doctest
import os

import numpy as np
import pytest

import minembed.tasks.incontext as incontext
from minembed.tasks.incontext import (WicPair, center_rows, context_window, cosine_rows, most_frequent_sense_cv,
                                nearest_neighbour_cv, read_coarsewsd, read_sense_triples, read_wic,
                                stratified_folds, triple_accuracy, tune_threshold, wic_accuracy, wsd_scores,
                                paired_bootstrap, roc_auc)
from minembed.text.tokenize import Tokenizer


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_doctests():
    assert doctest.testmod(incontext).failed == 0


# ---------------------------------------------------------------------------- read_wic
WIC_DATA = ("bank\tN\t3-1\tShe sat on the bank .\tThe bank closed early .\n"
            "run\tV\t0-2\tRun fast !\tThey will run the shop .\n")


def make_wic(tmp_path, data=WIC_DATA, gold="T\nF\n", name="train"):
    split_dir = tmp_path / "wic" / name
    write(split_dir / f"{name}.data.txt", data)
    write(split_dir / f"{name}.gold.txt", gold)
    return split_dir


def test_read_wic_round_trip(tmp_path):
    pairs = read_wic(make_wic(tmp_path))
    assert pairs == [
        WicPair("bank", "N", ["She", "sat", "on", "the", "bank", "."], 3, ["The", "bank", "closed", "early", "."],
                1, True),
        WicPair("run", "V", ["Run", "fast", "!"], 0, ["They", "will", "run", "the", "shop", "."], 2, False),
    ]
    assert pairs[0].tokens2[pairs[0].index2] == "bank"


def test_read_wic_takes_file_names_from_the_folder(tmp_path):
    split_dir = make_wic(tmp_path, name="dev")
    assert len(read_wic(split_dir)) == 2
    assert len(read_wic(str(split_dir) + "/")) == 2                 # a trailing slash is fine


@pytest.mark.parametrize("data, gold, message", [
    (WIC_DATA, "T\n", r"train\.data\.txt has 2 lines but .*train\.gold\.txt has 1: line 2"),
    (WIC_DATA.replace("0-2", "0-9"), "T\nF\n", r"train\.data\.txt, line 2: target index 9 is outside sentence2"),
    (WIC_DATA.replace("3-1", "3:1"), "T\nF\n", r"train\.data\.txt, line 1: the index field must be 'i-j'"),
    (WIC_DATA.replace("\tN\t", " N\t"), "T\nF\n", r"train\.data\.txt, line 1: expected 5 tab-separated fields"),
    (WIC_DATA, "T\nyes\n", r"train\.gold\.txt, line 2: a gold label must be 'T' or 'F', got 'yes'"),
])
def test_read_wic_errors_name_file_and_line(tmp_path, data, gold, message):
    with pytest.raises(ValueError, match=message):
        read_wic(make_wic(tmp_path, data, gold))


def test_read_wic_rejects_non_utf8(tmp_path):
    split_dir = make_wic(tmp_path)
    write(split_dir / "train.data.txt", "caf\u00e9\tN\t0-0\tcaf\u00e9 .\tcaf\u00e9 .\n", encoding="cp1252")
    with pytest.raises(ValueError, match=r"train\.data\.txt is not UTF-8"):
        read_wic(split_dir)


# ---------------------------------------------------------------------------- read_coarsewsd
def make_coarsewsd(tmp_path, words=None):
    words = words or {
        "bank": ("1\tthe bank lent money\n0\tbank of the river\n3\twe fished from the bank\n", "0\n1\n1\n"),
        "apple": ("0\tapple released a phone\n", "0\n"),
    }
    root = tmp_path / "coarsewsd20"
    for word, (data, gold) in words.items():
        write(root / word / "train.data.txt", data)
        write(root / word / "train.gold.txt", gold)
    write(root / "README.txt", "not a word folder\n")
    return root


def test_read_coarsewsd_round_trip_in_sorted_order(tmp_path):
    examples = read_coarsewsd(make_coarsewsd(tmp_path))
    assert list(examples) == ["apple", "bank"]
    bank = examples["bank"]
    assert bank.tokens == [["the", "bank", "lent", "money"], ["bank", "of", "the", "river"],
                           ["we", "fished", "from", "the", "bank"]]
    assert bank.indices.tolist() == [1, 0, 3] and bank.senses.tolist() == [0, 1, 1]
    assert bank.indices.dtype == np.int64 and bank.senses.dtype == np.int64


def test_read_coarsewsd_words_subset(tmp_path):
    root = make_coarsewsd(tmp_path)
    assert list(read_coarsewsd(root, words=["bank"])) == ["bank"]
    with pytest.raises(ValueError, match=r"no <word>/train.data.txt for \['pear'\]; words available: "
                                         r"\['apple', 'bank'\]"):
        read_coarsewsd(root, words=["bank", "pear"])


@pytest.mark.parametrize("data, gold, message", [
    ("0\ta b\n1\tc d\n", "0\n", r"train\.data\.txt has 2 lines but .*train\.gold\.txt has 1: line 2"),
    ("0\ta b\n2\tc d\n", "0\n1\n", r"train\.data\.txt, line 2: target index 2 is outside the sentence \(2 tokens"),
    ("x\ta b\n", "0\n", r"line 1: expected an integer index.*got 'x'"),
    ("0\ta b\n", "sense0\n", r"line 1: expected an integer index.*got '0' / 'sense0'"),
])
def test_read_coarsewsd_errors_name_file_and_line(tmp_path, data, gold, message):
    with pytest.raises(ValueError, match=message):
        read_coarsewsd(make_coarsewsd(tmp_path, {"bass": (data, gold)}))


# ---------------------------------------------------------------------------- context_window
SENTENCE = list("abcdefghij")                                    # 10 tokens


@pytest.mark.parametrize("index, max_len, window, new_index", [
    (0, 4, "abcd", 0),          # target at the start: the window cannot centre, it starts at 0
    (9, 4, "ghij", 3),          # target at the end
    (5, 5, "defgh", 2),         # middle, odd max_len: 2 tokens either side
    (5, 4, "efgh", 1),          # middle, even max_len: the extra token goes to the right
    (1, 5, "abcde", 1),         # near the start: slides right to keep 5 tokens
    (4, 1, "e", 0),
    (3, 10, "abcdefghij", 3),   # fits exactly: unchanged
    (3, 50, "abcdefghij", 3),   # short sentence: unchanged
])
def test_context_window(index, max_len, window, new_index):
    got, got_index = context_window(SENTENCE, index, max_len)
    assert "".join(got) == window and got_index == new_index
    assert got[got_index] == SENTENCE[index]


def test_context_window_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_len >= 1"):
        context_window(SENTENCE, 2, 0)
    with pytest.raises(ValueError, match="index=10"):
        context_window(SENTENCE, 10, 4)


# ---------------------------------------------------------------------------- WiC scoring
def test_tune_threshold_by_hand():
    # sorted: 0.2 F | 0.4 T | 0.6 T, 0.6 F | 0.9 T   (3 positives, 2 negatives)
    # t = 0.2  (all True):             3 right
    # t = 0.3  (0.2 below):            1 neg + 3 pos = 4   <- best
    # t = 0.5  (0.2, 0.4 below):       1 neg + 2 pos = 3
    # t = 0.75 (0.2 .. 0.6 below):     2 neg + 1 pos = 3
    # t = inf  (all False):            2 right
    scores = [0.9, 0.2, 0.6, 0.4, 0.6]
    labels = [True, False, True, True, False]
    assert tune_threshold(scores, labels) == pytest.approx(0.3)


def test_tune_threshold_ties_go_to_the_smallest_threshold():
    # 0.1 F, 0.3 T, 0.5 F, 0.7 T: t = 0.1 -> 2, 0.2 -> 3, 0.4 -> 2, 0.6 -> 3, inf -> 2
    assert tune_threshold([0.1, 0.3, 0.5, 0.7], [0, 1, 0, 1]) == pytest.approx(0.2)


def test_tune_threshold_ends():
    assert tune_threshold([0.5, 0.1, 0.3], [True, True, True]) == 0.1          # the smallest score
    assert tune_threshold([0.5, 0.1, 0.3], [False, False, False]) == np.inf    # nothing predicted True
    assert tune_threshold([0.4, 0.4], [True, False]) == 0.4


def test_tune_threshold_matches_brute_force():
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=60), 1)                   # many ties
    labels = rng.random(60) < 0.5
    distinct = np.unique(scores)
    candidates = np.concatenate([distinct[:1], (distinct[:-1] + distinct[1:]) / 2, [np.inf]])
    accuracy = [np.mean((scores >= t) == labels) for t in candidates]
    assert tune_threshold(scores, labels) == candidates[int(np.argmax(accuracy))]


def test_tune_threshold_rejects_bad_input():
    with pytest.raises(ValueError, match="one length"):
        tune_threshold([0.1, 0.2], [True])
    with pytest.raises(ValueError, match="NaN"):
        tune_threshold([0.1, np.nan], [True, False])
    with pytest.raises(ValueError, match="booleans"):
        tune_threshold([0.1, 0.2], ["T", "F"])


def test_wic_accuracy_by_hand():
    # train: threshold 0.3 (as in test_tune_threshold_by_hand), 4 of 5 right.
    # dev: 0.35 >= 0.3 T (right), 0.25 F (right), 0.8 T but label F (wrong), 0.1 F (right) -> 3 / 4
    result = wic_accuracy([0.9, 0.2, 0.6, 0.4, 0.6], [True, False, True, True, False],
                          [0.35, 0.25, 0.8, 0.1], [True, False, False, False])
    assert result["threshold"] == pytest.approx(0.3)
    assert result["train_accuracy"] == pytest.approx(0.8)
    assert result["dev_accuracy"] == pytest.approx(0.75)
    np.testing.assert_array_equal(result["dev_correct"], [True, True, False, True])
    # dev AUC: the one True (0.35) is above 2 of the 3 Falses (0.25, 0.1; not 0.8) -> 2/3
    assert result["dev_auc"] == pytest.approx(2 / 3)
    # train AUC: Trues 0.9, 0.6, 0.4 against Falses 0.2, 0.6: 1 + 1, 1 + 0.5 (the tie), 1 + 0 -> 4.5 / 6
    assert result["train_auc"] == pytest.approx(0.75)


def test_roc_auc_by_hand_ties_and_ends():
    assert roc_auc([0.1, 0.2, 0.3, 0.4], [False, False, True, True]) == 1.0       # every True above
    assert roc_auc([0.4, 0.3, 0.2, 0.1], [False, False, True, True]) == 0.0
    assert roc_auc([0.5, 0.5, 0.5], [True, False, True]) == 0.5                    # all tied: half each
    with pytest.raises(ValueError, match="needs both labels, got 2 True and 0 False"):
        roc_auc([0.1, 0.2], [True, True])


def test_roc_auc_matches_brute_force_and_sklearn():
    rng = np.random.default_rng(0)
    scores = np.round(rng.random(300), 2)                     # rounded: many ties
    labels = rng.random(300) < 0.4
    above = scores[labels][:, None] > scores[~labels][None, :]
    tied = scores[labels][:, None] == scores[~labels][None, :]
    assert roc_auc(scores, labels) == pytest.approx(np.mean(above + 0.5 * tied))
    metrics = pytest.importorskip("sklearn.metrics")
    assert roc_auc(scores, labels) == pytest.approx(metrics.roc_auc_score(labels, scores))


def test_paired_bootstrap_by_hand_and_bounds():
    # A right on 6 of 10, B on 4: the difference is 0.2; every item's delta is -1, 0 or +1
    a = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    b = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    result = paired_bootstrap(a, b, rounds=2000, seed=3)
    assert result["difference"] == pytest.approx(0.2)
    assert result["low"] < 0.2 < result["high"]
    # the deltas (0 x6, +1 x3, -1 x1) have sd 0.6, so the mean's is 0.6 / sqrt(10) = 0.19: a 95% interval ~0.74 wide
    assert 0.5 < result["high"] - result["low"] < 1.0
    assert 0.5 < result["share_a_ahead"] < 1
    # identical methods: every resample ties, never ahead, the interval is the point 0
    same = paired_bootstrap(a, a, rounds=100)
    assert (same["difference"], same["low"], same["high"], same["share_a_ahead"]) == (0, 0, 0, 0)
    # A always right and B always wrong: ahead in every resample
    assert paired_bootstrap(np.ones(20), np.zeros(20), rounds=100)["share_a_ahead"] == 1.0
    assert paired_bootstrap(a, b, rounds=500, seed=7) == paired_bootstrap(a, b, rounds=500, seed=7)
    with pytest.raises(ValueError, match="one right/wrong per item"):
        paired_bootstrap(a, b[:5])


def test_cosine_rows():
    a = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [3.0, 4.0]])
    b = np.array([[0.0, 2.0], [2.0, 2.0], [1.0, 1.0], [-3.0, -4.0]])
    np.testing.assert_allclose(cosine_rows(a, b), [0.0, 1.0, 0.0, -1.0])   # zero row: 0, not NaN
    with pytest.raises(ValueError, match="one shape"):
        cosine_rows(a, b[:2])


def test_center_rows_removes_the_shared_mean_of_all_arrays():
    a, b = np.array([[1.0, 1.0]]), np.array([[3.0, 1.0]])
    assert cosine_rows(a, b)[0] == pytest.approx(4 / np.sqrt(20))             # 0.894 before
    centered_a, centered_b = center_rows(a, b)                               # mean (2, 1) over both
    np.testing.assert_allclose(centered_a, [[-1.0, 0.0]])
    np.testing.assert_allclose(centered_b, [[1.0, 0.0]])
    assert cosine_rows(centered_a, centered_b)[0] == pytest.approx(-1.0)
    three = center_rows(np.array([[0.0, 3.0], [6.0, 0.0]]), np.array([[0.0, 0.0]]))   # mean (2, 1)
    np.testing.assert_allclose(np.concatenate(three), [[-2.0, 2.0], [4.0, -1.0], [-2.0, -1.0]])
    with pytest.raises(ValueError, match="one width"):
        center_rows(np.ones((2, 3)), np.ones((2, 2)))


# ---------------------------------------------------------------------------- sense triples
TRIPLES = ("# a comment\n# another\nword\ta\tb\tc\n"
           "bank\tWe sat on the bank.\tThe bank lent money\tThe river bank flooded\n"
           "\n"
           "run\tRun home\tthey run a shop\tI run fast\n")


def test_read_sense_triples_round_trip(tmp_path):
    triples = read_sense_triples(write(tmp_path / "t.tsv", TRIPLES), Tokenizer().tokenize)
    assert [t.word for t in triples] == ["bank", "run"]
    assert triples[0].tokens == [["we", "sat", "on", "the", "bank"], ["the", "bank", "lent", "money"],
                                 ["the", "river", "bank", "flooded"]]
    assert triples[0].indices == [4, 1, 2]
    assert triples[1].indices == [0, 1, 1]


@pytest.mark.parametrize("text, message", [
    ("bank\ta\tb\tc\n", "header"),
    ("word\ta\tb\tc\n", "no triples"),
    ("word\ta\tb\tc\nbank\tthe bank\tthe bank\n", "line 2: expected 4"),
    ("# c\nword\ta\tb\tc\nbank\tthe bank\tthe shore\tthe bank\n", r"line 3: 'bank' must occur exactly once in sentence b, found 0"),
    ("word\ta\tb\tc\nbank\tthe bank\tbank to bank\tthe bank\n", "found 2 times"),
])
def test_read_sense_triples_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_sense_triples(write(tmp_path / "t.tsv", text), Tokenizer().tokenize)


def test_read_sense_triples_rejects_non_utf8(tmp_path):
    with pytest.raises(ValueError, match="not UTF-8"):
        read_sense_triples(write(tmp_path / "t.tsv", "word\ta\tb\tc\ncaf\xe9\n", "latin-1"), Tokenizer().tokenize)


def test_triple_accuracy_by_hand():
    a = np.array([[1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    b = np.array([[0.0, 1.0], [1.0, 0.1], [2.0, 1.0]])
    c = np.array([[1.0, 0.1], [0.0, 1.0], [2.0, 1.0]])
    # triple 1: cos(a,c) 0.995 > cos(a,b) 0 and cos(b,c) 0.0995: passes; triple 2: cos(a,c) 0 < cos(a,b):
    # fails; triple 3: three equal vectors (a static target vector), three equal cosines: a tie fails
    assert triple_accuracy(a, b, c) == pytest.approx(1 / 3)
    assert triple_accuracy(a[:1], b[:1], c[:1]) == 1.0
    assert triple_accuracy(a[2:], b[2:], c[2:]) == 0.0
    with pytest.raises(ValueError, match="at least one triple"):
        triple_accuracy(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="one shape"):
        triple_accuracy(a, b, c[:2])


# ---------------------------------------------------------------------------- CoarseWSD: folds, 1-NN, MFS
def test_stratified_folds_spread_each_sense_and_match_probe():
    from minembed.tasks.probe import stratified_kfold
    senses = np.array([0] * 10 + [1] * 7 + [2] * 5)
    fold_of = stratified_folds(senses, folds=5, seed=3)
    for sense in (0, 1, 2):
        per_fold = np.bincount(fold_of[senses == sense], minlength=5)
        assert per_fold.max() - per_fold.min() <= 1
    probe_tests = [test for _, test in stratified_kfold(senses, k=5, seed=3)]
    assert [np.flatnonzero(fold_of == f).tolist() for f in range(5)] == [t.tolist() for t in probe_tests]


def test_stratified_folds_allow_a_sense_rarer_than_the_folds():
    senses = np.array([0] * 9 + [1] * 2)                          # sense 1: 2 examples, 5 folds
    fold_of = stratified_folds(senses, folds=5, seed=0)
    assert len(set(fold_of[senses == 1].tolist())) == 2           # tested in 2 folds, once each
    assert sorted(np.bincount(fold_of, minlength=5).tolist()) == [2, 2, 2, 2, 3]
    singleton = np.array([0] * 9 + [1])                           # a sense seen once is never predicted
    vectors = np.eye(10)
    assert nearest_neighbour_cv(vectors, singleton, folds=5)[-1] == 0
    assert most_frequent_sense_cv(singleton, folds=5)[-1] == 0
    with pytest.raises(ValueError, match="folds must be between 2"):
        stratified_folds(senses, folds=1)


def unit_at(degrees):
    radians = np.deg2rad(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1)


def test_nearest_neighbour_cv_by_hand():
    # sense 0 at 0, 10, 20 degrees; sense 1 at 90, 100, 110 and a stray one at 45.
    # With 3 folds each sense-0 example has its two sense-0 companions in other folds (one per
    # fold), at most 20 degrees away, nearer than anything of sense 1 (>= 25 away). Each of
    # 90/100/110 keeps at least one of the others in training (20 degrees) against 45 or 20 (>= 45).
    # The stray at 45 is nearer to 20 (25 degrees) than to 90 (45): predicted 0, wrongly.
    vectors = unit_at(np.array([0, 10, 20, 90, 100, 110, 45]))
    senses = np.array([0, 0, 0, 1, 1, 1, 1])
    for seed in range(5):
        predicted = nearest_neighbour_cv(vectors * 3.0, senses, folds=3, seed=seed)  # scale is irrelevant
        assert predicted.tolist() == [0, 0, 0, 1, 1, 1, 0]


def test_nearest_neighbour_cv_never_sees_the_test_example():
    rng = np.random.default_rng(0)
    vectors, senses = rng.normal(size=(200, 8)), rng.integers(0, 2, size=200)     # pure noise
    accuracy = np.mean(nearest_neighbour_cv(vectors, senses) == senses)
    assert accuracy < 0.7                                        # seeing itself would give 1.0


def test_static_vectors_give_one_answer_per_fold():
    senses = np.array([0] * 12 + [1] * 8)
    static = np.tile([[0.3, -1.0, 2.0]], (20, 1))                 # every occurrence, one vector
    predicted = nearest_neighbour_cv(static, senses, folds=4, seed=2)
    fold_of = stratified_folds(senses, folds=4, seed=2)
    for fold in range(4):
        assert len(set(predicted[fold_of == fold].tolist())) == 1
    assert most_frequent_sense_cv(senses, folds=4, seed=2).tolist() == [0] * 20


def test_most_frequent_sense_cv_by_hand():
    # 2 folds; sense 1 is the most frequent in the whole set (4 vs 3 vs 1). Each training fold
    # holds 2 of sense 1 and 1 or 2 of sense 0, so 1 wins (or ties 2-2 and the smaller id 0 wins).
    senses = np.array([1, 1, 1, 1, 0, 0, 0, 2])
    fold_of = stratified_folds(senses, folds=2, seed=0)
    predicted = most_frequent_sense_cv(senses, folds=2, seed=0)
    for fold in range(2):
        train = senses[fold_of != fold]
        n0, n1 = np.sum(train == 0), np.sum(train == 1)
        assert set(predicted[fold_of == fold].tolist()) == {0 if n0 >= n1 else 1}


def test_cv_is_reproducible_from_the_seed():
    rng = np.random.default_rng(1)
    vectors, senses = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    first, again = (nearest_neighbour_cv(vectors, senses, seed=7) for _ in range(2))
    assert np.array_equal(first, again)
    assert np.array_equal(stratified_folds(senses, seed=7), stratified_folds(senses, seed=7))
    assert not np.array_equal(stratified_folds(senses, seed=7), stratified_folds(senses, seed=8))


def test_nearest_neighbour_cv_rejects_mismatched_rows():
    with pytest.raises(ValueError, match="one row per sense label"):
        nearest_neighbour_cv(np.zeros((4, 2)), [0, 1, 0])


# ---------------------------------------------------------------------------- wsd_scores
def test_wsd_scores_by_hand():
    # apple: gold 0 0 0 1, predicted 0 0 1 1 -> accuracy 3/4
    #   sense 0: TP 2, 3 gold, 2 predicted -> F1 = 2*2 / (3 + 2) = 4/5
    #   sense 1: TP 1, 1 gold, 2 predicted -> F1 = 2*1 / (1 + 2) = 2/3     macro-F1 = (4/5 + 2/3) / 2 = 11/15
    # bank:  gold 0 1 2, predicted 0 0 0 (always the first sense) -> accuracy 1/3
    #   sense 0: TP 1, 1 gold, 3 predicted -> 2/4; senses 1, 2: TP 0 -> 0    macro-F1 = (1/2) / 3 = 1/6
    # micro = (3 + 1) / 7 = 4/7;  macro = (11/15 + 1/6) / 2 = 27/60 = 0.45
    result = wsd_scores({"bank": [0, 0, 0], "apple": [0, 0, 1, 1]},
                        {"apple": [0, 0, 0, 1], "bank": [0, 1, 2]})
    assert result["micro"] == pytest.approx(4 / 7)
    assert result["macro"] == pytest.approx(0.45)
    assert result["per_word"] == pytest.approx({"apple": 0.75, "bank": 1 / 3})


def test_wsd_scores_rejects_mismatches():
    with pytest.raises(ValueError, match=r"only predicted \['pear'\], only gold \[\]"):
        wsd_scores({"apple": [0], "pear": [1]}, {"apple": [0]})
    with pytest.raises(ValueError, match="'apple': 1 predictions for 2 gold labels"):
        wsd_scores({"apple": [0]}, {"apple": [0, 1]})


# ---------------------------------------------------------------------------- against scikit-learn
def test_macro_f1_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    gold = {w: rng.integers(0, k, size=n) for w, k, n in [("a", 2, 30), ("b", 4, 50), ("c", 5, 12)]}
    predicted = {w: np.where(rng.random(len(g)) < 0.6, g, rng.integers(0, 6, size=len(g)))   # some senses unseen
                 for w, g in gold.items()}
    result = wsd_scores(predicted, gold)
    expected = np.mean([metrics.f1_score(gold[w], predicted[w], average="macro") for w in gold])
    assert result["macro"] == pytest.approx(expected, abs=1e-12)
    assert result["per_word"]["b"] == pytest.approx(metrics.accuracy_score(gold["b"], predicted["b"]))


def test_nearest_neighbour_cv_matches_sklearn_on_the_same_folds():
    neighbors = pytest.importorskip("sklearn.neighbors")
    rng = np.random.default_rng(5)
    senses = rng.integers(0, 3, size=90)
    vectors = rng.normal(size=(90, 6)) + 1.5 * np.eye(3, 6)[senses]
    fold_of = stratified_folds(senses, folds=5, seed=9)
    expected = np.empty_like(senses)
    for fold in range(5):
        train, test = fold_of != fold, fold_of == fold
        knn = neighbors.KNeighborsClassifier(n_neighbors=1, metric="cosine").fit(vectors[train], senses[train])
        expected[test] = knn.predict(vectors[test])
    assert np.array_equal(nearest_neighbour_cv(vectors, senses, folds=5, seed=9), expected)


def test_the_shipped_sense_triples_parse():
    """benchmarks/sense_triples.tsv: every target found once in each of its three sentences, one triple per word."""
    path = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "sense_triples.tsv")
    triples = read_sense_triples(path, Tokenizer().tokenize)
    assert len(triples) == 150 and len({t.word for t in triples}) == 150
    assert all(t.tokens[k][t.indices[k]] == t.word for t in triples for k in range(3))
