"""Masked-language-model training of an ``AttentionEncoder`` (model.py): the loop, evaluation, checkpoints.

The encoder (``model.py``) is the model: its forward pass, its loss and gradients. This module is how
it learns, BERT's recipe (Devlin et al. 2019); the batches are made by :mod:`minembed.encoder.batches`::

    corpus ids --make_sequences--> rows of max_len tokens --(random rows)--> batch (B, T)
        --mask_tokens--> masked ids + targets --encoder.loss_and_grads--> loss, grads
        --clip, Adam with warm-up then decay--> updated encoder.params      (repeat ``steps`` times)

Every ``eval_every`` steps the held-out rows (the last ``heldout`` fraction, masked once with a fixed
seed so every evaluation scores the same tokens) give the masked-token accuracy and perplexity.
Ctrl-C is deferred until an update is complete, then a checkpoint is written, and running again
with the same settings resumes exactly where it stopped.

Every function takes the encoder as its first argument and uses only its ``vocab``, ``config``,
``params``, ``history``, ``loss_and_grads`` and ``_forward``; ``AttentionEncoder.fit`` is :func:`train`
and ``AttentionEncoder.evaluate_batches`` is :func:`evaluate_batches`.
"""
import contextlib
import json
import math
import os
import signal
import sys
import threading
import time

import numpy as np
from tqdm.auto import tqdm

from ..core.fileio import load_npz, save_npz
from ..nn.layers import cross_entropy
from ..nn.optim import Adam, clip_grad_norm, warmup_decay_lr
from .batches import (BERT_SPLIT, check_mask_split, frequency_weights, make_sequences, mask_tokens,
                      sample_candidates, shorten_rows)

CHECKPOINT_FORMAT = ("minembed encoder checkpoint", 1)      # the stamp of save_checkpoint's file


@contextlib.contextmanager
def _interrupt_deferred():
    """Hold Ctrl-C until the block is done, so an update is never half applied."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite."""


