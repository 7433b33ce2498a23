"""How good are the vectors? Analogy accuracy and word-pair similarity correlation.

**Analogies** (questions-words format, Mikolov et al. 2013). Each question ``a b c d`` reads
"a is to b as c is to d"; the answer is the word whose unit vector is closest to
``b - a + c`` (3CosAdd), never one of ``a``, ``b``, ``c``. As in gensim and word2vec.c's
``compute-accuracy``, only the ``restrict_vocab`` most frequent words take part: a question
with a word outside them is skipped (and counted as out-of-vocabulary), and answers are
searched among them. Accuracy = correct / answered.

**Word pairs** (WordSim-353, SimLex-999, ...). Each line ``w1 w2 score`` carries a human
judgement; the model's judgement is ``cos(w1, w2)``. Agreement is Spearman's rank correlation

    rho = Pearson(rank(human), rank(model))

with tied values given the average of the ranks they span (NaN if either side is
constant, as in SciPy). Pairs with an unknown word are skipped and counted.

Both evaluations match words case-insensitively, like gensim: a word in a test file
stands for the most frequent row whose lowercased form equals it.

``evaluate_analogies`` / ``evaluate_pairs`` return minembed's summary dicts;
``word_analogies`` / ``word_pairs`` (behind ``KeyedVectors.evaluate_word_analogies`` /
``evaluate_word_pairs``) return gensim's shapes, with two-sided p-values computed here
(``correlation_pvalue``: a t-test through the regularized incomplete beta function).
"""
import collections
import math

import numpy as np

from ..core.fileio import naming_decode_errors


# ---------------------------------------------------------------------------- analogies
def read_analogies(path):
    """Yield ``(section, [a, b, c, d])`` from a questions-words file (lowercased)."""
    sections, questions = _read_analogy_file(path, str.lower)
    for section, words in questions:
        yield (sections[section] if section >= 0 else None), words


def _read_analogy_file(path, fold):
    """``(sections, questions)``: every ``: section`` name in file order (also those without
    questions) and a list of ``(section number, [a, b, c, d])``, each word passed through ``fold``
    (section number -1: before the first section line)."""
    sections, questions = [], []
    with open(path, encoding="utf-8") as f, naming_decode_errors(path):
        for line_no, line in enumerate(f, start=1):
            if line.startswith(":"):
                sections.append(line[1:].strip())
                continue
            words = [fold(word) for word in line.split()]
            if not words:
                continue
            if len(words) != 4:
                raise ValueError(f"{path}, line {line_no}: an analogy needs 4 words, got {len(words)}")
            questions.append((len(sections) - 1, words))
    return sections, questions


def evaluate_analogies(kv, path, restrict_vocab=30000, batch_size=128):
    """3CosAdd accuracy over a questions-words file.

    Returns ``{"accuracy", "correct", "answered", "oov", "semantic", "syntactic", "sections"}``
    where ``semantic``/``syntactic`` are accuracies over the non-``gram`` / ``gram*`` sections
    and ``sections`` maps each section to ``{"correct", "answered", "accuracy"}``.
    Matching is case-insensitive, as in gensim: a question word stands for the most frequent
    of its case variants ("paris" -> row of "Paris" if that comes first), and any case variant
    of the expected word counts as correct. As in gensim, the answer is the first of the 5
    best candidates that is not a case variant of a question word.
    """
    names, questions = _read_analogy_file(path, str.lower)
    answered, hits = _solve_analogies(kv, questions, restrict_vocab, str.lower, batch_size)
    sections = [names[section] if section >= 0 else None
                for (section, _), known in zip(questions, answered) if known]
    return _analogy_report(sections, hits[answered], int((~answered).sum()))


