"""CBOW, the objective seam, and gensim's interface on Word2Vec (hand-made cases, then gensim itself)."""
import json
import os
import sys

import numpy as np
import pytest

from minembed import KeyedVectors
from minembed.word2vec import objectives as word2vec_objectives
from minembed.word2vec.alias import table_probs
from minembed.text.vocab import Vocabulary
from minembed.word2vec.model import Word2Vec
from minembed.word2vec.objectives import OBJECTIVES, cbow, cbow_sum, skipgram
from test_word2vec import restamp                   # rewrites a saved model with another format stamp


# ---------------------------------------------------------------------------- the objectives
def _windows(rng, n_centres=4, span=5, negative=3, dim=3):
    """float64 X, Y and masks as sgd_step hands them to an objective; one window has no context."""
    X = rng.normal(scale=0.7, size=(n_centres, span, dim))
    Y = rng.normal(scale=0.7, size=(n_centres, negative + 1, dim))
    context = rng.random((n_centres, span)) < 0.6
    context[:, span // 2] = False                               # the centre is never its own context
    context[0, 0] = True
    context[1] = False                                          # a centre alone in its document
    targets = np.ones((n_centres, negative + 1), bool)
    targets[2, 1] = False                                       # a negative equal to its centre
    return X, Y, context, targets


def _log_sigmoid(s):
    return -np.log1p(np.exp(-s))


def test_cbow_loss_is_the_formula_computed_window_by_window():
    X, Y, context, targets = _windows(np.random.default_rng(0))
    for mean in (True, False):
        expected, windows = 0.0, 0
        for n in range(len(X)):
            if not context[n].any():
                continue
            h = X[n][context[n]].sum(axis=0) / (context[n].sum() if mean else 1)
            expected -= _log_sigmoid(h @ Y[n, 0])
            expected -= sum(_log_sigmoid(-h @ Y[n, k]) for k in range(1, Y.shape[1]) if targets[n, k])
            windows += 1
        loss, n_examples, _, _ = cbow(X.copy(), Y.copy(), context, targets, 0.0, mean=mean)
        assert n_examples == windows == 3
        assert loss == pytest.approx(expected, rel=1e-12)


def _numeric_gradient(loss_of, array, eps=1e-6):
    numeric = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        plus, minus = array.copy(), array.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric[index] = (loss_of(plus) - loss_of(minus)) / (2 * eps)
    assert np.abs(numeric).max() > 1e-3                         # not vacuous
    return numeric


@pytest.mark.parametrize("objective", [skipgram, cbow, cbow_sum], ids=["skipgram", "cbow", "cbow_sum"])
def test_each_objectives_step_against_finite_differences(objective):
    """step_Y is exactly -lr * dloss/dY. step_X too for skip-gram; CBOW's is word2vec.c's: each
    context row gets the whole step of h, which is n times the exact gradient for the mean and
    (gensim's cbow_mean=0) 1/n of it for the sum."""
    X, Y, context, targets = _windows(np.random.default_rng(1))
    lr = 0.5
    _, _, step_X, step_Y = objective(X.copy(), Y.copy(), context, targets, lr)
    grad_X = _numeric_gradient(lambda x: objective(x, Y.copy(), context, targets, 0.0)[0], X)
    grad_Y = _numeric_gradient(lambda y: objective(X.copy(), y, context, targets, 0.0)[0], Y)
    np.testing.assert_allclose(step_Y, -lr * grad_Y, rtol=1e-6, atol=1e-9)
    n_context = np.maximum(context.sum(axis=1), 1)[:, None, None]
    scale = {skipgram: 1, cbow: n_context, cbow_sum: 1 / n_context}[objective]
    np.testing.assert_allclose(step_X, -lr * grad_X * scale, rtol=1e-6, atol=1e-9)
    assert not step_X[~context].any()                           # only context positions move


def test_a_registered_objective_is_used_by_name(monkeypatch):
    calls = []

    def recording_skipgram(X, Y, context, targets, lr):
        calls.append(X.shape)
        return skipgram(X, Y, context, targets, lr)

    monkeypatch.setitem(OBJECTIVES, "recorded", recording_skipgram)
    docs = [["a", "b", "c", "a", "b"]] * 20
    settings = dict(dim=4, min_count=1, epochs=2, batch_size=16, window=2)
    mine = Word2Vec(objective="recorded", **settings).fit(docs, progress=False)
    reference = Word2Vec(**settings).fit(docs, progress=False)
    assert calls and calls[0][1:] == (5, 4)                     # (N, 2w+1, d) windows
    np.testing.assert_array_equal(mine.in_vectors, reference.in_vectors)
    with pytest.raises(ValueError, match="objective must be one of"):
        Word2Vec(objective="glove")


def test_cbow_learns_which_words_share_contexts():
    rng = np.random.default_rng(0)
    groups = [["apple", "banana", "cherry", "grape", "lemon"], ["iron", "copper", "zinc", "nickel", "tin"]]
    docs = [list(rng.choice(groups[d % 2], size=12)) for d in range(400)]
    model = Word2Vec(objective="cbow", dim=16, window=3, negative=3, min_count=1, sample=0, epochs=5,
                     batch_size=64, seed=3, alpha=0.05).fit(docs, progress=False)
    within = [model.wv.similarity(a, b) for g in groups for a in g for b in g if a < b]
    across = [model.wv.similarity(a, b) for a in groups[0] for b in groups[1]]
    assert min(within) > max(across)
    assert model.history[-1]["loss"] < model.history[0]["loss"]


# ---------------------------------------------------------------------------- gensim's names
DOCS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "log"]] * 30


