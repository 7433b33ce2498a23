"""Benchmark: tokenize, count and encode a Wikipedia corpus; minembed vs scikit-learn.

    flock /tmp/minembed-bench.lock python3 benchmarks/bench_corpus.py [--max-lines N] [--repeats 3]

Each measurement runs in a fresh Python process, so its peak RSS (``ru_maxrss``) is that
job's alone. The runs are interleaved (ours, sklearn, ours, sklearn, ...) and the best
time of each is reported.

* **minembed**: ``encode_corpus(path, min_count=...)`` reads the .gz lazily, tokenizes each
  line with the default pattern ``[^\\W\\d_]+`` (lowercased), counts, builds the vocabulary
  and returns the flat int32 id array + document offsets. Also timed separately: turning
  that into the documents x vocabulary count matrix (``OneHotEncoder.corpus_counts``), which
  is what CountVectorizer returns.
* **scikit-learn** (if installed): ``CountVectorizer(token_pattern=<the same pattern>,
  lowercase=True).fit_transform(lines)``, the lines read lazily from the same file.

Data: ``../shared/data/corpora/enwiki-2015-aa.txt.gz`` relative to the repository (change
it with ``--data`` or the ``MINEMBED_DATA`` directory variable). If it is missing, the
script says so and exits 0. ``--max-lines N`` benchmarks only the first N lines (they are
copied to a temporary .txt file first, used by both sides).
"""
import argparse
import gzip
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.environ.get("MINEMBED_DATA", os.path.join(REPO, "..", "shared", "data"))
DEFAULT_CORPUS = os.path.join(DATA_DIR, "corpora", "enwiki-2015-aa.txt.gz")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB -> MiB


# ---------------------------------------------------------------------------- workers (one per process)
def work_ours(path, min_count):
    sys.path.insert(0, REPO)
    from minembed import OneHotEncoder, encode_corpus
    started = time.perf_counter()
    corpus = encode_corpus(path, min_count=min_count)
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    started = time.perf_counter()
    bow = OneHotEncoder(corpus.vocab).corpus_counts(corpus)
    bow_seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mb": rss, "words": corpus.n_tokens + corpus.n_dropped,
            "kept_tokens": corpus.n_tokens, "vocab": len(corpus.vocab), "docs": len(corpus),
            "bow_seconds": bow_seconds, "bow_nnz": bow.nnz, "peak_rss_mb_with_bow": peak_rss_mb()}


def work_sklearn(path, min_count):
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    sys.path.insert(0, REPO)
    from minembed.text.tokenize import LETTERS
    opener = gzip.open if path.endswith(".gz") else open
    started = time.perf_counter()
    with opener(path, "rt", encoding="utf-8") as lines:
        vectorizer = CountVectorizer(token_pattern=LETTERS, lowercase=True, min_df=1)
        counts = vectorizer.fit_transform(lines)
    if min_count > 1:                   # CountVectorizer has min_df (documents), not min_count (tokens)
        keep = np.asarray(counts.sum(axis=0)).ravel() >= min_count
        counts = counts[:, keep]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "words": None,
            "kept_tokens": int(counts.sum()), "vocab": counts.shape[1], "docs": counts.shape[0],
            "nnz": counts.nnz}


WORKERS = {"ours": work_ours, "sklearn": work_sklearn}


def run_worker(name, path, min_count):
    command = [sys.executable, os.path.abspath(__file__), "--worker", name, "--data", path,
               "--min-count", str(min_count)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- driver
def head_to_temp(path, max_lines):
    """Copy the first ``max_lines`` lines of ``path`` into a temporary .txt file."""
    opener = gzip.open if path.endswith(".gz") else open
    tmp = tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False)
    with opener(path, "rb") as src, tmp:
        tmp.writelines(itertools.islice(src, max_lines))
    return tmp.name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_CORPUS, help="corpus file (default: %(default)s)")
    parser.add_argument("--max-lines", type=int, default=None, help="only the first N lines")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side; best time is kept")
    parser.add_argument("--min-count", type=int, default=1, help="vocabulary min_count (default 1)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.data, args.min_count)))
        return
    if not os.path.exists(args.data):
        print(f"benchmark data not found: {args.data}\n(set --data or MINEMBED_DATA to the "
              "shared data directory); nothing to do.")
        return
    try:
        import sklearn
        sides = ["ours", "sklearn"]
    except ImportError:
        sklearn, sides = None, ["ours"]
        print("scikit-learn is not installed: timing minembed only.")

    path = head_to_temp(args.data, args.max_lines) if args.max_lines else args.data
    try:
        print(f"corpus: {args.data}" + (f" (first {args.max_lines:,} lines)" if args.max_lines else ""))
        print(f"min_count={args.min_count}, {args.repeats} interleaved runs per side, each in a fresh process")
        results = {side: [] for side in sides}
        for repeat in range(args.repeats):
            for side in sides:
                result = run_worker(side, path, args.min_count)
                results[side].append(result)
                print(f"  run {repeat + 1} {side:8s} {result['seconds']:7.2f} s   "
                      f"peak RSS {result['peak_rss_mb']:7.1f} MB", flush=True)
    finally:
        if args.max_lines:
            os.unlink(path)

    ours = min(results["ours"], key=lambda r: r["seconds"])
    words = ours["words"]
    print(f"\nminembed encode_corpus: {words:,} words, {ours['docs']:,} documents, "
          f"vocabulary {ours['vocab']:,}")
    print(f"  best {ours['seconds']:.2f} s = {words / ours['seconds']:,.0f} words/s, "
          f"peak RSS {max(r['peak_rss_mb'] for r in results['ours']):.1f} MB")
    print(f"  + bag-of-words matrix (corpus_counts): {ours['bow_seconds']:.2f} s more, "
          f"{ours['bow_nnz']:,} non-zeros, peak RSS {ours['peak_rss_mb_with_bow']:.1f} MB")
    if sklearn is not None:
        theirs = min(results["sklearn"], key=lambda r: r["seconds"])
        same = (theirs["vocab"] == ours["vocab"] and theirs["kept_tokens"] == ours["kept_tokens"])
        print(f"scikit-learn {sklearn.__version__} CountVectorizer.fit_transform: vocabulary "
              f"{theirs['vocab']:,}, {theirs['kept_tokens']:,} tokens "
              f"({'same as ours' if same else 'DIFFERENT from ours'})")
        print(f"  best {theirs['seconds']:.2f} s = {words / theirs['seconds']:,.0f} words/s, "
              f"peak RSS {max(r['peak_rss_mb'] for r in results['sklearn']):.1f} MB")
        print(f"ratio: minembed is {theirs['seconds'] / ours['seconds']:.2f}x as fast as CountVectorizer "
              f"(encode only); {theirs['seconds'] / (ours['seconds'] + ours['bow_seconds']):.2f}x "
              "including the bag-of-words matrix")


if __name__ == "__main__":
    main()
