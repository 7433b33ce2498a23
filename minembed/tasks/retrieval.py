r"""Retrieval evaluation: the Cranfield collection, and the two usual figures, nDCG@k and MAP.

**Cranfield** (Cleverdon, 1960s): 1,400 aeronautics abstracts, 225 questions, graded judgements of which
abstracts answer which question. It is research data and not shipped: :func:`read_cranfield` reads the
folder ``../shared/data/retrieval/cranfield/`` (see ``../shared/data/SOURCES.md``)::

    cran.all.1400   ".I n" then ".T" title, ".A" authors, ".B" source, ".W" text   document n -> position n - 1
    cran.qry.dev    ".I id" then ".W" text: the first 112 questions
    cranqrel.dev    "query doc code" lines; code 1 = a complete answer, 2 = high relevance, 3 = useful
                    background, 4 = minimum interest, -1 = of no interest

The ``.I`` ids of the query file (001, 002, 004, 008, ...) are **not** the judgements' query numbers: those
count the queries in the file's order, so the k-th query of the file is query k. A document is its title and
its text (the protocol of the figures in SOURCES.md; the text repeats the title). Three records (240, 576, 578)
have a stray ``.A``, ``.B`` or ``.W`` line inside their text: everything after the first ``.W`` is the text,
the stray marker lines left out.

**The figures.** A judged document's gain is ``5 - code`` for codes 1-4 (4, 3, 2, 1), 0 for -1; the relevant
documents are those with codes 1-4. For one query, with ``ranking`` the documents in the order a method
ranks them (Järvelin and Kekäläinen 2002, linear gain)::

    DCG@k  = sum_{i=1..k} gain(ranking[i]) / log2(i + 1)
    nDCG@k = DCG@k / (the DCG@k of the ideal ranking: the judged documents by gain, highest first)
    AP     = (1 / R) sum over the ranks i that hold a relevant document of precision@i     R = relevant documents
             precision@i = (relevant documents in ranking[1..i]) / i;  a relevant document never ranked adds 0

and each figure is the mean over the queries that have a relevant document (MAP: the mean AP).

>>> round(ndcg_at_k([7, 3, 5], {3: 4, 5: 1}, k=10), 4)       # (0 + 4/log2 3 + 1/log2 4) / (4/log2 2 + 1/log2 3)
0.6529
>>> round(average_precision([7, 3, 5], {3: 4, 5: 1}), 4)     # relevant at ranks 2 and 3: (1/2 + 2/3) / 2
0.5833
"""
import collections
import os

import numpy as np

from .search import top_k

Collection = collections.namedtuple("Collection", "documents queries judgements")
Collection.__doc__ = """``documents``: list of str (position = id - 1); ``queries``: list of str (query k at k - 1);
``judgements``: one ``{document position: gain}`` dict per query, gain 0 for a judged document of no interest."""


# ---------------------------------------------------------------------------- reading Cranfield
def read_cranfield(folder, queries="cran.qry.dev", judgements="cranqrel.dev"):
    """The collection in ``folder`` (module docstring) as a :data:`Collection`. The judgements name query
    numbers 1..n_queries and document ids 1..n_documents; anything else is a ValueError naming the line."""
    documents = []
    for record in _records(os.path.join(folder, "cran.all.1400")):
        if int(record["I"]) != len(documents) + 1:
            raise ValueError(f"cran.all.1400: document {record['I']} comes where {len(documents) + 1} should")
        documents.append(f"{record.get('T', '')} {record.get('W', '')}".strip())
    questions = [record.get("W", "") for record in _records(os.path.join(folder, queries))]
    judged = [{} for _ in questions]
    path = os.path.join(folder, judgements)
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            try:
                query, document, code = map(int, fields)
            except ValueError:
                raise ValueError(f"{path}, line {number}: expected 'query doc code' (three whole numbers), "
                                 f"got {line.strip()!r}") from None
            if not (1 <= query <= len(questions) and 1 <= document <= len(documents)):
                raise ValueError(f"{path}, line {number}: query {query} or document {document} is out of range "
                                 f"({len(questions)} queries, {len(documents)} documents)")
            judged[query - 1][document - 1] = graded_gain(code)
    return Collection(documents, questions, judged)


