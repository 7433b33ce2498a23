"""Retrieval: nDCG@k and AP by hand and against scikit-learn, the Cranfield reader on a made-up folder with the
real files' quirks, and (when ../shared/data is here: CI has it) the dev figures of Cranfield's queries 1-112."""
import math
import os

import numpy as np
import pytest

from minembed import BM25Vectorizer, CountVectorizer, SearchIndex, TfidfVectorizer
from minembed.tasks.retrieval import (average_precision, evaluate, graded_gain, ndcg_at_k, rankings_from_scores,
                                      rankings_of, read_cranfield)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRANFIELD = os.path.join(os.environ.get("MINEMBED_DATA", os.path.join(REPO, "..", "shared", "data")),
                         "retrieval", "cranfield")


# ---------------------------------------------------------------------------- the figures by hand
def test_ndcg_by_hand():
    gains = {3: 4, 5: 1, 9: 0}                                       # document 9 judged, of no interest
    # DCG = 4/log2(3) + 1/log2(4); ideal = 4/log2(2) + 1/log2(3)
    assert ndcg_at_k([7, 3, 5, 9], gains) == pytest.approx((4 / math.log2(3) + 0.5) / (4 + 1 / math.log2(3)))
    assert ndcg_at_k([3, 5], gains) == 1.0 and ndcg_at_k([5, 3], gains, k=1) == pytest.approx(1 / 4)
    assert ndcg_at_k([1, 2, 3], gains, k=2) == 0.0                  # the relevant one comes too late
    assert math.isnan(ndcg_at_k([1, 2], {9: 0}))                    # nothing relevant: not counted


def test_average_precision_by_hand():
    gains = {3: 4, 5: 1, 8: 2, 9: 0}
    # relevant 3, 5, 8; ranked at 2 and 4, 8 never: (1/2 + 2/4 + 0) / 3
    assert average_precision([7, 3, 9, 5], gains) == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert average_precision([3, 8, 5], gains) == 1.0 and math.isnan(average_precision([1], {2: 0}))


def test_graded_gain_follows_cranfields_codes():
    assert [graded_gain(code) for code in (1, 2, 3, 4, 5, -1)] == [4, 3, 2, 1, 0, 0]


def test_evaluate_averages_over_queries_with_a_relevant_document():
    judgements = [{0: 4}, {1: 1, 2: 3}, {2: 0}]                      # the third has nothing relevant
    rankings = [[0, 1, 2], [2, 0, 1], [0, 1, 2]]
    # query 1: nDCG 1, AP 1; query 2: DCG 3 + 1/log2(4) over ideal 3 + 1/log2(3), AP (1/1 + 2/3) / 2
    figures = evaluate(rankings, judgements, k=10)
    assert figures["queries"] == 2
    assert figures["ndcg@10"] == pytest.approx((1 + (3 + 0.5) / (3 + 1 / math.log2(3))) / 2)
    assert figures["map"] == pytest.approx((1 + (1 + 2 / 3) / 2) / 2)
    with pytest.raises(ValueError, match="2 rankings for 3 judged queries"):
        evaluate(rankings[:2], judgements)


def test_figures_equal_scikit_learns():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(5, 60))
        gains = {int(d): int(rng.integers(0, 5)) for d in rng.choice(n, size=rng.integers(1, n), replace=False)}
        if not any(gains.values()):
            continue
        scores = rng.permutation(n).astype(float)                    # no ties
        truth = np.zeros(n)
        truth[list(gains)] = list(gains.values())
        ranking = rankings_from_scores(scores[None])[0]
        assert ndcg_at_k(ranking, gains, k=10) == pytest.approx(metrics.ndcg_score([truth], [scores], k=10))
        assert average_precision(ranking, gains) == pytest.approx(metrics.average_precision_score(truth > 0, scores))


def test_rankings_from_scores_break_ties_by_position():
    assert rankings_from_scores([[0.5, 0.9, 0.5, 0.1]]) == [[1, 0, 2, 3]]


# ---------------------------------------------------------------------------- the reader
QRY = ".I 001\r\n.W\r\nwhat about flow\r\n.I 004\r\n.W\r\nheat in\r\nslabs .\r\n"
ALL = (".I 1\r\n.T\r\nflow past a plate .\r\n.A\r\nsmith\r\n.B\r\nj. ae. 1958\r\n.W\r\nflow past a plate .\r\n"
       "the flow is viscous .\r\n.I 2\r\n.T\r\nheat in slabs\r\n.A\r\njones\r\n.B\r\nnaca\r\n.W\r\nheat in slabs\r\n"
       ".A\r\nconduction of heat\r\n.B\r\nthrough slabs\r\n")           # a stray .A and .B inside the text


