import numpy as np
import pytest

from minembed.word2vec import reference, subsample
from minembed.word2vec.alias import alias_draw, table_probs
from minembed.core.fileio import FORMAT_ENTRY, save_npz
from minembed.text.corpus import encode_corpus
from minembed.nn.layers import add_rows
from minembed.word2vec.model import Word2Vec
from minembed.word2vec.objectives import context_mask, sgd_step


# ---------------------------------------------------------------------------- the SGNS step
def _random_batch(rng, n_words=7, dim=4, window=2, n_centres=5, negative=3):
    """float64 tables and one batch of windows, with repeated ids so that scatters collide."""
    in_vectors = rng.normal(scale=0.5, size=(n_words, dim))
    out_vectors = rng.normal(scale=0.5, size=(n_words, dim))
    window_ids = rng.integers(0, n_words, size=n_centres + 2 * window)
    window_doc = np.array([-1] + [0] * 5 + [1] * (n_centres + 2 * window - 6))   # padding + 2 docs
    real = window_doc >= 0
    reduced = rng.integers(1, window + 1, size=n_centres)
    in_window = context_mask(window_doc, reduced, window)
    negatives = rng.integers(0, n_words, size=(n_centres, negative))
    target_ids = np.concatenate([window_ids[window:window + n_centres, None], negatives], axis=1)
    target_ids[0, 1] = target_ids[0, 0]                        # a negative equal to its centre: skipped
    return in_vectors, out_vectors, (window_ids, real, in_window, target_ids)


def _loss(in_vectors, out_vectors, batch):
    return sgd_step(in_vectors.copy(), out_vectors.copy(), *batch, lr=0.0)[0]


def test_sgns_step_loss_matches_the_reference_pair_by_pair():
    rng = np.random.default_rng(0)
    in_vectors, out_vectors, batch = _random_batch(rng)
    window_ids, _, in_window, target_ids = batch
    expected = [reference.skipgram_step(in_vectors.copy(), out_vectors.copy(), target_ids[n, 0],
                                        window_ids[n + j], target_ids[n, 1:], lr=0.0)
                for n, j in zip(*np.nonzero(in_window))]          # window position j is stream n + j
    loss, n_pairs = sgd_step(in_vectors, out_vectors, *batch, lr=0.0)
    assert n_pairs == len(expected) > 0
    assert loss == pytest.approx(sum(expected), rel=1e-9)


def test_sgns_step_is_minus_lr_times_finite_difference_gradient():
    rng = np.random.default_rng(1)
    in_vectors, out_vectors, batch = _random_batch(rng)
    lr = 1.0
    new_in, new_out = in_vectors.copy(), out_vectors.copy()
    sgd_step(new_in, new_out, *batch, lr=lr)
    analytic = {"in": -(new_in - in_vectors) / lr, "out": -(new_out - out_vectors) / lr}
    eps = 1e-6
    for name, table in (("in", in_vectors), ("out", out_vectors)):
        numeric = np.zeros_like(table)
        for index in np.ndindex(table.shape):
            plus, minus = table.copy(), table.copy()
            plus[index] += eps
            minus[index] -= eps
            args_plus = (plus, out_vectors) if name == "in" else (in_vectors, plus)
            args_minus = (minus, out_vectors) if name == "in" else (in_vectors, minus)
            numeric[index] = (_loss(*args_plus, batch) - _loss(*args_minus, batch)) / (2 * eps)
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-6, atol=1e-8)
        assert np.abs(numeric).max() > 1e-3                    # the check is not vacuous


def test_add_rows_sums_repeated_rows_like_np_add_at():
    rng = np.random.default_rng(2)
    table = rng.normal(size=(10, 3)).astype(np.float32)
    ids = np.array([4, 1, 4, 4, 9, 1])
    updates = rng.normal(size=(6, 3)).astype(np.float32)
    expected = table.copy()
    np.add.at(expected, ids, updates)
    add_rows(table, ids, updates)
    np.testing.assert_allclose(table, expected, rtol=1e-6)