def graded_gain(code):
    """Cranfield's relevance code -> gain: 1 (a complete answer) -> 4, 2 -> 3, 3 -> 2, 4 -> 1, else 0."""
    return 5 - code if 1 <= code <= 4 else 0


def _records(path):
    """The ``.I`` records of a SMART-format file: ``[{"I": id, "T": text, "W": text, ...}, ...]``.
    A field's lines are joined by spaces; after the first ``.W``, every line is text (see the module docstring)."""
    records, field = [], None
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith(".I ") or line == ".I":
                records.append({"I": line[3:].strip()})
                field = None
            elif not records:
                raise ValueError(f"{path}: text before the first .I line")
            elif len(line) == 2 and line[0] == "." and line[1].isupper():
                if field != "W":                                  # a stray marker in the text is dropped
                    field = line[1]
                    records[-1].setdefault(field, "")
            elif field is not None:
                records[-1][field] = f"{records[-1][field]} {line.strip()}".strip()
    return records


# ---------------------------------------------------------------------------- the figures
def ndcg_at_k(ranking, gains, k=10):
    """nDCG@k of one ranking (document positions, best first) for ``gains`` ({position: gain}); NaN when no
    judged document has a gain."""
    ideal = np.sort(np.array([g for g in gains.values() if g > 0], dtype=np.float64))[::-1][:k]
    if not len(ideal):
        return float("nan")
    discounts = 1.0 / np.log2(np.arange(2, k + 2))            # rank i -> 1 / log2(i + 1)
    top = np.asarray(ranking, dtype=np.int64)[:k]               # (<= k,)
    got = np.array([gains.get(position, 0) for position in top.tolist()], dtype=np.float64)
    return float(got @ discounts[:len(got)] / (ideal @ discounts[:len(ideal)]))


def average_precision(ranking, gains):
    """AP of one ranking: the mean, over the relevant documents (gain > 0), of the precision at the rank of
    each (0 for one the ranking does not hold); NaN when there is none."""
    relevant = np.array([position for position, gain in gains.items() if gain > 0], dtype=np.int64)
    if not len(relevant):
        return float("nan")
    hits = np.isin(np.asarray(ranking, dtype=np.int64), relevant)   # (n_ranked,) bool
    ranks = np.flatnonzero(hits) + 1                           # 1-based ranks of the relevant documents found
    return float(np.sum(np.arange(1, len(ranks) + 1) / ranks) / len(relevant))


def evaluate(rankings, judgements, k=10):
    """``{"ndcg@k": mean nDCG@k, "map": MAP, "queries": how many}`` over the queries with a relevant document.
    ``rankings``: one ranking (document positions, best first) per query, in the order of ``judgements``."""
    if len(rankings) != len(judgements):
        raise ValueError(f"{len(rankings)} rankings for {len(judgements)} judged queries")
    ndcg = np.array([ndcg_at_k(r, g, k) for r, g in zip(rankings, judgements)])
    ap = np.array([average_precision(r, g) for r, g in zip(rankings, judgements)])
    counted = ~np.isnan(ndcg)
    return {f"ndcg@{k}": float(ndcg[counted].mean()), "map": float(ap[counted].mean()), "queries": int(counted.sum())}


def rankings_of(index, queries):
    """Every document's position, best first, for each query: a :class:`~minembed.tasks.search.SearchIndex`'s
    exact ranking of the whole collection (ties by position)."""
    return [[position for position, _ in index.search(query, k=len(index))] for query in queries]


def rankings_from_scores(scores):
    """(n_queries, n_docs) scores -> the rankings, best first, ties by position (as SearchIndex ranks)."""
    scores = np.asarray(scores, dtype=np.float64)
    return [top_k(row, len(row))[0].tolist() for row in scores]
