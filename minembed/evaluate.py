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

with tied values given the average of the ranks they span. Pairs with an unknown word
are skipped and counted.
"""
import numpy as np


# ---------------------------------------------------------------------------- analogies
def read_analogies(path):
    """Yield ``(section, [a, b, c, d])`` from a questions-words file (lowercased)."""
    section = None
    with open(path, encoding="utf-8") as f:
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
    """
    allowed = {word: i for i, word in enumerate(kv.index_to_key[:restrict_vocab])}
    normed = kv.normed[:len(allowed)]                              # (R, d)
    sections, question_ids, skipped = [], [], 0
    for section, words in read_analogies(path):
        if all(w in allowed for w in words):
            sections.append(section)
            question_ids.append([allowed[w] for w in words])
        else:
            skipped += 1
    question_ids = np.array(question_ids, dtype=np.int64).reshape(-1, 4)
    hits = np.zeros(len(question_ids), dtype=bool)
    for start in range(0, len(question_ids), batch_size):
        a, b, c, d = question_ids[start:start + batch_size].T
        query = normed[b] - normed[a] + normed[c]                  # (n, d)
        scores = query @ normed.T                                  # (n, R)
        rows = np.arange(len(a))
        scores[rows, a] = scores[rows, b] = scores[rows, c] = -np.inf
        hits[start:start + batch_size] = scores.argmax(axis=1) == d
    return _analogy_report(sections, hits, skipped)


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
    with open(path, encoding="utf-8") as f:
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
    x = np.asarray(x, dtype=np.float64) - np.mean(x)
    y = np.asarray(y, dtype=np.float64) - np.mean(y)
    denominator = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / denominator) if denominator > 0 else 0.0


def evaluate_pairs(kv, path):
    """Spearman (and Pearson) between human scores and cosine similarities.

    Returns ``{"spearman", "pearson", "pairs", "oov", "oov_ratio"}``.
    """
    human, model, skipped = [], [], 0
    for w1, w2, score in read_pairs(path):
        if w1 in kv and w2 in kv:
            human.append(score)
            model.append(kv.similarity(w1, w2))
        else:
            skipped += 1
    total = len(human) + skipped
    if len(human) < 2:
        raise ValueError(f"only {len(human)} of the {total} pairs in {path} have both words in the "
                         "vocabulary; train on a larger corpus or lower min_count")
    return {"spearman": spearman(human, model), "pearson": pearson(human, model),
            "pairs": len(human), "oov": skipped, "oov_ratio": skipped / total}


def nearest_neighbours(kv, words, topn=5):
    """``{word: [(neighbour, cosine), ...]}`` for the words that are in ``kv`` (others skipped)."""
    return {word: kv.most_similar(word, topn=topn) for word in words if word in kv}