def test_gensim_names_train_at_once_and_equal_minembeds_names():
    theirs = Word2Vec(DOCS, vector_size=8, sg=0, min_count=1, epochs=2, progress=False)
    ours = Word2Vec(dim=8, objective="cbow", min_count=1, epochs=2).fit(DOCS, progress=False)
    np.testing.assert_array_equal(theirs.wv.vectors, ours.wv.vectors)
    assert (theirs.vector_size, theirs.sg, theirs.cbow_mean, theirs.hs) == (8, 0, 1, 0)
    assert Word2Vec(DOCS, sg=0, cbow_mean=0, min_count=1, epochs=1, progress=False).objective == "cbow_sum"
    assert Word2Vec(sg=1).objective == "skipgram" and Word2Vec().objective == "skipgram"
    assert theirs.corpus_count == 60 and theirs.corpus_total_words == 360
    assert theirs.syn1neg is theirs.out_vectors


@pytest.mark.parametrize("kwargs, error, match", [
    ({"negative": 0}, ValueError, "there will be no training"),
    ({"hs": 1}, ValueError, "hierarchical softmax"),
    ({"size": 10}, TypeError, "use vector_size"),
    ({"iter": 3}, TypeError, "use epochs"),
    ({"vectorsize": 10}, TypeError, "unexpected keyword"),
    ({"dim": 50, "vector_size": 60}, ValueError, "disagree"),
    ({"dim": 100, "vector_size": 50}, ValueError, "disagree"),                 # an explicit 100 counts too
    ({"objective": "cbow_sum", "sg": 1}, ValueError, "disagree"),
    ({"sg": 2}, ValueError, "sg must be 0"),
    ({"trim_rule": len}, ValueError, "trim_rule"),
    ({"max_vocab_size": 1000}, ValueError, "max_final_vocab"),
    ({"max_final_vocab": 0}, ValueError, "max_final_vocab must be"),
])
def test_what_minembed_does_not_do_is_refused_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        Word2Vec(**kwargs)


def test_an_integer_first_argument_is_taken_for_the_dimension_and_refused():
    with pytest.raises(TypeError, match="give the dimension by name"):
        Word2Vec(100)


