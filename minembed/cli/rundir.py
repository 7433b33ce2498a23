"""One run's folder: created and locked, stopped cleanly by Ctrl-C or SIGTERM, resumed by one command.

Every command of train.py writes into one output directory (``--out``). This module makes that
safe: a non-empty folder is refused unless ``--overwrite``; two runs cannot share a folder (a lock
file names the process holding it); Ctrl-C, SIGTERM and SIGHUP let the current step finish and save
a checkpoint, then the run prints the command that resumes it and exits with 130, 143 or 129.
"""
import math
import os
import platform
import shlex
import signal
import sys
import tempfile

import numpy as np

from ..core.fileio import LockHeld, lock_file, unlock_file, write_json


class UsageError(ValueError):
    """A mistake on the command line (reported as one line, exit code 2)."""


def prepare_out_dir(args):
    """Create ``args.out`` and lock it for this run; refuse to reuse a non-empty one unless --overwrite."""
    out = args.out
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out!r} exists and is not a directory; choose another --out")
    if os.path.isdir(out) and set(os.listdir(out)) - {LOCK_NAME} and not args.overwrite:
        raise UsageError(f"output directory {out!r} already exists and is not empty; "
                         "pass --overwrite to replace its files, or choose another --out")
    try:
        os.makedirs(out, exist_ok=True)
        tempfile.TemporaryFile(dir=out).close()     # can we create files in it?
    except OSError as err:
        raise UsageError(f"cannot write to output directory {out!r}: {err.strerror}") from None
    lock_out_dir(out)
    return out



# ---------------------------------------------------------------------------- one run per --out
LOCK_NAME = ".train.lock"

HELD_LOCKS = []             # open lock files of this process (deleted and released by main: release_locks)



def lock_out_dir(out):
    """Take ``out/.train.lock`` for this run (see :func:`minembed.core.fileio.lock_file`: a lock left by
    a dead run is taken over), or refuse if a live run holds it, naming its pid."""
    path = os.path.join(out, LOCK_NAME)
    if any(held.name == path for held in HELD_LOCKS):
        return
    try:
        handle = lock_file(path)
    except LockHeld as held:
        raise UsageError(f"--out {out!r} is in use by another train.py run (process {held.holder}); wait for "
                         "it to finish, stop it, or choose another --out") from None
    if handle is not None:
        HELD_LOCKS.append(handle)


def release_locks():
    """Delete and unlock this run's lock files."""
    while HELD_LOCKS:
        unlock_file(HELD_LOCKS.pop())



# ---------------------------------------------------------------------------- stopping: Ctrl-C and SIGTERM
EXIT_CODES = {"SIGINT": 130, "SIGHUP": 129, "SIGTERM": 143}     # 128 + the signal number, as shells report

STOPPED_BY = []                                     # "SIGTERM" or "SIGHUP" once one has arrived



def stop_like_ctrl_c(signum, frame):
    """SIGTERM and SIGHUP get exactly what the first Ctrl-C gets: the step finishes, a checkpoint is saved.

    The models defer Ctrl-C (SIGINT) until an update is complete, by installing their own SIGINT
    handler for that time; calling whatever SIGINT handler is current goes through that same
    path. (Where SIGINT is ignored, as in a background job (`... &`) started by a script, or left
    to the default, we raise KeyboardInterrupt as Python's own handler would.) Only the exit code
    and the message remember which signal it was."""
    STOPPED_BY.append(signal.Signals(signum).name)
    handler = signal.getsignal(signal.SIGINT)
    if not callable(handler):
        raise KeyboardInterrupt
    handler(signal.SIGINT, frame)


def stop_name():
    return STOPPED_BY[0] if STOPPED_BY else "SIGINT"



# ---------------------------------------------------------------------------- resuming
def prepare_resumable_out_dir(args):
    """The output directory and its checkpoint path, for models that can resume (--resume)."""
    if args.resume:
        args.overwrite = True                       # the directory holds the run being resumed
    out = prepare_out_dir(args)
    checkpoint = os.path.join(out, "checkpoint.npz")
    if args.resume and not os.path.exists(checkpoint):
        raise UsageError(f"--resume: there is no checkpoint {checkpoint!r} to resume from")
    if not args.resume and os.path.exists(checkpoint):
        os.remove(checkpoint)                       # --overwrite starts afresh
    return out, checkpoint


def fit_resumable(fit, args, checkpoint):
    """Run ``fit()``. On Ctrl-C (or SIGTERM, SIGHUP) the model has saved ``checkpoint``: print the
    command that resumes from it and exit with code 130 (143, 129), no traceback."""
    try:
        fit()
    except KeyboardInterrupt:
        what = f"terminated ({stop_name()})" if STOPPED_BY else "interrupted"
        if os.path.exists(checkpoint):
            print(f"\n{what}; checkpoint saved. Resume with:\n  {resume_command(args)}", file=sys.stderr)
        else:
            print(f"\n{what} before the first checkpoint; run the same command to start again",
                  file=sys.stderr)
        raise SystemExit(EXIT_CODES[stop_name()]) from None


def resume_command(args):
    """The command that continues this run: the interpreter that is running (``python`` outside
    the virtual environment would be another one), every setting spelled out (so a change of
    defaults cannot break the resume), then --resume; quoted for a POSIX shell. Run it from the
    same directory."""
    words = [sys.executable, os.path.relpath(args.script), args.model]       # this venv's python
    for key, value in vars(args).items():
        if key in ("model", "func", "script", "overwrite", "resume") or value is None or value is False:
            continue
        words.append("--" + key.replace("_", "-"))
        if isinstance(value, (list, tuple)):            # nargs options: one word per value
            words.extend(str(item) for item in value)
        elif value is not True:
            words.append(str(value))
    return shlex.join(words + ["--resume"])



# ---------------------------------------------------------------------------- what a run records
def versions():
    import tqdm
    from .. import __version__
    return {"minembed": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "tqdm": tqdm.__version__}


def write_config(out, args, tokenizer, vocab=None, **extra):
    """config.json, and with ``vocab`` also vocab.tsv: ``token<TAB>count`` lines without a header,
    so that gensim reads it as ``fvocab``; its special tokens are named in config.json."""
    settings = {key: value for key, value in vars(args).items() if key not in ("func", "script")}
    specials = {} if vocab is None else {"vocab_specials": list(vocab.specials)}
    write_json(os.path.join(out, "config.json"),
               {"model": args.model, "settings": settings, "seed": args.seed,
                "tokenizer": tokenizer.config(), **specials, **extra, "versions": versions()})
    if vocab is not None:
        vocab.save(os.path.join(out, "vocab.tsv"), header=False)


def check_positive(args, *names):
    """Raise a UsageError naming the first option in ``names`` that is not > 0 (or not finite)."""
    for name in names:
        value = getattr(args, name)
        if value is not None and not value > 0:         # `not >` also catches NaN
            raise UsageError(f"--{name.replace('_', '-')} must be > 0, got {value}")
        if value == math.inf:
            raise UsageError(f"--{name.replace('_', '-')} must be finite, got {value}")


def check_files_exist(args, *names):
    """Raise a UsageError naming the first file option in ``names`` whose file does not exist."""
    for name in names:
        path = getattr(args, name)
        if path is not None and not os.path.isfile(path):
            raise UsageError(f"--{name.replace('_', '-')} file not found: {path!r}")

