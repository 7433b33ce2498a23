"""AttentionEncoder: every hand-written derivative checked, attention and padding invariants,
training behaviour (overfitting, resume, determinism), save/load, and a PyTorch twin."""
import doctest
import math

import numpy as np
import pytest

from minembed import AttentionEncoder, Tokenizer, Vocabulary, encode_corpus
from minembed.encoder.model import PARAM_NAMES, TrainingDiverged, make_sequences, mask_tokens
from minembed.nn.layers import cross_entropy, erf, layer_norm, softmax
from minembed.nn.gradcheck import check_gradients
import minembed.encoder.batches as batches
import minembed.encoder.mlm as mlm
from minembed.encoder.batches import choose_weighted, frequency_weights, shorten_rows
from minembed.core.fileio import FORMAT_ENTRY, save_npz
from minembed.text.vocab import MASK, PAD, UNK

TEXT = ("the cat sat on the mat . the dog sat on the log . a cat and a dog ran far away . "
        "the bird sang in the tree while the cat slept on a warm mat by the door .").split()


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.build([TEXT]).with_specials()


def tiny(vocab, activation="gelu", seed=3, dtype=np.float64, **kwargs):
    enc = AttentionEncoder(vocab, dim=8, ff_dim=16, max_len=6, activation=activation, seed=seed, **kwargs)
    enc.params = {name: value.astype(dtype) for name, value in enc.params.items()}
    return enc


def padded_batch(vocab, rng):
    """3 sequences of 5 tokens; the second has 2 padded positions, the third 1."""
    ids = rng.integers(len(vocab.specials), len(vocab), size=(3, 5))
    ids[1, 3:] = vocab.pad_id
    ids[2, 4] = vocab.pad_id
    ids[0, 2] = vocab.mask_id
    targets = np.full(ids.shape, -1)
    targets[0, [1, 2]] = [4, 9]
    targets[1, 0] = 7
    targets[2, 3] = 5
    return ids, targets


# ---------------------------------------------------------------------------- building blocks, by hand
def test_erf_matches_math_erf():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 0.46875, -0.46875, 4.0, -4.0, 1e-8, 30.0]])
    reference = np.array([math.erf(t) for t in x])
    assert np.max(np.abs(erf(x) - reference)) <= 4e-16
    small = np.abs(x) < 0.4
    assert np.max(np.abs(erf(x[small]) - reference[small]) / np.abs(reference[small] + 1e-300)) < 1e-15
    x32 = x.astype(np.float32)
    assert erf(x32).dtype == np.float32
    assert np.max(np.abs(erf(x32) - np.array([math.erf(t) for t in x32.tolist()]))) < 6e-7


def test_float32_erf_works_in_place_on_its_own_temporaries_only():
    x32 = np.array([[-2.0, 0.5], [0.0, 3.0]], dtype=np.float32)
    before = x32.copy()
    out = erf(x32)
    np.testing.assert_array_equal(x32, before)                       # the input is left alone
    assert out.shape == (2, 2) and out.dtype == np.float32
    assert abs(float(erf(np.float32(0.5))) - math.erf(0.5)) < 6e-7   # a 0-d input works too
    assert erf(np.array(0.5, dtype=np.float32)).shape == ()


def test_softmax_layer_norm_and_cross_entropy_by_hand():
    np.testing.assert_allclose(softmax(np.array([[0.0, math.log(2.0)]])), [[1 / 3, 2 / 3]])
    out, _ = layer_norm(np.array([[1.0, 2.0, 3.0]]), np.array([2.0, 2.0, 2.0]), np.array([0.0, 1.0, 0.0]), 0.0)
    np.testing.assert_allclose(out, [[-2 * math.sqrt(1.5), 1.0, 2 * math.sqrt(1.5)]])   # var = 2/3
    loss, grad = cross_entropy(np.zeros((2, 4)), np.array([1, 3]))
    assert loss == pytest.approx(math.log(4.0))
    np.testing.assert_allclose(grad, [[0.125, -0.375, 0.125, 0.125], [0.125, 0.125, 0.125, -0.375]])


# ---------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("activation", ["gelu", "relu"])
def test_every_gradient_matches_finite_differences(vocab, activation):
    enc = tiny(vocab, activation)
    rng = np.random.default_rng(0)
    for name, value in enc.params.items():          # move biases/gains off their 0/1 start
        if value.ndim == 1:
            value += rng.normal(0, 0.2, value.shape)
    ids, targets = padded_batch(vocab, rng)
    loss, grads = enc.loss_and_grads(ids, targets)
    assert set(grads) == set(PARAM_NAMES) and all(grads[n].shape == enc.params[n].shape for n in grads)
    assert all(grads[n].dtype == np.float64 for n in grads)
    report = check_gradients(lambda: enc.loss_and_grads(ids, targets)[0], enc.params, grads, rtol=1e-5)
    assert set(report) == set(PARAM_NAMES) and max(report.values()) < 1e-5
    assert np.all(grads["pos_emb"][5:] == 0)        # rows past T get no gradient


