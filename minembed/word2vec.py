"""Skip-gram word2vec with negative sampling (SGNS), trained by vectorized NumPy SGD.

The model
---------
Every word ``w`` has two vectors: an *input* vector ``v_w`` (row of ``in_vectors``,
word2vec.c's ``syn0``; these are the word vectors you keep) and an *output* vector
``u_w`` (row of ``out_vectors``, word2vec.c's ``syn1neg``). For a centre word ``w`` and
a context word ``c`` seen within its window, SGNS maximises

    log sigma(v_c . u_w)  +  sum_{k=1..K} log sigma(-v_c . u_{n_k}),     sigma(s) = 1 / (1 + e^-s)

i.e. it learns to tell the true pair (c, w) from K "negative" words ``n_k`` drawn from
the noise distribution ``P(n) ~ count(n)^0.75``. (As in word2vec.c, the context word
is the input and the centre word the output; in expectation the pairs are symmetric.)

The gradient
------------
For one score ``s = v . u`` with label ``y`` (1 for the true centre, 0 for a negative),
the log-likelihood ``y log sigma(s) + (1-y) log sigma(-s)`` has derivative ``y - sigma(s)``
with respect to ``s``. So a step of size ``lr`` is

    g = lr * (y - sigma(s));     v += g * u;     u += g * v        (both from the old values)

word2vec.c semantics kept here (each stated where it is computed below)
------------------------------------------------------------------------
* frequent-word subsampling with keep-probability ``(sqrt(f/(s*T)) + 1) * s*T / f``;
* a window ``b`` drawn uniformly from ``[1, window]`` for every centre word;
* no window crosses a document boundary (a line, or a 10,000-token chunk of one);
* negatives from ``count^0.75``; a negative equal to the centre word is skipped;
* learning rate decaying linearly from ``alpha`` to ``min_alpha`` over all epochs;
* input vectors uniform in ``+-0.5/dim``, output vectors zero, float32 tables.

Where minembed differs, and why
-------------------------------
word2vec.c walks the corpus one pair at a time in C. NumPy is fast only on whole arrays,
so we update a **batch of ``batch_size`` centre words at once** (gradients of one batch are
computed from the same parameters and summed), and **the K negatives of a centre word are
shared by all the context words of its window** (Ji et al. 2016, "Parallelizing Word2Vec in
Shared and Distributed Memory"; also used by BlazingText). Each (context, centre) pair still
sees K negatives from the same distribution, but now one window is a small matrix product:

    X (N, 2w+1, d)   input vectors of the window positions around each of N centres
    Y (N, K+1, d)    output vectors: the centre word, then its K negatives
    S = X @ Y^T      (N, 2w+1, K+1) scores;  G = lr * (labels - sigma(S)) * mask
    mask             (N, 2w+1, K+1) true context position and not a negative equal to the centre
    dX = G @ Y       (N, 2w+1, d);      dY = G^T @ X    (N, K+1, d)

Every position's input vector is fetched once (``X`` is a sliding-window view), and the
whole batch touches about ``7 * N`` table rows instead of ``~42 * N`` pair-by-pair.
``benchmarks/bench_word2vec.py`` shows the result is as accurate as gensim's.

Several processes (``workers > 1``)
----------------------------------
word2vec.c runs N threads that update the same tables without locks ("Hogwild"). Here
``workers=N`` splits each epoch's stream into N chunks, trains each in a forked process on
tables in shared memory (:mod:`minembed.hogwild`), and is about N times faster on N free
cores, at the price of bit-for-bit repeatability. ``workers=1`` (default) is exactly repeatable.

Smaller differences: sigma is computed exactly (word2vec.c looks it up in a table and clips
scores beyond +-6); negatives are drawn by inverse-CDF sampling (``searchsorted`` on the
cumulative noise probabilities) instead of from a 1e8-entry table; and the learning-rate
schedule counts progress through the subsampled stream rather than through raw words.
"""
import contextlib
import json
import os
import signal
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from tqdm.auto import tqdm

from .corpus import EncodedCorpus, encode_corpus
from . import hogwild
from .fileio import load_npz, save_npz
from .sparse import add_rows
from .tokenize import Tokenizer
from .vectors import KeyedVectors