def test_shrink_windows_false_uses_every_position_of_the_window():
    docs = [["a", "b", "c", "d", "e"], ["f", "g", "h"]]
    model = Word2Vec(dim=4, window=2, min_count=1, sample=0, epochs=1, shrink_windows=False).fit(docs, progress=False)
    # pairs per position, min(w, left) + min(w, right): 2+3+4+3+2 in the first document, 2+2+2 in the second
    assert model.history[0]["pairs"] == 14 + 6
    shrunk = Word2Vec(dim=4, window=2, min_count=1, sample=0, epochs=1).fit(docs, progress=False)
    assert shrunk.history[0]["pairs"] < 20


def test_ns_exponent_shapes_the_noise_distribution():
    model = Word2Vec(min_count=1, ns_exponent=0.5).build([["a"] * 16 + ["b"] * 4])
    np.testing.assert_allclose(table_probs(model.noise_accept, model.noise_alias), [4 / 6, 2 / 6], rtol=1e-12)


def test_max_final_vocab_raises_min_count_so_tied_words_all_go():
    counts = {"a": 5, "b": 3, "c": 3, "d": 1}
    assert Vocabulary.from_counts(counts, max_final_vocab=2).itos == ["a"]       # b and c tie at the cut
    assert Vocabulary.from_counts(counts, max_final_vocab=3).itos == ["a", "b", "c"]
    assert Vocabulary.from_counts(counts, max_size=2).itos == ["a", "b"]         # minembed's own cap
    docs = [[w] * n for w, n in counts.items()]
    assert Word2Vec(min_count=1, max_final_vocab=3).build(docs).vocab.itos == ["a", "b", "c"]


# ---------------------------------------------------------------------------- build_vocab, train, loss, callbacks
SETTINGS = dict(dim=6, window=2, min_count=1, epochs=3, batch_size=16, seed=4)


def test_build_vocab_then_train_equals_fit():
    fitted = Word2Vec(**SETTINGS).fit(DOCS, progress=False)
    stepwise = Word2Vec(**SETTINGS)
    stepwise.build_vocab(DOCS)
    trained, raw = stepwise.train(DOCS, total_examples=stepwise.corpus_count, epochs=stepwise.epochs, progress=False)
    np.testing.assert_array_equal(stepwise.in_vectors, fitted.in_vectors)
    assert trained == sum(h["effective_words"] for h in fitted.history) and raw == 3 * 360


def test_train_continues_from_the_current_vectors_with_its_own_schedule():
    model = Word2Vec(**SETTINGS).fit(DOCS, progress=False)
    before = model.in_vectors.copy()
    rates = []
    model._train_batch = (lambda original: lambda *args: (rates.append(args[2]), original(*args))[1])(model._train_batch)
    model.train(DOCS, total_examples=60, epochs=1, start_alpha=0.01, end_alpha=0.001, progress=False)
    assert model.epochs_done == 4 and len(model.history) == 4
    assert not np.array_equal(model.in_vectors, before)
    assert rates[0] == pytest.approx(0.01) and 0.001 < rates[-1] < rates[0]
    again = Word2Vec(**SETTINGS).fit(DOCS, progress=False)      # a second fit starts afresh
    np.testing.assert_array_equal(again.fit(DOCS, progress=False).in_vectors, before)


def test_train_skips_words_outside_the_vocabulary():
    model = Word2Vec(**SETTINGS).fit(DOCS, progress=False)
    model.train([["the", "zebra", "cat"]] * 10, total_words=30, epochs=1, progress=False)
    assert model.corpus.n_tokens == 20 and len(model.vocab) == 7 and "zebra" not in model.vocab


@pytest.mark.parametrize("call, error, match", [
    (lambda m: Word2Vec().train(DOCS, total_examples=1, epochs=1), RuntimeError, "build vocabulary"),
    (lambda m: m.train(DOCS, epochs=1), ValueError, "total_examples or total_words"),
    (lambda m: m.train(DOCS, total_examples=60), ValueError, "explicit epochs"),
    (lambda m: m.train(total_examples=60, epochs=1), TypeError, "exactly one of"),
    (lambda m: m.train(DOCS, corpus_file="x.txt", total_examples=60, epochs=1), TypeError, "exactly one of"),
    (lambda m: m.build_vocab(corpus_file="/no/such/file.txt"), TypeError, "path of a file"),
    (lambda m: m.build_vocab(DOCS, update=True), ValueError, "update=True"),
])
def test_gensim_verbs_misused_say_how(call, error, match):
    model = Word2Vec(**SETTINGS).fit(DOCS, progress=False)
    with pytest.raises(error, match=match):
        call(model)


