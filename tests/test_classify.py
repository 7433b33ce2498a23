"""EncoderClassifier / WordVectorClassifier: pooling by hand, every gradient by finite differences
and against PyTorch, frozen means frozen, tiny separable sets learned, seeds, labels, errors, files."""
import numpy as np
import pytest

from minembed import AttentionEncoder, KeyedVectors, Vocabulary
from minembed.tasks.classify import EncoderClassifier, WordVectorClassifier
from minembed.tasks.finetune import pool, pool_backward
from minembed.nn.gradcheck import check_gradients

GOOD = ["a good film", "great fun and good", "a fine great story", "good good fun", "fine and great",
        "the story was great", "such fun", "a good story"]
BAD = ["a bad film", "awful and dull", "a poor dull story", "bad bad film", "dull and awful",
       "the story was poor", "so awful", "a bad story"]
TEXTS, LABELS = GOOD + BAD, ["pos"] * len(GOOD) + ["neg"] * len(BAD)


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.build([t.split() for t in TEXTS]).with_specials()


def encoder_of(vocab, seed=3):
    return AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=8, seed=seed)


def word_vectors(vocab, seed=0):
    words = vocab.itos[len(vocab.specials):]
    return KeyedVectors(words, np.random.default_rng(seed).normal(0, 0.3, (len(words), 6)))


def in_float64(clf, rng):
    """Float64 weights (for finite differences) and a random head, so every gradient is nonzero."""
    body = clf._body_params()
    for name in list(body):
        body[name] = body[name].astype(np.float64)
        if body[name].ndim == 1:
            body[name] += rng.normal(0, 0.2, body[name].shape)
    dim = clf._dim()
    clf.classes_ = np.array(["a", "b", "c"])
    clf.head = {"W": rng.normal(0, 1.0, (dim, 3)), "b": rng.normal(0, 0.5, 3)}


def batch_of(clf, texts):
    return clf._pad(clf._token_ids(texts))


# ---------------------------------------------------------------------------- pooling by hand
def test_mean_and_max_pooling_by_hand():
    H = np.array([[[1.0, -2.0], [3.0, 4.0], [9.0, 9.0]],          # third token is padding
                  [[0.5, 0.0], [0.0, 0.0], [0.0, 0.0]]])
    real = np.array([[True, True, False], [True, False, False]])
    z, cache = pool(H, real, "mean")
    np.testing.assert_allclose(z, [[2.0, 1.0], [0.5, 0.0]])
    dH = pool_backward(np.array([[2.0, 4.0], [1.0, 1.0]]), H.shape, cache)
    np.testing.assert_allclose(dH, [[[1, 2], [1, 2], [0, 0]], [[1, 1], [0, 0], [0, 0]]])
    z, cache = pool(H, real, "max")
    np.testing.assert_allclose(z, [[3.0, 4.0], [0.5, 0.0]])        # the padded 9s never win
    dH = pool_backward(np.array([[2.0, 4.0], [1.0, 1.0]]), H.shape, cache)
    np.testing.assert_allclose(dH, [[[0, 0], [2, 4], [0, 0]], [[1, 1], [0, 0], [0, 0]]])
    z, _ = pool(H, np.zeros_like(real), "max")                      # no real token -> 0
    np.testing.assert_array_equal(z, 0.0)