def _solve_analogies(kv, questions, restrict_vocab, fold, batch_size=128, candidates=5):
    """``(answered, hits)``, two (n,) bool arrays: which questions have all 4 words among the first
    ``restrict_vocab`` rows, and which of those 3CosAdd gets right (False where not answered).

    gensim's rule, vectorized: the ``candidates`` best rows for ``b - a + c`` (rows of a, b, c
    excluded) are taken in score order; the answer is the first that is not a case variant of
    a, b or c (or, if all are, the last of them); it is right if it is a case variant of d.
    """
    lookup, canonical = _case_insensitive_rows(kv.index_to_key[:restrict_vocab], fold)
    normed = kv.normed[:len(canonical)]                            # (R, d)
    rows_or_oov = [[lookup.get(w, -1) for w in words] for _, words in questions]
    question_ids = np.array(rows_or_oov, dtype=np.int64).reshape(-1, 4)
    answered = (question_ids >= 0).all(axis=1)
    hits = np.zeros(len(question_ids), dtype=bool)
    known = np.flatnonzero(answered)
    for start in range(0, len(known), batch_size):
        batch = known[start:start + batch_size]
        a, b, c, d = question_ids[batch].T                         # (n,) each
        scores = (normed[b] - normed[a] + normed[c]) @ normed.T    # (n, R)
        rows = np.arange(len(batch))[:, None]
        scores[rows[:, 0], a] = scores[rows[:, 0], b] = scores[rows[:, 0], c] = -np.inf
        k = min(candidates, scores.shape[1])
        best = np.empty((len(batch), k), dtype=np.int64)           # (n, k): score desc, ties to the lower row
        best_scores = np.empty((len(batch), k), dtype=scores.dtype)
        for j in range(k):     # k argmax passes over the scores: no (n, R) array of indices
            best[:, j] = scores.argmax(axis=1)
            best_scores[:, j] = scores[rows[:, 0], best[:, j]]
            scores[rows[:, 0], best[:, j]] = -np.inf
        valid = np.isfinite(best_scores)                           # fewer than k rows left: -inf
        owner = canonical[best]                                    # (n, k) first row of each spelling
        ignored = (owner == a[:, None]) | (owner == b[:, None]) | (owner == c[:, None])
        usable = valid & ~ignored
        pick = np.where(usable.any(axis=1), usable.argmax(axis=1), valid.sum(axis=1) - 1)
        hits[batch] = valid.any(axis=1) & (owner[rows[:, 0], pick] == d)
    return answered, hits


def word_analogies(kv, path, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False):
    """gensim's ``evaluate_word_analogies``: ``(score, sections)``.

    ``sections`` is one dict ``{"section", "correct", "incorrect"}`` per ``: section`` of the
    file (in file order, also those without questions), then ``{"section": "Total accuracy",
    ...}`` with all of them; ``correct`` and ``incorrect`` list the questions as 4-tuples of
    words, uppercased when ``case_insensitive`` (as gensim). Questions with a word outside
    the first ``restrict_vocab`` rows are left out, or counted as incorrect with
    ``dummy4unknown``. ``score`` = correct / (correct + incorrect) over all, 0.0 if none.
    """
    fold = str.upper if case_insensitive else str
    names, questions = _read_analogy_file(path, fold)
    if any(section < 0 for section, _ in questions):
        raise ValueError(f"{path}: a question comes before the first ': section' line")
    answered, hits = _solve_analogies(kv, questions, restrict_vocab, fold)
    sections = [{"section": name, "correct": [], "incorrect": []} for name in names]
    for (section, words), known, hit in zip(questions, answered, hits):   # building the lists
        if known or dummy4unknown:
            sections[section]["correct" if hit else "incorrect"].append(tuple(words))
    total = {"section": "Total accuracy",
             "correct": [q for s in sections for q in s["correct"]],
             "incorrect": [q for s in sections for q in s["incorrect"]]}
    judged = len(total["correct"]) + len(total["incorrect"])
    score = len(total["correct"]) / judged if judged else 0.0
    return score, sections + [total]


def _case_insensitive_rows(keys, fold=str.lower):
    """``lookup``: folded word -> its first (most frequent) row; ``canonical[i]``: that row for row i.

    >>> _case_insensitive_rows(["the", "Paris", "paris"])
    ({'the': 0, 'paris': 1}, array([0, 1, 1]))
    """
    lookup = {}
    canonical = np.array([lookup.setdefault(fold(key), i) for i, key in enumerate(keys)], dtype=np.int64)
    return lookup, canonical


def _analogy_report(sections, hits, skipped):
    def summary(mask):
        answered = int(mask.sum())
        correct = int(hits[mask].sum())
        return {"correct": correct, "answered": answered,
                "accuracy": correct / answered if answered else 0.0}

    sections = np.array(sections, dtype=object)
    per_section = {name: summary(sections == name) for name in dict.fromkeys(sections.tolist())}
    syntactic = np.array([str(s).startswith("gram") for s in sections], dtype=bool)
    overall = summary(np.ones(len(hits), dtype=bool))
    return {**overall, "oov": skipped,
            "semantic": summary(~syntactic)["accuracy"], "syntactic": summary(syntactic)["accuracy"],
            "sections": per_section}