def test_context_mask_respects_reduced_window_and_documents():
    window_doc = np.array([-1, -1, 0, 0, 0, 0, 1, 1, -1, -1])      # w=2, 6 centres
    reduced = np.array([2, 1, 2, 2, 2, 1])
    mask = context_mask(window_doc, reduced, 2).astype(int)
    expected = np.array([[0, 0, 0, 1, 1],     # centre at pos 2 (doc 0): right side only
                         [0, 1, 0, 1, 0],     # b=1
                         [1, 1, 0, 1, 0],     # pos 4: pos 6 is doc 1
                         [1, 1, 0, 0, 0],     # pos 5: last of doc 0
                         [0, 0, 0, 1, 0],     # pos 6 (doc 1): left is doc 0, right pos 7; pos 8 padding
                         [0, 1, 0, 0, 0]])    # pos 7: b=1, left is pos 6
    np.testing.assert_array_equal(mask, expected)


# ---------------------------------------------------------------------------- training
def _two_group_corpus(rng, n_docs=400, length=12):
    """Documents drawn from group A words or from group B words, never mixed."""
    groups = [["apple", "banana", "cherry", "grape", "lemon"], ["iron", "copper", "zinc", "nickel", "tin"]]
    return [list(rng.choice(groups[d % 2], size=length)) for d in range(n_docs)], groups


def test_words_that_share_contexts_end_up_closer():
    docs, groups = _two_group_corpus(np.random.default_rng(0))
    model = Word2Vec(dim=16, window=3, negative=3, min_count=1, sample=0, epochs=5, batch_size=64,
                     seed=3, alpha=0.05).fit(docs, progress=False)
    within = [model.wv.similarity(a, b) for g in groups for a in g for b in g if a < b]
    across = [model.wv.similarity(a, b) for a in groups[0] for b in groups[1]]
    assert min(within) > max(across)
    assert np.mean(within) - np.mean(across) > 0.5
    losses = [h["loss"] for h in model.history]
    assert losses[-1] < losses[0]


def test_same_seed_same_vectors_different_seed_different():
    docs, _ = _two_group_corpus(np.random.default_rng(1), n_docs=60)
    def train(seed):
        return Word2Vec(dim=8, min_count=1, epochs=2, batch_size=32, seed=seed).fit(docs, progress=False)
    first, again, other = train(5), train(5), train(6)
    np.testing.assert_array_equal(first.in_vectors, again.in_vectors)
    assert not np.allclose(first.in_vectors, other.in_vectors)


def test_initial_tables_follow_word2vec_c():
    docs, _ = _two_group_corpus(np.random.default_rng(2), n_docs=10)
    model = Word2Vec(dim=20, min_count=1).build(docs)
    assert model.in_vectors.dtype == np.float32 and model.out_vectors.dtype == np.float32
    assert np.abs(model.in_vectors).max() <= 0.5 / 20
    assert not model.out_vectors.any()


def test_negatives_follow_the_noise_distribution():
    counts = {"a": 1000, "b": 100, "c": 10}
    docs = [[w] * n for w, n in counts.items()]
    model = Word2Vec(min_count=1, negative=1).build(docs)
    rng = np.random.default_rng(0)
    draws = alias_draw(rng, model.noise_accept, model.noise_alias, 200_000)
    expected = np.array([1000, 100, 10]) ** 0.75
    expected /= expected.sum()
    np.testing.assert_allclose(table_probs(model.noise_accept, model.noise_alias), expected, rtol=1e-12)
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / len(draws), expected, atol=0.005)


def test_training_draws_its_negatives_from_the_alias_tables(monkeypatch):
    from minembed.word2vec import model as word2vec_module
    draws, real_draw = [], word2vec_module.alias_draw

    def spy(rng, accept, alias, size):
        draws.append((accept, alias, size))
        return real_draw(rng, accept, alias, size)

    monkeypatch.setattr(word2vec_module, "alias_draw", spy)
    model = Word2Vec(dim=4, min_count=1, negative=3, sample=0, epochs=1, batch_size=4).fit(
        [["a", "b", "c", "a", "b", "a"] * 3], progress=False)
    assert len(draws) == 5                                   # 18 centres in batches of 4
    assert all(accept is model.noise_accept and alias is model.noise_alias for accept, alias, _ in draws)
    assert [size for _, _, size in draws] == [(4, 3)] * 4 + [(2, 3)]


