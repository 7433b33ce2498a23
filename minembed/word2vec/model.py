"""word2vec: skip-gram or CBOW with negative sampling, trained by vectorized NumPy SGD.

The model: every word has an input vector (``in_vectors``, the ones you keep) and an output
vector (``out_vectors``); an objective (skip-gram: each context word predicts the centre word;
CBOW: the mean of the context predicts it) learns to tell the true centre from K noise words.
The same arithmetic one update at a time is :mod:`minembed.word2vec.reference` (read it first).
The objectives, their gradients and the one batched SGD step they share are in
:mod:`minembed.word2vec.objectives`, the epoch's subsampled stream (drawn block by block) in
:mod:`minembed.word2vec.subsample`; this module is the training around them: windows, negatives,
the learning-rate schedule, epochs, workers, checkpoints.

word2vec.c semantics kept (each stated where it is computed)
------------------------------------------------------------
* frequent-word subsampling with keep-probability ``(sqrt(f/(s*T)) + 1) * s*T / f``
  (``Vocabulary.keep_probs``; drawn afresh every epoch in :mod:`minembed.word2vec.subsample`);
* a window ``b`` drawn uniformly from ``[1, window]`` for every centre word (``shrink_windows``);
* no window crosses a document boundary (a line, or a 10,000-token chunk of one);
* negatives from ``count^ns_exponent`` (0.75); a negative equal to the centre word is skipped;
* learning rate decaying linearly from ``alpha`` to ``min_alpha`` over all the epochs of one ``fit``
  (or of one ``train`` call);
* input vectors uniform in ``+-0.5/dim``, output vectors zero, float32 tables.

Where minembed differs, and why: it updates a **batch of ``batch_size`` centre words at once**,
and a centre's K negatives are shared by all the context words of its window (see
:mod:`minembed.word2vec.objectives`); sigma is computed exactly (word2vec.c looks it up in a
table and clips scores beyond +-6); negatives are drawn by the alias method (:mod:`~minembed.word2vec.alias`:
a table of V slots, exact probabilities, constant time per draw) instead of from a 1e8-entry table; and the learning-rate
schedule counts progress through the subsampled stream rather than through raw words. The batch
holds 256 centres by default: on the enwiki extract (1 epoch) batches of 256 train as fast as
batches of 1,024, their arrays staying in the CPU's cache, and reach a lower loss (2.44 against
2.55), because the summed step of a frequent word's row is smaller.

Several processes (``workers > 1``)
----------------------------------
word2vec.c runs N threads that update the same tables without locks ("Hogwild"). Here
``workers=N`` splits each epoch's stream into N chunks, trains each in a forked process on
tables in shared memory (:mod:`minembed.word2vec.hogwild`), and is about N times faster on N free
cores, at the price of bit-for-bit repeatability. ``workers=1`` (default) is exactly repeatable.

gensim's interface
------------------
Its parameter names, ``build_vocab`` + ``train``, callbacks and ``save`` / ``load`` are gensim 4's:
these methods delegate to the plain functions of :mod:`minembed.word2vec.gensim_api`. Two defaults
stay minembed's: skip-gram (gensim's: CBOW, ``sg=0``) and ``workers=1`` (gensim's: 3), for runs
that repeat bit for bit.
"""
import contextlib
import os
import signal
import time

import numpy as np
from tqdm.auto import tqdm

from . import gensim_api, hogwild, subsample
from .alias import alias_draw, alias_table
from ..text.corpus import EncodedCorpus, encode_corpus
from ..text.tokenize import Tokenizer
from ..vectors.keyed import KeyedVectors
from .gensim_api import call_callbacks, check, from_gensim
from .objectives import OBJECTIVES, batch_window, context_mask, sgd_step