def test_loss_is_computed_in_the_dtype_of_the_params(vocab):
    ids, targets = padded_batch(vocab, np.random.default_rng(0))
    loss32, grads32 = tiny(vocab, dtype=np.float32).loss_and_grads(ids, targets)
    loss64, grads64 = tiny(vocab).loss_and_grads(ids, targets)
    assert all(g.dtype == np.float32 for g in grads32.values())
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(grads32["W_q"], grads64["W_q"], rtol=1e-3, atol=1e-6)


# ---------------------------------------------------------------------------- attention and padding
def test_attention_rows_sum_to_one_and_padding_gets_none(vocab):
    enc = tiny(vocab)
    ids, _ = padded_batch(vocab, np.random.default_rng(1))
    _, cache = enc._forward(ids)
    attn = cache["attn"]                                  # (B, T, T)
    np.testing.assert_allclose(attn.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(attn[1][:, 3:] == 0) and np.all(attn[2][:, 4] == 0)
    matrix, tokens = enc.attention("the cat sat on the mat")
    assert matrix.shape == (6, 6) and tokens == ["the", "cat", "sat", "on", "the", "mat"]
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)


def test_padding_does_not_change_real_positions(vocab):
    enc = tiny(vocab)
    alone = enc.encode(["the cat sat"])
    together = enc.encode(["the cat sat", "a dog ran far away"])
    np.testing.assert_allclose(together[0, :3], alone[0], rtol=1e-12, atol=1e-12)
    assert np.all(together[0, 3:] == 0)
    sentence = enc.sentence_vectors(["the cat sat", "a dog ran far away"])
    np.testing.assert_allclose(sentence[0], alone[0].mean(axis=0), rtol=1e-12)
    assert sentence.shape == (2, 8)


# ---------------------------------------------------------------------------- training
def test_tiny_batch_overfits(vocab):
    from minembed.nn.optim import Adam
    enc = tiny(vocab, dtype=np.float32)
    rng = np.random.default_rng(0)
    ids = rng.integers(len(vocab.specials), len(vocab), size=(4, 6))
    targets = np.where(rng.random(ids.shape) < 0.5, ids, -1)
    masked = np.where(targets >= 0, vocab.mask_id, ids)
    optimizer = Adam(enc.params, lr=2e-2)
    first = enc.loss_and_grads(masked, targets)[0]
    for _ in range(300):
        loss, grads = enc.loss_and_grads(masked, targets)
        optimizer.step(grads)
    assert first > 2.5 and loss < 0.05


@pytest.mark.parametrize("weights", [None, "equal"], ids=["uniform", "equal weights"])
def test_mask_tokens_follows_bert_80_10_10(vocab, weights):
    """BERT's choice, and choose_weighted with equal weights, which must choose alike."""
    choose_weights = None if weights is None else np.ones(len(vocab))
    rng = np.random.default_rng(0)
    ids = rng.integers(len(vocab.specials), len(vocab), size=(400, 50))
    ids[:, 45:] = vocab.pad_id
    ids[:, 0] = vocab.unk_id
    masked, targets = mask_tokens(ids, rng, vocab, mask_prob=0.15, choose_weights=choose_weights)
    chosen = targets >= 0
    assert not chosen[:, 45:].any() and not chosen[:, 0].any()     # padding and <unk> never scored
    assert chosen.sum() / ids[:, 1:45].size == pytest.approx(0.15, abs=0.01)
    np.testing.assert_allclose(chosen[:, 1:45].mean(axis=0), 0.15, atol=0.09)   # every position alike (5 sd)
    per_row = chosen.sum(axis=1)                                       # Binomial(44, 0.15): var 5.6
    assert per_row.var() == pytest.approx(44 * 0.15 * 0.85, rel=0.25)
    np.testing.assert_array_equal(targets[chosen], ids[chosen])
    assert np.all(masked[~chosen] == ids[~chosen])
    replaced = set(np.unique(masked[chosen & (masked != ids)]).tolist()) - {vocab.mask_id}
    assert replaced and min(replaced) >= len(vocab.specials)              # random words are never specials
    as_mask = np.mean(masked[chosen] == vocab.mask_id)
    unchanged = np.mean(masked[chosen] == ids[chosen])
    assert as_mask == pytest.approx(0.8, abs=0.02)
    assert unchanged == pytest.approx(0.1 + 0.1 / (len(vocab) - 3), abs=0.02)   # kept, or random = itself
    first, again = (mask_tokens(ids, np.random.default_rng(5), vocab, choose_weights=choose_weights)
                     for _ in range(2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))          # seeded, reproducible