def plan_of(model, epoch, block=None):
    """The layout of ``model``'s epoch stream, as training makes it."""
    return subsample.epoch_plan(model.corpus, model.keep_probs, model._seed_key(1, epoch), block)


def stream_of(model, plan, b):
    """Block ``b`` of the epoch stream ``plan`` lays out (its epoch is in its seed key): (kept ids, document offsets)."""
    return subsample.block_stream(model.corpus, model.keep_probs, plan, b)


@pytest.mark.parametrize("block", [1, 3, 7, 1 << 20])
def test_subsampling_keeps_whole_documents_in_order_whatever_the_block(block):
    # documents of 1-9 tokens, so blocks of 3 and 7 tokens end inside documents and at their edges
    rng = np.random.default_rng(4)
    docs = [list(rng.choice(["the", "of", "cat", "dog", "whale"], size=n, p=[.4, .3, .1, .1, .1]))
            for n in rng.integers(1, 10, size=60)]
    model = Word2Vec(min_count=1, sample=0.05).build(docs)
    ids, offsets = model.corpus.ids, model.corpus.offsets
    plan = plan_of(model, 3, block)
    doc_cuts, first = plan["doc_cuts"], plan["first"]
    assert doc_cuts[0] == 0 and doc_cuts[-1] == len(offsets) - 1 and (np.diff(doc_cuts) > 0).all()
    # the same draws, made the plain way: one Generator per block, one float32 draw per token
    kept = np.concatenate([np.random.default_rng(model._seed_key(1, 3, b)).random(
        offsets[doc_cuts[b + 1]] - offsets[doc_cuts[b]], dtype=np.float32) for b in range(len(doc_cuts) - 1)])
    kept = kept < model.keep_probs.astype(np.float32)[ids]
    assert 0 < kept.sum() < len(ids)                                    # some dropped, some kept
    assert first[-1] == kept.sum()
    for b in range(len(doc_cuts) - 1):
        stream, stream_offsets = stream_of(model, plan, b)
        assert stream.dtype == np.int32 and len(stream) == first[b + 1] - first[b]
        for local, d in enumerate(range(doc_cuts[b], doc_cuts[b + 1])):   # each document's kept tokens, in order
            document = ids[offsets[d]:offsets[d + 1]]
            np.testing.assert_array_equal(stream[stream_offsets[local]:stream_offsets[local + 1]],
                                          document[kept[offsets[d]:offsets[d + 1]]])
    def whole_stream(epoch):
        epoch_plan = plan_of(model, epoch, block)
        return np.concatenate([stream_of(model, epoch_plan, b)[0] for b in range(len(doc_cuts) - 1)])
    np.testing.assert_array_equal(whole_stream(3), ids[kept])           # drawn again: the same stream
    assert not np.array_equal(whole_stream(4), ids[kept])               # another epoch subsamples afresh