# ---------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("pooling", ["mean", "max"])
@pytest.mark.parametrize("with_dropout", [False, True])
def test_encoder_classifier_gradients_match_finite_differences(vocab, pooling, with_dropout):
    rng = np.random.default_rng(1)
    clf = EncoderClassifier(encoder_of(vocab), pooling=pooling, dropout=0.3, progress=False)
    in_float64(clf, rng)
    ids = batch_of(clf, ["a good film", "the story was poor and dull", "fun"])   # padded rows
    labels = np.array([0, 2, 1])
    keep = rng.random((3, 8)) >= 0.3 if with_dropout else None
    loss, grads = clf.loss_and_grads(ids, labels, keep)
    arrays = {**{f"head/{k}": v for k, v in clf.head.items()},
              **{f"body/{k}": v for k, v in clf.encoder.params.items()}}
    assert set(grads) == set(arrays)
    report = check_gradients(lambda: clf.loss_and_grads(ids, labels, keep)[0], arrays, grads, rtol=1e-5)
    assert max(report.values()) < 1e-5, report
    assert np.all(grads["body/out_bias"] == 0)                     # the MLM head is not used


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_word_vector_classifier_gradients_match_finite_differences(vocab, pooling):
    rng = np.random.default_rng(2)
    clf = WordVectorClassifier(word_vectors(vocab), pooling=pooling, progress=False)
    in_float64(clf, rng)
    ids = batch_of(clf, ["a good good film", "awful", "the story was poor and dull"])
    labels, keep = np.array([1, 0, 2]), rng.random((3, 6)) >= 0.2
    loss, grads = clf.loss_and_grads(ids, labels, keep)
    arrays = {"head/W": clf.head["W"], "head/b": clf.head["b"], "body/vectors": clf.params["vectors"]}
    report = check_gradients(lambda: clf.loss_and_grads(ids, labels, keep)[0], arrays, grads, rtol=1e-5)
    assert max(report.values()) < 1e-5, report
    unused = np.setdiff1d(np.arange(len(clf.words)), ids)
    assert np.all(grads["body/vectors"][unused] == 0)


def test_encoder_classifier_matches_a_pytorch_twin(vocab):
    torch = pytest.importorskip("torch")
    from test_encoder import torch_block
    rng = np.random.default_rng(4)
    clf = EncoderClassifier(encoder_of(vocab), pooling="mean", dropout=0.25, progress=False)
    in_float64(clf, rng)
    ids = batch_of(clf, ["a good film", "the story was poor and dull", "fun"])
    labels, keep = np.array([0, 2, 1]), rng.random((3, 8)) >= 0.25
    loss, grads = clf.loss_and_grads(ids, labels, keep)

    P = {name: torch.tensor(value, requires_grad=True) for name, value in clf.encoder.params.items()}
    W, b = (torch.tensor(clf.head[n], requires_grad=True) for n in ("W", "b"))
    y = torch_block(torch, P, ids, vocab.pad_id, 8)                        # (B, T, d)
    real = torch.tensor(ids != vocab.pad_id, dtype=torch.float64)[..., None]
    z = (y * real).sum(1) / real.sum(1) * torch.tensor(keep) / 0.75
    torch_loss = torch.nn.functional.cross_entropy(z @ W + b, torch.tensor(labels))
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-10)
    np.testing.assert_allclose(grads["head/W"], W.grad.numpy(), rtol=1e-8, atol=1e-12)
    for name in P:
        if name != "out_bias":
            np.testing.assert_allclose(grads[f"body/{name}"], P[name].grad.numpy(), rtol=1e-7, atol=1e-12,
                                       err_msg=name)


# ---------------------------------------------------------------------------- training
@pytest.mark.parametrize("freeze", [False, True])
def test_a_tiny_separable_set_is_learned_and_the_callers_encoder_is_untouched(vocab, freeze):
    encoder = encoder_of(vocab)
    before = {name: value.copy() for name, value in encoder.params.items()}
    clf = EncoderClassifier(encoder, freeze=freeze, lr=0.05, body_lr=3e-3, batch_size=4, max_epochs=40,
                            validation_fraction=0.0, dropout=0.0, progress=False).fit(TEXTS, LABELS)
    if not freeze:                      # (frozen random features need not separate 16 texts)
        assert clf.score(TEXTS, LABELS) == 1.0
    assert clf.history[-1]["loss"] < clf.history[0]["loss"]
    for name, value in encoder.params.items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)      # the caller's copy
        if freeze:
            np.testing.assert_array_equal(clf.encoder.params[name], before[name], err_msg=name)
    if not freeze:
        assert not np.array_equal(clf.encoder.params["W_q"], before["W_q"])   # fine-tuning moved it