class Recorder:
    def __init__(self):
        self.events = []

    def on_train_begin(self, model):
        self.events.append("train_begin")

    def on_epoch_begin(self, model):
        self.events.append("epoch_begin")

    def on_epoch_end(self, model):
        self.events.append(("epoch_end", model.epochs_done, model.get_latest_training_loss()))

    def on_train_end(self, model):
        self.events.append("train_end")


def test_callbacks_and_the_latest_training_loss():
    recorder = Recorder()
    model = Word2Vec(DOCS, callbacks=[recorder], progress=False, **SETTINGS)
    ends = [e for e in recorder.events if isinstance(e, tuple)]
    assert recorder.events == ["train_begin", "epoch_begin", ends[0], "epoch_begin", ends[1], "epoch_begin", ends[2],
                               "train_end"]
    assert [e[1] for e in ends] == [1, 2, 3]
    running = np.cumsum([h["loss"] * h["pairs"] for h in model.history])
    np.testing.assert_allclose([e[2] for e in ends], running)                  # summed over the call
    assert model.get_latest_training_loss() == pytest.approx(running[-1]) and running[-1] > 0
    model.train(DOCS, total_examples=60, epochs=1, progress=False)
    assert model.get_latest_training_loss() == pytest.approx(model.history[-1]["loss"] * model.history[-1]["pairs"])


# ---------------------------------------------------------------------------- save / load
def test_save_load_round_trip_and_continued_training_is_the_same(tmp_path):
    model = Word2Vec(objective="cbow", ns_exponent=0.6, **SETTINGS).fit(DOCS, progress=False)
    model.save(tmp_path / "model.npz")
    loaded = Word2Vec.load(tmp_path / "model.npz")
    np.testing.assert_array_equal(loaded.in_vectors, model.in_vectors)
    np.testing.assert_array_equal(loaded.out_vectors, model.out_vectors)
    assert loaded.config() == model.config() and loaded.vocab.itos == model.vocab.itos
    np.testing.assert_array_equal(loaded.vocab.counts, model.vocab.counts)
    assert loaded.history == model.history and loaded.epochs_done == 3
    for m in (model, loaded):
        m.train(DOCS, total_examples=60, epochs=2, progress=False)
    np.testing.assert_array_equal(loaded.in_vectors, model.in_vectors)


def test_load_refuses_other_files_and_save_needs_a_model(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="Word2Vec model"):
        Word2Vec.load(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="fit or build_vocab first"):
        Word2Vec().save(tmp_path / "empty.npz")
    assert not (tmp_path / "empty.npz").exists()


@pytest.mark.parametrize("file_format, match", [
    (("minembed word2vec", 0), "model.npz is minembed word2vec v0, and this minembed reads minembed word2vec v1"),
    (None, r"in the format this minembed reads \(minembed word2vec v1\): it has no format stamp"),
], ids=["another version", "no stamp"])
def test_a_model_file_of_another_format_version_is_refused_naming_both(tmp_path, file_format, match):
    path = tmp_path / "model.npz"
    Word2Vec(**SETTINGS).fit(DOCS, progress=False).save(path)
    assert Word2Vec.load(path).epochs_done == 3
    restamp(path, file_format)
    with pytest.raises(ValueError, match=match):
        Word2Vec.load(path)


