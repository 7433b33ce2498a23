"""word2vec with ``workers > 1``: processes that train one chunk each on shared tables."""
import json
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest

from minembed import hogwild
from minembed.word2vec import Word2Vec

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="workers > 1 needs fork")
GROUPS = [["apple", "banana", "cherry", "grape", "lemon"], ["iron", "copper", "zinc", "nickel", "tin"]]


def _corpus(seed, n_docs, length=12, sorted_by_group=False):
    """Documents of group-A words or of group-B words, never mixed; with ``sorted_by_group``
    all A documents come first, so each of two workers sees only one group."""
    rng = np.random.default_rng(seed)
    groups = sorted(d % 2 for d in range(n_docs)) if sorted_by_group else [d % 2 for d in range(n_docs)]
    return [list(rng.choice(GROUPS[g], size=length)) for g in groups]


def test_shared_array_is_written_by_a_forked_child():
    shared = hogwild.shared_array((2, 3))
    child = multiprocessing.get_context("fork").Process(target=shared.__setitem__, args=((1, 2), 7.0))
    child.start()
    child.join()
    assert child.exitcode == 0 and shared[1, 2] == 7.0 and shared.sum() == 7.0


def test_split_epoch_covers_the_stream_once():
    chunks = Word2Vec(workers=3)._split_epoch(10)
    assert [(c["first"], c["stop"]) for c in chunks] == [(0, 3), (3, 6), (6, 10)]
    assert all(c["start"] == c["first"] and c["pairs"] == 0 for c in chunks)


def test_every_worker_updates_the_parents_tables():
    # worker 0 gets the group-A half of the stream, worker 1 the group-B half; the input
    # vectors of a word move only where it is a context word, so both must have written
    docs = _corpus(0, n_docs=200, sorted_by_group=True)
    settings = dict(dim=8, min_count=1, sample=0, epochs=1, batch_size=32, seed=2)
    initial = Word2Vec(**settings)
    initial.build(docs)
    model = Word2Vec(workers=2, **settings).fit(docs, progress=False)
    moved = np.abs(model.in_vectors - initial.in_vectors).max(axis=1)               # (V,)
    for group in GROUPS:
        assert all(moved[model.vocab.stoi[word]] > 1e-3 for word in group), group
    assert type(model.in_vectors) is np.ndarray and model.in_vectors.base is None    # private again


def test_two_workers_learn_the_two_groups_as_well_as_one():
    # Small batches: with a 10-word vocabulary every row is in every batch, and two workers
    # add two batches' summed steps to the same rows at once (with batch_size 64 and
    # alpha 0.05 that doubled step diverges; on real text, rows rarely collide).
    docs = _corpus(1, n_docs=400)
    settings = dict(dim=16, window=3, negative=3, min_count=1, sample=0, epochs=5, batch_size=16,
                    seed=3, alpha=0.05)
    one, two = (Word2Vec(workers=n, **settings).fit(docs, progress=False) for n in (1, 2))
    within = [two.wv.similarity(a, b) for g in GROUPS for a in g for b in g if a < b]
    across = [two.wv.similarity(a, b) for a in GROUPS[0] for b in GROUPS[1]]
    assert min(within) > max(across)
    assert two.history[-1]["effective_words"] == one.history[-1]["effective_words"]
    assert two.history[-1]["loss"] == pytest.approx(one.history[-1]["loss"], rel=0.05)


def _slow_batches_and_ctrl_c(monkeypatch, parent_pid, at_batch):
    """In the workers, each batch sleeps 5 ms and worker 0 sends the parent Ctrl-C at batch
    ``at_batch`` (a terminal's Ctrl-C reaches every process; the workers ignore theirs)."""
    original = Word2Vec._train_batch
    calls = {"n": 0}

    def train_batch(self, *args):
        if os.getpid() != parent_pid:
            calls["n"] += 1
            if calls["n"] == at_batch and self._worker_number == 0:
                os.kill(parent_pid, signal.SIGINT)
            time.sleep(0.005)
        return original(self, *args)

    original_chunk = Word2Vec._train_chunk

    def train_chunk(self, number, *args):
        self._worker_number = number
        return original_chunk(self, number, *args)

    monkeypatch.setattr(Word2Vec, "_train_batch", train_batch)
    monkeypatch.setattr(Word2Vec, "_train_chunk", train_chunk)