class Word2Vec:
    """Skip-gram with negative sampling. Defaults are word2vec.c's and gensim's.

    >>> w2v = Word2Vec(dim=50, epochs=3).fit("corpus.txt")        # doctest: +SKIP
    >>> w2v.wv.most_similar("king", topn=3)                        # doctest: +SKIP
    """

    def __init__(self, dim=100, window=5, negative=5, min_count=5, max_vocab=None, sample=1e-3,
                 alpha=0.025, min_alpha=0.0001, epochs=5, batch_size=1024, seed=1, workers=1, tokenizer=None):
        _check(dim >= 1, f"dim must be >= 1, got {dim}")
        _check(window >= 1, f"window must be >= 1, got {window}")
        _check(negative >= 0, f"negative must be >= 0, got {negative}")
        _check(min_count >= 1, f"min_count must be >= 1, got {min_count}")
        _check(sample >= 0, f"sample must be >= 0 (0 disables subsampling), got {sample}")
        _check(alpha > 0 and 0 <= min_alpha <= alpha,
               f"need alpha > 0 and 0 <= min_alpha <= alpha, got alpha={alpha}, min_alpha={min_alpha}")
        _check(epochs >= 1, f"epochs must be >= 1, got {epochs}")
        _check(batch_size >= 1, f"batch_size must be >= 1, got {batch_size}")
        _check(isinstance(seed, (int, np.integer)) and seed >= 0, f"seed must be an integer >= 0, got {seed!r}")
        _check(isinstance(workers, (int, np.integer)) and workers >= 1, f"workers must be an integer >= 1, got {workers!r}")
        if workers > 1:
            hogwild.check_available()
        # float32 per window position: X (copied for the matmul) and dX, d each; scores, probs, G, K+1 each
        step_bytes = 4 * batch_size * (2 * window + 1) * (2 * dim + 3 * (negative + 1))
        _check(step_bytes < 2**31, f"window={window}, dim={dim} and batch_size={batch_size} need "
               f"{step_bytes / 2**30:.1f} GiB per step; lower batch_size (or window)")
        self.dim, self.window, self.negative = dim, window, negative
        self.min_count, self.max_vocab, self.sample = min_count, max_vocab, sample
        self.alpha, self.min_alpha, self.epochs = alpha, min_alpha, epochs
        self.batch_size, self.seed, self.workers = batch_size, int(seed), int(workers)    # (JSON takes no np.int64)
        self.tokenizer = tokenizer or Tokenizer()
        self.history = []            # one dict per epoch: epoch, loss, pairs, effective_words, seconds, words_per_sec

    def config(self):
        keys = ("dim", "window", "negative", "min_count", "max_vocab", "sample", "alpha",
                "min_alpha", "epochs", "batch_size", "seed", "workers")
        return {key: getattr(self, key) for key in keys}

    # ------------------------------------------------------------------ setup
    def build(self, corpus):
        """Encode the corpus (a path, token lists, or an EncodedCorpus) and initialise the tables."""
        if not isinstance(corpus, EncodedCorpus):
            corpus = encode_corpus(corpus, self.tokenizer, min_count=self.min_count, max_size=self.max_vocab)
        if len(corpus.vocab) < 2:
            limits = f"min_count={self.min_count}" + (f", max_vocab={self.max_vocab}" if self.max_vocab else "")
            raise ValueError(f"word2vec needs at least 2 distinct words after {limits}, got "
                             f"{len(corpus.vocab)}; lower min_count, raise max_vocab, or use a larger corpus")
        self.corpus, self.vocab = corpus, corpus.vocab
        rng = np.random.default_rng(self._seed_key(0))
        n_words = len(self.vocab)
        # word2vec.c: input vectors uniform in [-0.5/dim, 0.5/dim), output vectors zero.
        self.in_vectors = (rng.random((n_words, self.dim), dtype=np.float32) - 0.5) / self.dim
        self.out_vectors = np.zeros((n_words, self.dim), dtype=np.float32)
        self.keep_probs = self.vocab.keep_probs(self.sample)                # (V,) subsampling
        self.noise_cdf = np.cumsum(self.vocab.noise_probs(0.75))            # (V,) for negatives
        self.epochs_done = 0
        self._resume_at = None       # where to continue inside an interrupted epoch
        self._wv = None
        return self

    # ------------------------------------------------------------------ training
    def fit(self, corpus, progress=True, checkpoint=None):
        """Train for ``epochs`` epochs; ``corpus`` is a path, token lists or an EncodedCorpus.

        ``checkpoint``: an ``.npz`` path. If it exists, training **resumes** from it (same
        settings and corpus required) and ends with exactly the vectors of an uninterrupted
        run (with ``workers=1``; with more, a run as good but not bit-for-bit the same). It is
        rewritten after every epoch, and when Ctrl-C stops training: the first Ctrl-C finishes
        the current batch (in every worker), saves, and raises ``KeyboardInterrupt``.

        With ``workers > 1`` the tables live in shared memory and ``workers`` processes update
        them at once (see :mod:`minembed.hogwild`); such runs are not bit-for-bit repeatable.
        """
        self.build(corpus)
        if checkpoint and os.path.exists(checkpoint):
            self._load_checkpoint(checkpoint)
        with _deferred_interrupt() as interrupt, hogwild.shared_tables(self, ("in_vectors", "out_vectors")):
            while self.epochs_done < self.epochs:
                finished = self._train_epoch(self.epochs_done, progress, interrupt)
                if finished:
                    self.epochs_done += 1
                    self._resume_at = None
                if checkpoint and (finished or interrupt.requested):
                    self._save_checkpoint(checkpoint)
                if interrupt.requested:
                    raise KeyboardInterrupt(f"word2vec stopped in epoch {self.epochs_done + 1}"
                                            + (f"; checkpoint saved to {checkpoint}" if checkpoint else ""))
        return self

    def _train_epoch(self, epoch, progress, interrupt):
        """Train one epoch (or its rest, after a resume); False if stopped by Ctrl-C."""
        self._wv = None                                           # the exported table goes stale
        # Generators derived from the seed (one per epoch here, one per chunk below): same seed, same run.
        stream, stream_offsets = self._subsample(np.random.default_rng(self._seed_key(1, epoch)))
        n_kept = len(stream)
        state = self._resume_at or {"seconds": 0.0, "chunks": self._split_epoch(n_kept)}
        chunks = state["chunks"]
        started = time.perf_counter() - state["seconds"]
        bar = tqdm(total=n_kept, initial=sum(c["position"] - c["first"] for c in chunks), unit="word",
                   unit_scale=True, disable=not progress, desc=f"word2vec epoch {epoch + 1}/{self.epochs}")
        try:
            if self.workers == 1:
                finished = self._train_chunk(0, chunks[0], stream, stream_offsets, epoch,
                                             lambda: interrupt.requested, _bar_updater(bar))
            else:
                finished = hogwild.train_chunks(self, chunks, stream, stream_offsets, epoch, interrupt, bar)
        finally:
            bar.close()                                           # ends its line, also before an error
        seconds = time.perf_counter() - started
        if not finished:                                          # Ctrl-C: keep where each chunk stopped
            self._resume_at = {"seconds": seconds, "chunks": chunks}
            return False
        loss_sum, pairs = sum(c["loss_sum"] for c in chunks), sum(c["pairs"] for c in chunks)
        self.history.append({"epoch": epoch + 1, "loss": loss_sum / max(pairs, 1), "pairs": pairs,
                             "effective_words": n_kept, "seconds": seconds,
                             "words_per_sec": n_kept / max(seconds, 1e-9)})
        return True

    def _seed_key(self, purpose, *numbers):
        """The key of one random stream: ``(seed, purpose, numbers...)`` with purpose 0 for the
        initial vectors, 1 for an epoch's subsampling, 2 for a chunk's windows and negatives.
        (The purpose tag keeps the streams apart: NumPy pads short keys with zeros, so
        ``(seed, epoch)`` and ``(seed, epoch, 0)`` would be one and the same stream.)"""
        return (self.seed, purpose, *numbers)

    def _split_epoch(self, n_kept):
        """One contiguous chunk of the stream per worker: its centres ``first:stop``, how far it
        has got (``position``), its loss and pair sums so far, and its random state."""
        bounds = np.linspace(0, n_kept, self.workers + 1).astype(int)
        return [{"first": int(first), "position": int(first), "stop": int(stop), "loss_sum": 0.0, "pairs": 0,
                 "rng_state": None} for first, stop in zip(bounds[:-1], bounds[1:])]

    def _train_chunk(self, chunk_index, chunk, stream, stream_offsets, epoch, stop_requested, after_batch):
        """Train the centres ``chunk["position"]:chunk["stop"]`` batch by batch, updating ``chunk``
        and calling ``after_batch(n_centres, chunk, lr)`` after each batch (to move a progress bar);
        False if ``stop_requested()`` came true first (then ``chunk`` says where to go on)."""
        rng = np.random.default_rng(self._seed_key(2, epoch, chunk_index))
        if chunk["rng_state"]:                                    # continue after a resume, same draws
            rng.bit_generator.state = chunk["rng_state"]
        w, first, stop = self.window, chunk["first"], chunk["stop"]
        for start in range(chunk["position"], stop, self.batch_size):
            if stop_requested():                                  # stop between two batches
                chunk.update(position=start, rng_state=rng.bit_generator.state)
                return False
            end = min(start + self.batch_size, stop)
            # learning rate: linear from alpha to min_alpha over all epochs (the chunks of an
            # epoch run side by side, so each counts its own way through the epoch)
            epoch_position = epoch + (start - first) / max(stop - first, 1)      # e.g. 2.5: half of epoch 3
            lr = self.alpha - (self.alpha - self.min_alpha) * epoch_position / self.epochs
            batch_loss, batch_pairs = self._train_batch(*batch_window(stream, stream_offsets, start, end, w),
                                                        lr, rng)
            if not np.isfinite(batch_loss):
                raise FloatingPointError(
                    f"the loss became {batch_loss} in epoch {epoch + 1}: the learning rate alpha={self.alpha} "
                    "is too high for these data; lower alpha (e.g. by 10x)")
            chunk["loss_sum"] += batch_loss
            chunk["pairs"] += batch_pairs
            after_batch(end - start, chunk, lr)
        chunk.update(position=stop, rng_state=rng.bit_generator.state)
        return True

    def _subsample(self, rng, block=1 << 20):
        """Drop each token with probability ``1 - keep_probs[id]`` (word2vec.c's subsampling).

        Returns the kept ids ``stream`` (n_kept,) int32 and ``stream_offsets`` (n_docs + 1,):
        document d is ``stream[stream_offsets[d]:stream_offsets[d + 1]]``. The draws are made a
        block of tokens at a time, in float32, so memory stays at one bool per corpus token
        beyond the stream itself (a float64 draw for every token would be 8 bytes each)."""
        ids, keep_probs = self.corpus.ids, self.keep_probs.astype(np.float32)
        kept = np.empty(len(ids), dtype=bool)                               # (n_tokens,)
        for start in range(0, len(ids), block):
            chunk = ids[start:start + block]
            kept[start:start + block] = rng.random(len(chunk), dtype=np.float32) < keep_probs[chunk]
        kept_before = np.cumsum(kept, dtype=np.int32 if len(ids) < 2**31 else np.int64)   # kept up to each position
        ends = self.corpus.offsets[1:]                                      # (n_docs,) each document's end
        stream_offsets = np.zeros(len(ends) + 1, dtype=np.int64)
        stream_offsets[1:] = np.where(ends > 0, kept_before[np.maximum(ends - 1, 0)], 0)
        return ids[kept], stream_offsets

    def _train_batch(self, window_ids, window_doc, lr, rng):
        """One SGD step for the centres ``window_ids[w:-w]``; returns (loss sum, pair count).

        ``window_ids`` holds the N centres plus ``w`` positions of context on each side.
        """
        w = self.window
        n_centres = len(window_ids) - 2 * w
        centre_ids = window_ids[w:w + n_centres]                               # (N,)
        reduced = rng.integers(1, w + 1, size=n_centres)                       # (N,) b ~ U{1..w}
        in_window = context_mask(window_doc, reduced, w)                       # (N, 2w+1)
        # K negatives per centre, from count^0.75 (inverse-CDF sampling), shared by its window
        negatives = np.searchsorted(self.noise_cdf, rng.random((n_centres, self.negative)), side="right")
        negatives = np.minimum(negatives, len(self.noise_cdf) - 1)
        target_ids = np.concatenate([centre_ids[:, None], negatives], axis=1)  # (N, K+1)
        return sgns_step(self.in_vectors, self.out_vectors, window_ids, window_doc >= 0,
                         in_window, target_ids, lr)

    # ------------------------------------------------------------------ checkpoints
    def _save_checkpoint(self, path):
        state = {"config": self.config(), "epochs_done": self.epochs_done, "history": self.history,
                 "resume_at": self._resume_at}
        save_npz(path, in_vectors=self.in_vectors, out_vectors=self.out_vectors,
                 words=np.array(self.vocab.itos), state=np.array(json.dumps(state)))

    def _load_checkpoint(self, path):
        saved = load_npz(path, "a word2vec checkpoint", ("state", "words", "in_vectors", "out_vectors"))
        state = json.loads(str(saved["state"]))
        words, in_vectors, out_vectors = saved["words"].tolist(), saved["in_vectors"], saved["out_vectors"]
        # the worker count shapes only an unfinished epoch: at an epoch boundary it may change
        free = ("workers",) if state["resume_at"] is None else ()
        changed = [k for k, v in state["config"].items() if self.config().get(k) != v and k not in free]
        if changed:
            raise ValueError(f"checkpoint {path} was made with other settings ({', '.join(changed)}); "
                             "resume with the same settings, or delete the checkpoint to start afresh")
        if words != self.vocab.itos:
            raise ValueError(f"checkpoint {path} was made on another corpus (its vocabulary differs); "
                             "resume on the same corpus, or delete the checkpoint")
        if "workers" not in state["config"]:
            raise ValueError(f"checkpoint {path} was made by an older minembed, which this one cannot "
                             "continue; delete it to start afresh")
        self.in_vectors[:], self.out_vectors[:] = in_vectors, out_vectors
        self.epochs_done, self.history, self._resume_at = state["epochs_done"], state["history"], state["resume_at"]

    # ------------------------------------------------------------------ results
    @property
    def wv(self):
        """The input vectors as :class:`KeyedVectors` (rows in descending frequency).

        Built once and kept (its unit-length copy is cached); training again rebuilds it."""
        if self._wv is None:
            self._wv = KeyedVectors(self.vocab.itos, self.in_vectors.copy())
        return self._wv


