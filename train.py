"""Train any minembed model from the command line: one script, one pattern.

    python train.py                      # = all models on the default corpus, into runs/all/
    python train.py MODEL --corpus PATH --out DIR [options]     # MODEL: see --help
    python train.py finetune --encoder runs/all/encoder/encoder.npz --data labelled.tsv --out DIR

Every run writes into DIR: config.json (every setting, the seed, versions), vocab.tsv
(token<TAB>count lines, which gensim reads as fvocab; the special tokens are named in
config.json), the model's artifacts and metrics.json. Mistakes in the input (a missing file, an empty
corpus, a bad option) end with a one-line message and exit code 2, not a traceback
(set MINEMBED_DEBUG=1 to see the traceback anyway).

Stopping: Ctrl-C (SIGINT), SIGTERM (what `kill`, `timeout` or a scheduler send) and SIGHUP (a
closing terminal) all let the current step finish, save a checkpoint and print the command that
resumes; the exit code says which it was: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.
Two runs cannot write into the same --out at once: the second is refused (exit code 2) naming
the process that holds it.

This file only parses and dispatches. What each command runs is in minembed/cli/: one runner per
model (cli/onehot.py is the smallest), the commands in cli/registry.py, ``all``'s comparison in
cli/run_all.py and cli/report.py, a run's folder (locks, stopping, resuming) in cli/rundir.py.
"""
import os
import platform
import signal
import sys
import threading

import numpy as np

import minembed
from minembed.cli import rundir
from minembed.cli.common import DEFAULT_CORPUS, Parser, add_common_args, seed_type
from minembed.cli.registry import RUNNERS
from minembed.cli.run_all import run_all
from minembed.word2vec.hogwild import WorkerKilled


def build_parser():
    parser = Parser(
        prog="train.py", description="Train minembed models. Documents are lines of the corpus files.")
    parser.add_argument("--version", action="version",
                        version=f"minembed {minembed.__version__} (Python {platform.python_version()}, "
                                f"NumPy {np.__version__})")
    sub = parser.add_subparsers(dest="model", metavar="MODEL")
    for name, runner in RUNNERS.items():
        model_parser = sub.add_parser(name, help=(runner.run.__doc__ or "").strip().splitlines()[0])
        if runner.common_args:
            add_common_args(model_parser, name)
        runner.add_args(model_parser)
        model_parser.set_defaults(func=runner.run)
    all_parser = sub.add_parser("all", help="every model with small settings, compared side by side")
    all_parser.add_argument("--corpus", default=DEFAULT_CORPUS,
                            help="a .txt/.gz file or a directory of them (default: the shipped corpora/)")
    all_parser.add_argument("--out", default=os.path.join("runs", "all"),
                            help="output directory, one folder per model (default: runs/all)")
    all_parser.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    all_parser.add_argument("--seed", type=seed_type, default=1, help="seed of every random choice (default: 1)")
    all_parser.set_defaults(func=run_all)
    parser.set_defaults(script=os.path.abspath(__file__))      # for the command that resumes a stopped run
    return parser


# Mistakes in the input surface as these; anything else (TypeError, KeyError, ...) is a bug in
# minembed and keeps its traceback.
USER_ERRORS = (ValueError, OSError, ArithmeticError, MemoryError)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    given = argv
    if not argv:                       # the front door: everything, on the shipped corpus
        argv = ["all", "--overwrite"]
    elif argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["all", *argv]          # options without a model are all's: python train.py --out DIR
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:         # --help (0), or a mistake in the options (2), already printed
        return exit.code
    if args.model is None:
        build_parser().print_help()
        return 2
    if args.model == "all":
        args.given = given             # what was typed, for the report's first line
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {stop: signal.signal(stop, rundir.stop_like_ctrl_c) for stop in (signal.SIGTERM, signal.SIGHUP)
                if in_main_thread}
    try:
        return run(args)
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
        rundir.release_locks()
        rundir.STOPPED_BY.clear()


def run(args):
    """Run the chosen command; a mistake in the input becomes one line and exit code 2."""
    try:
        args.func(args)
    except USER_ERRORS as err:
        if os.environ.get("MINEMBED_DEBUG"):
            raise
        message = err
        if isinstance(err, MemoryError) and not isinstance(err, WorkerKilled):      # (it gives its own advice)
            message = (f"out of memory ({err}); use smaller settings (--batch-size, --dim, --window, "
                       "--max-len) or a smaller corpus")
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        stopped = rundir.STOPPED_BY
        print(f"\nterminated ({rundir.stop_name()})" if stopped else "\ninterrupted", file=sys.stderr)
        return rundir.EXIT_CODES[rundir.stop_name()]
    return 0


if __name__ == "__main__":
    sys.exit(main())