@pytest.mark.parametrize("split", [(0.8, 0.0, 0.2), (0.0, 1.0, 0.0), (0.5, 0.25, 0.25)])
def test_mask_tokens_follows_another_split(vocab, split):
    rng = np.random.default_rng(1)
    ids = rng.integers(len(vocab.specials), len(vocab), size=(400, 50))
    masked, targets = mask_tokens(ids, rng, vocab, mask_prob=0.3, split=split)
    chosen = targets >= 0
    as_mask = np.mean(masked[chosen] == vocab.mask_id)
    randomized = np.mean((masked[chosen] != vocab.mask_id) & (masked[chosen] != ids[chosen]))
    assert as_mask == pytest.approx(split[0], abs=0.02)
    assert randomized == pytest.approx(split[1] * (1 - 1 / (len(vocab) - 3)), abs=0.02)
    assert np.all(masked[~chosen] == ids[~chosen])


def test_choose_weighted_draws_in_proportion_to_the_weights(vocab):
    """Rows of two words weighted 3 and 1: when one of them is chosen, it is the first 3/4 of the time."""
    first, second = len(vocab.specials), len(vocab.specials) + 1
    weights = np.zeros(len(vocab))
    weights[[first, second]] = [3.0, 1.0]
    ids = np.tile([first, second], (20_000, 1))                        # (rows, 2)
    chosen = choose_weighted(ids, ids >= len(vocab.specials), np.random.default_rng(3), 0.5, weights)
    one_chosen = chosen.sum(axis=1) == 1
    assert np.mean(one_chosen) == pytest.approx(0.5, abs=0.02)         # Binomial(2, 0.5) = 1
    assert np.mean(chosen[one_chosen, 0]) == pytest.approx(0.75, abs=0.015)
    assert chosen.sum(axis=1).max() == 2 and np.mean(chosen.sum(axis=1) == 2) == pytest.approx(0.25, abs=0.02)


def test_choose_weighted_draws_without_replacement():
    """Weights 3, 2, 1 and two tokens drawn: P({a, b}) = 3/6 * 2/3 + 2/6 * 3/4 = 7/12,
    P({a, c}) = 3/6 * 1/3 + 1/6 * 3/5 = 4/15, P({b, c}) = 2/6 * 1/4 + 1/6 * 2/5 = 3/20."""
    weights = np.array([0.0, 3.0, 2.0, 1.0])                           # id 0 stands for a special
    ids = np.tile([1, 2, 3], (60_000, 1))                              # (rows, 3)
    chosen = choose_weighted(ids, ids > 0, np.random.default_rng(6), 2 / 3, weights)
    pairs = chosen[chosen.sum(axis=1) == 2]                            # Binomial(3, 2/3) = 2: 4/9 of the rows
    assert len(pairs) / len(ids) == pytest.approx(4 / 9, abs=0.01)
    assert np.mean(pairs[:, 0] & pairs[:, 1]) == pytest.approx(7 / 12, abs=0.01)
    assert np.mean(pairs[:, 0] & pairs[:, 2]) == pytest.approx(4 / 15, abs=0.01)
    assert np.mean(pairs[:, 1] & pairs[:, 2]) == pytest.approx(3 / 20, abs=0.01)


def test_choose_weighted_never_chooses_a_token_of_weight_zero():
    weights = np.array([0.0, 1.0, 0.0])
    ids = np.tile([1, 2, 1, 2], (500, 1))
    chosen = choose_weighted(ids, ids > 0, np.random.default_rng(7), 0.9, weights)
    assert not chosen[:, [1, 3]].any() and chosen[:, [0, 2]].any()


def test_frequency_weights_are_count_to_the_minus_power():
    vocab = Vocabulary(["a", "b", "c"], [100, 25, 1], specials=(PAD, UNK, MASK))
    np.testing.assert_allclose(frequency_weights(vocab, 0.5), [0, 0, 0, 0.1, 0.2, 1.0])
    np.testing.assert_allclose(frequency_weights(vocab, 0.0), [0, 0, 0, 1, 1, 1])


def test_frequency_weighted_masking_predicts_rarer_words(vocab):
    rng = np.random.default_rng(4)
    ids = rng.choice(np.arange(len(vocab.specials), len(vocab)), size=(300, 40),
                     p=vocab.counts[len(vocab.specials):] / vocab.counts.sum())
    counts_of = {}
    for power in (0.0, 1.0):
        _, targets = mask_tokens(ids, np.random.default_rng(5), vocab, mask_prob=0.2,
                                 choose_weights=frequency_weights(vocab, power))
        counts_of[power] = vocab.counts[targets[targets >= 0]].mean()
        assert np.mean(targets >= 0) == pytest.approx(0.2, abs=0.01)     # as many chosen either way
    assert counts_of[1.0] < 0.7 * counts_of[0.0]


def test_fit_records_the_mask_frequency_power_and_refuses_a_negative_one(corpus, tmp_path):
    checkpoint = str(tmp_path / "ckpt.npz")
    enc = AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
    enc.fit(corpus, steps=2, batch_size=2, mask_frequency_power=0.5, checkpoint=checkpoint, eval_every=0,
            progress=False)
    assert np.isfinite(enc.history["loss"]).all()
    with pytest.raises(ValueError, match="other training settings \\(mask_frequency_power\\)"):
        AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2).fit(
            corpus, steps=2, batch_size=2, checkpoint=checkpoint, eval_every=0, progress=False)
    with pytest.raises(ValueError, match="mask_frequency_power must be a finite number >= 0"):
        enc.fit(corpus, steps=2, mask_frequency_power=-1, progress=False)