def _bar_updater(bar, every=20):
    """``after_batch`` for one chunk: move the bar on; every few batches show the mean loss
    so far and the learning rate."""
    batches = [0]

    def after_batch(n_words, chunk, lr):
        bar.update(n_words)
        if batches[0] % every == 0:
            bar.set_postfix(loss=f"{chunk['loss_sum'] / max(chunk['pairs'], 1):.4f}", lr=f"{lr:.5f}")
        batches[0] += 1
    return after_batch


def batch_window(stream, stream_offsets, start, end, window):
    """The ids and documents of the stream positions ``start - window`` to ``end + window``.

    Returns ``window_ids`` (N+2w,) int32 and ``window_doc`` (N+2w,): the document of each
    position (found by binary search in ``stream_offsets``), -1 (and id 0) past either end of the
    stream. The centres are ``window_ids[w:-w]``.

    >>> batch_window(np.array([7, 8, 9], np.int32), np.array([0, 2, 3]), 0, 2, 1)
    (array([0, 7, 8, 9], dtype=int32), array([-1,  0,  0,  1]))
    """
    positions = np.arange(start - window, end + window)                    # (N+2w,)
    inside = (positions >= 0) & (positions < len(stream))
    window_ids = np.zeros(len(positions), dtype=np.int32)
    window_ids[inside] = stream[positions[inside]]
    window_doc = np.searchsorted(stream_offsets, positions, side="right") - 1
    window_doc[~inside] = -1
    return window_ids, window_doc


