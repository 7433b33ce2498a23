r"""Word meaning in context: can a vector tell which sense a word has in a sentence?

A static model (word2vec) gives "bank" one vector; a contextual model (the encoder) gives each
*occurrence* its own. Two benchmarks ask whether that carries sense. This module reads them and
scores whatever vectors you bring (it imports no model), static and contextual alike.

**WiC** (Pilehvar & Camacho-Collados 2019). Each pair is two sentences sharing a target lemma
(the surface forms may differ: "board" / "boards"), labelled T if the target has the same sense
in both. Balanced, so chance is 50%. Protocol for frozen vectors: score a pair by the cosine of
its two target vectors, tune one threshold on train (:func:`tune_threshold`), and report the
accuracy of ``cosine >= threshold`` on dev (the test split is not distributed here).

**CoarseWSD-20** (Loureiro et al. 2021). 20 ambiguous nouns (apple, bank, java, ...), 2-5
coarse senses each, sentences from Wikipedia. Only the training split is here, so we
cross-validate: stratified k-fold, and each example takes the sense of its nearest training
neighbour by cosine (1-NN), the training folds only. The baseline predicts the training folds'
most frequent sense (MFS), on the same folds. The copy here is the *balanced* version (every
sense of a word equally frequent), so MFS sits near 1 / (number of senses), not at the 73.4
published for the skewed full set; stratified folds even push it a little below.

**Why a static target vector cannot win.** Every occurrence of a word gets the same vector.
On CoarseWSD all examples of a word coincide, every training example is equally near, and the
prediction ignores the sentence: one fixed answer for all, at best the most frequent sense, so
it can at most tie MFS. On WiC the two target vectors are equal whenever the surface forms are,
so the cosine says nothing about sense and accuracy stays near chance.

**Sense triples** (``benchmarks/sense_triples.tsv``, written for minembed and kept held out: we
report it and never tune on it). One word in three sentences; a and c use it in one sense, b in
another. A triple passes when the same-sense pair is the closest of the three pairs,
``cos(a, c) > cos(a, b)`` and ``cos(a, c) > cos(b, c)`` (:func:`triple_accuracy`); no threshold
to tune, chance 1/3, and a static target vector (three equal vectors, three equal cosines) never
passes.

**Published anchors** (test splits, so only for orientation next to our dev / CV figures).
WiC accuracy: chance 50, static lemma vector ~50, sentence-average word2vec 61.0, ELMo 57.1,
Context2vec 59.7, BERT-base 63.6, BERT-large 65.5, BERT-large fine-tuned 69.5, human 80.0.
CoarseWSD-20 micro / macro F1: MFS 73.4 / 66.5, BERT-base 1-NN 95.7 / 94.0, BERT-large 1-NN
96.7 / 95.8, a supervised fastText classifier 95.4 / 90.0.
"""
import os
from collections import namedtuple

import numpy as np

WicPair = namedtuple("WicPair", "lemma pos tokens1 index1 tokens2 index2 same")
WsdExamples = namedtuple("WsdExamples", "tokens indices senses")
SenseTriple = namedtuple("SenseTriple", "word tokens indices")    # tokens, indices: sentences a, b, c


# ---------------------------------------------------------------------------- readers
def read_wic(split_dir):
    """WiC pairs from ``<split_dir>/<name>.data.txt`` and ``<name>.gold.txt``, name = the folder's.

    A data line is ``lemma<TAB>POS<TAB>i-j<TAB>sentence1<TAB>sentence2`` (space-tokenized;
    ``i``, ``j`` 0-based target positions), a gold line ``T`` or ``F``. Returns a list of
    :class:`WicPair` ``(lemma, pos, tokens1, index1, tokens2, index2, same)``.
    """
    name = os.path.basename(os.path.normpath(split_dir))
    data_path, gold_path = (os.path.join(split_dir, f"{name}.{kind}.txt") for kind in ("data", "gold"))
    pairs = []
    for line_no, data, gold in _paired_lines(data_path, gold_path):
        fields = data.split("\t")
        if len(fields) != 5:
            raise ValueError(f"{data_path}, line {line_no}: expected 5 tab-separated fields "
                             f"(lemma, POS, i-j, sentence1, sentence2), got {len(fields)}")
        lemma, pos, positions, sentence1, sentence2 = fields
        tokens1, tokens2 = sentence1.split(), sentence2.split()
        try:
            index1, index2 = (int(i) for i in positions.split("-"))
        except ValueError:
            raise ValueError(f"{data_path}, line {line_no}: the index field must be 'i-j' "
                             f"(two integers), got {positions!r}") from None
        _check_index(index1, tokens1, data_path, line_no, "sentence1")
        _check_index(index2, tokens2, data_path, line_no, "sentence2")
        label = gold.strip()
        if label not in ("T", "F"):
            raise ValueError(f"{gold_path}, line {line_no}: a gold label must be 'T' or 'F', got {gold!r}")
        pairs.append(WicPair(lemma, pos, tokens1, index1, tokens2, index2, label == "T"))
    return pairs