def test_heldout_evaluation_stays_uniform_whatever_the_mask_frequency_power(corpus):
    runs = [AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2).fit(
                corpus, steps=2, batch_size=2, mask_frequency_power=power, eval_every=0, progress=False)
            for power in (0.0, 0.5)]
    assert runs[0].history["baseline_accuracy"] == runs[1].history["baseline_accuracy"]
    assert runs[0].history["eval"][-1]["scored"] == runs[1].history["eval"][-1]["scored"]
    assert runs[0].history["loss"] != runs[1].history["loss"]          # training did choose otherwise


def test_fit_records_a_non_bert_split_so_a_checkpoint_resumes_only_with_it(corpus, tmp_path):
    checkpoint = str(tmp_path / "ckpt.npz")
    enc = AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
    enc.fit(corpus, steps=2, batch_size=2, mask_split=(0.8, 0.0, 0.2), checkpoint=checkpoint, eval_every=0,
            progress=False)
    with pytest.raises(ValueError, match="other training settings \\(mask_split\\)"):
        AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2).fit(
            corpus, steps=2, batch_size=2, checkpoint=checkpoint, eval_every=0, progress=False)


def test_make_sequences_pads_the_tail():
    np.testing.assert_array_equal(make_sequences(np.arange(1, 6), 2, 0), [[1, 2], [3, 4], [5, 0]])


def test_make_sequences_with_offsets_starts_every_document_on_a_row_of_its_own():
    ids = np.arange(1, 9)                       # documents [1 2 3] [] [4] [5 6 7 8]
    rows = make_sequences(ids, 2, 0, offsets=[0, 3, 3, 4, 8])
    np.testing.assert_array_equal(rows, [[1, 2], [3, 0], [4, 0], [5, 6], [7, 8]])
    assert rows.dtype == np.int32
    # one document holding everything is the packed stream
    np.testing.assert_array_equal(make_sequences(ids, 3, 0, offsets=[0, 8]), make_sequences(ids, 3, 0))
    with pytest.raises(ValueError, match="offsets must rise from 0 to len\\(ids\\)=8"):
        make_sequences(ids, 2, 0, offsets=[0, 5, 7])
    for bad in ([], [0.0, 8.0]):
        with pytest.raises(ValueError, match="1-d array of integers"):
            make_sequences(ids, 2, 0, offsets=bad)


def test_fit_without_crossing_documents_trains_on_whole_documents_and_records_it(tmp_path):
    docs = encode_corpus([TEXT, ["the", "cat", "sat"], TEXT], Tokenizer(), specials=(PAD, UNK, MASK))
    enc = AttentionEncoder(docs.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
    train_rows, _ = mlm.split_rows(enc, docs, 0.0, cross_documents=False)
    doc_rows = [make_sequences(docs.document(d), 8, docs.vocab.pad_id) for d in range(len(docs))]
    np.testing.assert_array_equal(train_rows, np.vstack(doc_rows))
    checkpoint = str(tmp_path / "ckpt.npz")
    enc.fit(docs, steps=2, batch_size=2, cross_documents=False, checkpoint=checkpoint, eval_every=0,
            heldout=0.2, progress=False)
    with pytest.raises(ValueError, match="other training settings \\(cross_documents\\)"):
        AttentionEncoder(docs.vocab, dim=8, ff_dim=8, max_len=8, seed=2).fit(
            docs, steps=2, batch_size=2, checkpoint=checkpoint, eval_every=0, heldout=0.2, progress=False)
    with pytest.raises(ValueError, match="needs to know where documents end"):
        enc.fit(docs.ids, steps=1, cross_documents=False, progress=False)


def test_shorten_rows_cuts_the_chosen_share_to_uniform_lengths():
    rows = np.arange(1, 64 * 4000 + 1).reshape(4000, 64)                 # no padding anywhere
    short = shorten_rows(rows, np.random.default_rng(0), share=0.25, pad_id=0)
    lengths = np.count_nonzero(short, axis=1)                             # (4000,)
    # every row keeps a prefix of itself and pads the rest
    kept = np.arange(64)[None, :] < lengths[:, None]
    np.testing.assert_array_equal(short, np.where(kept, rows, 0))
    cut = lengths < 64                 # a chosen row may draw L = 64: 1/63 of them look unchosen
    assert abs(cut.mean() - 0.25 * 62 / 63) < 0.03
    assert lengths.min() == 2
    # the cut rows' lengths are uniform on 2..63: mean 32.5, each about 1/62 of them
    assert abs(lengths[cut].mean() - 32.5) < 1.5
    assert np.bincount(lengths[cut], minlength=64)[2:].max() < 3 * cut.sum() / 62
    np.testing.assert_array_equal(rows[:, 0], np.arange(1, 64 * 4000 + 1, 64))   # the input untouched


def test_shorten_rows_with_share_zero_draws_nothing():
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    rows = np.ones((5, 8), dtype=np.int32)
    assert shorten_rows(rows, rng, 0.0, pad_id=0) is rows
    assert rng.bit_generator.state == state          # a run without short rows is the same as before


def test_mlm_and_batches_doctests():
    assert doctest.testmod(batches).failed == 0 and doctest.testmod(batches).attempted >= 3
    assert doctest.testmod(mlm).failed == 0


def test_fit_with_short_rows_records_them_and_refuses_a_bad_share(corpus, tmp_path, monkeypatch):
    checkpoint = str(tmp_path / "ckpt.npz")
    first = AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
    first.fit(corpus, steps=3, batch_size=4, short_rows=0.5, checkpoint=checkpoint, eval_every=0, progress=False)
    second = AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
    second.fit(corpus, steps=3, batch_size=4, short_rows=0.5, eval_every=0, progress=False)
    plain = AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
    plain.fit(corpus, steps=3, batch_size=4, eval_every=0, progress=False)
    np.testing.assert_array_equal(first.params["W_q"], second.params["W_q"])      # reproducible
    assert not np.array_equal(first.params["W_q"], plain.params["W_q"])           # and it changed training
    # the batches the loop masks: some rows end in padding (the corpus's rows are full)
    seen = []
    real_mask_tokens = mlm.mask_tokens
    monkeypatch.setattr(mlm, "mask_tokens", lambda batch, *args: seen.append(batch.copy()) or real_mask_tokens(batch, *args))
    AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2).fit(
        corpus, steps=5, batch_size=4, short_rows=0.5, heldout=0.0, eval_every=0, progress=False)
    padded = np.concatenate(seen)[:, -1] == corpus.vocab.pad_id                  # (20,) rows ending in <pad>
    assert 0 < padded.sum() < len(padded)
    with pytest.raises(ValueError, match="other training settings \\(short_rows\\)"):
        AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2).fit(
            corpus, steps=3, batch_size=4, checkpoint=checkpoint, eval_every=0, progress=False)
    with pytest.raises(ValueError, match="short_rows must be a share in \\[0, 1\\]"):
        plain.fit(corpus, steps=1, short_rows=1.5, progress=False)