def test_fit_reads_a_path_and_exports_keyed_vectors(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 20, encoding="utf-8")
    model = Word2Vec(dim=5, min_count=2, epochs=1).fit(str(path), progress=False)
    assert model.wv.index_to_key[0] == "the"
    assert model.wv["cat"].shape == (5,)
    assert model.history[0]["effective_words"] > 0 and model.history[0]["words_per_sec"] > 0


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, word", [
    ({"window": 0}, "window"), ({"negative": -1}, "negative"), ({"dim": 0}, "dim"),
    ({"sample": -1e-3}, "sample"), ({"alpha": 0}, "alpha"), ({"epochs": 0}, "epochs"),
    ({"min_count": 0}, "min_count"), ({"batch_size": 0}, "batch_size"),
])
def test_nonsense_hyperparameters_are_rejected(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Word2Vec(**kwargs)


def test_fewer_than_two_words_after_min_count():
    with pytest.raises(ValueError, match="at least 2 distinct words"):
        Word2Vec(min_count=3).fit([["a", "a", "a", "b"]], progress=False)


def test_raw_strings_instead_of_token_lists():
    with pytest.raises(TypeError, match="token lists"):
        Word2Vec(min_count=1).fit(["the cat sat", "on the mat"], progress=False)


def test_diverging_loss_names_the_learning_rate():
    docs, _ = _two_group_corpus(np.random.default_rng(3), n_docs=100)
    with pytest.raises(FloatingPointError, match="alpha"):
        with np.errstate(all="ignore"):
            Word2Vec(dim=8, min_count=1, sample=0, alpha=1e35, min_alpha=0, epochs=3,
                     batch_size=16).fit(docs, progress=False)


def test_encoded_corpus_is_accepted_as_is(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c a b c\n" * 5, encoding="utf-8")
    corpus = encode_corpus(str(path))
    model = Word2Vec(dim=4, min_count=1, epochs=1).fit(corpus, progress=False)
    assert model.vocab is corpus.vocab


# ---------------------------------------------------------------------------- interrupt and resume
def _interrupt_after(monkeypatch, n_batches):
    """Send ourselves Ctrl-C (SIGINT) during batch number ``n_batches``."""
    import os
    import signal
    original = Word2Vec._train_batch
    calls = {"n": 0}

    def train_batch(self, *args):
        calls["n"] += 1
        if calls["n"] == n_batches:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, *args)

    monkeypatch.setattr(Word2Vec, "_train_batch", train_batch)


def test_an_epoch_trains_every_kept_token_once_block_by_block(monkeypatch):
    docs, _ = _two_group_corpus(np.random.default_rng(4), n_docs=100)
    monkeypatch.setattr(subsample, "BLOCK_TOKENS", 37)                  # blocks of a few documents
    centres, original = [], Word2Vec._train_batch

    def train_batch(self, window_ids, window_doc, lr, rng):
        centres.append(window_ids[self.window:len(window_ids) - self.window].copy())
        return original(self, window_ids, window_doc, lr, rng)
    monkeypatch.setattr(Word2Vec, "_train_batch", train_batch)
    model = Word2Vec(dim=8, min_count=1, sample=0.01, epochs=1, batch_size=50, seed=2).fit(docs, progress=False)
    plan = plan_of(model, 0)
    n_blocks = len(plan["doc_cuts"]) - 1
    assert n_blocks > 3
    stream = np.concatenate([stream_of(model, plan, b)[0] for b in range(n_blocks)])
    assert 0 < len(stream) < model.corpus.n_tokens                      # subsampling dropped some
    np.testing.assert_array_equal(np.concatenate(centres), stream)      # every kept token once, in order
    assert model.history[-1]["effective_words"] == len(stream)
    batch_ends = set(np.cumsum([len(c) for c in centres]).tolist())
    assert set(plan["first"][1:].tolist()) <= batch_ends                # no batch spans two blocks


def test_chunks_starting_inside_a_block_train_their_part_of_the_stream(monkeypatch):
    # three workers' chunks, run one after the other here: together they train the stream once
    docs, _ = _two_group_corpus(np.random.default_rng(4), n_docs=100)
    monkeypatch.setattr(subsample, "BLOCK_TOKENS", 37)
    model = Word2Vec(dim=8, min_count=1, sample=0.01, batch_size=50, seed=2, workers=3).build(docs)
    model._session = {"first_epoch": 0, "epochs": 1, "alpha": model.alpha, "min_alpha": model.min_alpha}
    centres, original = [], Word2Vec._train_batch

    def train_batch(self, window_ids, window_doc, lr, rng):
        centres.append(window_ids[self.window:len(window_ids) - self.window].copy())
        return original(self, window_ids, window_doc, lr, rng)
    monkeypatch.setattr(Word2Vec, "_train_batch", train_batch)
    plan = plan_of(model, 0)
    chunks = model._split_epoch(int(plan["first"][-1]))
    assert any(c["first"] not in plan["first"] for c in chunks)         # one starts inside a block
    for index, chunk in enumerate(chunks):
        assert model._train_chunk(index, chunk, plan, 0, lambda: False, lambda *args: None)
    stream = np.concatenate([stream_of(model, plan, b)[0] for b in range(len(plan["doc_cuts"]) - 1)])
    np.testing.assert_array_equal(np.concatenate(centres), stream)


@pytest.mark.parametrize("block", [None, 37])      # one block, or blocks of a few documents
@pytest.mark.parametrize("stop_at_batch", [3, 10, 25])   # 10 batches an epoch: epochs 1, 1 (last), 3
def test_ctrl_c_saves_a_checkpoint_and_resume_equals_uninterrupted_run(tmp_path, monkeypatch, stop_at_batch, block):
    if block:
        monkeypatch.setattr(subsample, "BLOCK_TOKENS", block)
    docs, _ = _two_group_corpus(np.random.default_rng(4), n_docs=100)
    settings = dict(dim=8, min_count=1, sample=0, epochs=3, batch_size=120, seed=2)
    reference = Word2Vec(**settings).fit(docs, progress=False)
    checkpoint = tmp_path / "w2v.ckpt.npz"
    with monkeypatch.context() as patch:
        _interrupt_after(patch, stop_at_batch)
        with pytest.raises(KeyboardInterrupt, match="checkpoint saved"):
            Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint))
    assert checkpoint.exists()
    resumed = Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint))
    np.testing.assert_array_equal(resumed.in_vectors, reference.in_vectors)
    np.testing.assert_array_equal(resumed.out_vectors, reference.out_vectors)
    assert [h["loss"] for h in resumed.history] == pytest.approx([h["loss"] for h in reference.history])