def write_folder(folder, qrels="1 1 2 \r\n1 2 -1\r\n2 2 1\r\n"):
    folder.mkdir(exist_ok=True)
    (folder / "cran.all.1400").write_bytes(ALL.encode())
    (folder / "cran.qry.dev").write_bytes(QRY.encode())
    (folder / "cranqrel.dev").write_bytes(qrels.encode())
    return folder


def test_reader_on_a_made_up_folder(tmp_path):
    collection = read_cranfield(write_folder(tmp_path / "cran"))
    assert collection.documents == ["flow past a plate . flow past a plate . the flow is viscous .",
                                    "heat in slabs heat in slabs conduction of heat through slabs"]
    assert collection.queries == ["what about flow", "heat in slabs ."]   # .I 004 is query 2: the file's order
    assert collection.judgements == [{0: 3, 1: 0}, {1: 4}]              # positions = ids - 1; code -1 -> gain 0


@pytest.mark.parametrize("qrels, message", [("1 3 2\n", "out of range"), ("3 1 2\n", "out of range"),
                                            ("1 x 2\n", "expected 'query doc code'")])
def test_reader_names_a_bad_judgement_line(tmp_path, qrels, message):
    with pytest.raises(ValueError, match=f"cranqrel.dev, line 1: .*{message}"):
        read_cranfield(write_folder(tmp_path / "cran", qrels))


def test_a_search_index_ranks_the_whole_collection(tmp_path):
    collection = read_cranfield(write_folder(tmp_path / "cran"))
    index = SearchIndex(BM25Vectorizer()).add(collection.documents)
    rankings = rankings_of(index, collection.queries)
    assert rankings == [[0, 1], [1, 0]]
    assert evaluate(rankings, collection.judgements) == {"ndcg@10": 1.0, "map": 1.0, "queries": 2}


# ---------------------------------------------------------------------------- the real collection
# Research data, never copied into the repository: this check exists only where ../shared/data (or
# $MINEMBED_DATA) holds it, so a clone elsewhere has one test fewer rather than a skip that CI would
# count as an unchecked peer.
def test_cranfield_dev_figures_and_scikit_learns_tfidf():
    cranfield = read_cranfield(CRANFIELD)
    assert len(cranfield.documents) == 1400 and len(cranfield.queries) == 112
    assert sum(map(len, cranfield.judgements)) == 906 and cranfield.judgements[0][183] == 3   # "1 184 2"
    figures = {name: evaluate(rankings_of(SearchIndex(method).add(cranfield.documents), cranfield.queries),
                              cranfield.judgements)
               for name, method in [("bow", CountVectorizer()), ("tfidf", TfidfVectorizer()),
                                    ("bm25", BM25Vectorizer()), ("bm25 binary", BM25Vectorizer(query_tf="binary"))]}
    # the figures of ../shared/data/SOURCES.md, measured with scikit-learn: 0.226 / 0.343 / 0.327 (binary queries)
    assert figures["bow"]["ndcg@10"] == pytest.approx(0.226, abs=0.005)
    assert figures["tfidf"]["ndcg@10"] == pytest.approx(0.343, abs=0.005)
    assert figures["bm25 binary"]["ndcg@10"] == pytest.approx(0.327, abs=0.005)
    assert figures["bm25"]["ndcg@10"] > figures["bow"]["ndcg@10"] + 0.05
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    theirs = sklearn_text.TfidfVectorizer().fit(cranfield.documents)
    scores = (theirs.transform(cranfield.queries) @ theirs.transform(cranfield.documents).T).toarray()
    sklearn_figures = evaluate(rankings_from_scores(scores), cranfield.judgements)
    assert figures["tfidf"]["ndcg@10"] == pytest.approx(sklearn_figures["ndcg@10"], abs=0.005)
    assert figures["tfidf"]["map"] == pytest.approx(sklearn_figures["map"], abs=0.005)


if not os.path.isdir(CRANFIELD):
    del test_cranfield_dev_figures_and_scikit_learns_tfidf