@pytest.fixture(scope="module")
def corpus():
    return encode_corpus([TEXT * 12], Tokenizer(), specials=(PAD, UNK, MASK))


def small_encoder(corpus):
    return AttentionEncoder(corpus.vocab, dim=16, ff_dim=32, max_len=8, seed=5)


FIT = dict(steps=24, batch_size=8, lr=5e-3, eval_every=8, eval_sequences=4, progress=False)


def test_fit_lowers_the_loss_and_reports_heldout_metrics():
    cycle = encode_corpus([["one", "two", "three", "four", "five", "six", "seven"] * 60], Tokenizer(),
                          specials=(PAD, UNK, MASK))       # every word follows from its neighbours
    enc = small_encoder(cycle).fit(cycle, **{**FIT, "steps": 100, "lr": 1e-2})
    losses = enc.history["loss"]
    assert np.mean(losses[:10]) == pytest.approx(math.log(7), abs=0.25)   # out_bias starts at the unigram
    assert len(losses) == 100 and np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.15
    evals = enc.history["eval"]
    assert [e["step"] for e in evals] == list(range(8, 100, 8)) + [100]
    assert all(0 <= e["accuracy"] <= 1 and e["perplexity"] == pytest.approx(math.exp(e["loss"])) for e in evals)
    assert 0 <= enc.history["baseline_accuracy"] < 1 and enc.history["baseline_token"] in cycle.vocab.itos[3:]


@pytest.mark.parametrize("extra", [{}, {"mask_frequency_power": 0.5}], ids=["uniform", "frequency-weighted"])
def test_resume_from_checkpoint_equals_uninterrupted_run(corpus, tmp_path, monkeypatch, extra):
    fit = {**FIT, **extra}
    straight = small_encoder(corpus).fit(corpus, **fit)
    path = str(tmp_path / "checkpoint.npz")
    interrupted = small_encoder(corpus)
    real_step, calls = AttentionEncoder.loss_and_grads, []

    def stop_at_step_11(self, ids, targets, sampled=None):
        calls.append(1)
        if len(calls) == 11:
            raise KeyboardInterrupt
        return real_step(self, ids, targets, sampled)

    monkeypatch.setattr(AttentionEncoder, "loss_and_grads", stop_at_step_11)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(corpus, checkpoint=path, **fit)
    monkeypatch.setattr(AttentionEncoder, "loss_and_grads", real_step)
    with np.load(path) as saved:
        assert int(saved["step"]) == 10
    resumed = small_encoder(corpus).fit(corpus, checkpoint=path, checkpoint_every=5, **fit)
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(resumed.params[name], straight.params[name], err_msg=name)
    assert resumed.history["loss"] == straight.history["loss"]
    assert resumed.history["eval"] == straight.history["eval"]
    with pytest.raises(ValueError, match="other training settings.*lr"):
        small_encoder(corpus).fit(corpus, checkpoint=path, **{**fit, "lr": 1e-3})