def test_checkpoint_from_other_settings_is_refused(tmp_path):
    docs, _ = _two_group_corpus(np.random.default_rng(5), n_docs=20)
    checkpoint = str(tmp_path / "w2v.npz")
    Word2Vec(dim=8, min_count=1, epochs=1).fit(docs, progress=False, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="other settings.*dim"):
        Word2Vec(dim=9, min_count=1, epochs=1).fit(docs, progress=False, checkpoint=checkpoint)
    with pytest.raises(ValueError, match="another corpus"):
        Word2Vec(dim=8, min_count=1, epochs=1).fit([["x", "y"]] * 5, progress=False, checkpoint=checkpoint)


def test_a_step_too_large_for_memory_is_refused_before_training():
    with pytest.raises(ValueError, match="GiB per step; lower batch_size"):
        Word2Vec(window=100_000)
    Word2Vec(window=100_000, batch_size=8)                      # fits: fine


def test_a_checkpoint_from_another_corpus_with_the_same_words_is_refused_mid_epoch(tmp_path, monkeypatch):
    # a checkpoint saved inside an epoch counts positions in its epoch's stream; the same vocabulary
    # (in the same order) on another text lays out another stream: refused with advice
    docs, _ = _two_group_corpus(np.random.default_rng(4), n_docs=100)
    settings = dict(dim=8, min_count=1, sample=0.01, epochs=1, batch_size=50, seed=2)
    checkpoint = tmp_path / "w2v.ckpt.npz"
    with monkeypatch.context() as patch:
        _interrupt_after(patch, 3)
        with pytest.raises(KeyboardInterrupt):
            Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint))
    with pytest.raises(ValueError, match="another corpus with the same words; resume on the same corpus"):
        Word2Vec(**settings).fit(docs + docs, progress=False, checkpoint=str(checkpoint))   # counts doubled
    assert Word2Vec(**settings).fit(docs, progress=False, checkpoint=str(checkpoint)).epochs_done == 1


def restamp(path, file_format):
    """Rewrite a saved model as another version of minembed would (``file_format=None``: with no
    stamp, as the development versions before the stamp did)."""
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files if name != FORMAT_ENTRY}
    save_npz(path, file_format=file_format, **arrays)


def test_a_checkpoint_of_another_format_version_is_refused_before_anything_is_written(tmp_path):
    docs, _ = _two_group_corpus(np.random.default_rng(9), n_docs=20)
    checkpoint = str(tmp_path / "w2v.npz")
    Word2Vec(dim=8, min_count=1, epochs=1).fit(docs, progress=False, checkpoint=checkpoint)
    restamp(checkpoint, ("minembed word2vec", 2))
    written = open(checkpoint, "rb").read()
    with pytest.raises(ValueError, match="w2v.npz is minembed word2vec v2, and this minembed reads minembed "
                                         r"word2vec v1: re-create it with this version \(train or save it again\)"):
        Word2Vec(dim=8, min_count=1, epochs=1).fit(docs, progress=False, checkpoint=checkpoint)
    assert open(checkpoint, "rb").read() == written                    # refused before anything is written
