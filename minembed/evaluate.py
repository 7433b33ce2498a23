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
"""
import numpy as np

from .fileio import naming_decode_errors


# ---------------------------------------------------------------------------- analogies
def read_analogies(path):
    """Yield ``(section, [a, b, c, d])`` from a questions-words file (lowercased)."""
    section = None
    with open(path, encoding="utf-8") as f, naming_decode_errors(path):
        for line_no, line in enumerate(f, start=1):
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            words = line.lower().split()
            if not words:
                continue
            if len(words) != 4:
                raise ValueError(f"{path}, line {line_no}: an analogy needs 4 words, got {len(words)}")
            yield section, words


def evaluate_analogies(kv, path, restrict_vocab=30000, batch_size=1024):
    """3CosAdd accuracy over a questions-words file.

    Returns ``{"accuracy", "correct", "answered", "oov", "semantic", "syntactic", "sections"}``
    where ``semantic``/``syntactic`` are accuracies over the non-``gram`` / ``gram*`` sections
    and ``sections`` maps each section to ``{"correct", "answered", "accuracy"}``.
    Matching is case-insensitive, as in gensim: a question word stands for the most frequent
    of its case variants ("paris" -> row of "Paris" if that comes first), no case variant of a
    question word can be the answer, and any case variant of the expected word counts as correct.
    """
    lookup, canonical = _case_insensitive_rows(kv.index_to_key[:restrict_vocab])
    normed = kv.normed[:len(canonical)]                            # (R, d)
    variants = np.flatnonzero(canonical != np.arange(len(canonical)))  # rows like "Paris" after "paris"
    sections, question_ids, skipped = [], [], 0
    for section, words in read_analogies(path):
        if all(w in lookup for w in words):
            sections.append(section)
            question_ids.append([lookup[w] for w in words])
        else:
            skipped += 1
    question_ids = np.array(question_ids, dtype=np.int64).reshape(-1, 4)
    hits = np.zeros(len(question_ids), dtype=bool)
    for start in range(0, len(question_ids), batch_size):
        a, b, c, d = question_ids[start:start + batch_size].T     # (n,) each
        query = normed[b] - normed[a] + normed[c]                  # (n, d)
        scores = query @ normed.T                                  # (n, R)
        rows = np.arange(len(a))
        scores[rows, a] = scores[rows, b] = scores[rows, c] = -np.inf
        if len(variants):
            owner = canonical[variants]                            # (k,)
            is_query = (owner == a[:, None]) | (owner == b[:, None]) | (owner == c[:, None])  # (n, k)
            scores[:, variants] = np.where(is_query, -np.inf, scores[:, variants])
        best = scores.argmax(axis=1)                               # (n,)
        hits[start:start + batch_size] = (canonical[best] == d) & np.isfinite(scores[rows, best])
    return _analogy_report(sections, hits, skipped)


def _case_insensitive_rows(keys):
    """``lookup``: lowercased word -> its first (most frequent) row; ``canonical[i]``: that row for row i.

    >>> _case_insensitive_rows(["the", "Paris", "paris"])
    ({'the': 0, 'paris': 1}, array([0, 1, 1]))
    """
    lookup = {}
    canonical = np.array([lookup.setdefault(key.lower(), i) for i, key in enumerate(keys)], dtype=np.int64)
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
    pairs, human, skipped = [], [], 0
    for w1, w2, score in read_pairs(path):
        if w1 in lookup and w2 in lookup:
            pairs.append((lookup[w1], lookup[w2]))
            human.append(score)
        else:
            skipped += 1
    total = len(human) + skipped
    if len(human) < 2:
        raise ValueError(f"only {len(human)} of the {total} pairs in {path} have both words in the "
                         "vocabulary; at least 2 are needed: train on a larger corpus or lower min_count")
    first, second = np.array(pairs).T                              # (n,) row ids
    model = np.einsum("nd,nd->n", kv.normed[first], kv.normed[second])   # cosine per pair
    return {"spearman": spearman(human, model), "pearson": pearson(human, model),
            "pairs": len(human), "oov": skipped, "oov_ratio": skipped / total}


def nearest_neighbours(kv, words, topn=5):
    """``{word: [(neighbour, cosine), ...]}`` for the words that are in ``kv`` (others skipped)."""
    return {word: kv.most_similar(word, topn=topn) for word in words if word in kv}