def test_ctrl_c_stops_every_worker_and_resume_finishes_each_chunk(tmp_path, monkeypatch):
    # 2 x 200 batches of 10 centres an epoch: the Ctrl-C at worker 0's batch 5 lands mid-chunk
    docs = _corpus(4, n_docs=400, length=10)
    settings = dict(dim=8, min_count=1, sample=0, epochs=2, batch_size=10, seed=2, workers=2)
    reference = Word2Vec(**settings).fit(docs, progress=False)
    checkpoint = tmp_path / "w2v.npz"
    with monkeypatch.context() as patch:
        _slow_batches_and_ctrl_c(patch, os.getpid(), at_batch=5)
        with pytest.raises(KeyboardInterrupt, match="checkpoint saved"):
            Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint))
    with np.load(checkpoint) as saved:
        state = json.loads(str(saved["state"]))
    assert state["epochs_done"] == 0
    chunks = state["resume_at"]["chunks"]
    assert len(chunks) == 2 and all(c["first"] < c["start"] < c["stop"] for c in chunks)
    resumed = Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint))
    # the pair count depends only on the random draws, not on the tables: equal counts mean
    # each chunk went on from where it stopped, with the random state it had there
    assert [h["pairs"] for h in resumed.history] == [h["pairs"] for h in reference.history]
    assert resumed.history[-1]["loss"] == pytest.approx(reference.history[-1]["loss"], rel=0.05)


def test_an_error_in_a_worker_reaches_the_caller():
    docs = _corpus(3, n_docs=100)
    with pytest.raises(FloatingPointError, match="worker .*alpha"):
        with np.errstate(all="ignore"):
            Word2Vec(dim=8, min_count=1, sample=0, alpha=1e35, min_alpha=0, epochs=1, batch_size=16,
                     workers=2).fit(docs, progress=False)


def test_a_killed_worker_is_reported_as_out_of_memory(monkeypatch):
    def killed(self, *args):                      # what the kernel's out-of-memory killer does
        os.kill(os.getpid(), signal.SIGKILL)
    monkeypatch.setattr(Word2Vec, "_train_chunk", killed)
    with pytest.raises(MemoryError, match=r"worker \d was killed \(exit code -9\).*fewer workers"):
        Word2Vec(dim=4, min_count=1, epochs=1, workers=2).fit(_corpus(5, n_docs=20), progress=False)


@pytest.mark.parametrize("workers", [0, -2, 1.5])
def test_workers_must_be_a_positive_integer(workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        Word2Vec(workers=workers)


def test_without_fork_workers_above_one_are_refused(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with pytest.raises(ValueError, match="use workers=1"):
        Word2Vec(workers=2)
    Word2Vec(workers=1)                                              # one process needs no fork


def test_a_checkpoint_from_another_worker_count_is_refused(tmp_path):
    docs = _corpus(6, n_docs=20)
    checkpoint = str(tmp_path / "w2v.npz")
    Word2Vec(dim=8, min_count=1, epochs=1).fit(docs, progress=False, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="other settings.*workers"):
        Word2Vec(dim=8, min_count=1, epochs=1, workers=2).fit(docs, progress=False, checkpoint=checkpoint)


def test_train_py_word2vec_with_two_workers(tmp_path):
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import train
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(doc) for doc in _corpus(7, n_docs=200)), encoding="utf-8")
    out = tmp_path / "run"
    assert train.main(["word2vec", "--corpus", str(corpus), "--out", str(out), "--min-count", "1", "--dim", "8",
                       "--epochs", "2", "--batch-size", "16", "--workers", "2"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["workers"] == 2 and config["word2vec"]["workers"] == 2
    assert (out / "vectors.txt").read_text().startswith("10 8\n") and not (out / "checkpoint.npz").exists()