def test_word_vectors_fine_tuned_separate_a_tiny_set_frozen_ones_stay(vocab):
    vectors = word_vectors(vocab)
    frozen = WordVectorClassifier(vectors, freeze=True, lr=0.05, batch_size=4, max_epochs=5,
                                  validation_fraction=0.0, progress=False).fit(TEXTS, LABELS)
    np.testing.assert_array_equal(frozen.params["vectors"], vectors.vectors)
    tuned = WordVectorClassifier(vectors, freeze=False, lr=0.05, body_lr=0.05, batch_size=4, max_epochs=40,
                                 validation_fraction=0.0, dropout=0.0, progress=False).fit(TEXTS, LABELS)
    assert tuned.score(TEXTS, LABELS) == 1.0
    assert not np.array_equal(tuned.keyed_vectors().vectors, vectors.vectors)


def test_same_seed_same_classifier_other_seed_other(vocab):
    def run(seed):
        clf = EncoderClassifier(encoder_of(vocab), seed=seed, batch_size=4, max_epochs=3, progress=False)
        return clf.fit(TEXTS, LABELS).predict_proba(TEXTS)
    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5), run(6))


def test_early_stopping_keeps_the_best_epoch(vocab):
    clf = EncoderClassifier(encoder_of(vocab), max_epochs=20, patience=2, batch_size=4,
                            validation_fraction=0.25, progress=False).fit(TEXTS, LABELS)
    accuracies = [h["val_accuracy"] for h in clf.history]
    best = int(np.argmax(accuracies))
    assert len(accuracies) == 20 or len(accuracies) == best + 1 + 2     # stopped 2 epochs after the best
    # the kept weights are the best epoch's: re-measure on the same validation split
    rng = np.random.default_rng(clf.seed)
    from minembed.tasks.finetune import _stratified_holdout
    _, val = _stratified_holdout(np.unique(LABELS, return_inverse=True)[1], 0.25, rng)
    assert clf.score([TEXTS[i] for i in val], [LABELS[i] for i in val]) == pytest.approx(accuracies[best])


def test_any_classes_and_probabilities(vocab):
    labels = [3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]
    clf = WordVectorClassifier(word_vectors(vocab), batch_size=4, max_epochs=2, progress=False).fit(TEXTS, labels)
    np.testing.assert_array_equal(clf.classes_, [1, 2, 3])
    proba = clf.predict_proba(TEXTS[:4])
    assert proba.shape == (4, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(TEXTS)) <= {1, 2, 3}
    np.testing.assert_array_equal(clf.predict(TEXTS[:4]), clf.classes_[proba.argmax(axis=1)])


def test_bad_inputs_give_clear_errors(vocab):
    encoder = encoder_of(vocab)
    with pytest.raises(ValueError, match="at least two"):
        EncoderClassifier(encoder, progress=False).fit(TEXTS, ["pos"] * len(TEXTS))
    with pytest.raises(ValueError, match="one label per text"):
        EncoderClassifier(encoder, progress=False).fit(TEXTS, LABELS[:-1])
    with pytest.raises(ValueError, match="not fitted"):
        EncoderClassifier(encoder, progress=False).predict(["good"])
    with pytest.raises(ValueError, match="pooling"):
        EncoderClassifier(encoder, pooling="cls")
    with pytest.raises(ValueError, match="no tokens"):
        EncoderClassifier(encoder, progress=False).fit(["", "good"], ["a", "b"])
    with pytest.raises(TypeError, match="AttentionEncoder"):
        EncoderClassifier(word_vectors(vocab))
    with pytest.raises(TypeError, match="KeyedVectors"):
        WordVectorClassifier(encoder)


