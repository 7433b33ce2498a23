"""Hogwild: several processes train word2vec on one set of tables, without locks.

word2vec.c trains with N threads that all read and write the same ``syn0``/``syn1neg``
arrays and never lock them. That works because one SGD step touches only a few rows of
tables with tens of thousands of rows: two threads rarely write the same row at once, and
when they do, one update is partly lost, a little extra noise that SGD shrugs off
(Recht et al. 2011, "Hogwild!: A Lock-Free Approach to Parallelizing Stochastic Gradient
Descent"). gensim does the same with ``workers=N``.

Python threads would take turns (NumPy's many small operations hold the interpreter
lock), so minembed uses **processes**, which need the tables in memory they all share:

1. ``shared_tables`` moves ``in_vectors``/``out_vectors`` into anonymous shared memory
   (``mmap.mmap(-1, n)`` is ``MAP_SHARED``: a forked child writes the very pages the
   parent reads) for the length of training, and back into ordinary arrays afterwards.
2. Each epoch, ``train_chunks`` forks one process per chunk of the epoch's subsampled
   stream (``Word2Vec._split_epoch``: contiguous, equal lengths). A child inherits the
   model, the stream and the shared tables without copying them (fork is copy-on-write;
   it only reads the stream), trains its chunk with ``Word2Vec._train_chunk`` (the very
   code of a one-process run) and reports its chunk state back through a queue.
3. The parent draws the progress bar from a small shared ``progress`` array (each child
   writes only its own row) and owns Ctrl-C: every child ignores SIGINT; the parent sets
   a shared ``stop`` flag, each child stops at its next batch boundary and reports where,
   and the checkpoint records every chunk's position and random state.

Collisions are rare only when the vocabulary is large. On a toy vocabulary of ten words,
every row is in every batch, two processes add two batches' summed steps to the same rows
at once, and a learning rate that one process tolerates can diverge: use ``workers=1``
(or smaller batches) there.

The price: the order in which processes write a row depends on the operating system's
scheduling, so a run with ``workers > 1`` is **not bit-for-bit repeatable** (neither is
gensim's or word2vec.c's). ``workers=1`` never comes here and stays exactly repeatable.
Needs the ``fork`` start method (Linux, macOS); on Windows use ``workers=1``.
"""
import builtins
import contextlib
import mmap
import multiprocessing
import queue
import signal

import numpy as np


def check_available():
    """Raise ``ValueError`` if this platform cannot fork worker processes."""
    if "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError("workers > 1 needs processes started by fork, which this platform (Windows) "
                         "lacks; use workers=1")


def shared_array(shape, dtype=np.float64):
    """A zero array in anonymous shared memory: forked children see and change the same values."""
    size = int(np.prod(shape))
    buffer = mmap.mmap(-1, max(size * np.dtype(dtype).itemsize, 1))     # MAP_SHARED | MAP_ANONYMOUS
    return np.frombuffer(buffer, dtype, count=size).reshape(shape)


@contextlib.contextmanager
def shared_tables(model, names):
    """While active, ``model.<name>`` for each name is a copy in shared memory (only if
    ``model.workers > 1``); afterwards it is an ordinary array again, holding the result."""
    if model.workers == 1:
        yield
        return
    for name in names:
        private = getattr(model, name)
        shared = shared_array(private.shape, private.dtype)
        shared[:] = private
        setattr(model, name, shared)
    try:
        yield
    finally:
        for name in names:
            setattr(model, name, np.array(getattr(model, name)))


def train_chunks(model, chunks, padded_ids, padded_doc, epoch, interrupt, bar):
    """Train every chunk of one epoch in its own process; True if all finished, False if
    Ctrl-C (``interrupt.requested``) stopped them. ``chunks`` is updated in place."""
    context = multiprocessing.get_context("fork")
    progress = shared_array((len(chunks), 3))        # per chunk: words done now, loss sum, pairs
    progress[:, 1] = [chunk["loss_sum"] for chunk in chunks]
    progress[:, 2] = [chunk["pairs"] for chunk in chunks]
    stop = shared_array((1,), np.int8)
    results = context.Queue()
    processes = [context.Process(target=_work, daemon=True,
                                 args=(model, number, chunk, padded_ids, padded_doc, epoch, progress, stop, results))
                 for number, chunk in enumerate(chunks)]
    for process in processes:
        process.start()
    reports, shown = {}, 0
    try:
        while len(reports) < len(processes):
            try:
                number, chunk, finished, error = results.get(timeout=0.1)
                reports[number] = (chunk, finished, error)
                if error:
                    stop[0] = 1                      # one failed: stop the others too
            except queue.Empty:
                _check_alive(processes, reports)
            if interrupt.requested:
                stop[0] = 1
            done = int(progress[:, 0].sum())
            bar.update(done - shown)
            shown = done
            bar.set_postfix(loss=f"{progress[:, 1].sum() / max(progress[:, 2].sum(), 1):.4f}", refresh=False)
    finally:
        for process in processes:
            if process.is_alive():                   # a second Ctrl-C, or an error here
                process.terminate()
            process.join()
    for number, (chunk, finished, error) in sorted(reports.items()):
        if error:
            kind, message = error
            error_class = getattr(builtins, kind, None)          # FloatingPointError, MemoryError, ...
            if not (isinstance(error_class, type) and issubclass(error_class, Exception)):
                error_class = RuntimeError
            raise error_class(f"in word2vec worker {number}: {message}")
        chunks[number] = chunk
    return all(finished for _, finished, _ in reports.values())


def _check_alive(processes, reports):
    """A child that ended without reporting was killed (most often: out of memory)."""
    for number, process in enumerate(processes):
        if number not in reports and process.exitcode not in (None, 0):
            raise MemoryError(f"word2vec worker {number} was killed (exit code {process.exitcode}), most "
                              "likely for lack of memory; use fewer workers or a smaller batch_size")


def _work(model, number, chunk, padded_ids, padded_doc, epoch, progress, stop, results):
    """Body of one child: train one chunk, then put (number, chunk, finished, error) on ``results``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C reaches every process; the parent decides
    words = [0]

    def after_batch(n_words, chunk):
        words[0] += n_words
        progress[number] = (words[0], chunk["loss_sum"], chunk["pairs"])

    try:
        finished = model._train_chunk(number, chunk, padded_ids, padded_doc, epoch,
                                      lambda: stop[0] > 0, after_batch)
        results.put((number, chunk, finished, None))
    except Exception as error:                       # sent as text: any exception pickles that way
        results.put((number, chunk, False, (type(error).__name__, str(error))))