def test_corpus_file_is_split_on_whitespace_like_gensims_line_sentence(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("The cat, sat\nthe cat sat\n" * 5, encoding="utf-8")
    model = Word2Vec(corpus_file=str(path), min_count=1, dim=4, epochs=1, progress=False)
    assert sorted(model.vocab.itos) == ["The", "cat", "cat,", "sat", "the"]
    model.save(tmp_path / "m.npz")
    assert Word2Vec.load(tmp_path / "m.npz").tokenizer.config() == model.tokenizer.config()


# ---------------------------------------------------------------------------- against gensim itself
def test_vocabulary_and_counts_equal_gensims(tmp_path):
    gensim = pytest.importorskip("gensim")
    path = tmp_path / "corpus.txt"
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    lines = [" ".join(rng.choice(words, size=20, p=np.arange(60, 0, -1) / 1830)) for _ in range(200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for kwargs in ({"min_count": 5}, {"min_count": 1, "max_final_vocab": 25}):
        theirs = gensim.models.Word2Vec(corpus_file=str(path), vector_size=4, epochs=1, workers=1, **kwargs)
        ours = Word2Vec(corpus_file=str(path), vector_size=4, epochs=1, progress=False, **kwargs)
        assert sorted(ours.vocab.itos) == sorted(theirs.wv.index_to_key)
        assert {w: int(c) for w, c in zip(ours.vocab.itos, ours.vocab.counts)} == \
            {w: theirs.wv.get_vecattr(w, "count") for w in theirs.wv.index_to_key}
        assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words)


def test_corpus_count_is_gensims_with_empty_and_rare_only_sentences():
    gensim = pytest.importorskip("gensim")
    sentences = DOCS + [[], ["zzrare"], ["the", "cat"]]
    theirs = gensim.models.Word2Vec(sentences, vector_size=4, min_count=2, epochs=1, workers=1)
    ours = Word2Vec(sentences, vector_size=4, min_count=2, epochs=1, progress=False)
    assert (ours.corpus_count, ours.corpus_total_words) == (theirs.corpus_count, theirs.corpus_total_words) == (63, 363)


def test_gensims_own_callback_class_works():
    gensim = pytest.importorskip("gensim")

    class EpochLosses(gensim.models.callbacks.CallbackAny2Vec):
        def __init__(self):
            self.losses = []

        def on_epoch_end(self, model):
            self.losses.append(model.get_latest_training_loss())

    callback = EpochLosses()
    model = Word2Vec(DOCS, callbacks=[callback], compute_loss=True, progress=False, **SETTINGS)
    np.testing.assert_allclose(callback.losses, np.cumsum([h["loss"] * h["pairs"] for h in model.history]))


def test_module_names_the_seam():
    assert set(word2vec_objectives.OBJECTIVES) >= {"skipgram", "cbow", "cbow_sum"}


# ---------------------------------------------------------------------------- train.py: the files gensim reads
def _cli_corpus(tmp_path):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import train                                                 # (train.py is at the repository root)
    path = tmp_path / "corpus.txt"
    rng = np.random.default_rng(1)
    words = [a + b for a in "bcdfg" for b in "aeiouxyz"]           # 40 words the default tokenizer keeps
    path.write_text("\n".join(" ".join(rng.choice(words, size=15)) for _ in range(80)) + "\n", encoding="utf-8")
    return train, path


def test_cli_binary_vectors_cbow_and_the_saved_model(tmp_path):
    train, corpus = _cli_corpus(tmp_path)
    out = tmp_path / "run"
    assert train.main(["word2vec", "--corpus", str(corpus), "--out", str(out), "--dim", "8", "--epochs", "1",
                       "--objective", "cbow", "--binary", "--save-model"]) == 0
    assert {"vectors.bin", "model.npz", "vocab.tsv", "config.json"} <= set(p.name for p in out.iterdir())
    assert not (out / "vectors.txt").exists()
    vectors = KeyedVectors.load_word2vec_format(out / "vectors.bin", binary=True)
    model = Word2Vec.load(out / "model.npz")
    assert model.objective == "cbow" and model.vocab.itos == vectors.index_to_key
    np.testing.assert_array_equal(model.in_vectors, vectors.vectors)
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["vocab_specials"] == [] and config["word2vec"]["objective"] == "cbow"
    assert Vocabulary.load(out / "vocab.tsv").itos == vectors.index_to_key


def test_gensim_reads_the_cli_vectors_with_vocab_tsv_as_fvocab(tmp_path):
    gensim = pytest.importorskip("gensim")
    train, corpus = _cli_corpus(tmp_path)
    for binary in ([], ["--binary"]):
        out = tmp_path / f"run{len(binary)}"
        assert train.main(["word2vec", "--corpus", str(corpus), "--out", str(out), "--dim", "8", "--epochs", "1"]
                          + binary) == 0
        name = "vectors.bin" if binary else "vectors.txt"
        theirs = gensim.models.KeyedVectors.load_word2vec_format(str(out / name), binary=bool(binary),
                                                                 fvocab=str(out / "vocab.tsv"))
        vocab = Vocabulary.load(out / "vocab.tsv")
        assert theirs.index_to_key == vocab.itos
        assert [theirs.get_vecattr(w, "count") for w in vocab.itos] == vocab.counts.tolist()


# ---------------------------------------------------------------------------- state that must not go stale
OTHER = [["x", "y", "z", "x"]] * 50


def test_train_encodes_its_own_corpus_after_a_fit_on_another():
    model = Word2Vec(**SETTINGS)
    model.build_vocab(DOCS)
    model.fit(OTHER, progress=False)                          # replaces the corpus build_vocab read
    model.train(OTHER[:10], total_examples=10, epochs=1, progress=False)
    assert model.corpus.n_tokens == 40


def test_train_starts_its_epochs_afresh_even_after_a_stopped_one(tmp_path):
    model = Word2Vec(**SETTINGS).fit(DOCS, progress=False)
    model.save(tmp_path / "clean.npz")
    model._resume_at = {"seconds": 1.0, "chunks": [{"first": 0, "position": 10**6, "stop": 10**6 + 1,
                                                    "loss_sum": 5.0, "pairs": 99, "rng_state": None}]}
    model.save(tmp_path / "stopped.npz")                      # as a checkpoint written by Ctrl-C
    clean, stopped = (Word2Vec.load(tmp_path / name) for name in ("clean.npz", "stopped.npz"))
    for m in (clean, stopped):
        m.train(DOCS, total_examples=60, epochs=1, progress=False)
    np.testing.assert_array_equal(stopped.in_vectors, clean.in_vectors)
    assert stopped.history[-1]["pairs"] == clean.history[-1]["pairs"] > 0


def test_the_tokenizer_of_a_corpus_file_is_chosen_per_call_and_survives_save_load(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("The Cat, sat\n" * 10, encoding="utf-8")
    model = Word2Vec(**SETTINGS).fit([["the", "cat", "sat"]] * 10, progress=False)
    model.save(tmp_path / "m.npz")
    for m in (model, Word2Vec.load(tmp_path / "m.npz")):
        m.train(corpus_file=str(path), total_examples=10, epochs=1, progress=False)
        assert m.corpus.n_tokens == 10 and m.corpus.n_dropped == 20        # "The", "Cat," unknown: split on spaces
        assert m.tokenizer.config() == Word2Vec().tokenizer.config()        # the model's own is unchanged
    built = Word2Vec(**SETTINGS).build_vocab(corpus_file=str(path))
    assert sorted(built.vocab.itos) == ["Cat,", "The", "sat"]
    assert built.fit(str(path), progress=False).vocab.itos == ["cat", "sat", "the"]   # fit(path): minembed's tokens


def test_max_final_vocab_is_named_when_it_empties_the_vocabulary():
    with pytest.raises(ValueError, match=r"max_final_vocab=2 raised it.*raise max_final_vocab"):
        Vocabulary.from_counts({"a": 2, "b": 2, "c": 2}, max_final_vocab=2)


def test_a_resumed_fit_reports_the_whole_runs_loss(tmp_path):
    path = tmp_path / "ck.npz"
    straight = Word2Vec(**SETTINGS).fit(DOCS, progress=False, checkpoint=str(path))
    resumed = Word2Vec(**SETTINGS).fit(DOCS, progress=False, checkpoint=str(path))   # nothing left to train
    assert straight.get_latest_training_loss() > 0
    assert resumed.get_latest_training_loss() == pytest.approx(straight.get_latest_training_loss())
