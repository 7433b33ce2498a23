"""Benchmark: TfidfVectorizer.fit_transform on Wikipedia paragraphs; minembed vs scikit-learn.

    flock /tmp/minembed-bench.lock python3 benchmarks/bench_tfidf.py [--max-docs N] [--repeats 3]

Documents are the lines (one paragraph each) of ``../shared/data/corpora/enwiki-2015-aa.txt.gz``
(change it with ``--data`` or the ``MINEMBED_DATA`` directory variable; if it is missing the
script says so and exits 0). Both sides get the same settings (scikit-learn's defaults unless
``--min-df`` etc. are given) and the same list of str, loaded before the clock starts.

Each run is a fresh Python process, so its peak RSS is its own: the process loads the
documents, resets the kernel's high-water mark (``/proc/self/clear_refs``), calls
``fit_transform`` once and reports ``VmHWM``, the peak resident memory *during* the call
(documents included; "extra" is the peak minus the RSS before the call). Runs are interleaved
(ours, sklearn, sklearn, ours, ...) and the best time of each side is reported. The matrices
of the first run of each side are saved and compared cell by cell (max |difference|), and
the vocabularies term by term.
"""
import argparse
import gzip
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.environ.get("MINEMBED_DATA", os.path.join(REPO, "..", "shared", "data"))
DEFAULT_CORPUS = os.path.join(DATA_DIR, "corpora", "enwiki-2015-aa.txt.gz")