def read_coarsewsd(root, words=None):
    """``{word: WsdExamples(tokens, indices, senses)}`` from ``<root>/<word>/train.{data,gold}.txt``.

    A data line is ``index<TAB>tokenized sentence`` (``index`` = 0-based position of the
    target), a gold line one integer sense id. ``words=None`` reads every folder that has a
    ``train.data.txt``. Words come in sorted order; ``indices``, ``senses`` are int arrays (n,).
    """
    available = sorted(w for w in os.listdir(root) if os.path.isfile(os.path.join(root, w, "train.data.txt")))
    words = available if words is None else sorted(words)
    missing = sorted(set(words) - set(available))
    if missing or not words:
        raise ValueError(f"{root} has no <word>/train.data.txt for {missing or 'any word'}; "
                         f"words available: {available}")
    examples = {}
    for word in words:
        data_path, gold_path = (os.path.join(root, word, f"train.{kind}.txt") for kind in ("data", "gold"))
        tokens, indices, senses = [], [], []
        for line_no, data, gold in _paired_lines(data_path, gold_path):
            index, _, sentence = data.partition("\t")
            try:
                indices.append(int(index))
                senses.append(int(gold))
            except ValueError:
                raise ValueError(f"{data_path} / {gold_path}, line {line_no}: expected an integer index, a tab, "
                                 f"the sentence / an integer sense id; got {index!r} / {gold!r}") from None
            tokens.append(sentence.split())
            _check_index(indices[-1], tokens[-1], data_path, line_no, "the sentence")
        examples[word] = WsdExamples(tokens, np.array(indices, dtype=np.int64), np.array(senses, dtype=np.int64))
    return examples


def read_sense_triples(path, tokenize):
    """:class:`SenseTriple` ``(word, [tokens_a, tokens_b, tokens_c], [i_a, i_b, i_c])`` per data line.

    The file is UTF-8 text: ``#`` comment lines, a header ``word<TAB>a<TAB>b<TAB>c``, then one
    triple per line (sentences a and c share a sense of ``word``, b has another). ``tokenize``
    (e.g. ``Tokenizer().tokenize``) splits each sentence; the word must occur in it exactly once.
    """
    triples = []
    lines = [(n + 1, line) for n, line in enumerate(_read_lines(path)) if line.strip() and not line.startswith("#")]
    if not lines or lines[0][1].split("\t") != ["word", "a", "b", "c"]:
        raise ValueError(f"{path}: the first line after the # comments must be the header 'word<TAB>a<TAB>b<TAB>c'")
    for line_no, line in lines[1:]:
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{path}, line {line_no}: expected 4 tab-separated fields (word, a, b, c), got {len(fields)}")
        word, sentences = fields[0].strip(), [tokenize(sentence) for sentence in fields[1:]]
        indices = []
        for name, tokens in zip("abc", sentences):
            where = [i for i, token in enumerate(tokens) if token == word]
            if len(where) != 1:
                raise ValueError(f"{path}, line {line_no}: {word!r} must occur exactly once in sentence {name}, "
                                 f"found {len(where)} times in {' '.join(tokens)!r}")
            indices.append(where[0])
        triples.append(SenseTriple(word, sentences, indices))
    if not triples:
        raise ValueError(f"{path} has a header but no triples")
    return triples


def _paired_lines(data_path, gold_path):
    """``[(line_no, data_line, gold_line), ...]``, once both files are known to pair line by line."""
    data, gold = _read_lines(data_path), _read_lines(gold_path)
    if len(data) != len(gold):
        raise ValueError(f"{data_path} has {len(data)} lines but {gold_path} has {len(gold)}: line "
                         f"{min(len(data), len(gold)) + 1} has no partner; the two must pair line by line")
    return [(i + 1, d, g) for i, (d, g) in enumerate(zip(data, gold))]


def _read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 ({err.reason} at byte {err.start}); convert it to UTF-8") from None


def _check_index(index, tokens, path, line_no, what):
    if not 0 <= index < len(tokens):
        raise ValueError(f"{path}, line {line_no}: target index {index} is outside {what} "
                         f"({len(tokens)} tokens, valid 0..{len(tokens) - 1})")


