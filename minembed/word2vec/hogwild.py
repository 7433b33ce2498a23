"""Hogwild: several processes train word2vec on one set of tables, without locks.

word2vec.c trains with N threads that all read and write the same ``syn0``/``syn1neg``
arrays and never lock them; gensim does the same with ``workers=N``. Each thread reads a
row, computes its update and writes it back, and when two threads write one row at once,
part of one update is lost. SGD shrugs that off because each update is a small step in a
direction that is right on average (Recht et al. 2011, "Hogwild!: A Lock-Free Approach to
Parallelizing Stochastic Gradient Descent").

minembed's steps are bigger than word2vec.c's: one step is a whole batch (``batch_size``
centre words, about ``7 * batch_size`` rows), and the step of a row that occurs many times in
a batch is the sum of them all. Two workers each add such a sum, computed from values one batch
old, to the rows of the most frequent words: for those rows the step is about twice one
process's. This is why ``batch_size`` defaults to 256. Measured on the enwiki extract (1 epoch,
2 workers, the mean loss of the epoch): with 1,024 centres per batch the output vectors of the
50 most frequent words swung to 5-11 times their usual size early in the epoch and the loss
ended at 2.75 (1 worker: 2.55), and two runs of ``bench_context.py`` ended far worse (5.8 and
17.4); with 256 the loss was 2.45 with 2 workers and 2.44 with 1, and the hot rows stayed at
their size. On a toy vocabulary of ten words every row is in every batch and even small
batches can diverge: use ``workers=1``, or a smaller ``batch_size`` or ``alpha``.

Python threads would take turns (NumPy's many small operations hold the interpreter
lock), so minembed uses **processes**, which need the tables in memory they all share:

1. ``shared_tables`` moves ``in_vectors``/``out_vectors`` into anonymous shared memory
   (``mmap.mmap(-1, n)`` is ``MAP_SHARED``: a forked child writes the very pages the
   parent reads) for the length of training, and back into ordinary arrays afterwards.
2. Each epoch, ``train_chunks`` forks one process per chunk of the epoch's subsampled
   stream (``Word2Vec._split_epoch``: contiguous, equal lengths). A child inherits the
   model, its corpus ids and the shared tables without copying them (fork is copy-on-write;
   it only reads the ids, drawing its blocks of the stream from them), trains its chunk
   with ``Word2Vec._train_chunk`` (the very code of a one-process run) and reports its
   chunk state back through a queue.
3. The parent draws the progress bar from a small shared ``chunk_progress`` array (each
   child writes only its own row) and owns Ctrl-C: every child ignores SIGINT; the parent
   sets a shared ``stop_flag``, each child stops at its next batch boundary and reports
   where, and the checkpoint records every chunk's position and random state. A child
   whose parent has died stops too.

The price: the order in which processes write a row depends on the operating system's
scheduling, so a run with ``workers > 1`` is **not bit-for-bit repeatable** (neither is
gensim's or word2vec.c's). ``workers=1`` never comes here and stays exactly repeatable.
Needs the ``fork`` start method (Linux, macOS); on Windows use ``workers=1``.
"""
import builtins
import contextlib
import mmap
import multiprocessing
import os
import queue
import signal
import traceback

import numpy as np