def context_mask(window_doc, reduced, window):
    """Which of the 2w+1 positions around each centre are its context words.

    ``window_doc`` (N+2w,) gives the document of every position (-1 for padding);
    centre ``n`` sits at ``n + w``. Position ``n + w + o`` is a context iff
    ``0 < |o| <= reduced[n]`` and it lies in the centre's document.

    >>> context_mask(np.array([0, 0, 0, 1]), np.array([1, 1]), 1).astype(int)
    array([[1, 0, 1],
           [1, 0, 0]])
    """
    offsets = np.arange(-window, window + 1)                               # (2w+1,)
    n_centres = len(window_doc) - 2 * window
    doc_windows = sliding_window_view(window_doc, 2 * window + 1)          # (N, 2w+1)
    return ((np.abs(offsets) <= reduced[:, None]) & (offsets != 0)
            & (doc_windows == window_doc[window:window + n_centres, None]))


def sgns_step(in_vectors, out_vectors, window_ids, real, in_window, target_ids, lr):
    """Apply one SGD step of SGNS in place; return (loss before the step, number of pairs).

    window_ids : (N+2w,) ids of the N centres and ``w`` positions either side
    real       : (N+2w,) False where ``window_ids`` is padding past the corpus ends
    in_window  : (N, 2w+1) which window positions are contexts of each centre
    target_ids : (N, K+1) the centre word, then its K negatives

    The loss is ``-sum over pairs [log sigma(v_c . u_w) + sum_k log sigma(-v_c . u_nk)]``
    (a negative equal to its centre word is skipped), and each table row moves by
    ``-lr * d loss / d row``, gradients of repeated rows summed.
    """
    n_centres, dim = len(target_ids), in_vectors.shape[1]
    target_mask = np.ones(target_ids.shape, bool)
    target_mask[:, 1:] = target_ids[:, 1:] != target_ids[:, :1]            # skip negative == centre
    mask = in_window[:, :, None] & target_mask[:, None, :]                 # (N, 2w+1, K+1)

    window_vectors = in_vectors[window_ids]                                # (N+2w, d)
    span = in_window.shape[1]                                              # 2w+1
    X = np.ascontiguousarray(sliding_window_view(window_vectors, (span, dim))[:, 0])   # (N, 2w+1, d)
    Y = out_vectors[target_ids]                                            # (N, K+1, d)
    error = X @ Y.transpose(0, 2, 1)                                       # (N, 2w+1, K+1) scores s
    error = _sigmoid(error, out=error)                                     # sigma(s)
    np.negative(error, out=error)
    error[:, :, 0] += 1.0                                                  # label - sigma(s): 1 for the centre
    error *= mask                                                          # 0 where no pair
    # loss: the probability of the right answer is sigma(s) for the centre, 1 - sigma(s) for a
    # negative; both are 1 - |label - sigma(s)| (and 1, adding nothing, where masked)
    right = 1.0 - np.abs(error)
    loss = -float(np.sum(np.log(np.maximum(right, 1e-12)), dtype=np.float64))
    error *= lr
    G = error                         # lr * (label - sigma(s)) * mask, in the same array: (N, 2w+1, K+1)
    dX = G @ Y                                                             # (N, 2w+1, d)
    dY = G.transpose(0, 2, 1) @ X                                          # (N, K+1, d)

    # dX[n, j] belongs to window position n + j: add the 2w+1 shifted slices (a loop over offsets)
    d_window = np.zeros_like(window_vectors)                               # (N+2w, d)
    for j in range(span):
        d_window[j:j + n_centres] += dX[:, j]
    add_rows(in_vectors, window_ids[real], d_window[real])
    add_rows(out_vectors, target_ids.ravel(), dY.reshape(-1, dim))
    return loss, int(in_window.sum())


@contextlib.contextmanager
def _deferred_interrupt():
    """While active, a first Ctrl-C only sets ``.requested`` (the loop stops at a batch
    boundary, so the tables are never half-updated); a second one interrupts at once."""
    class Flag:
        requested = False

    flag = Flag()

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:                      # not the main thread: Ctrl-C is not ours to handle
        yield flag
        return
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _sigmoid(x, out=None):
    """1 / (1 + e^-x), written with tanh so it never overflows (in place with ``out=x``)."""
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _check(condition, message):
    if not condition:
        raise ValueError(message)