# ---------------------------------------------------------------------------- the training loop
def train(encoder, corpus, steps=1000, batch_size=32, lr=3e-3, warmup_steps=None, decay="linear",
          weight_decay=0.01, clip_norm=1.0, mask_prob=0.15, heldout=0.05, eval_every=200,
          eval_sequences=256, checkpoint=None, checkpoint_every=None, progress=True, sampled_softmax=0,
          mask_split=BERT_SPLIT, mask_frequency_power=0.0, cross_documents=True, short_rows=0.0):
    """Masked-token training of ``encoder`` with Adam, warm-up then decay, and gradient clipping
    (``encoder.fit(corpus, ...)`` is this function). Returns ``encoder``, its ``params`` trained.

    ``corpus`` is an :class:`~minembed.corpus.EncodedCorpus` over this encoder's vocabulary
    (``encode_corpus(path, specials=(PAD, UNK, MASK))``) or a flat id array. Its id stream is
    cut into ``max_len`` rows (:func:`make_sequences`): across document ends, as BERT packs
    text, or with ``cross_documents=False`` (an EncodedCorpus only) each document on rows of its
    own, padded, so that no row mixes two documents and short texts (a sentence, as the sense
    tasks give) look like what training saw; the last ``heldout`` fraction of rows is held out.
    Every ``eval_every`` steps (and at the end) the held-out masked-token accuracy and
    perplexity are measured on fixed masks and appended to ``encoder.history["eval"]``.
    ``warmup_steps`` defaults to 5% of ``steps``.

    ``mask_split``: of the chosen tokens, the shares turned into ``<mask>``, into a random word
    and left unchanged (BERT's 80/10/10; see :func:`mask_tokens`). Held-out evaluation uses the
    same split.

    ``mask_frequency_power``: 0 chooses the tokens to predict uniformly (BERT); ``p > 0``
    chooses as many (``mask_prob`` still sets how many), but by weight ``count ** -p`` (the
    word's count in the vocabulary; :func:`choose_weighted`), so rare words are predicted more
    often and "the" less: more of the training signal goes to the content words that
    fill-in-the-blank and the sense tasks ask about ("Weighted Sampling for Masked Language
    Modeling", Zhang et al., ICASSP 2023). Held-out evaluation keeps the uniform choice, so its
    accuracy compares across runs.

    ``short_rows``: the share of each batch's rows cut to a random shorter length (padded; see
    :func:`shorten_rows`), so that training also sees short texts like the sentences the sense
    tasks give; 0 (the default) keeps every row full.

    ``sampled_softmax``: 0 scores every step over all V words; ``S > 0`` over the batch's
    answers and S words drawn per step from the unigram^0.75 distribution (see :mod:`minembed.encoder.model`'s
    docstring). Evaluation always uses the full softmax. Then only a few thousand rows of
    ``tok_emb`` have a gradient in a step, and Adam updates those rows alone (``Adam(lazy=...)``):
    the other rows keep their values and moments until a batch uses them.

    ``checkpoint``: a ``.npz`` path. If it exists, training **resumes** from it (the result
    equals an uninterrupted run with the same settings); it is written every
    ``checkpoint_every`` steps, at the end, and when Ctrl-C stops training.
    """
    settings = dict(steps=steps, batch_size=batch_size, lr=lr, decay=decay, mask_prob=mask_prob,
                    warmup_steps=max(1, steps // 20) if warmup_steps is None else warmup_steps,
                    weight_decay=weight_decay, clip_norm=clip_norm, heldout=heldout)
    for name in ("steps", "batch_size", "lr"):
        if not settings[name] > 0:
            raise ValueError(f"{name} must be > 0, got {settings[name]}")
    if not 0 < mask_prob < 1:
        raise ValueError(f"mask_prob must be in (0, 1), got {mask_prob}")
    mask_split = check_mask_split(mask_split)
    if not (math.isfinite(mask_frequency_power) and mask_frequency_power >= 0):
        raise ValueError("mask_frequency_power must be a finite number >= 0 (0 = BERT's uniform choice), "
                         f"got {mask_frequency_power}")
    choose_weights = None
    if mask_frequency_power:
        choose_weights = frequency_weights(encoder.vocab, mask_frequency_power)  # (V,)
    if not (isinstance(sampled_softmax, (int, np.integer)) and sampled_softmax >= 0):
        raise ValueError(f"sampled_softmax must be an integer >= 0 (0 = full softmax), got {sampled_softmax!r}")
    lazy = ()
    if sampled_softmax:
        noise_probs = encoder.vocab.noise_probs(0.75)                   # (V,), specials 0
        lazy = ("tok_emb",)   # only the candidates' and the inputs' rows have a gradient
    if not 0 <= short_rows <= 1:
        raise ValueError(f"short_rows must be a share in [0, 1] (0 = every row full), got {short_rows}")
    settings.update(mask_split=list(mask_split), mask_frequency_power=float(mask_frequency_power),
                    sampled_softmax=int(sampled_softmax), short_rows=float(short_rows),
                    cross_documents=bool(cross_documents))        # (a checkpoint resumes only with the same)
    train_rows, heldout_rows = split_rows(encoder, corpus, heldout, cross_documents)
    eval_batches = fixed_masks(encoder, heldout_rows[:eval_sequences], mask_prob, mask_split)
    baseline_id = _most_frequent_id(encoder, train_rows)
    encoder.history["baseline_accuracy"] = _accuracy_of_constant(eval_batches, baseline_id)
    encoder.history["baseline_token"] = encoder.vocab.itos[baseline_id]
    matrices = [name for name, value in encoder.params.items() if value.ndim == 2]
    optimizer = Adam(encoder.params, lr=lr, weight_decay=weight_decay, decay=matrices, lazy=lazy)
    rng = np.random.default_rng([encoder.config["seed"], 1])            # batches and masks
    step = 0
    if checkpoint and os.path.exists(checkpoint):
        step = load_checkpoint(encoder, checkpoint, optimizer, rng, settings)
    bar = tqdm(total=steps, initial=step, disable=not progress, unit="step", desc="encoder")
    real_tokens = 0                # tokens trained on since this call began (padding not counted)
    consistent_rng = None          # rng state matching the params when a step is half done
    started = time.perf_counter()
    try:
        while step < steps:
            consistent_rng = rng.bit_generator.state
            batch = train_rows[rng.integers(0, len(train_rows), size=batch_size)]   # (B, T)
            batch = shorten_rows(batch, rng, short_rows, encoder.vocab.pad_id)
            real_tokens += int(np.count_nonzero(batch != encoder.vocab.pad_id))
            ids, targets = mask_tokens(batch, rng, encoder.vocab, mask_prob, mask_split, choose_weights)
            sampled = sample_candidates(rng, noise_probs, sampled_softmax) if sampled_softmax else None
            loss, grads = encoder.loss_and_grads(ids, targets, sampled)
            if not math.isfinite(loss):
                raise TrainingDiverged(
                    f"the loss became {loss} at step {step + 1}: training diverged. The learning "
                    f"rate lr={lr} is probably too high; try {lr / 10:g}, or keep clip_norm set.")
            with _interrupt_deferred():                                  # never half an update
                if clip_norm:
                    clip_grad_norm(grads, clip_norm)
                optimizer.lr = warmup_decay_lr(step, steps, lr, settings["warmup_steps"], decay)
                optimizer.step(grads)
                step += 1
                encoder.history["loss"].append(loss)
                consistent_rng = None
            bar.update(1)
            tokens_per_second = real_tokens / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(loss=f"{np.mean(encoder.history['loss'][-50:]):.3f}",
                            tok_s=f"{tokens_per_second:,.0f}", refresh=False)
            if step == steps or (eval_every and step % eval_every == 0):
                encoder.history["eval"].append({"step": step, **evaluate_batches(encoder, eval_batches)})
                if progress:
                    bar.write(_format_eval(encoder.history["eval"][-1], encoder.history["baseline_accuracy"]))
            if checkpoint and (step == steps or (checkpoint_every and step % checkpoint_every == 0)):
                save_checkpoint(encoder, checkpoint, optimizer, rng.bit_generator.state, step, settings)
    except KeyboardInterrupt:
        if checkpoint:
            save_checkpoint(encoder, checkpoint, optimizer, consistent_rng or rng.bit_generator.state,
                            step, settings)
            print(f"\ninterrupted after step {step}; checkpoint saved to {checkpoint}. Run again "
                  "with the same settings to resume.", file=sys.stderr)
        raise
    finally:
        bar.close()
    return encoder


def split_rows(encoder, corpus, heldout, cross_documents=True):
    """The corpus as (train_rows, heldout_rows), each (n, max_len) int32 (``cross_documents``:
    as in ``fit``; False needs an EncodedCorpus, whose offsets say where documents end)."""
    offsets = None
    if hasattr(corpus, "vocab"):
        if corpus.vocab is not encoder.vocab and corpus.vocab.itos != encoder.vocab.itos:
            raise ValueError("the corpus was encoded with another vocabulary; encode it with "
                             "encode_corpus(path, vocab=encoder.vocab)")
        offsets = None if cross_documents else corpus.offsets
        corpus = corpus.ids
    elif not cross_documents:
        raise ValueError("cross_documents=False needs to know where documents end: pass an "
                         "EncodedCorpus (encode_corpus(...)), not a flat id array")
    if not 0 <= heldout < 1:
        raise ValueError(f"heldout must be a fraction in [0, 1), got {heldout}")
    rows = make_sequences(corpus, encoder.config["max_len"], encoder.vocab.pad_id, offsets)
    n_heldout = max(1, round(len(rows) * heldout)) if heldout else 0
    if len(rows) - n_heldout < 1:
        raise ValueError(f"the corpus has {len(rows)} sequences of max_len={encoder.config['max_len']} "
                         "tokens: too few to hold some out. Use a larger corpus, a smaller max_len, "
                         "or heldout=0.")
    return rows[:len(rows) - n_heldout], rows[len(rows) - n_heldout:]


def _most_frequent_id(encoder, rows):
    counts = np.bincount(rows.reshape(-1), minlength=len(encoder.vocab))
    counts[:len(encoder.vocab.specials)] = 0
    return int(np.argmax(counts))


def fixed_masks(encoder, rows, mask_prob, mask_split=BERT_SPLIT, batch_size=64):
    """Fixed (seeded) masks for held-out evaluation, so every evaluation scores the same tokens."""
    rng = np.random.default_rng([encoder.config["seed"], 2])
    return [mask_tokens(rows[i:i + batch_size], rng, encoder.vocab, mask_prob, mask_split)
            for i in range(0, len(rows), batch_size)]


def evaluate_batches(encoder, batches):
    """Masked-token accuracy, mean loss and perplexity ``exp(loss)`` over (ids, targets) batches."""
    total_loss, correct, scored = 0.0, 0, 0
    for ids, targets in batches:
        if not (targets >= 0).any():
            continue
        y, _ = encoder._forward(ids)
        rows = np.flatnonzero(targets.reshape(-1) >= 0)
        logits = y[rows] @ encoder.params["tok_emb"].T + encoder.params["out_bias"]  # (N, V)
        answers = targets.reshape(-1)[rows]
        correct += int(np.count_nonzero(logits.argmax(axis=1) == answers))
        loss, _ = cross_entropy(logits, answers)
        total_loss += loss * len(rows)
        scored += len(rows)
    if not scored:
        return {"loss": float("nan"), "perplexity": float("nan"), "accuracy": float("nan"), "scored": 0}
    mean = total_loss / scored
    return {"loss": mean, "perplexity": math.exp(min(mean, 700.0)), "accuracy": correct / scored,
            "scored": scored}


# ---------------------------------------------------------------------------- checkpoints
def save_checkpoint(encoder, path, optimizer, rng_state, step, settings):
    """Write what resuming needs: the params, the optimizer's moments, the rng state, the step, the
    config and training settings (a resume with others is refused), the vocabulary and the history."""
    arrays = {f"param/{name}": value for name, value in encoder.params.items()}
    arrays.update({f"optim/{key}": value for key, value in optimizer.state_dict().items()})
    save_npz(path, file_format=CHECKPOINT_FORMAT, **arrays,
             step=np.array(step), rng_state=np.array(json.dumps(rng_state)),
             config=np.array(json.dumps(encoder.config)), settings=np.array(json.dumps(settings)),
             vocab_tokens=np.array(encoder.vocab.itos),
             loss_history=np.array(encoder.history["loss"], dtype=np.float64),
             eval_history=np.array(json.dumps(encoder.history["eval"])))


def load_checkpoint(encoder, path, optimizer, rng, settings):
    """Restore :func:`save_checkpoint`'s file into ``encoder``, ``optimizer`` and ``rng``; returns the step
    to continue from. Refused unless config, vocabulary and ``settings`` are the file's."""
    data = load_npz(path, "an encoder checkpoint", ["config", "settings", "step", "rng_state", "vocab_tokens",
                                                    "loss_history", "eval_history"]
                    + [f"param/{name}" for name in encoder.params], file_format=CHECKPOINT_FORMAT)
    saved_config, saved_settings = json.loads(str(data["config"])), json.loads(str(data["settings"]))
    if saved_config != encoder.config:
        raise ValueError(f"checkpoint {path} was made by an encoder with config {saved_config}, "
                         f"not {encoder.config}; delete it or build the same encoder")
    if data["vocab_tokens"].tolist() != encoder.vocab.itos:
        raise ValueError(f"checkpoint {path} was made on another corpus (its vocabulary differs); "
                         "resume on the same corpus, or delete the checkpoint")
    changed = sorted(key for key in set(settings) | set(saved_settings)
                     if saved_settings.get(key) != settings.get(key))
    if changed:
        raise ValueError(f"checkpoint {path} was made with other training settings ({', '.join(changed)}"
                         "); resume with the same settings or delete the checkpoint")
    for name in encoder.params:
        encoder.params[name][...] = data[f"param/{name}"]
    optimizer.load_state_dict({key[len("optim/"):]: value for key, value in data.items()
                               if key.startswith("optim/")})
    rng.bit_generator.state = json.loads(str(data["rng_state"]))
    encoder.history["loss"] = data["loss_history"].tolist()
    encoder.history["eval"] = json.loads(str(data["eval_history"]))
    return int(data["step"])


def _accuracy_of_constant(batches, token_id):
    """Accuracy of always predicting ``token_id`` at the scored positions of ``batches``."""
    answers = np.concatenate([targets[targets >= 0] for _, targets in batches] + [np.zeros(0, int)])
    return float(np.mean(answers == token_id)) if len(answers) else float("nan")


def _format_eval(result, baseline):
    return (f"step {result['step']}: held-out masked-token accuracy {result['accuracy']:.2%} "
            f"(most-frequent-token baseline {baseline:.2%}), perplexity {result['perplexity']:.1f}")