class Word2Vec:
    """word2vec with negative sampling; skip-gram by default, CBOW with ``objective="cbow"`` (``sg=0``).

    Defaults are word2vec.c's and gensim's (``dim=100``, whether given as ``dim`` or gensim's
    ``vector_size``), but for the objective, ``"skipgram"`` unless ``objective`` or ``sg`` says
    otherwise (gensim's default is CBOW), and ``workers=1``. gensim's names are accepted beside
    minembed's (:data:`~minembed.word2vec.gensim_api.GENSIM_NAMES`), and a corpus given here
    (``sentences`` token lists, or ``corpus_file``, a text file split on whitespace as gensim's
    ``LineSentence``) trains the model at once, as in gensim.

    >>> w2v = Word2Vec(dim=50, epochs=3).fit("corpus.txt")        # doctest: +SKIP
    >>> w2v.wv.most_similar("king", topn=3)                        # doctest: +SKIP
    >>> Word2Vec(sentences, vector_size=100, sg=0, min_count=1).wv["cat"]   # doctest: +SKIP
    """

    def __init__(self, sentences=None, corpus_file=None, dim=None, window=5, negative=5, min_count=5,
                 max_vocab=None, sample=1e-3, alpha=0.025, min_alpha=0.0001, epochs=5, batch_size=256, seed=1,
                 workers=1, tokenizer=None, objective=None, ns_exponent=0.75, shrink_windows=True,
                 max_final_vocab=None, callbacks=(), progress=True, **gensim_names):
        if isinstance(sentences, (int, np.integer)) and not isinstance(sentences, bool):
            raise TypeError(f"Word2Vec's first argument is the corpus (gensim's sentences), got {sentences!r}; "
                            f"give the dimension by name: Word2Vec(dim={sentences}) or vector_size={sentences}")
        dim, objective = from_gensim(gensim_names, dim, objective)
        check(dim >= 1, f"dim must be >= 1, got {dim}")
        check(window >= 1, f"window must be >= 1, got {window}")
        check(negative >= 1, f"negative must be >= 1, got {negative}: minembed trains by negative sampling "
               "only, so without negatives (and with no hierarchical softmax) there is no training (gensim: "
               "'When both hs=0 and negative=0, there will be no training')")
        check(min_count >= 1, f"min_count must be >= 1, got {min_count}")
        check(sample >= 0, f"sample must be >= 0 (0 disables subsampling), got {sample}")
        check(alpha > 0 and 0 <= min_alpha <= alpha,
               f"need alpha > 0 and 0 <= min_alpha <= alpha, got alpha={alpha}, min_alpha={min_alpha}")
        check(epochs >= 1, f"epochs must be >= 1, got {epochs}")
        check(batch_size >= 1, f"batch_size must be >= 1, got {batch_size}")
        check(isinstance(seed, (int, np.integer)) and seed >= 0, f"seed must be an integer >= 0, got {seed!r}")
        check(isinstance(workers, (int, np.integer)) and workers >= 1, f"workers must be an integer >= 1, got {workers!r}")
        check(objective in OBJECTIVES, f"objective must be one of {sorted(OBJECTIVES)}, got {objective!r}")
        check(max_final_vocab is None or max_final_vocab >= 1, f"max_final_vocab must be >= 1, got {max_final_vocab}")
        if workers > 1:
            hogwild.check_available()
        # float32 per window position: X (copied for the matmul) and dX, d each; scores, probs, G, K+1 each
        step_bytes = 4 * batch_size * (2 * window + 1) * (2 * dim + 3 * (negative + 1))
        check(step_bytes < 2**31, f"window={window}, dim={dim} and batch_size={batch_size} need "
               f"{step_bytes / 2**30:.1f} GiB per step; lower batch_size (or window)")
        self.dim, self.window, self.negative = int(dim), int(window), int(negative)
        self.min_count, self.max_vocab, self.sample = min_count, max_vocab, sample
        self.alpha, self.min_alpha, self.epochs = alpha, min_alpha, int(epochs)
        self.batch_size, self.seed, self.workers = batch_size, int(seed), int(workers)    # (JSON takes no np.int64)
        self.objective, self.ns_exponent, self.shrink_windows = objective, float(ns_exponent), bool(shrink_windows)
        self.max_final_vocab = max_final_vocab
        self.comment = gensim_names.get("comment")
        self.tokenizer = tokenizer or Tokenizer()
        self._tokenizer_given = tokenizer is not None   # (else a corpus_file is split on whitespace, as gensim)
        self._built_from = None                           # what build_vocab read (train reuses its encoding)
        self.vocab = self.corpus = None
        self.history = []            # one dict per epoch: epoch, loss, pairs, effective_words, seconds, words_per_sec
        self.running_training_loss = 0.0          # the loss summed over the latest fit / train
        if sentences is not None or corpus_file is not None:     # gensim: a corpus given here trains at once
            gensim_api.build_vocab(self, corpus_iterable=sentences, corpus_file=corpus_file)
            self._train_epochs(self.epochs, alpha, min_alpha, progress, callbacks)
            self._built_from = None

    def config(self):
        keys = ("dim", "window", "negative", "min_count", "max_vocab", "sample", "alpha", "min_alpha", "epochs",
                "batch_size", "seed", "workers", "objective", "ns_exponent", "shrink_windows", "max_final_vocab")
        return {key: getattr(self, key) for key in keys}

    def __repr__(self):
        vocab = "not built" if self.vocab is None else len(self.vocab)
        return f"Word2Vec<vocab={vocab}, vector_size={self.dim}, objective={self.objective}, alpha={self.alpha}>"

    # ------------------------------------------------------------------ setup
    def build(self, corpus, tokenizer=None):
        """Encode the corpus (a path, token lists, or an EncodedCorpus) and initialise the tables.

        ``tokenizer`` (default: the model's) splits a path's lines."""
        self._built_from = None
        if not isinstance(corpus, EncodedCorpus):
            corpus = encode_corpus(corpus, tokenizer or self.tokenizer, min_count=self.min_count, max_size=self.max_vocab,
                                   max_final_vocab=self.max_final_vocab)
        if len(corpus.vocab) < 2:
            limits = (f"min_count={self.min_count}" + (f", max_vocab={self.max_vocab}" if self.max_vocab else "")
                      + (f", max_final_vocab={self.max_final_vocab}" if self.max_final_vocab else ""))
            raise ValueError(f"word2vec needs at least 2 distinct words after {limits}, got "
                             f"{len(corpus.vocab)}; lower min_count, raise max_vocab or max_final_vocab, or use a larger corpus")
        self.corpus = corpus
        self._set_vocab(corpus.vocab)
        rng = np.random.default_rng(self._seed_key(0))
        n_words = len(self.vocab)
        # word2vec.c: input vectors uniform in [-0.5/dim, 0.5/dim), output vectors zero.
        self.in_vectors = (rng.random((n_words, self.dim), dtype=np.float32) - 0.5) / self.dim
        self.out_vectors = np.zeros((n_words, self.dim), dtype=np.float32)
        self.epochs_done = 0
        self.history = []
        return self

    def _set_vocab(self, vocab):
        self.vocab = vocab
        self.keep_probs = self.vocab.keep_probs(self.sample)                        # (V,) subsampling
        self.noise_accept, self.noise_alias = alias_table(self.vocab.noise_probs(self.ns_exponent))  # (V,) negatives
        self._resume_at = None       # where to continue inside an interrupted epoch
        self._wv = None

    # ------------------------------------------------------------------ training
    def fit(self, corpus, progress=True, checkpoint=None, callbacks=()):
        """Build the vocabulary and train ``epochs`` epochs, from scratch (as scikit-learn's ``fit``:
        a second ``fit`` starts afresh; ``train`` goes on training). ``corpus`` is a path, token
        lists or an EncodedCorpus; ``callbacks`` as in :meth:`train`.

        ``checkpoint``: an ``.npz`` path. If it exists, training **resumes** from it (same
        settings and corpus required) and ends with exactly the vectors of an uninterrupted
        run (with ``workers=1``; with more, a run as good but not bit-for-bit the same). It is
        rewritten after every epoch, and when Ctrl-C stops training: the first Ctrl-C finishes
        the current batch (in every worker), saves, and raises ``KeyboardInterrupt``.

        With ``workers > 1`` the tables live in shared memory and ``workers`` processes update
        them at once (see :mod:`~minembed.word2vec.hogwild`); such runs are not bit-for-bit
        repeatable. The checkpoint is read and written by :mod:`~minembed.word2vec.gensim_api`."""
        self.build(corpus)
        if checkpoint and os.path.exists(checkpoint):
            gensim_api.load_checkpoint(self, checkpoint)
        self._train_epochs(self.epochs, self.alpha, self.min_alpha, progress, callbacks,
                           first_epoch=0, checkpoint=checkpoint)
        return self

    def _train_epochs(self, n_epochs, alpha, min_alpha, progress, callbacks, first_epoch=None, checkpoint=None):
        """Train ``self.corpus`` for epochs ``first_epoch + 1 .. first_epoch + n_epochs`` (default: the
        next ones) with the learning rate falling linearly from ``alpha`` to ``min_alpha`` across them."""
        first_epoch = self.epochs_done if first_epoch is None else first_epoch
        self._session = {"first_epoch": first_epoch, "epochs": n_epochs, "alpha": alpha, "min_alpha": min_alpha}
        # gensim's running loss: this call's epochs (a resumed fit counts the epochs done before the stop)
        self.running_training_loss = sum(h["loss"] * h["pairs"] for h in self.history if h["epoch"] > first_epoch)
        call_callbacks(callbacks, "on_train_begin", self)
        with _deferred_interrupt() as interrupt, hogwild.shared_tables(self, ("in_vectors", "out_vectors")):
            while self.epochs_done < first_epoch + n_epochs:
                if self._resume_at is None:
                    call_callbacks(callbacks, "on_epoch_begin", self)
                finished = self._train_epoch(self.epochs_done, progress, interrupt)
                if finished:
                    self.epochs_done += 1
                    self._resume_at = None
                    self.running_training_loss += self.history[-1]["loss"] * self.history[-1]["pairs"]
                    call_callbacks(callbacks, "on_epoch_end", self)
                if checkpoint and (finished or interrupt.requested):
                    gensim_api.save(self, checkpoint)
                if interrupt.requested:
                    raise KeyboardInterrupt(f"word2vec stopped in epoch {self.epochs_done + 1}"
                                            + (f"; checkpoint saved to {checkpoint}" if checkpoint else ""))
        call_callbacks(callbacks, "on_train_end", self)

    def _train_epoch(self, epoch, progress, interrupt):
        """Train one epoch (or its rest, after a resume); False if stopped by Ctrl-C."""
        self._wv = None                                           # the exported table goes stale
        # Generators derived from the seed (one per block of the stream, one per chunk): same seed, same run.
        plan = subsample.epoch_plan(self.corpus, self.keep_probs, self._seed_key(1, epoch))   # where its blocks start
        n_kept = int(plan["first"][-1])
        state = self._resume_at or {"seconds": 0.0, "chunks": self._split_epoch(n_kept)}
        chunks = state["chunks"]
        if chunks[-1]["stop"] != n_kept:                          # same vocabulary, other text
            raise ValueError(f"the checkpoint's epoch has {chunks[-1]['stop']:,} words after subsampling, this one "
                             f"{n_kept:,}: it was made on another corpus with the same words; resume on the "
                             "same corpus, or delete the checkpoint to start afresh")
        started = time.perf_counter() - state["seconds"]
        last = self._session["first_epoch"] + self._session["epochs"]
        bar = tqdm(total=n_kept, initial=sum(c["position"] - c["first"] for c in chunks), unit="word",
                   unit_scale=True, disable=not progress, desc=f"word2vec epoch {epoch + 1}/{last}")
        try:
            if self.workers == 1:
                finished = self._train_chunk(0, chunks[0], plan, epoch, lambda: interrupt.requested,
                                             _bar_updater(bar))
            else:
                finished = hogwild.train_chunks(self, chunks, plan, epoch, interrupt, bar)
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
        initial vectors, 1 for the subsampling of an epoch (``numbers``: the epoch;
        :mod:`~minembed.word2vec.subsample` appends the block), 2 for a chunk's windows and negatives
        (epoch, chunk).
        (The purpose tag keeps the streams apart: NumPy pads short keys with zeros, so
        ``(seed, epoch)`` and ``(seed, epoch, 0)`` would be one and the same stream.)"""
        return (self.seed, purpose, *numbers)

    def _split_epoch(self, n_kept):
        """One contiguous chunk of the stream per worker: its centres ``first:stop``, how far it
        has got (``position``), its loss and pair sums so far, and its random state."""
        bounds = np.linspace(0, n_kept, self.workers + 1).astype(int)
        return [{"first": int(first), "position": int(first), "stop": int(stop), "loss_sum": 0.0, "pairs": 0,
                 "rng_state": None} for first, stop in zip(bounds[:-1], bounds[1:])]

    def _train_chunk(self, chunk_index, chunk, plan, epoch, stop_requested, after_batch):
        """Train the centres ``chunk["position"]:chunk["stop"]`` of the epoch's stream (laid out by
        ``plan``, see :func:`~minembed.word2vec.subsample.epoch_plan`) batch by batch, block by block,
        updating ``chunk`` and calling ``after_batch(n_centres, chunk, lr)`` after each batch (to move
        a progress bar);
        False if ``stop_requested()`` came true first (then ``chunk`` says where to go on)."""
        rng = np.random.default_rng(self._seed_key(2, epoch, chunk_index))
        if chunk["rng_state"]:                                    # continue after a resume, same draws
            rng.bit_generator.state = chunk["rng_state"]
        w, first, stop, block_first = self.window, chunk["first"], chunk["stop"], plan["first"]
        position = chunk["position"]
        block = int(np.searchsorted(block_first, position, side="right")) - 1      # the block holding it
        while position < stop:
            stream, stream_offsets = subsample.block_stream(self.corpus, self.keep_probs, plan, block)   # its kept ids
            block_start, block_stop = int(block_first[block]), min(int(block_first[block + 1]), stop)
            for start in range(position, block_stop, self.batch_size):
                if stop_requested():                              # stop between two batches
                    chunk.update(position=start, rng_state=rng.bit_generator.state)
                    return False
                end = min(start + self.batch_size, block_stop)    # (a batch ends where its block does)
                # learning rate: linear from alpha to min_alpha over the session's epochs (the chunks of an
                # epoch run side by side, so each counts its own way through the epoch)
                session = self._session                           # (train() may be a second session)
                epoch_position = epoch - session["first_epoch"] + (start - first) / max(stop - first, 1)   # 2.5: half of its 3rd
                lr = session["alpha"] - (session["alpha"] - session["min_alpha"]) * epoch_position / session["epochs"]
                window_ids, window_doc = batch_window(stream, stream_offsets, start - block_start, end - block_start, w)
                batch_loss, batch_pairs = self._train_batch(window_ids, window_doc, lr, rng)
                if not np.isfinite(batch_loss):
                    raise FloatingPointError(
                        f"the loss became {batch_loss} in epoch {epoch + 1}: the learning rate alpha={self.alpha} "
                        "is too high for these data; lower alpha (e.g. by 10x)")
                chunk["loss_sum"] += batch_loss
                chunk["pairs"] += batch_pairs
                after_batch(end - start, chunk, lr)
            position, block = block_stop, block + 1
        chunk.update(position=stop, rng_state=rng.bit_generator.state)
        return True

    def _train_batch(self, window_ids, window_doc, lr, rng):
        """One SGD step for the centres ``window_ids[w:-w]``; returns (loss sum, pair count).

        ``window_ids`` holds the N centres plus ``w`` positions of context on each side.
        """
        w = self.window
        n_centres = len(window_ids) - 2 * w
        centre_ids = window_ids[w:w + n_centres]                               # (N,)
        if self.shrink_windows:
            reduced = rng.integers(1, w + 1, size=n_centres)                   # (N,) b ~ U{1..w}
        else:
            reduced = np.full(n_centres, w)                                    # (gensim's shrink_windows=False)
        in_window = context_mask(window_doc, reduced, w)                       # (N, 2w+1)
        # K negatives per centre, from count^ns_exponent (the alias method), shared by its window
        negatives = alias_draw(rng, self.noise_accept, self.noise_alias, (n_centres, self.negative))
        target_ids = np.concatenate([centre_ids[:, None], negatives], axis=1)  # (N, K+1)
        return sgd_step(self.in_vectors, self.out_vectors, window_ids, window_doc >= 0,
                        in_window, target_ids, lr, OBJECTIVES[self.objective])

    # ------------------------------------------------------------------ results
    @property
    def wv(self):
        """The input vectors as :class:`KeyedVectors` (rows in descending frequency, with their
        counts: ``wv.get_vecattr(word, "count")``, as gensim's).

        Built once and kept (its unit-length copy is cached); training again rebuilds it."""
        if self._wv is None:
            self._wv = KeyedVectors(self.vocab.itos, self.in_vectors.copy(), counts=self.vocab.counts)
        return self._wv

    # ------------------------------------------------------------------ gensim's verbs: the functions of gensim_api.py
    def build_vocab(self, *args, **kwargs):
        """gensim's first step: read the corpus, build the vocabulary (:func:`gensim_api.build_vocab`)."""
        return gensim_api.build_vocab(self, *args, **kwargs)

    def train(self, *args, **kwargs):
        """gensim's ``train``: more epochs, continuing from the current vectors (:func:`gensim_api.train`)."""
        return gensim_api.train(self, *args, **kwargs)

    def get_latest_training_loss(self):
        """The loss summed over the latest ``fit`` / ``train`` call, as gensim's (``history``: per epoch)."""
        return self.running_training_loss

    def save(self, path):
        """The whole model in one ``.npz``, to ``load`` and train on (:func:`gensim_api.save`)."""
        gensim_api.save(self, path)

    @classmethod
    def load(cls, path):
        """A model saved by :meth:`save`, or a ``fit(checkpoint=...)`` file (:func:`gensim_api.load`)."""
        return gensim_api.load(cls, path)

    # ------------------------------------------------------------------ gensim's names for what the model holds
    vector_size = property(lambda self: self.dim, doc="gensim's name for dim")
    syn1neg = property(lambda self: self.out_vectors, doc="gensim's (and word2vec.c's) name for out_vectors")
    sg = property(lambda self: int(self.objective == "skipgram"), doc="1 for skip-gram, 0 for CBOW")
    cbow_mean = property(lambda self: int(self.objective != "cbow_sum"))
    hs = 0                                                    # no hierarchical softmax
    corpus_count = property(lambda self: 0 if self.corpus is None else self.corpus.n_read,
                            doc="documents of the corpus read last, as gensim counts them (total_examples): "
                                "every token list given, or every non-empty line of a file")
    corpus_total_words = property(lambda self: 0 if self.corpus is None else self.corpus.n_tokens + self.corpus.n_dropped,
                                  doc="its words, those below min_count included")


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