from ..core.memory import return_freed_memory


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
    ``model.workers > 1``); afterwards it is an ordinary array again, holding the result.

    The shared copies are emptied as they are copied back (see :func:`_private_copy`): an array
    taken from ``model.<name>`` while the tables are shared (in a callback, say) reads zeros
    afterwards. Take a copy (``model.in_vectors.copy()``), or read ``model.<name>`` after ``fit``."""
    if model.workers == 1:
        yield
        return
    for name in names:
        shared = shared_array(getattr(model, name).shape, getattr(model, name).dtype)
        shared[:] = getattr(model, name)
        setattr(model, name, shared)                 # the private table is freed here, and handed
        return_freed_memory()                        # back (glibc may keep it) before the next table
    del shared
    try:
        yield
    finally:
        for name in names:
            setattr(model, name, _private_copy(getattr(model, name)))


def _private_copy(shared):
    """An ordinary copy of ``shared`` (made by :func:`shared_array`), 4 MiB at a time; each copied
    stretch of shared memory is handed back to the system at once (``madvise(MADV_REMOVE)``,
    Linux), so that at the end of training a table is held once plus 4 MiB, not twice (the extra
    peak of copying back a 69,556 x 100 float32 table: 28 MB before, 5 MB measured). The shared
    array reads zeros afterwards. Where the system has no ``MADV_REMOVE``, or refuses it, the
    copy is made all the same and the shared memory goes when the array is dropped."""
    private = np.empty_like(shared)
    source, target = shared.reshape(-1).view(np.uint8), private.reshape(-1).view(np.uint8)   # (n_bytes,)
    mapping = shared
    while not isinstance(mapping, mmap.mmap):               # the mmap under the views and the memoryview
        mapping = mapping.obj if isinstance(mapping, memoryview) else mapping.base
    release = hasattr(mmap, "MADV_REMOVE")
    step = 1 << 22                                          # a multiple of the page size
    for start in range(0, len(source), step):
        stop = min(start + step, len(source))
        target[start:stop] = source[start:stop]
        if release:
            try:
                mapping.madvise(mmap.MADV_REMOVE, start, stop - start)
            except OSError:                                 # (a kernel or sandbox that refuses it)
                release = False
    return private


def train_chunks(model, chunks, plan, epoch, interrupt, bar):
    """Train every chunk of one epoch in its own process; True if all finished, False if
    Ctrl-C (``interrupt.requested``) stopped them. ``chunks`` is updated in place."""
    context = multiprocessing.get_context("fork")
    chunk_progress = shared_array((len(chunks), 3))  # per chunk: words done now, loss sum, pairs
    chunk_progress[:, 1] = [chunk["loss_sum"] for chunk in chunks]
    chunk_progress[:, 2] = [chunk["pairs"] for chunk in chunks]
    stop_flag = shared_array((1,), np.int8)
    results = context.Queue()
    processes = [context.Process(target=_worker_main, daemon=True,
                                 args=(model, chunk_index, chunk, plan, epoch, chunk_progress,
                                       stop_flag, os.getpid(), results))
                 for chunk_index, chunk in enumerate(chunks)]
    reports, shown = {}, 0
    _stop_tqdm_monitor(bar)                          # fork copies no threads: leave none holding a lock
    try:
        # Ctrl-C waits while the children start (each ignores it once running), then reaches us
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for process in processes:
                process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        while len(reports) < len(processes):
            try:
                chunk_index, chunk, finished, error = results.get(timeout=0.1)
                reports[chunk_index] = (chunk, finished, error)
                if error:
                    stop_flag[0] = 1                 # one failed: stop the others too
            except queue.Empty:
                _check_alive(processes, reports, results)
            if interrupt.requested:
                stop_flag[0] = 1
            done = int(chunk_progress[:, 0].sum())
            bar.update(done - shown)
            shown = done
            bar.set_postfix(loss=f"{chunk_progress[:, 1].sum() / max(chunk_progress[:, 2].sum(), 1):.4f}",
                            refresh=False)
    finally:
        stop_flag[0] = 1                             # on an error or a second Ctrl-C here: stop them all
        for process in processes:
            if process.pid is not None:              # started
                process.join(timeout=5)
                if process.is_alive():
                    process.terminate()
                    process.join()
    for chunk_index, (chunk, finished, error) in sorted(reports.items()):
        if error:
            _raise_worker_error(chunk_index, *error)
        chunks[chunk_index] = chunk
    return all(finished for _, finished, _ in reports.values())


def _check_alive(processes, reports, results):
    """Raise if a child ended without reporting (killed, most often for lack of memory)."""
    for chunk_index, process in enumerate(processes):
        if chunk_index in reports or process.exitcode is None:
            continue
        try:                                         # its report may still be on its way
            late_index, chunk, finished, error = results.get(timeout=1)
            reports[late_index] = (chunk, finished, error)
            return
        except queue.Empty:
            pass
        if process.exitcode == -signal.SIGKILL:
            raise WorkerKilled(f"word2vec worker {chunk_index} was killed (exit code -9), most likely for "
                               "lack of memory; use fewer workers (--workers) or a smaller batch_size "
                               "(--batch-size)")
        raise RuntimeError(f"word2vec worker {chunk_index} ended (exit code {process.exitcode}) without "
                           "reporting its result")


def _raise_worker_error(chunk_index, kind, message, worker_traceback):
    """Raise the child's exception in the parent: the same class if it is a built-in one
    built from a message (FloatingPointError, MemoryError, ValueError...), else RuntimeError;
    the child's traceback is attached as the cause."""
    error = RuntimeError(f"in word2vec worker {chunk_index}: {kind}: {message}")
    error_class = getattr(builtins, kind, None)
    if isinstance(error_class, type) and issubclass(error_class, Exception):
        try:
            error = error_class(f"in word2vec worker {chunk_index}: {message}")
        except TypeError:                            # e.g. UnicodeDecodeError wants 5 arguments
            pass
    raise error from WorkerTraceback(worker_traceback)


class WorkerKilled(MemoryError):
    """A worker process was killed from outside (SIGKILL: usually the out-of-memory killer)."""


class WorkerTraceback(Exception):
    """The traceback of an exception raised in a worker process, as text."""

    def __str__(self):
        return "\n" + self.args[0]


def _stop_tqdm_monitor(bar):
    """tqdm keeps a monitor thread; stop it before forking (the next bar starts a new one)."""
    bar_class = type(bar)
    if getattr(bar_class, "monitor", None) is not None:
        bar_class.monitor.exit()
        bar_class.monitor = None


def _worker_main(model, chunk_index, chunk, plan, epoch, chunk_progress, stop_flag,
                 parent_pid, results):
    """Body of one child: train one chunk, then put (chunk_index, chunk, finished, error) on
    ``results``. Stops early when the parent sets ``stop_flag`` or has died."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C reaches every process; the parent decides
    for stop in (signal.SIGTERM, signal.SIGHUP):     # (so do `timeout`'s and a closing terminal's, sent to
        signal.signal(stop, signal.SIG_IGN)          #  the whole group: the parent stops its workers)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    words = [0]

    def after_batch(n_words, chunk, lr):
        words[0] += n_words
        chunk_progress[chunk_index] = (words[0], chunk["loss_sum"], chunk["pairs"])

    def stop_requested():
        return stop_flag[0] > 0 or os.getppid() != parent_pid

    finished, error = False, None
    try:
        finished = model._train_chunk(chunk_index, chunk, plan, epoch, stop_requested, after_batch)
    except BaseException as exception:               # sent as text: any exception travels that way
        error = (type(exception).__name__, str(exception), traceback.format_exc())
    results.put((chunk_index, chunk, finished, error))