# ---------------------------------------------------------------------------- word pairs
def read_pairs(path):
    """Yield ``(w1, w2, score)`` from a tab/space-separated file; ``#`` lines are comments."""
    with open(path, encoding="utf-8") as f, naming_decode_errors(path):
        for line_no, line in enumerate(f, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split()
            try:
                yield fields[0].lower(), fields[1].lower(), float(fields[2])
            except (IndexError, ValueError):
                raise ValueError(f"{path}, line {line_no}: expected 'word1 word2 score', got {line!r}") from None


def rankdata(values):
    """Ranks 1..n, ties get the average of the ranks they span.

    >>> rankdata([10, 20, 20, 30]).tolist()
    [1.0, 2.5, 2.5, 4.0]
    """
    values = np.asarray(values)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    new_group = np.concatenate([[True], sorted_values[1:] != sorted_values[:-1]])
    group_of = np.cumsum(new_group) - 1                             # group id per sorted position
    starts = np.flatnonzero(new_group)
    ends = np.concatenate([starts[1:], [len(values)]])
    average_rank = (starts + ends + 1) / 2.0                        # mean of ranks start+1 .. end
    ranks = np.empty(len(values))
    ranks[order] = average_rank[group_of]
    return ranks


def spearman(x, y):
    """Spearman's rho: the Pearson correlation of the (tie-averaged) ranks."""
    return pearson(rankdata(x), rankdata(y))


def pearson(x, y):
    """Pearson's r = cov(x, y) / (std(x) std(y)); NaN when either input is constant (as SciPy)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"pearson needs two 1-D sequences of the same length >= 2, got shapes "
                         f"{x.shape} and {y.shape}")
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / denominator) if denominator > 0 else float("nan")


def evaluate_pairs(kv, path):
    """Spearman (and Pearson) between human scores and cosine similarities.

    Returns ``{"spearman", "pearson", "pairs", "oov", "oov_ratio"}``. Matching is
    case-insensitive (a word stands for its most frequent case variant), as in gensim.
    """
    lookup, _ = _case_insensitive_rows(kv.index_to_key)
    pairs = list(read_pairs(path))
    model = _pair_cosines(kv, lookup, [(w1, w2) for w1, w2, _ in pairs])
    known = ~np.isnan(model)
    human = np.array([score for _, _, score in pairs], dtype=np.float64)[known]
    if len(human) < 2:
        raise ValueError(f"only {len(human)} of the {len(pairs)} pairs in {path} have both words in the "
                         "vocabulary; at least 2 are needed: train on a larger corpus or lower min_count")
    skipped = len(pairs) - len(human)
    return {"spearman": spearman(human, model[known]), "pearson": pearson(human, model[known]),
            "pairs": len(human), "oov": skipped, "oov_ratio": skipped / len(pairs)}


def _pair_cosines(kv, lookup, word_pairs):
    """(n,) cosine of each ``(w1, w2)`` found through ``lookup`` (word -> row); NaN if either is missing."""
    rows = np.array([(lookup.get(w1, -1), lookup.get(w2, -1)) for w1, w2 in word_pairs],
                    dtype=np.int64).reshape(-1, 2)
    first, second = rows.T                                         # (n,) row ids, -1 = unknown
    cosines = np.einsum("nd,nd->n", kv.normed[first], kv.normed[second]).astype(np.float64)
    cosines[(first < 0) | (second < 0)] = np.nan
    return cosines


def word_pairs(kv, path, delimiter="\t", encoding="utf8", restrict_vocab=300000, case_insensitive=True,
               dummy4unknown=False):
    """gensim's ``evaluate_word_pairs``: ``(pearson, spearman, oov_ratio)``.

    ``pearson`` and ``spearman`` are :class:`CorrelationResult` ``(statistic, pvalue)`` pairs
    (two-sided p-values, as SciPy's), ``oov_ratio`` the percentage of pairs with a word outside
    the first ``restrict_vocab`` rows. Lines are ``w1<delimiter>w2<delimiter>score``; ``#`` lines
    are comments and lines of another shape are skipped, as in gensim. Pairs with an unknown word
    are left out, or scored 0.0 with ``dummy4unknown``.
    """
    fold = str.upper if case_insensitive else str
    lookup, _ = _case_insensitive_rows(kv.index_to_key[:restrict_vocab], fold)
    pairs, human = [], []
    with open(path, encoding=encoding) as f, naming_decode_errors(path):
        for line in f:
            fields = line.split(delimiter)
            if line.startswith("#") or len(fields) != 3:
                continue
            try:
                human.append(float(fields[2]))
            except ValueError:
                continue
            pairs.append((fold(fields[0]), fold(fields[1])))
    model = _pair_cosines(kv, lookup, pairs)
    oov = int(np.isnan(model).sum())
    if dummy4unknown:
        model = np.nan_to_num(model, nan=0.0)
    human = np.array(human, dtype=np.float64)[~np.isnan(model)]
    model = model[~np.isnan(model)]
    if not len(human):
        raise ValueError(f"no valid similarity judgements in {path}: no line is 'w1{delimiter!r}w2"
                         f"{delimiter!r}score', or every pair has an unknown word")
    oov_ratio = 100.0 * oov / (len(human) if dummy4unknown else len(human) + oov)
    return pearson_result(human, model), spearman_result(human, model), oov_ratio


# ---------------------------------------------------------------------------- p-values
class CorrelationResult(collections.namedtuple("CorrelationResult", "statistic pvalue")):
    """``(statistic, pvalue)``, unpackable like SciPy's results; ``.correlation`` = ``.statistic``."""

    @property
    def correlation(self):
        return self.statistic


def pearson_result(x, y):
    """Pearson's r with its two-sided p-value (SciPy: p = 1 for two points, which always fit a line)."""
    r = pearson(x, y)
    return CorrelationResult(r, 1.0 if len(x) == 2 and not np.isnan(r) else correlation_pvalue(r, len(x)))


def spearman_result(x, y):
    """Spearman's rho with its two-sided p-value (the t-test below, as SciPy's ``spearmanr``)."""
    rho = spearman(x, y)
    return CorrelationResult(rho, correlation_pvalue(rho, len(x)))


def correlation_pvalue(r, n):
    """Two-sided p-value of a correlation ``r`` over ``n`` pairs, against "no correlation".

    Under that hypothesis ``t = r sqrt((n - 2) / (1 - r^2))`` follows Student's t with n - 2
    degrees of freedom, and since ``(n - 2) / (n - 2 + t^2) = 1 - r^2``::

        p = P(|T| >= |t|) = I_{1 - r^2}((n - 2) / 2, 1 / 2)

    with ``I`` the regularized incomplete beta function. NaN for n <= 2 or a NaN r.

    >>> round(correlation_pvalue(0.6, 4), 12)      # 2 degrees of freedom: p = 1 - |r|
    0.4
    """
    if np.isnan(r) or n <= 2:
        return float("nan")
    return incomplete_beta(max(0.0, 1.0 - min(1.0, abs(r)) ** 2), (n - 2) / 2.0, 0.5)


def incomplete_beta(x, a, b):
    """The regularized incomplete beta function for 0 <= x <= 1, a, b > 0::

        I_x(a, b) = B(x; a, b) / B(a, b),   B(x; a, b) = integral_0^x t^(a-1) (1-t)^(b-1) dt

    computed as ``x^a (1-x)^b / (a B(a, b))`` times Lentz's continued fraction (Numerical
    Recipes, 6.4), which converges fast for x < (a+1)/(a+b+2); above that the symmetry
    ``I_x(a, b) = 1 - I_{1-x}(b, a)`` is used.

    >>> round(incomplete_beta(0.3, 2.5, 1), 12) == round(0.3 ** 2.5, 12)      # I_x(a, 1) = x^a
    True
    """
    if x <= 0.0 or x >= 1.0:
        return float(x >= 1.0)
    if x > (a + 1) / (a + b + 2):
        return 1.0 - incomplete_beta(1.0 - x, b, a)
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    return math.exp(log_front) * _beta_continued_fraction(x, a, b) / a


def _beta_continued_fraction(x, a, b, tolerance=1e-15, max_terms=100000):
    """1 / (1 + d_1 / (1 + d_2 / (1 + ...))) with d_{2m+1} = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1))
    and d_{2m} = m(b-m)x / ((a+2m-1)(a+2m)), evaluated by the modified Lentz method."""
    tiny = 1e-300                                    # keeps a zero denominator from dividing by 0

    def step(d, c, coefficient):
        d, c = 1.0 + coefficient * d, 1.0 + coefficient / c
        d = 1.0 / (d if abs(d) > tiny else tiny)
        return d, (c if abs(c) > tiny else tiny)

    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)          # the first term, d_1 (m = 0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, max_terms):
        d, c = step(d, c, m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)))
        fraction *= d * c
        d, c = step(d, c, -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)))
        fraction *= d * c
        if abs(d * c - 1.0) < tolerance:
            return fraction
    raise ArithmeticError(f"incomplete_beta({x}, {a}, {b}) did not converge in {max_terms} terms")


def nearest_neighbours(kv, words, topn=5):
    """``{word: [(neighbour, cosine), ...]}`` for the words that are in ``kv`` (others skipped)."""
    return {word: kv.most_similar(word, topn=topn) for word in words if word in kv}