def test_ctrl_c_during_an_update_is_held_until_the_update_is_done(corpus, tmp_path, monkeypatch):
    import os
    import signal
    from minembed.nn.optim import Adam
    straight = small_encoder(corpus).fit(corpus, **FIT)
    path = str(tmp_path / "checkpoint.npz")
    real_update, calls = Adam._update, []

    def update_with_ctrl_c(self, name, param, grad):
        calls.append(name)
        if len(calls) == 6 * len(PARAM_NAMES) + 5:           # step 7, half-way through the parameters
            os.kill(os.getpid(), signal.SIGINT)
        return real_update(self, name, param, grad)

    monkeypatch.setattr(Adam, "_update", update_with_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        small_encoder(corpus).fit(corpus, checkpoint=path, **FIT)
    monkeypatch.setattr(Adam, "_update", real_update)
    with np.load(path) as saved:
        assert int(saved["step"]) == 7                        # the update was finished, then saved
    resumed = small_encoder(corpus).fit(corpus, checkpoint=path, **FIT)
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(resumed.params[name], straight.params[name], err_msg=name)


def test_same_seed_same_weights(vocab):
    a, b, c = AttentionEncoder(vocab, seed=7), AttentionEncoder(vocab, seed=7), AttentionEncoder(vocab, seed=8)
    assert list(a.params) == list(PARAM_NAMES)
    assert all(np.array_equal(a.params[n], b.params[n]) for n in PARAM_NAMES)
    assert not np.array_equal(a.params["W_q"], c.params["W_q"])
    assert a.params["tok_emb"].dtype == np.float32
    counts = vocab.counts + 1.0                                    # out_bias: log unigram frequencies
    np.testing.assert_allclose(a.params["out_bias"], np.log(counts / counts.sum()), rtol=1e-6)
    assert a.config == {"dim": 64, "ff_dim": 256, "max_len": 64, "activation": "gelu", "ln_eps": 1e-5,
                        "seed": 7, "vocab_size": len(vocab), "position_init": "sinusoid"}


def test_save_load_gives_identical_outputs(corpus, tmp_path):
    enc = small_encoder(corpus).fit(corpus, **{**FIT, "steps": 5})
    enc.save(tmp_path / "encoder.npz")
    loaded = AttentionEncoder.load(tmp_path / "encoder.npz")
    texts = ["the cat sat on the mat", "a dog"]
    np.testing.assert_array_equal(loaded.encode(texts), enc.encode(texts))
    assert loaded.config == enc.config and loaded.vocab.itos == enc.vocab.itos
    with pytest.raises(ValueError, match="not a minembed encoder"):
        np.savez(tmp_path / "other.npz", a=np.zeros(2))
        AttentionEncoder.load(tmp_path / "other.npz")


def restamp(path, file_format):
    """Rewrite a saved file as another version of minembed would (``None``: with no stamp)."""
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files if name != FORMAT_ENTRY}
    save_npz(path, file_format=file_format, **arrays)


@pytest.mark.parametrize("file_format, match", [
    (("minembed encoder", 0), "e.npz is minembed encoder v0, and this minembed reads minembed encoder v1"),
    (None, r"in the format this minembed reads \(minembed encoder v1\): it has no format stamp"),
    (("minembed encoder checkpoint", 1), r"it has the stamp 'minembed encoder checkpoint v1'"),
], ids=["another version", "no stamp", "a checkpoint"])
def test_an_encoder_file_of_another_format_version_is_refused_naming_both(vocab, tmp_path, file_format, match):
    path = tmp_path / "e.npz"
    tiny(vocab).save(path)
    with np.load(path) as saved:
        assert str(saved[FORMAT_ENTRY]) == "minembed encoder v1"
    restamp(path, file_format)
    with pytest.raises(ValueError, match=match):
        AttentionEncoder.load(path)


def test_a_checkpoint_of_another_format_version_is_refused_naming_both(corpus, tmp_path):
    checkpoint = tmp_path / "ckpt.npz"
    small_encoder(corpus).fit(corpus, checkpoint=str(checkpoint), **{**FIT, "steps": 2})
    with np.load(checkpoint) as saved:
        assert str(saved[FORMAT_ENTRY]) == "minembed encoder checkpoint v1"
    restamp(checkpoint, ("minembed encoder checkpoint", 2))
    with pytest.raises(ValueError, match="ckpt.npz is minembed encoder checkpoint v2, and this minembed reads "
                                         "minembed encoder checkpoint v1"):
        small_encoder(corpus).fit(corpus, checkpoint=str(checkpoint), **{**FIT, "steps": 4})


def test_keyed_vectors_export_the_input_embeddings_without_specials(vocab, tmp_path):
    enc = tiny(vocab)
    kv = enc.keyed_vectors()
    assert kv.index_to_key == vocab.itos[3:] and PAD not in kv and MASK not in kv
    np.testing.assert_array_equal(kv["cat"], enc.params["tok_emb"][vocab["cat"]].astype(np.float32))
    kv.save_word2vec_format(tmp_path / "vectors.txt")
    assert open(tmp_path / "vectors.txt").readline().split() == [str(len(vocab) - 3), "8"]