def context_window(tokens, index, max_len):
    """Cut a sentence to at most ``max_len`` tokens around the target: ``(window, new_index)``.

    A sentence that fits is returned whole. Otherwise the window has exactly ``max_len``
    tokens, centred on the target as far as the sentence allows (an even ``max_len`` gives
    the extra token to the right), and slides inwards at either edge.

    >>> context_window(list("abcdefg"), 3, 3)
    (['c', 'd', 'e'], 1)
    >>> context_window(list("abcdefg"), 6, 3)
    (['e', 'f', 'g'], 2)
    """
    if max_len < 1 or not 0 <= index < len(tokens):
        raise ValueError(f"need max_len >= 1 and 0 <= index < {len(tokens)} (the sentence's length), "
                         f"got max_len={max_len}, index={index}")
    if len(tokens) <= max_len:
        return list(tokens), index
    start = min(max(index - (max_len - 1) // 2, 0), len(tokens) - max_len)
    return list(tokens[start:start + max_len]), index - start


# ---------------------------------------------------------------------------- WiC: one threshold
def tune_threshold(scores, labels):
    """The threshold ``t`` maximising the accuracy of ``scores >= t`` as a predictor of ``labels``.

    Candidates, ascending: the smallest score (all predicted True), the midpoints between
    consecutive distinct scores, and ``+inf`` (all False); ties go to the smallest ``t``. A ``t``
    above the lowest ``k`` sorted scores gets right the negatives below it and positives above:

        correct(k) = neg_below(k) + (pos_total - pos_below(k))      (one cumulative sum for all k)

    ``scores``, ``labels`` (n,): floats, and bools (or 0/1).

    >>> tune_threshold([0.1, 0.2, 0.8, 0.9], [False, False, True, True])
    0.5
    """
    scores, labels = _check_scores_labels(scores, labels)
    order = np.argsort(scores, kind="stable")
    sorted_scores, sorted_labels = scores[order], labels[order]
    group_starts = _tie_group_starts(sorted_scores)
    distinct = sorted_scores[group_starts]                                  # (m,)
    below = np.append(group_starts, len(scores))                            # (m + 1,) scores under each t
    pos_below = np.concatenate([[0], np.cumsum(sorted_labels)])[below]      # (m + 1,)
    correct = (below - pos_below) + (labels.sum() - pos_below)
    candidates = np.concatenate([distinct[:1], (distinct[:-1] + distinct[1:]) / 2, [np.inf]])
    return float(candidates[np.argmax(correct)])


def wic_accuracy(train_scores, train_labels, dev_scores, dev_labels):
    """Tune the threshold on train, apply it to dev: ``{"threshold", "train_accuracy", "dev_accuracy",
    "train_auc", "dev_auc", "dev_correct"}`` (``dev_correct``: (n_dev,) bools, for :func:`paired_bootstrap`)."""
    threshold = tune_threshold(train_scores, train_labels)

    def correct(scores, labels):
        scores, labels = _check_scores_labels(scores, labels)
        return (scores >= threshold) == labels

    dev_correct = correct(dev_scores, dev_labels)
    return {"threshold": threshold, "train_accuracy": float(np.mean(correct(train_scores, train_labels))),
            "dev_accuracy": float(np.mean(dev_correct)), "train_auc": roc_auc(train_scores, train_labels),
            "dev_auc": roc_auc(dev_scores, dev_labels), "dev_correct": dev_correct}


def roc_auc(scores, labels):
    """Area under the ROC curve: the chance that a random True pair scores above a random False one
    (a tie counts half). It needs no threshold, so it tells a better *ranking* of the pairs apart
    from a threshold carried badly from train to dev. By ranks (Mann-Whitney U)::

        AUC = (sum of the True pairs' ranks - n_T (n_T + 1) / 2) / (n_T n_F)     ranks 1..n, ties averaged

    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True])
    0.75
    """
    scores, labels = _check_scores_labels(scores, labels)
    n_true = int(labels.sum())
    n_false = len(labels) - n_true
    if n_true == 0 or n_false == 0:
        raise ValueError(f"roc_auc needs both labels, got {n_true} True and {n_false} False")
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = _tie_group_starts(sorted_scores)
    ends = np.append(starts[1:], len(scores))                              # each tie group [start, end)
    group_rank = (starts + 1 + ends) / 2                                   # the average of ranks start+1..end
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(group_rank, ends - starts)
    return float((ranks[labels].sum() - n_true * (n_true + 1) / 2) / (n_true * n_false))


def _tie_group_starts(sorted_scores):
    """Where each run of equal values begins in an ascending array: (m,) indices, the first is 0."""
    return np.flatnonzero(np.concatenate([[True], sorted_scores[1:] != sorted_scores[:-1]]))


def paired_bootstrap(correct_a, correct_b, rounds=10_000, seed=1):
    """How sure is "method A beats method B" on one test set? Resample its items with replacement
    ``rounds`` times and take A's minus B's accuracy on each resample (Efron & Tibshirani; Koehn 2004
    for NLP). ``correct_a``, ``correct_b`` (n,): whether each method got item i right (the same items).
    With ``delta_i = correct_a[i] - correct_b[i]`` in {-1, 0, 1} and resample r drawing items
    ``i_r1 .. i_rn`` uniformly::

        difference_r = (1/n) sum_k delta[i_rk]         (the observed difference: the mean of delta)

    Returns ``{"difference", "low", "high", "share_a_ahead"}``: the observed difference, its 95%
    interval (2.5th and 97.5th percentiles) and the share of resamples where A is strictly ahead.
    """
    correct_a, correct_b = (np.asarray(c, dtype=bool).reshape(-1) for c in (correct_a, correct_b))
    if len(correct_a) != len(correct_b) or len(correct_a) == 0:
        raise ValueError(f"need one right/wrong per item for both methods, got {len(correct_a)} and {len(correct_b)}")
    delta = correct_a.astype(np.int64) - correct_b                          # (n,) in {-1, 0, 1}
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(delta), size=(rounds, len(delta)))          # (rounds, n)
    differences = delta[picks].mean(axis=1)                                 # (rounds,)
    low, high = np.percentile(differences, [2.5, 97.5])
    return {"difference": float(delta.mean()), "low": float(low), "high": float(high),
            "share_a_ahead": float(np.mean(differences > 0))}


def _check_scores_labels(scores, labels):
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    if scores.ndim != 1 or scores.shape != labels.shape or len(scores) == 0:
        raise ValueError(f"scores and labels must be two non-empty 1-D sequences of one length, "
                         f"got shapes {scores.shape} and {labels.shape}")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN; a zero vector? use cosine_rows, which gives it cosine 0")
    if labels.dtype != bool and not np.isin(labels, [0, 1]).all():
        raise ValueError(f"labels must be booleans (or 0/1), got values like {labels[:3].tolist()}")
    return scores, labels.astype(bool)


def center_rows(*arrays):
    """Subtract the mean vector of all the given (n_i, d) arrays' rows from each: ``(a - m, b - m, ...)``.

    Vectors from one model share a common direction (Ethayarajh 2019: any two occurrences of any
    words have a high cosine, "anisotropy"; Mu & Viswanath 2018 remove the mean first). That shared
    part adds the same amount to every cosine and drowns the differences a sense makes. Centering
    on the evaluated set (its vectors only, no labels) removes it; it is applied to every method
    alike. Worked example: rows (1, 1) and (3, 1) -> mean (2, 1) -> (-1, 0) and (1, 0): cosine
    0.89 becomes -1.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    if not arrays or any(a.ndim != 2 or a.shape[1] != arrays[0].shape[1] for a in arrays):
        raise ValueError(f"center_rows needs (n, d) arrays of one width d, got shapes {[a.shape for a in arrays]}")
    mean = np.concatenate(arrays).mean(axis=0)                              # (d,)
    return tuple(a - mean for a in arrays)


def cosine_rows(a, b):
    """Row-wise cosine ``a_i . b_i / (|a_i| |b_i|)`` of two (n, d) arrays -> (n,); 0 for a zero row."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"cosine_rows needs two (n, d) arrays of one shape, got {a.shape} and {b.shape}")
    dots = np.einsum("nd,nd->n", a, b)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def triple_accuracy(a, b, c):
    """Share of triples whose same-sense pair is the closest: ``cos(a, c) > max(cos(a, b), cos(b, c))``.

    ``a``, ``b``, ``c``: (n, d) vectors of the word in sentences a, b, c. Strict: a tie fails, so
    three equal vectors (a static target vector) score 0; random vectors score about 1/3.
    """
    same, cross_ab, cross_bc = cosine_rows(a, c), cosine_rows(a, b), cosine_rows(b, c)    # (n,) each
    if len(same) == 0:
        raise ValueError("triple_accuracy needs at least one triple, got 0 rows")
    return float(np.mean((same > cross_ab) & (same > cross_bc)))


# ---------------------------------------------------------------------------- CoarseWSD: 1-NN under CV
def stratified_folds(senses, folds=5, seed=1):
    """Fold id (n,) of every example: each sense spread evenly over the ``folds`` folds.

    The assignment of :func:`minembed.probe.stratified_kfold` (each sense's indices shuffled by a
    seeded Generator, senses laid end to end, position ``j`` to fold ``j % folds``), which refuses
    a sense with fewer examples than folds; here it is allowed. Such a sense is tested in only
    that many folds, with fewer of it left to train on: a sense seen once is never predicted right.
    """
    senses = np.asarray(senses).reshape(-1)
    if not 2 <= folds <= len(senses):
        raise ValueError(f"folds must be between 2 and the number of examples ({len(senses)}), got {folds}")
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(np.flatnonzero(senses == s)) for s in np.unique(senses)])
    fold_of = np.empty(len(senses), dtype=np.int64)
    fold_of[order] = np.arange(len(senses)) % folds
    return fold_of


