"""word2vec with ``workers > 1``: processes that train one chunk each on shared tables."""
import json
import mmap
import multiprocessing
import os
import re
import signal
import sys
import time

import numpy as np
import pytest

from minembed.word2vec import hogwild
from minembed.word2vec.model import Word2Vec

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
    assert all(c["position"] == c["first"] and c["pairs"] == 0 and c["rng_state"] is None for c in chunks)


def test_the_random_streams_are_all_different():
    # NumPy pads short seed keys with zeros: without the purpose tag, the subsampling stream
    # of an epoch would be the windows-and-negatives stream of its first chunk
    model = Word2Vec(seed=5)
    keys = [model._seed_key(0), *[model._seed_key(1, e) for e in range(3)],
            *[model._seed_key(2, e, c) for e in range(3) for c in range(3)]]
    first_draws = {tuple(np.random.default_rng(key).random(4)) for key in keys}
    assert len(first_draws) == len(keys)


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
    # every pair of the epoch was trained once (a dropped chunk would halve the count)
    assert two.history[-1]["pairs"] == pytest.approx(one.history[-1]["pairs"], rel=0.02)
    assert two.history[-1]["loss"] == pytest.approx(one.history[-1]["loss"], rel=0.05)


def _record_chunk_index(monkeypatch):
    """Make ``self._chunk_index`` tell a worker's ``_train_batch`` which chunk it trains."""
    original = Word2Vec._train_chunk

    def train_chunk(self, chunk_index, *args):
        self._chunk_index = chunk_index
        return original(self, chunk_index, *args)
    monkeypatch.setattr(Word2Vec, "_train_chunk", train_chunk)


def test_each_chunk_decays_the_learning_rate_over_its_own_part(monkeypatch):
    # the chunks run side by side: each starts at alpha and ends near min_alpha (epochs=1),
    # as all of word2vec.c's threads do; a global schedule would start chunk 1 at alpha/2
    first_lr, last_lr = hogwild.shared_array((2,)), hogwild.shared_array((2,))
    first_lr[:] = np.nan
    original = Word2Vec._train_batch

    def train_batch(self, window_ids, window_doc, lr, rng):
        if np.isnan(first_lr[self._chunk_index]):
            first_lr[self._chunk_index] = lr
        last_lr[self._chunk_index] = lr
        return original(self, window_ids, window_doc, lr, rng)
    _record_chunk_index(monkeypatch)
    monkeypatch.setattr(Word2Vec, "_train_batch", train_batch)
    Word2Vec(dim=4, min_count=1, sample=0, epochs=1, batch_size=8, alpha=0.04, min_alpha=0.0, seed=1,
             workers=2).fit(_corpus(8, n_docs=100), progress=False)
    np.testing.assert_allclose(first_lr, [0.04, 0.04])
    assert np.all(last_lr < 0.04 * 0.02)


def _slow_batches_and_ctrl_c(monkeypatch, parent_pid, at_batch):
    """In the workers, each batch sleeps 5 ms and worker 0 sends the parent Ctrl-C at batch
    ``at_batch`` (a terminal's Ctrl-C reaches every process; the workers ignore theirs)."""
    original = Word2Vec._train_batch
    calls = {"n": 0}

    def train_batch(self, *args):
        if os.getpid() != parent_pid:
            calls["n"] += 1
            if calls["n"] == at_batch and self._chunk_index == 0:
                os.kill(parent_pid, signal.SIGINT)
            time.sleep(0.005)
        return original(self, *args)

    _record_chunk_index(monkeypatch)
    monkeypatch.setattr(Word2Vec, "_train_batch", train_batch)


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
    first, second = state["resume_at"]["chunks"]
    assert first["first"] < first["position"] < first["stop"]
    assert second["first"] <= second["position"] < second["stop"]      # (it may not have begun yet)
    restarted_at = hogwild.shared_array((2,))       # where each worker begins in the resumed run
    restarted_at[:] = -1
    original = Word2Vec._train_chunk

    def train_chunk(self, chunk_index, chunk, *args):
        if restarted_at[chunk_index] < 0:
            restarted_at[chunk_index] = chunk["position"]
        return original(self, chunk_index, chunk, *args)
    monkeypatch.setattr(Word2Vec, "_train_chunk", train_chunk)
    resumed = Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint))
    assert restarted_at.tolist() == [first["position"], second["position"]]
    # the pair count depends only on the random draws, not on the tables: equal counts mean
    # each chunk went on with the random state it had where it stopped
    assert [h["pairs"] for h in resumed.history] == [h["pairs"] for h in reference.history]
    assert resumed.history[-1]["loss"] == pytest.approx(reference.history[-1]["loss"], rel=0.05)


def test_an_error_in_a_worker_reaches_the_caller():
    docs = _corpus(3, n_docs=100)
    with pytest.raises(FloatingPointError, match="worker .*alpha"):
        with np.errstate(all="ignore"):
            Word2Vec(dim=8, min_count=1, sample=0, alpha=1e35, min_alpha=0, epochs=1, batch_size=16,
                     workers=2).fit(docs, progress=False)


def _raise(exception):
    raise exception


def _fails_within(seconds):
    """Turn a hang into a test failure (SIGALRM raises in the main thread); returns the
    handler it replaced."""
    def alarm(signum, frame):
        raise AssertionError(f"still waiting after {seconds} s")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    return previous