# ---------------------------------------------------------------------------- bad input
def test_bad_inputs_give_clear_errors(vocab, corpus):
    with pytest.raises(ValueError, match=r"special tokens.*with_specials"):
        AttentionEncoder(Vocabulary.build([TEXT]))
    enc = tiny(vocab)
    with pytest.raises(ValueError, match="text 1 .* has no tokens"):
        enc.encode(["the cat", "... !!"])
    with pytest.raises(TypeError, match=r"list of texts"):
        enc.encode("the cat")
    with pytest.warns(UserWarning, match="only the first max_len=6"):
        assert enc.encode(["the cat sat on the mat by the door"]).shape == (1, 6, 8)
    with pytest.raises(ValueError, match="longer than max_len=6"):
        enc.loss_and_grads(np.full((1, 7), 4), np.full((1, 7), 4))
    with pytest.raises(ValueError, match="no position is scored"):
        enc.loss_and_grads(np.full((1, 3), 4), np.full((1, 3), -1))
    with pytest.raises(ValueError, match="activation"):
        AttentionEncoder(vocab, activation="tanh")
    with pytest.raises(TrainingDiverged, match=r"lr=1e\+30"), np.errstate(all="ignore"):
        small_encoder(corpus).fit(corpus, steps=5, batch_size=4, lr=1e30, clip_norm=None,
                                  warmup_steps=0, progress=False)
    with pytest.raises(ValueError, match="another vocabulary"):
        AttentionEncoder(Vocabulary.build([["other", "words"]]).with_specials()).fit(corpus, **FIT)


# ---------------------------------------------------------------------------- PyTorch twin
def torch_block(torch, P, ids, pad_id, d):
    """The encoder block in PyTorch (autograd), from the same parameters: y (B, T, d)."""
    F, T = torch.nn.functional, ids.shape[1]
    x = P["tok_emb"][torch.tensor(ids)] + P["pos_emb"][:T]
    q, k, v = (x @ P[f"W_{n}"] + P[f"b_{n}"] for n in "qkv")
    scores = (q @ k.transpose(1, 2) / math.sqrt(d)).masked_fill(
        torch.tensor(ids == pad_id)[:, None, :], float("-inf"))
    h = F.layer_norm(x + torch.softmax(scores, -1) @ v @ P["W_o"] + P["b_o"], (d,), P["ln1_gain"],
                     P["ln1_bias"], eps=1e-5)
    return F.layer_norm(h + F.gelu(h @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"], (d,), P["ln2_gain"],
                        P["ln2_bias"], eps=1e-5)


def test_matches_a_pytorch_twin_in_float64(vocab):
    torch = pytest.importorskip("torch")
    enc = tiny(vocab, activation="gelu")
    rng = np.random.default_rng(2)
    for value in enc.params.values():
        if value.ndim == 1:
            value += rng.normal(0, 0.2, value.shape)
    ids, targets = padded_batch(vocab, rng)
    loss, grads = enc.loss_and_grads(ids, targets)

    P = {name: torch.tensor(value, requires_grad=True) for name, value in enc.params.items()}
    F, d = torch.nn.functional, 8
    y = torch_block(torch, P, ids, vocab.pad_id, d)
    scored = torch.tensor(targets.reshape(-1) >= 0)
    logits = y.reshape(-1, d)[scored] @ P["tok_emb"].T + P["out_bias"]
    torch_loss = F.cross_entropy(logits, torch.tensor(targets.reshape(-1))[scored])
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-6)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(grads[name], P[name].grad.numpy(), rtol=1e-6, atol=1e-9, err_msg=name)


