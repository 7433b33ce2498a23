"""Word2vec: minembed against gensim on 16M words of Wikipedia — quality, speed, memory.

    python benchmarks/bench_word2vec.py                      # the full benchmark (~30 min on 2 cores)
    python benchmarks/bench_word2vec.py --max-lines 20000 --epochs 1 --speed-lines 20000   # a quick look
    python benchmarks/bench_word2vec.py --workers 2          # both libraries with 2 processes / threads

Two parts:

1. **Quality and memory.** Each library trains once with the defaults (dim 100, window 5,
   negative 5, min_count 5, sample 1e-3, alpha 0.025, 5 epochs) in a fresh process of its
   own (the two side by side, one core each), so that its peak RSS is its own. gensim (``sg=1``,
   ``workers=1`` unless ``--workers``) is fed the very same
   token lists (minembed's tokenizer, 10,000-token chunks). Both are scored with the same
   code: analogy accuracy on questions-words (30k vocabulary, 3CosAdd) and Spearman on
   WordSim-353 (the development sets), then the held-out sets.
2. **Speed.** Effective (after subsampling) words per second on one core (N with ``--workers N``), measured on
   the first ``--speed-lines`` lines: minembed and gensim alternate in one process, 3 rounds,
   best of 3 each, and the ratio is printed.
3. **Whole process** (``--process-rounds R``): what a user waits for and the memory it takes, from
   the command to the vectors on disk, 1 epoch of the whole extract: ``python train.py word2vec``
   against a gensim script doing the same (stream the file, minembed's tokenizer so the words are
   the same, ``Word2Vec(sg=1)``, ``save_word2vec_format``). The two alternate, R rounds, best wall time
   and peak RSS (``wait4``) of each, ratios printed.

With ``--workers N`` both libraries train with N workers (minembed: N processes on shared
tables; gensim: N threads), still one BLAS thread per process; the two quality runs then go
one after the other, since each wants every core. minembed's "peak RSS" is then its parent
process's, and a worker's is printed below it; the shared tables count in both.
"""
import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time

# one BLAS thread per process: parallelism comes from --workers alone, for both libraries
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