# ---------------------------------------------------------------------------- files
@pytest.mark.parametrize("kind", ["encoder", "vectors"])
def test_save_load_round_trip_predicts_the_same(vocab, tmp_path, kind):
    if kind == "encoder":
        clf = EncoderClassifier(encoder_of(vocab), pooling="max", batch_size=4, max_epochs=2, progress=False)
    else:
        clf = WordVectorClassifier(word_vectors(vocab), batch_size=4, max_epochs=2, progress=False)
    clf.fit(TEXTS, LABELS)
    path = tmp_path / "clf.npz"
    clf.save(path)
    loaded = type(clf).load(path)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), clf.predict_proba(TEXTS))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.pooling == clf.pooling
    other = WordVectorClassifier if kind == "encoder" else EncoderClassifier
    with pytest.raises(ValueError, match=f"not a {other.__name__}"):
        other.load(path)


@pytest.mark.parametrize("file_format, match", [
    (("minembed classifier", 2), "clf.npz is minembed classifier v2, and this minembed reads minembed classifier v1"),
    (None, r"in the format this minembed reads \(minembed classifier v1\): it has no format stamp"),
], ids=["another version", "no stamp"])
def test_a_classifier_file_of_another_format_version_is_refused_naming_both(vocab, tmp_path, file_format, match):
    from minembed.core.fileio import FORMAT_ENTRY, save_npz
    path = tmp_path / "clf.npz"
    WordVectorClassifier(word_vectors(vocab), max_epochs=1, progress=False).fit(TEXTS, LABELS).save(path)
    with np.load(path) as saved:
        assert str(saved[FORMAT_ENTRY]) == "minembed classifier v1"
        arrays = {name: saved[name] for name in saved.files if name != FORMAT_ENTRY}
    save_npz(path, file_format=file_format, **arrays)                  # as another version would write it
    with pytest.raises(ValueError, match=match):
        WordVectorClassifier.load(path)


# ---------------------------------------------------------------------------- words the pretrained model lacks
NEW_TEXTS = ["a zany good film", "zany and great", "a drab bad film", "drab and dull", "the gloopy story"]
NEW_LABELS = ["pos", "pos", "neg", "neg", "neg"]


@pytest.mark.parametrize("kind", ["encoder", "vectors"])
def test_fine_tuning_gives_frequent_new_words_vectors_of_their_own(vocab, tmp_path, kind):
    body = encoder_of(vocab) if kind == "encoder" else word_vectors(vocab)
    make = EncoderClassifier if kind == "encoder" else WordVectorClassifier
    clf = make(body, new_words=2, batch_size=2, max_epochs=2, validation_fraction=0.0, progress=False)
    clf.fit(NEW_TEXTS, NEW_LABELS)
    assert clf.added_words == ["drab", "zany"]                      # twice each; "gloopy" once: left out
    ids = clf._token_ids(["zany drab gloopy"])[0]
    if kind == "encoder":
        assert clf.encoder.vocab.decode(ids) == ["zany", "drab", "<unk>"]
        assert clf.encoder.params["tok_emb"].shape[0] == len(vocab) + 2 == len(clf.encoder.vocab)
        assert len(body.vocab) == len(vocab)                        # the caller's encoder is unchanged
    else:
        assert [clf.words[i] for i in ids] == ["zany", "drab"]
        assert clf.params["vectors"].shape[0] == len(body) + 2
    path = tmp_path / "clf.npz"
    clf.save(path)
    np.testing.assert_array_equal(make.load(path).predict_proba(NEW_TEXTS), clf.predict_proba(NEW_TEXTS))


def test_frozen_classifiers_add_no_words(vocab):
    clf = WordVectorClassifier(word_vectors(vocab), freeze=True, new_words=1, max_epochs=1, validation_fraction=0.0,
                               progress=False)
    clf.fit(NEW_TEXTS, NEW_LABELS)
    assert clf.added_words == [] and clf.params["vectors"].shape[0] == len(vocab) - len(vocab.specials)