# ---------------------------------------------------------------------------- command line
def test_train_py_encoder_writes_every_artifact(tmp_path, capsys):
    train = pytest.importorskip("train")
    corpus_file = tmp_path / "text.txt"
    corpus_file.write_text((" ".join(TEXT) + "\n") * 20)
    out = tmp_path / "run"
    code = train.main(["encoder", "--corpus", str(corpus_file), "--out", str(out), "--dim", "16",
                       "--ff-dim", "32", "--max-len", "8", "--steps", "6", "--batch-size", "4",
                       "--eval-every", "3", "--checkpoint-every", "3"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "encoder.npz", "loss.svg", "metrics.json",
                                                     "pca.svg", "vectors.txt", "vocab.tsv"]
    printed = capsys.readouterr().out
    assert "held-out masked-token accuracy" in printed and "most frequent token 'the'" in printed
    assert AttentionEncoder.load(out / "encoder.npz").config["dim"] == 16
    assert train.main(["encoder", "--corpus", str(corpus_file), "--out", str(out), "--mask-prob", "1.5",
                       "--overwrite"]) == 2


# ---------------------------------------------------------------------------- the sampled softmax
def test_sample_candidates_inclusion_probabilities_by_hand():
    from minembed.encoder.model import sample_candidates
    ids, log_inclusion = sample_candidates(np.random.default_rng(0), np.array([0.0, 0.5, 0.5]), 2)
    assert ids.shape == (2,) and set(ids.tolist()) <= {1, 2}
    np.testing.assert_allclose(log_inclusion, [-np.inf, math.log(0.75), math.log(0.75)])


def sampled_case(vocab, seed=0):
    enc = tiny(vocab)
    rng = np.random.default_rng(seed)
    for value in enc.params.values():
        if value.ndim == 1:
            value += rng.normal(0, 0.2, value.shape)
    ids, targets = padded_batch(vocab, rng)
    from minembed.encoder.model import sample_candidates
    sampled = sample_candidates(rng, vocab.noise_probs(0.75), 5)
    return enc, ids, targets, sampled


def test_sampled_softmax_loss_by_hand_and_gradients_by_finite_differences(vocab):
    enc, ids, targets, sampled = sampled_case(vocab)
    loss, grads = enc.loss_and_grads(ids, targets, sampled)
    # by hand: the candidates are the answers and the draws; each logit is lowered by log P(drawn)
    y, _ = enc._forward(ids)
    rows, answers = np.flatnonzero(targets.reshape(-1) >= 0), targets.reshape(-1)[targets.reshape(-1) >= 0]
    candidates = sorted(set(answers.tolist()) | set(sampled[0].tolist()))
    logits = y[rows] @ enc.params["tok_emb"][candidates].T + enc.params["out_bias"][candidates] - sampled[1][candidates]
    picked = logits[np.arange(len(rows)), [candidates.index(a) for a in answers]]
    expected = np.mean(np.log(np.exp(logits).sum(axis=1)) - picked)
    assert loss == pytest.approx(expected, rel=1e-12)
    # words that are neither answers nor drawn get no gradient from the head
    untouched = np.setdiff1d(np.arange(len(vocab)), np.concatenate([candidates, ids.reshape(-1)]))
    assert len(untouched) and np.all(grads["tok_emb"][untouched] == 0) and np.all(grads["out_bias"][untouched] == 0)
    report = check_gradients(lambda: enc.loss_and_grads(ids, targets, sampled)[0], enc.params, grads, rtol=1e-5)
    assert max(report.values()) < 1e-5


def test_sampled_softmax_matches_a_pytorch_twin(vocab):
    torch = pytest.importorskip("torch")
    enc, ids, targets, sampled = sampled_case(vocab, seed=4)
    loss, grads = enc.loss_and_grads(ids, targets, sampled)
    P = {name: torch.tensor(value, requires_grad=True) for name, value in enc.params.items()}
    F, d = torch.nn.functional, 8
    y = torch_block(torch, P, ids, vocab.pad_id, d)
    scored = torch.tensor(targets.reshape(-1) >= 0)
    answers = torch.tensor(targets.reshape(-1))[scored]
    candidates = torch.unique(torch.cat([answers, torch.tensor(sampled[0])]))     # sorted
    correction = torch.tensor(sampled[1])[candidates]
    logits = y.reshape(-1, d)[scored] @ P["tok_emb"][candidates].T + P["out_bias"][candidates] - correction
    torch_loss = F.cross_entropy(logits, torch.searchsorted(candidates, answers))
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-6)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(grads[name], P[name].grad.numpy(), rtol=1e-6, atol=1e-9, err_msg=name)


def test_fit_with_a_sampled_softmax_learns_and_is_reproducible(corpus):
    vocab = corpus.vocab
    runs = []
    for _ in range(2):
        enc = AttentionEncoder(vocab, dim=16, ff_dim=32, max_len=16, seed=5)
        enc.fit(corpus, steps=60, batch_size=8, lr=1e-2, sampled_softmax=20, eval_every=0, progress=False)
        runs.append(enc)
    np.testing.assert_array_equal(runs[0].params["tok_emb"], runs[1].params["tok_emb"])
    losses = runs[0].history["loss"]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    with pytest.raises(ValueError, match="sampled_softmax must be an integer >= 0"):
        AttentionEncoder(vocab, dim=8, ff_dim=8, max_len=16).fit(corpus, steps=1, sampled_softmax=-1)


def test_a_sampled_softmax_step_updates_only_the_rows_it_used(corpus):
    """Lazy Adam: the full softmax moves every row of tok_emb (its head's gradient, and the decay);
    the sampled softmax only the batch's inputs and the candidates."""
    moved = {}
    for sampled in (0, 3):
        enc = AttentionEncoder(corpus.vocab, dim=8, ff_dim=8, max_len=8, seed=2)
        before = enc.params["tok_emb"].copy()
        enc.fit(corpus, steps=1, batch_size=2, lr=1e-2, sampled_softmax=sampled, eval_every=0, progress=False)
        moved[sampled] = int(np.any(enc.params["tok_emb"] != before, axis=1).sum())
    assert moved[0] == len(corpus.vocab)
    assert 0 < moved[3] <= 2 * 8 + 2 * 8 + 3          # inputs (B T) + answers + the 3 draws, at most