def nearest_neighbour_cv(vectors, senses, folds=5, seed=1):
    """Predicted senses (n,): each example gets its most cosine-similar training example's sense.

    ``vectors`` (n, d), ``senses`` (n,); folds from :func:`stratified_folds`. A tie goes to the
    earliest training example; a zero vector is equally far (cosine 0) from everything.
    """
    vectors, senses = np.asarray(vectors, dtype=np.float64), np.asarray(senses).reshape(-1)
    if vectors.ndim != 2 or len(vectors) != len(senses):
        raise ValueError(f"vectors must be (n, d), one row per sense label: got {vectors.shape} for {len(senses)}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)    # (n, d)
    fold_of = stratified_folds(senses, folds, seed)
    predicted = np.empty_like(senses)
    for fold in range(folds):
        test, train = fold_of == fold, fold_of != fold
        similarity = unit[test] @ unit[train].T                            # (n_test, n_train)
        predicted[test] = senses[train][similarity.argmax(axis=1)]
    return predicted


def most_frequent_sense_cv(senses, folds=5, seed=1):
    """Predicted senses (n,): the training folds' most frequent sense (ties: the smallest id)."""
    senses = np.asarray(senses).reshape(-1)
    fold_of = stratified_folds(senses, folds, seed)
    predicted = np.empty_like(senses)
    for fold in range(folds):
        values, counts = np.unique(senses[fold_of != fold], return_counts=True)
        predicted[fold_of == fold] = values[np.argmax(counts)]
    return predicted


def wsd_scores(predicted_by_word, gold_by_word):
    r"""Micro and macro F1 over words, as CoarseWSD-20 reports them (Loureiro et al. 2021).

    * ``micro``: accuracy over all examples of all words pooled (every example gets one answer,
      so micro precision = recall = F1 = accuracy);
    * ``macro``: per word, the mean F1 over its senses (those in its gold or predicted labels,
      as scikit-learn's ``average="macro"``), then the mean over words; a rare sense weighs as
      much as a frequent one, which is why MFS scores high micro, low macro:

          F1(s) = 2 TP(s) / (2 TP(s) + FP(s) + FN(s)) = 2 TP(s) / (n_gold(s) + n_predicted(s))
    * ``per_word``: ``{word: accuracy}``. Both arguments map word -> sense labels (n_word,).
    """
    if not gold_by_word or set(predicted_by_word) != set(gold_by_word):
        raise ValueError(f"predictions and gold cover different words: only predicted "
                         f"{sorted(set(predicted_by_word) - set(gold_by_word))}, only gold "
                         f"{sorted(set(gold_by_word) - set(predicted_by_word))}")
    correct_total, count_total, macro_f1, per_word = 0, 0, [], {}
    for word in sorted(gold_by_word):
        predicted = np.asarray(predicted_by_word[word]).reshape(-1)
        gold = np.asarray(gold_by_word[word]).reshape(-1)
        if len(predicted) != len(gold) or len(gold) == 0:
            raise ValueError(f"{word!r}: {len(predicted)} predictions for {len(gold)} gold labels; "
                             "need one per example, at least one")
        senses = np.unique(np.concatenate([gold, predicted]))
        gold_ids, predicted_ids = np.searchsorted(senses, gold), np.searchsorted(senses, predicted)
        hits = gold_ids == predicted_ids
        true_positives, n_gold, n_predicted = (np.bincount(ids, minlength=len(senses))    # (n_senses,) each
                                               for ids in (gold_ids[hits], gold_ids, predicted_ids))
        macro_f1.append(np.mean(2 * true_positives / (n_gold + n_predicted)))
        per_word[word] = float(hits.mean())
        correct_total, count_total = correct_total + int(hits.sum()), count_total + len(gold)
    return {"micro": correct_total / count_total, "macro": float(np.mean(macro_f1)), "per_word": per_word}