@pytest.mark.parametrize("how, error", [
    (lambda: os._exit(0), r"worker \d ended \(exit code 0\) without reporting"),
    (lambda: os._exit(3), r"worker \d ended \(exit code 3\) without reporting"),
    (lambda: sys.exit(0), r"worker \d: SystemExit"),
    (lambda: _raise(KeyboardInterrupt()), r"worker \d: KeyboardInterrupt"),
    (lambda: b"\xff".decode("utf-8"), r"worker \d: UnicodeDecodeError: 'utf-8' codec"),
])
def test_a_worker_that_ends_badly_never_leaves_the_parent_waiting(monkeypatch, how, error):
    monkeypatch.setattr(Word2Vec, "_train_chunk", lambda self, *args: how())
    previous = _fails_within(30)
    try:
        with pytest.raises(RuntimeError, match=error) as raised:
            Word2Vec(dim=4, min_count=1, epochs=1, workers=2).fit(_corpus(5, n_docs=20), progress=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert not multiprocessing.active_children()
    if "exit code" not in error:                     # it reported: its traceback is attached
        assert "Traceback" in str(raised.value.__cause__)


def test_a_killed_worker_is_reported_as_out_of_memory(monkeypatch):
    def killed(self, *args):                      # what the kernel's out-of-memory killer does
        os.kill(os.getpid(), signal.SIGKILL)
    monkeypatch.setattr(Word2Vec, "_train_chunk", killed)
    with pytest.raises(MemoryError, match=r"worker \d was killed \(exit code -9\).*fewer workers \(--workers\)"):
        Word2Vec(dim=4, min_count=1, epochs=1, workers=2).fit(_corpus(5, n_docs=20), progress=False)


def test_train_py_passes_a_killed_workers_advice_on_as_it_is(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import train
    monkeypatch.setattr(Word2Vec, "_train_chunk", lambda self, *args: os.kill(os.getpid(), signal.SIGKILL))
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(doc) for doc in _corpus(7, n_docs=50)), encoding="utf-8")
    assert train.main(["word2vec", "--corpus", str(corpus), "--out", str(tmp_path / "run"), "--min-count", "1",
                       "--dim", "4", "--workers", "2"]) == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(r"error: word2vec worker \d was killed .*\(--batch-size\)", message), message


@pytest.mark.parametrize("workers", [0, -2, 1.5])
def test_workers_must_be_a_positive_integer(workers):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        Word2Vec(workers=workers)


def test_without_fork_workers_above_one_are_refused(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with pytest.raises(ValueError, match="use workers=1"):
        Word2Vec(workers=2)
    Word2Vec(workers=1)                                              # one process needs no fork


def _rewrite_state(checkpoint, change):
    """Apply ``change(state)`` to the JSON state inside a checkpoint file."""
    with np.load(checkpoint) as saved:
        arrays = dict(saved)
    state = json.loads(str(arrays["state"]))
    change(state)
    arrays["state"] = np.array(json.dumps(state))
    np.savez(checkpoint, **arrays)


def test_the_worker_count_may_change_at_an_epoch_boundary_only(tmp_path, monkeypatch):
    docs = _corpus(6, n_docs=400, length=10)
    settings = dict(dim=8, min_count=1, sample=0, batch_size=10, seed=2, epochs=2)
    # at an epoch boundary (here: after epoch 1 of 2) the tables are all there is to continue from
    boundary = str(tmp_path / "boundary.npz")
    Word2Vec(workers=2, **settings).fit(docs, progress=False, checkpoint=boundary)

    def back_to_the_end_of_epoch_1(state):
        state["epochs_done"], state["history"] = 1, state["history"][:1]
    _rewrite_state(boundary, back_to_the_end_of_epoch_1)
    resumed = Word2Vec(workers=1, **settings).fit(docs, progress=False, checkpoint=boundary)
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    # mid-epoch, the checkpoint holds the chunks of 2 workers: 1 cannot take them over
    middle = str(tmp_path / "middle.npz")
    with monkeypatch.context() as patch:
        _slow_batches_and_ctrl_c(patch, os.getpid(), at_batch=5)
        with pytest.raises(KeyboardInterrupt):
            Word2Vec(workers=2, **settings).fit(docs, progress=False, checkpoint=middle)
    with pytest.raises(ValueError, match=r"other settings \(workers\)"):
        Word2Vec(workers=1, **settings).fit(docs, progress=False, checkpoint=middle)


def test_train_py_word2vec_with_two_workers(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import train
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(doc) for doc in _corpus(7, n_docs=200)), encoding="utf-8")
    out = tmp_path / "run"
    assert train.main(["word2vec", "--corpus", str(corpus), "--out", str(out), "--min-count", "1", "--dim", "8",
                       "--epochs", "2", "--batch-size", "16", "--workers", "2"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["workers"] == 2 and config["word2vec"]["workers"] == 2
    assert (out / "vectors.txt").read_text().startswith("10 8\n") and not (out / "checkpoint.npz").exists()


@pytest.mark.parametrize("shape", [(11_000, 100), (3, 5), (0, 4)], ids=["two 4 MiB stretches", "small", "empty"])
def test_the_private_copy_of_a_shared_table_holds_its_values(shape):
    from minembed.word2vec.hogwild import _private_copy, shared_array
    shared = shared_array(shape, np.float32)
    shared[:] = np.random.default_rng(0).standard_normal(shape)
    expected = np.array(shared)
    private = _private_copy(shared)
    assert private.base is None and private.dtype == np.float32
    np.testing.assert_array_equal(private, expected)    # (a row crossing the 4 MiB mark included)
    if hasattr(mmap, "MADV_REMOVE"):                     # Linux: the shared memory was handed back
        assert not shared.any()