DATA = os.environ.get("MINEMBED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
CORPUS = os.path.join(DATA, "corpora", "enwiki-2015-aa.txt.gz")
DEV_SETS = {"analogy": "analogy/questions-words.txt", "ws353": "similarity/wordsim353.tsv"}
HELD_OUT = {"msr": "analogy/msr-questions.txt", "simlex": "similarity/simlex999.txt",
            "men": "similarity/EN-MEN-TR-3k.txt", "rw": "similarity/EN-RW-STANFORD.txt",
            "ws353-sim": "similarity/EN-WS-353-SIM.txt", "ws353-rel": "similarity/EN-WS-353-REL.txt"}
SETTINGS = dict(dim=100, window=5, negative=5, min_count=5, sample=1e-3, alpha=0.025, min_alpha=0.0001)
OBJECTIVE = {"sg": 1}      # --sg 0: CBOW in both libraries (gensim's sg=0, minembed's objective="cbow")


def load_encoded(max_lines, min_count):
    """The first ``max_lines`` lines, tokenized by minembed and encoded as ids."""
    from minembed.text.corpus import encode_corpus, iter_documents
    from minembed.text.tokenize import Tokenizer
    lines = itertools.islice(iter_documents(CORPUS), max_lines)
    return encode_corpus(map(Tokenizer().tokenize, lines), min_count=min_count)


def token_lists(max_lines):
    """The same documents as lists of str for gensim, every token kept (gensim applies
    min_count itself); equal words share one str object, so memory stays small."""
    corpus = load_encoded(max_lines, min_count=1)
    words = corpus.vocab.itos
    return [[words[i] for i in corpus.document(d).tolist()] for d in range(len(corpus))]


def train_minembed(corpus, epochs, seed=1, workers=1):
    from minembed.word2vec.model import Word2Vec
    model = Word2Vec(epochs=epochs, seed=seed, workers=workers, sg=OBJECTIVE["sg"], **SETTINGS)
    started = time.perf_counter()
    model.fit(corpus, progress=False)
    seconds = time.perf_counter() - started
    effective = sum(h["effective_words"] for h in model.history)
    return model.wv, effective, seconds


def train_gensim(sentences, epochs, seed=1, workers=1):
    from gensim.models import Word2Vec as GensimWord2Vec
    from minembed.vectors.keyed import KeyedVectors
    model = GensimWord2Vec(vector_size=SETTINGS["dim"], window=SETTINGS["window"], negative=SETTINGS["negative"],
                           min_count=SETTINGS["min_count"], sample=SETTINGS["sample"], alpha=SETTINGS["alpha"],
                           min_alpha=SETTINGS["min_alpha"], sg=OBJECTIVE["sg"], hs=0, workers=workers, seed=seed,
                           epochs=epochs)
    model.build_vocab(sentences)
    started = time.perf_counter()
    effective, _raw = model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - started
    return KeyedVectors(model.wv.index_to_key, model.wv.vectors), effective, seconds


def scores(kv):
    from minembed.vectors.evaluate import evaluate_analogies, evaluate_pairs
    results = {}
    for name, rel in {**DEV_SETS, **HELD_OUT}.items():
        path = os.path.join(DATA, rel)
        if not os.path.exists(path):
            continue
        if rel.startswith("analogy"):
            report = evaluate_analogies(kv, path, restrict_vocab=30000)
            results[name] = {"accuracy": report["accuracy"], "answered": report["answered"],
                             "semantic": report["semantic"], "syntactic": report["syntactic"]}
        else:
            report = evaluate_pairs(kv, path)
            results[name] = {"spearman": report["spearman"], "pairs": report["pairs"]}
    return results


def worker(library, max_lines, epochs, workers):
    """Train one library on the corpus in this process; print one JSON line."""
    import minembed.vectors.evaluate  # noqa: F401  (import everything before the long run)
    if library == "minembed":
        kv, effective, seconds = train_minembed(load_encoded(max_lines, SETTINGS["min_count"]), epochs,
                                                workers=workers)
    else:
        kv, effective, seconds = train_gensim(token_lists(max_lines), epochs, workers=workers)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # minembed's worker processes share the tables (counted in each one's RSS): report the largest
    worker_peak_mb = (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                      if library == "minembed" and workers > 1 else 0)
    print(json.dumps({"library": library, "effective_words": effective, "seconds": seconds,
                      "words_per_sec": effective / seconds, "peak_rss_mb": peak_mb,
                      "worker_peak_rss_mb": worker_peak_mb,
                      "vocab": len(kv), "scores": scores(kv)}))


def start_worker(library, max_lines, epochs, workers):
    """Start one library's quality run in a child process (one BLAS thread each)."""
    command = [sys.executable, __file__, "--worker", library, "--epochs", str(epochs), "--workers", str(workers),
               "--sg", str(OBJECTIVE["sg"])]
    if max_lines:
        command += ["--max-lines", str(max_lines)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish_worker(library, process):
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"the {library} run failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def speed_rounds(max_lines, workers, rounds=3):
    """Alternate minembed and gensim on the same data (1 epoch each), best of ``rounds``."""
    corpus = load_encoded(max_lines, SETTINGS["min_count"])
    sentences = token_lists(max_lines) if gensim_available() else None
    best = {}
    for round_no in range(rounds):
        for library in ("minembed", "gensim"):
            if library == "gensim" and sentences is None:
                continue
            _, effective, seconds = (train_minembed(corpus, 1, seed=round_no + 1, workers=workers)
                                     if library == "minembed"
                                     else train_gensim(sentences, 1, seed=round_no + 1, workers=workers))
            rate = effective / seconds
            best[library] = max(best.get(library, 0), rate)
            print(f"  speed round {round_no + 1}: {library:8s} {rate / 1e3:7.1f}k effective words/s", flush=True)
    return best


class TokenizedLines:
    """The corpus file as token lists, re-read on every pass (what gensim's LineSentence does)."""

    def __iter__(self):
        from minembed.text.corpus import iter_documents
        from minembed.text.tokenize import Tokenizer
        tokenizer = Tokenizer()
        for line in iter_documents(CORPUS):
            tokens = tokenizer.tokenize(line)
            for start in range(0, len(tokens), 10_000):        # gensim's and word2vec.c's longest sentence
                yield tokens[start:start + 10_000]


def gensim_process(epochs, workers, out):
    """The gensim side of the whole-process row (run as its own process)."""
    from gensim.models import Word2Vec as GensimWord2Vec
    model = GensimWord2Vec(TokenizedLines(), vector_size=SETTINGS["dim"], window=SETTINGS["window"],
                           negative=SETTINGS["negative"], min_count=SETTINGS["min_count"], sample=SETTINGS["sample"],
                           alpha=SETTINGS["alpha"], min_alpha=SETTINGS["min_alpha"], sg=1, hs=0, workers=workers,
                           seed=1, epochs=epochs)
    model.wv.save_word2vec_format(os.path.join(out, "vectors.txt"))


def timed_process(command):
    """(wall seconds, peak RSS in MB) of one child process, which must succeed."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    import tempfile
    with tempfile.TemporaryFile() as log:            # (a pipe nobody reads fills up and stalls the child)
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"{command[:3]} failed:\n{log.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def whole_process_rounds(workers, rounds):
    """train.py word2vec vs the gensim script, 1 epoch of the whole extract, alternating; best of ``rounds``."""
    import tempfile
    best = {}
    with tempfile.TemporaryDirectory() as out:
        commands = {"minembed": [sys.executable, os.path.join(HERE, "..", "train.py"), "word2vec", "--corpus", CORPUS,
                                 "--epochs", "1", "--workers", str(workers), "--out", os.path.join(out, "m"),
                                 "--overwrite"],
                    "gensim": [sys.executable, __file__, "--gensim-process", out, "--epochs", "1",
                               "--workers", str(workers)]}
        for round_no in range(rounds):
            for library, command in commands.items():
                seconds, peak_mb = timed_process(command)
                print(f"  whole process round {round_no + 1}: {library:8s} {seconds:6.1f} s, peak RSS {peak_mb:5.0f} MB",
                      flush=True)
                old = best.get(library, (1e9, 1e9))
                best[library] = (min(old[0], seconds), min(old[1], peak_mb))
        from minembed.vectors.keyed import KeyedVectors
        quality = {library: {"scores": scores(KeyedVectors.load_word2vec_format(os.path.join(out, folder, "vectors.txt")))}
                   for library, folder in (("minembed", "m"), ("gensim", "."))}
    print("  quality of the last round's vectors (1 epoch):")
    first = quality["minembed"]["scores"]
    for test in first:
        metric = "accuracy" if "accuracy" in first[test] else "spearman"
        values = [quality[library]["scores"][test][metric] for library in quality]
        print(f"    {test:10s} {metric:9s} minembed {values[0]:.4f}  gensim {values[1]:.4f}  difference {values[0] - values[1]:+.4f}")
    return best


def gensim_available():
    try:
        import gensim  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=None, help="use only the first N lines (default: all)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--speed-lines", type=int, default=40000, help="lines for the speed rounds (0 = skip)")
    parser.add_argument("--skip-quality", action="store_true", help="only the speed rounds")
    parser.add_argument("--workers", type=int, default=1,
                        help="workers for both libraries (minembed: processes, gensim: threads)")
    parser.add_argument("--process-rounds", type=int, default=0,
                        help="whole-process rounds, train.py against a gensim script (0 = skip; 3 for the figure)")
    parser.add_argument("--sg", type=int, choices=(0, 1), default=1,
                        help="1 = skip-gram (default), 0 = CBOW, in both libraries (quality and speed rounds)")
    parser.add_argument("--worker", choices=("minembed", "gensim"), help=argparse.SUPPRESS)
    parser.add_argument("--gensim-process", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OBJECTIVE["sg"] = args.sg
    if not os.path.exists(CORPUS):
        print(f"bench_word2vec: the corpus {CORPUS} is missing (set MINEMBED_DATA to the shared/data folder); "
              "nothing measured.")
        return
    if args.worker:
        return worker(args.worker, args.max_lines, args.epochs, args.workers)
    if args.gensim_process:
        return gensim_process(args.epochs, args.workers, args.gensim_process)

    libraries = ["minembed"] + (["gensim"] if gensim_available() else [])
    if len(libraries) == 1:
        print("gensim is not installed (pip install -e .[bench]): minembed only, no ratios.")
    if args.skip_quality:
        libraries = []
    else:
        print(f"quality: {'skip-gram' if args.sg else 'CBOW'}, {args.epochs} epochs on "
              f"{'all' if not args.max_lines else args.max_lines} lines of {CORPUS}, {args.workers} worker(s) each")
    if args.workers == 1:
        # the two quality runs go side by side, one core each (the speed rounds below are the fair timing)
        processes = {library: start_worker(library, args.max_lines, args.epochs, 1) for library in libraries}
        rows = {library: finish_worker(library, process) for library, process in processes.items()}
    else:                   # each run wants every core: one after the other
        rows = {library: finish_worker(library, start_worker(library, args.max_lines, args.epochs, args.workers))
                for library in libraries}
    if rows:
        print_quality(rows)
    if args.speed_lines:
        print(f"speed: 1 epoch on the first {args.speed_lines} lines, {args.workers} worker(s), alternating, best of 3")
        best = speed_rounds(args.speed_lines, args.workers)
        for library, rate in best.items():
            print(f"  best {library:8s} {rate / 1e3:7.1f}k effective words/s")
        if "gensim" in best:
            print(f"  speed ratio minembed / gensim: {best['minembed'] / best['gensim']:.2f}x")
    if args.process_rounds and gensim_available():
        print(f"whole process: 1 epoch of the whole extract, {args.workers} worker(s), alternating, "
              f"best of {args.process_rounds}")
        best = whole_process_rounds(args.workers, args.process_rounds)
        (our_s, our_mb), (their_s, their_mb) = best["minembed"], best["gensim"]
        print(f"  best minembed {our_s:.1f} s, {our_mb:.0f} MB; gensim {their_s:.1f} s, {their_mb:.0f} MB")
        print(f"  whole-process time minembed / gensim: {our_s / their_s:.2f}x (goal <= 1.0); "
              f"peak RSS: {our_mb / their_mb:.2f}x (goal <= 1.0)")


def print_quality(rows):
    names = list(rows)
    print(f"{'':28s}" + "".join(f"{n:>12s}" for n in names) + ("   difference" if len(names) == 2 else ""))

    def line(label, values, fmt):
        diff = f"   {values[0] - values[1]:+{fmt}}" if len(values) == 2 else ""
        print(f"{label:28s}" + "".join(f"{v:>12{fmt}}" for v in values) + diff)

    line("words/s (quality run)", [rows[n]["words_per_sec"] for n in names], ".0f")
    line("peak RSS (MB)", [rows[n]["peak_rss_mb"] for n in names], ".0f")
    if rows[names[0]]["worker_peak_rss_mb"]:
        print(f"{'peak RSS of one worker (MB)':28s}{rows[names[0]]['worker_peak_rss_mb']:>12.0f}   "
              "(minembed's worker processes; gensim uses threads)")
    first = rows[names[0]]["scores"]
    for test in first:
        metric = "accuracy" if "accuracy" in first[test] else "spearman"
        held = " (held out)" if test in HELD_OUT else ""
        line(f"{test} {metric}{held}", [rows[n]["scores"][test][metric] for n in names], ".4f")
    print("raw:", json.dumps(rows))


if __name__ == "__main__":
    main()