def test_the_embedding_table_has_its_own_learning_rate(vocab):
    encoder = encoder_of(vocab)
    clf = EncoderClassifier(encoder, lr=0.05, body_lr=3e-3, embedding_lr=1e-9, batch_size=4, max_epochs=3,
                            validation_fraction=0.0, progress=False).fit(TEXTS, LABELS)
    assert np.abs(clf.encoder.params["tok_emb"] - encoder.params["tok_emb"]).max() < 1e-6     # ~ 1e-9 a step
    assert np.abs(clf.encoder.params["W_q"] - encoder.params["W_q"]).max() > 1e-3


def test_a_second_fit_starts_from_the_pretrained_model_and_leaves_the_caller_alone(vocab, tmp_path):
    encoder = encoder_of(vocab)
    settings = dict(new_words=2, batch_size=2, max_epochs=2, validation_fraction=0.0, progress=False)
    once = EncoderClassifier(encoder, **settings).fit(NEW_TEXTS, NEW_LABELS)
    twice = EncoderClassifier(encoder, **settings).fit(NEW_TEXTS, NEW_LABELS).fit(NEW_TEXTS, NEW_LABELS)
    np.testing.assert_array_equal(once.predict_proba(NEW_TEXTS), twice.predict_proba(NEW_TEXTS))
    assert twice.added_words == ["drab", "zany"]
    assert encoder.config["vocab_size"] == len(encoder.vocab) == len(vocab)        # the caller's config too
    once.save(tmp_path / "c.npz")
    loaded = EncoderClassifier.load(tmp_path / "c.npz")
    assert loaded.added_words == once.added_words and loaded.history == once.history


def test_too_few_texts_for_the_validation_split_is_a_clear_error(vocab):
    with pytest.raises(ValueError, match="too few for validation_fraction=0.1"):
        WordVectorClassifier(word_vectors(vocab), progress=False).fit(["good", "bad"], ["pos", "neg"])


def test_dropout_keeps_float32_training_in_float32(vocab):
    clf = EncoderClassifier(encoder_of(vocab), dropout=0.3, progress=False)
    clf.classes_, clf.head = np.array(["a", "b"]), {"W": np.ones((8, 2), np.float32), "b": np.zeros(2, np.float32)}
    ids = batch_of(clf, ["a good film"])
    _, grads = clf.loss_and_grads(ids, np.array([1]), np.ones((1, 8), bool))
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("schedule, warmup", [("constant", 0.0), ("linear", 0.0), ("linear", 0.25), ("cosine", 0.0)])
def test_every_learning_rate_follows_the_schedule(vocab, monkeypatch, schedule, warmup):
    from minembed.nn import optim
    seen = {}                                                   # optimizer's first name -> its lr at each step
    original = optim.Adam.step

    def recording_step(self, grads):
        seen.setdefault(next(iter(self.params)), []).append(self.lr)
        return original(self, grads)

    monkeypatch.setattr(optim.Adam, "step", recording_step)
    EncoderClassifier(encoder_of(vocab), lr=0.01, body_lr=1e-3, embedding_lr=1e-2, batch_size=4, max_epochs=2,
                      validation_fraction=0.0, lr_schedule=schedule, warmup=warmup, progress=False).fit(TEXTS, LABELS)
    total = 2 * 4                                               # 16 texts in batches of 4, 2 epochs
    expected = [optim.warmup_decay_lr(step, total, 1.0, int(warmup * total), schedule) for step in range(total)]
    for name, base in (("W", 0.01), ("tok_emb", 1e-2), ("pos_emb", 1e-3)):
        np.testing.assert_allclose(seen[name], np.array(expected) * base)
    assert (schedule == "constant") == (len(set(seen["W"])) == 1)


def test_a_schedule_that_does_not_exist_is_refused(vocab):
    with pytest.raises(ValueError, match="lr_schedule must be 'constant', 'linear' or 'cosine', got 'step'"):
        EncoderClassifier(encoder_of(vocab), lr_schedule="step")
    with pytest.raises(ValueError, match=r"warmup is a share of the steps, in \[0, 1\); got 2"):
        EncoderClassifier(encoder_of(vocab), warmup=2)