# ---------------------------------------------------------------------------- memory
def rss_mb(field):
    """``VmRSS`` (now) or ``VmHWM`` (peak since the last reset) of this process, in MiB."""
    with open("/proc/self/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1)) / 1024


def reset_peak_rss():
    """Make ``VmHWM`` start again from the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


# ---------------------------------------------------------------------------- worker (one per process)
def load_documents(path, max_docs):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in itertools.islice(f, max_docs)]


def worker(side, path, max_docs, settings, save_to):
    if side == "minembed":
        sys.path.insert(0, REPO)
        from minembed import TfidfVectorizer
    else:
        from sklearn.feature_extraction.text import TfidfVectorizer
    documents = load_documents(path, max_docs)
    vectorizer = TfidfVectorizer(**{**settings, "ngram_range": tuple(settings["ngram_range"])})
    reset_peak_rss()
    rss_before = rss_mb("VmRSS")
    started = time.perf_counter()
    X = vectorizer.fit_transform(documents)
    seconds = time.perf_counter() - started
    peak = rss_mb("VmHWM")
    names = vectorizer.get_feature_names_out()
    result = {"seconds": seconds, "peak_rss_mb": peak, "extra_rss_mb": peak - rss_before,
              "shape": list(X.shape), "nnz": int(X.nnz), "docs": len(documents),
              "vocab_sha256": hashlib.sha256("\n".join(names).encode()).hexdigest()}
    if save_to:
        if side == "sklearn":
            X.sort_indices()                                  # scikit-learn leaves rows unsorted
        np.savez(save_to, data=X.data, indices=X.indices, indptr=X.indptr, shape=X.shape)
    return result


# ---------------------------------------------------------------------------- driver
def run_side(side, args, settings, save_to):
    command = [sys.executable, os.path.abspath(__file__), "--worker", side, "--data", args.data,
               "--settings", json.dumps(settings), "--save-to", save_to or ""]
    if args.max_docs:
        command += ["--max-docs", str(args.max_docs)]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.exit(f"the {side} run failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def max_abs_difference(path_a, path_b):
    """max |A - B| over all cells of two saved CSR matrices (sparse: the union of non-zeros)."""
    a, b = np.load(path_a), np.load(path_b)
    if tuple(a["shape"]) != tuple(b["shape"]):
        return float("inf")
    n_cols = int(a["shape"][1])
    keys, values = [], []
    for m, sign in ((a, 1.0), (b, -1.0)):
        rows = np.repeat(np.arange(len(m["indptr"]) - 1, dtype=np.int64), np.diff(m["indptr"]))
        keys.append(rows * n_cols + m["indices"])
        values.append(sign * m["data"])
    cells, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    difference = np.bincount(inverse, weights=np.concatenate(values), minlength=len(cells))
    return float(np.abs(difference).max()) if len(difference) else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_CORPUS, help="corpus file, one document per line")
    parser.add_argument("--max-docs", type=int, default=None, help="only the first N documents")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side; the best time counts")
    parser.add_argument("--min-df", type=float, default=1, help="int if whole (count), else a fraction")
    parser.add_argument("--max-df", type=float, default=1.0)
    parser.add_argument("--max-features", type=int, default=None)
    parser.add_argument("--ngram-max", type=int, default=1)
    parser.add_argument("--sublinear", action="store_true")
    parser.add_argument("--no-sklearn", action="store_true", help="time minembed only")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--save-to", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.max_docs, json.loads(args.settings),
                                args.save_to)))
        return 0
    if not os.path.exists(args.data):
        print(f"benchmark data not found: {args.data}\n(set MINEMBED_DATA to the shared data directory, "
              "or pass --data FILE); nothing to do.")
        return 0
    settings = {"min_df": int(args.min_df) if args.min_df == int(args.min_df) and args.min_df >= 1
                else args.min_df, "max_df": args.max_df, "max_features": args.max_features,
                "ngram_range": (1, args.ngram_max), "sublinear_tf": args.sublinear}
    sides = ["minembed"]
    if not args.no_sklearn:
        try:
            import sklearn  # noqa: F401
            sides.append("sklearn")
        except ImportError:
            print("scikit-learn is not installed: timing minembed alone")
    print(f"TfidfVectorizer.fit_transform on {args.data} ({args.max_docs or 'all'} documents), "
          f"settings {settings}, best of {args.repeats}, each run in its own process")
    runs, tmp = {side: [] for side in sides}, tempfile.mkdtemp(prefix="bench_tfidf_")
    saved = {side: os.path.join(tmp, f"{side}.npz") for side in sides}
    for repeat in range(args.repeats):
        order = sides if repeat % 2 == 0 else sides[::-1]            # interleaved: AB, BA, AB
        for side in order:
            result = run_side(side, args, settings, saved[side] if repeat == 0 else None)
            print(f"  run {repeat + 1} {side:9s} {result['seconds']:7.2f} s  peak RSS "
                  f"{result['peak_rss_mb']:7.0f} MiB (extra {result['extra_rss_mb']:6.0f} MiB)", flush=True)
            runs[side].append(result)
    best = {side: {**results[0], **{key: min(r[key] for r in results)         # best of the runs
                                    for key in ("seconds", "peak_rss_mb", "extra_rss_mb")}}
            for side, results in runs.items()}
    print(f"\n{'':10s} {'seconds':>8s} {'peak RSS MiB':>13s} {'extra MiB':>10s} {'shape':>18s} {'nnz':>11s}")
    for side in sides:
        r = best[side]
        print(f"{side:10s} {r['seconds']:8.2f} {r['peak_rss_mb']:13.0f} {r['extra_rss_mb']:10.0f} "
              f"{str(tuple(r['shape'])):>18s} {r['nnz']:11,d}")
    if "sklearn" in best:
        ours, theirs = best["minembed"], best["sklearn"]
        print(f"time ratio minembed / scikit-learn: {ours['seconds'] / theirs['seconds']:.3f}   "
              f"peak RSS ratio: {ours['peak_rss_mb'] / theirs['peak_rss_mb']:.3f}")
        print(f"same vocabulary: {ours['vocab_sha256'] == theirs['vocab_sha256']}   max |difference| "
              f"of the two matrices: {max_abs_difference(saved['minembed'], saved['sklearn']):.3g}")
    for path in saved.values():
        if os.path.exists(path):
            os.remove(path)
    os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
