"""Masked-language-model training for :class:`~minembed.encoder.AttentionEncoder`: the data, the loop, checkpoints.

The encoder (``encoder.py``) is the model: its forward pass, its loss and gradients. This module
is how it learns, BERT's recipe (Devlin et al. 2019)::

    corpus ids --make_sequences--> rows of max_len tokens --(random rows)--> batch (B, T)
        --mask_tokens--> masked ids + targets --loss_and_grads--> loss, grads
        --clip, Adam with warm-up then decay--> updated params      (repeat ``steps`` times)

Every ``eval_every`` steps the held-out rows (the last ``heldout`` fraction, masked once with a fixed
seed so every evaluation scores the same tokens) give the masked-token accuracy and perplexity.
Ctrl-C is deferred until an update is complete, then a checkpoint is written, and running again
with the same settings resumes exactly where it stopped.

``AttentionEncoder`` inherits these methods (``fit``, ``evaluate_batches``) from
:class:`MaskedLMTraining`; they use only its ``vocab``, ``config``, ``params``, ``history``,
``loss_and_grads`` and ``_forward``.
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

# ---------------------------------------------------------------------------- data: sequences, masking
BERT_SPLIT = (0.8, 0.1, 0.1)       # of the tokens to predict: shown as <mask>, as a random word, as themselves


def make_sequences(ids, max_len, pad_id, offsets=None):
    """Cut an id stream into rows of ``max_len`` tokens, padded with ``pad_id``.

    Without ``offsets`` the stream is cut every ``max_len`` tokens, across document ends (BERT's
    packing); only the last row is padded. With ``offsets`` (``offsets[d]`` = where document d
    starts, ``offsets[-1] == len(ids)``, as :class:`~minembed.corpus.EncodedCorpus` holds them)
    every document starts a row of its own and a long one continues on the next rows, so no row
    mixes two documents; each document's last row is padded. Empty documents give no row.

    >>> make_sequences(np.array([5, 6, 7, 8, 9]), 2, pad_id=0)
    array([[5, 6],
           [7, 8],
           [9, 0]], dtype=int32)
    >>> make_sequences(np.array([5, 6, 7, 8, 9]), 2, pad_id=0, offsets=[0, 3, 5])
    array([[5, 6],
           [7, 0],
           [8, 9]], dtype=int32)
    """
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    if offsets is None:
        offsets = np.array([0, len(ids)])
    offsets = np.asarray(offsets)
    if offsets.ndim != 1 or len(offsets) < 1 or not np.issubdtype(offsets.dtype, np.integer):
        raise ValueError(f"offsets must be a 1-d array of integers (where each document starts, then "
                         f"len(ids)), got {offsets!r}")
    offsets = offsets.astype(np.int64)
    if offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
        raise ValueError(f"offsets must rise from 0 to len(ids)={len(ids)}, got {offsets[0]} .. {offsets[-1]}")
    doc_lengths = np.diff(offsets)                                     # (n_docs,)
    doc_rows = -(-doc_lengths // max_len)                              # rows each document takes
    first_row = np.cumsum(doc_rows) - doc_rows                         # (n_docs,) its first row
    # a document's rows are consecutive, so its token k lands at flat cell first_row * max_len + k
    shift = np.repeat(first_row * max_len - offsets[:-1], doc_lengths)  # (n_tokens,)
    rows = np.full(int(doc_rows.sum()) * max_len, pad_id, dtype=np.int32)
    rows[np.arange(len(ids)) + shift] = ids
    return rows.reshape(-1, max_len)


def shorten_rows(rows, rng, share, pad_id):
    """Cut a random ``share`` of the batch's rows short: BERT's short sequences (its pre-training
    data script, ``short_seq_prob=0.1``, gives 10% of the rows a length drawn uniformly from 2 to
    the maximum).

    Packed rows are always full, but what the encoder is asked about afterwards is often one short
    sentence (WiC's average 7 words after our tokenizer), and attention over 7 keys is not attention
    over 64. Each row is chosen with probability ``share``; a chosen row keeps its first ``L``
    tokens, ``L`` uniform in ``2..T``, and the rest become ``pad_id`` (never attended to, never
    predicted). ``rows`` (B, T) is not changed; returns the new (B, T). ``share=0`` returns
    ``rows`` itself and draws nothing from ``rng``.

    >>> shorten_rows(np.arange(1, 9).reshape(2, 4), np.random.default_rng(9), share=1.0, pad_id=0)
    array([[1, 2, 0, 0],
           [5, 6, 7, 0]])
    """
    if not share:
        return rows
    n_rows, T = rows.shape
    chosen = rng.random(n_rows) < share                                       # (B,)
    lengths = np.where(chosen, rng.integers(2, T + 1, size=n_rows), T)       # (B,)
    kept = np.arange(T)[None, :] < lengths[:, None]                          # (B, T)
    return np.where(kept, rows, pad_id).astype(rows.dtype)


def mask_tokens(ids, rng, vocab, mask_prob=0.15, split=BERT_SPLIT, choose_weights=None):
    """BERT's masking: choose each real token with probability ``mask_prob``; of the chosen,
    by default 80% -> ``<mask>``, 10% -> a random (non-special) word, 10% unchanged.

    ``split``: those three shares (summing to 1); Cramming (Geiping & Goldstein 2023) uses
    ``(0.8, 0.0, 0.2)``, no random words. Returns ``(masked_ids, targets)``: ``targets`` is the
    original id at chosen positions and -1 elsewhere. Padding and ``<unk>`` are never chosen
    (there is nothing to predict). At least one position per batch is chosen, so the loss is
    always defined.

    ``choose_weights`` (V,): choose tokens by weight instead of uniformly (see
    :func:`choose_weighted`; ``ids`` must then be (B, T)); ``None`` is the uniform choice.
    """
    to_mask, to_random, _ = check_mask_split(split)
    n_special = len(vocab.specials)
    choosable = ids >= n_special                        # specials take the first ids
    if choose_weights is None:
        chosen = (rng.random(ids.shape) < mask_prob) & choosable
    else:
        chosen = choose_weighted(ids, choosable, rng, mask_prob, choose_weights)
    if not chosen.any() and choosable.any():
        candidates = np.flatnonzero(choosable)
        chosen.flat[candidates[rng.integers(len(candidates))]] = True
    targets = np.where(chosen, ids, -1).astype(np.int64)
    roll = rng.random(ids.shape)
    masked = ids.copy()
    masked[chosen & (roll < to_mask)] = vocab.mask_id
    randomized = chosen & (roll >= to_mask) & (roll < to_mask + to_random)
    masked[randomized] = rng.integers(n_special, len(vocab), size=int(randomized.sum()))
    return masked, targets


def choose_weighted(ids, choosable, rng, mask_prob, choose_weights):
    """Choose as many tokens per row as the uniform choice of :func:`mask_tokens` would
    (``Binomial(choosable tokens in the row, mask_prob)``), but which ones by weight: with
    ``choose_weights = count ** -power`` a rarer word is likelier to be chosen.

    Weighted sampling without replacement by the Gumbel top-k trick: each token gets the key
    ``log w(token) + g`` with ``g ~ Gumbel(0, 1)``; the ``k`` largest keys of a row are a draw of
    ``k`` tokens without replacement, each next one with probability proportional to its weight
    among the tokens not yet drawn (Kool et al. 2019). Equal weights give the uniform choice.
    ``ids`` and ``choosable`` are (B, T); a token of weight 0 is never chosen. Returns the
    chosen mask (B, T).
    """
    token_weights = choose_weights[ids]                                       # (B, T)
    choosable = choosable & (token_weights > 0)
    n_choosable = choosable.sum(axis=1)                                       # (B,)
    n_chosen = rng.binomial(n_choosable, mask_prob)                           # (B,)
    with np.errstate(divide="ignore"):                # log 0 = -inf: only where nothing is choosable
        gumbel = -np.log(-np.log(rng.random(ids.shape)))                      # (B, T)
        keys = np.where(choosable, np.log(token_weights) + gumbel, -np.inf)   # (B, T)
    rank = np.argsort(np.argsort(-keys, axis=1, kind="stable"), axis=1)       # 0 = the largest key
    return (rank < n_chosen[:, None]) & choosable


def frequency_weights(vocab, power):
    """``count ** -power`` per id (0 for specials): the weights of :func:`choose_weighted`.
    ``power=0`` weighs every word alike; at 0.5 a word 100x rarer has 10x the weight per occurrence
    (its chance of being chosen grows less than that: a chance cannot pass 1)."""
    counts = np.maximum(vocab.counts.astype(np.float64), 1.0)
    weights = counts ** -float(power)
    weights[:len(vocab.specials)] = 0.0
    return weights


def check_mask_split(split):
    """``split`` as three floats (mask, random word, unchanged), or a ValueError saying what is wrong."""
    try:
        shares = tuple(float(share) for share in split)
    except (TypeError, ValueError):
        shares = ()
    if len(shares) != 3 or min(shares) < 0 or abs(sum(shares) - 1.0) > 1e-9:
        raise ValueError(f"mask_split must be three shares (mask, random word, unchanged) >= 0 summing "
                         f"to 1, such as BERT's (0.8, 0.1, 0.1); got {split!r}")
    return shares


def sample_candidates(rng, noise_probs, n_samples):
    """Draw the sampled softmax's candidates: ``n_samples`` ids from ``noise_probs`` (with
    replacement) and, per id, ``log P(id is among the draws) = log(1 - (1 - q)^n_samples)``.

    Returns ``(sampled_ids (n_samples,), log_inclusion (V,))``; ids that cannot be drawn
    (q = 0: the specials) get -inf. Worked example: q = (0, 0.5, 0.5), 2 draws ->
    log_inclusion = (-inf, log 0.75, log 0.75).
    """
    sampled_ids = rng.choice(len(noise_probs), size=n_samples, p=noise_probs)
    with np.errstate(divide="ignore"):
        log_inclusion = np.log(-np.expm1(n_samples * np.log1p(-np.minimum(noise_probs, 1.0))))
    return sampled_ids, log_inclusion


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
class MaskedLMTraining:
    """The training half of AttentionEncoder (see this module's docstring)."""

    def fit(self, corpus, steps=1000, batch_size=32, lr=3e-3, warmup_steps=None, decay="linear",
            weight_decay=0.01, clip_norm=1.0, mask_prob=0.15, heldout=0.05, eval_every=200,
            eval_sequences=256, checkpoint=None, checkpoint_every=None, progress=True, sampled_softmax=0,
            mask_split=BERT_SPLIT, mask_frequency_power=0.0, cross_documents=True, short_rows=0.0):
        """Masked-token training with Adam, warm-up then decay, and gradient clipping.

        ``corpus`` is an :class:`~minembed.corpus.EncodedCorpus` over this encoder's vocabulary
        (``encode_corpus(path, specials=(PAD, UNK, MASK))``) or a flat id array. Its id stream is
        cut into ``max_len`` rows (:func:`make_sequences`): across document ends, as BERT packs
        text, or with ``cross_documents=False`` (an EncodedCorpus only) each document on rows of its
        own, padded, so that no row mixes two documents and short texts (a sentence, as the sense
        tasks give) look like what training saw; the last ``heldout`` fraction of rows is held out.
        Every ``eval_every`` steps (and at the end) the held-out masked-token accuracy and
        perplexity are measured on fixed masks and appended to ``self.history["eval"]``.
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
        answers and S words drawn per step from the unigram^0.75 distribution (see :mod:`minembed.encoder`'s
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
        if mask_split != BERT_SPLIT:              # (absent when BERT's, so older checkpoints still resume)
            settings["mask_split"] = list(mask_split)
        if not (math.isfinite(mask_frequency_power) and mask_frequency_power >= 0):
            raise ValueError("mask_frequency_power must be a finite number >= 0 (0 = BERT's uniform choice), "
                             f"got {mask_frequency_power}")
        choose_weights = None
        if mask_frequency_power:                  # (absent when 0, so older checkpoints still resume)
            settings["mask_frequency_power"] = float(mask_frequency_power)
            choose_weights = frequency_weights(self.vocab, mask_frequency_power)     # (V,)
        if not (isinstance(sampled_softmax, (int, np.integer)) and sampled_softmax >= 0):
            raise ValueError(f"sampled_softmax must be an integer >= 0 (0 = full softmax), got {sampled_softmax!r}")
        lazy = ()
        if sampled_softmax:                       # (absent when 0, so older checkpoints still resume)
            settings["sampled_softmax"] = int(sampled_softmax)
            settings["lazy_tok_emb"] = True       # (a checkpoint of the dense update is refused)
            noise_probs = self.vocab.noise_probs(0.75)                      # (V,), specials 0
            lazy = ("tok_emb",)   # only the candidates' and the inputs' rows have a gradient
        if not 0 <= short_rows <= 1:
            raise ValueError(f"short_rows must be a share in [0, 1] (0 = every row full), got {short_rows}")
        if short_rows:                            # (absent when 0, so older checkpoints still resume)
            settings["short_rows"] = float(short_rows)
        if not cross_documents:                   # (absent when True, so older checkpoints still resume)
            settings["cross_documents"] = False
        train_rows, heldout_rows = self._split(corpus, heldout, cross_documents)
        eval_batches = self._eval_batches(heldout_rows[:eval_sequences], mask_prob, mask_split)
        baseline_id = self._most_frequent_id(train_rows)
        self.history["baseline_accuracy"] = _accuracy_of_constant(eval_batches, baseline_id)
        self.history["baseline_token"] = self.vocab.itos[baseline_id]
        matrices = [name for name, value in self.params.items() if value.ndim == 2]
        optimizer = Adam(self.params, lr=lr, weight_decay=weight_decay, decay=matrices, lazy=lazy)
        rng = np.random.default_rng([self.config["seed"], 1])               # batches and masks
        step = 0
        if checkpoint and os.path.exists(checkpoint):
            step = self._load_checkpoint(checkpoint, optimizer, rng, settings)
        bar = tqdm(total=steps, initial=step, disable=not progress, unit="step", desc="encoder")
        real_tokens = 0                # tokens trained on since this call began (padding not counted)
        consistent_rng = None          # rng state matching the params when a step is half done
        started = time.perf_counter()
        try:
            while step < steps:
                consistent_rng = rng.bit_generator.state
                batch = train_rows[rng.integers(0, len(train_rows), size=batch_size)]   # (B, T)
                batch = shorten_rows(batch, rng, short_rows, self.vocab.pad_id)
                real_tokens += int(np.count_nonzero(batch != self.vocab.pad_id))
                ids, targets = mask_tokens(batch, rng, self.vocab, mask_prob, mask_split, choose_weights)
                sampled = sample_candidates(rng, noise_probs, sampled_softmax) if sampled_softmax else None
                loss, grads = self.loss_and_grads(ids, targets, sampled)
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
                    self.history["loss"].append(loss)
                    consistent_rng = None
                bar.update(1)
                tokens_per_second = real_tokens / max(time.perf_counter() - started, 1e-9)
                bar.set_postfix(loss=f"{np.mean(self.history['loss'][-50:]):.3f}",
                                tok_s=f"{tokens_per_second:,.0f}", refresh=False)
                if step == steps or (eval_every and step % eval_every == 0):
                    self.history["eval"].append({"step": step, **self.evaluate_batches(eval_batches)})
                    if progress:
                        bar.write(_format_eval(self.history["eval"][-1], self.history["baseline_accuracy"]))
                if checkpoint and (step == steps or (checkpoint_every and step % checkpoint_every == 0)):
                    self._save_checkpoint(checkpoint, optimizer, rng.bit_generator.state, step, settings)
        except KeyboardInterrupt:
            if checkpoint:
                self._save_checkpoint(checkpoint, optimizer, consistent_rng or rng.bit_generator.state,
                                      step, settings)
                print(f"\ninterrupted after step {step}; checkpoint saved to {checkpoint}. Run again "
                      "with the same settings to resume.", file=sys.stderr)
            raise
        finally:
            bar.close()
        return self

    def _split(self, corpus, heldout, cross_documents=True):
        """The corpus as (train_rows, heldout_rows), each (n, max_len) int32 (``cross_documents``:
        as in ``fit``; False needs an EncodedCorpus, whose offsets say where documents end)."""
        offsets = None
        if hasattr(corpus, "vocab"):
            if corpus.vocab is not self.vocab and corpus.vocab.itos != self.vocab.itos:
                raise ValueError("the corpus was encoded with another vocabulary; encode it with "
                                 "encode_corpus(path, vocab=encoder.vocab)")
            offsets = None if cross_documents else corpus.offsets
            corpus = corpus.ids
        elif not cross_documents:
            raise ValueError("cross_documents=False needs to know where documents end: pass an "
                             "EncodedCorpus (encode_corpus(...)), not a flat id array")
        if not 0 <= heldout < 1:
            raise ValueError(f"heldout must be a fraction in [0, 1), got {heldout}")
        rows = make_sequences(corpus, self.config["max_len"], self.vocab.pad_id, offsets)
        n_heldout = max(1, round(len(rows) * heldout)) if heldout else 0
        if len(rows) - n_heldout < 1:
            raise ValueError(f"the corpus has {len(rows)} sequences of max_len={self.config['max_len']} "
                             "tokens: too few to hold some out. Use a larger corpus, a smaller max_len, "
                             "or heldout=0.")
        return rows[:len(rows) - n_heldout], rows[len(rows) - n_heldout:]

    def _most_frequent_id(self, rows):
        counts = np.bincount(rows.reshape(-1), minlength=len(self.vocab))
        counts[:len(self.vocab.specials)] = 0
        return int(np.argmax(counts))

    def _eval_batches(self, rows, mask_prob, mask_split=BERT_SPLIT, batch_size=64):
        """Fixed (seeded) masks for held-out evaluation, so every evaluation scores the same tokens."""
        rng = np.random.default_rng([self.config["seed"], 2])
        return [mask_tokens(rows[i:i + batch_size], rng, self.vocab, mask_prob, mask_split)
                for i in range(0, len(rows), batch_size)]

    def evaluate_batches(self, batches):
        """Masked-token accuracy, mean loss and perplexity ``exp(loss)`` over (ids, targets) batches."""
        total_loss, correct, scored = 0.0, 0, 0
        for ids, targets in batches:
            if not (targets >= 0).any():
                continue
            y, _ = self._forward(ids)
            rows = np.flatnonzero(targets.reshape(-1) >= 0)
            logits = y[rows] @ self.params["tok_emb"].T + self.params["out_bias"]   # (N, V)
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

    # ------------------------------------------------------------------ checkpoints
    def _save_checkpoint(self, path, optimizer, rng_state, step, settings):
        arrays = {f"param/{name}": value for name, value in self.params.items()}
        arrays.update({f"optim/{key}": value for key, value in optimizer.state_dict().items()})
        save_npz(path, **arrays, step=np.array(step), rng_state=np.array(json.dumps(rng_state)),
                 config=np.array(json.dumps(self.config)), settings=np.array(json.dumps(settings)),
                 vocab_tokens=np.array(self.vocab.itos),
                 loss_history=np.array(self.history["loss"], dtype=np.float64),
                 eval_history=np.array(json.dumps(self.history["eval"])))

    def _load_checkpoint(self, path, optimizer, rng, settings):
        data = load_npz(path, "an encoder checkpoint", ["config", "settings", "step", "rng_state", "loss_history",
                                                        "eval_history"] + [f"param/{name}" for name in self.params])
        saved_config, saved_settings = json.loads(str(data["config"])), json.loads(str(data["settings"]))
        saved_config.setdefault("position_init", "random")                 # (checkpoints made before it)
        if saved_config != self.config:
            raise ValueError(f"checkpoint {path} was made by an encoder with config {saved_config}, "
                             f"not {self.config}; delete it or build the same encoder")
        if "vocab_tokens" in data and data["vocab_tokens"].tolist() != self.vocab.itos:
            raise ValueError(f"checkpoint {path} was made on another corpus (its vocabulary differs); "
                             "resume on the same corpus, or delete the checkpoint")
        changed = sorted(key for key in set(settings) | set(saved_settings)
                         if saved_settings.get(key) != settings.get(key))
        if changed:
            raise ValueError(f"checkpoint {path} was made with other training settings ({', '.join(changed)}"
                             "); resume with the same settings or delete the checkpoint")
        for name in self.params:
            self.params[name][...] = data[f"param/{name}"]
        optimizer.load_state_dict({key[len("optim/"):]: value for key, value in data.items()
                                   if key.startswith("optim/")})
        rng.bit_generator.state = json.loads(str(data["rng_state"]))
        self.history["loss"] = data["loss_history"].tolist()
        self.history["eval"] = json.loads(str(data["eval_history"]))
        return int(data["step"])

def _accuracy_of_constant(batches, token_id):
    """Accuracy of always predicting ``token_id`` at the scored positions of ``batches``."""
    answers = np.concatenate([targets[targets >= 0] for _, targets in batches] + [np.zeros(0, int)])
    return float(np.mean(answers == token_id)) if len(answers) else float("nan")


def _format_eval(result, baseline):
    return (f"step {result['step']}: held-out masked-token accuracy {result['accuracy']:.2%} "
            f"(most-frequent-token baseline {baseline:.2%}), perplexity {result['perplexity']:.1f}")
