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
"""
import argparse
import json
import math
import os
import platform
import shlex
import signal
import sys
import tempfile
import threading
import time

import numpy as np
from tqdm import tqdm

import minembed
from minembed import (AttentionEncoder, KeyedVectors, OneHotEncoder, TfidfVectorizer, Tokenizer, Vocabulary,
                      encode_corpus, iter_documents)
from minembed.text.corpus import corpus_files
from minembed.vectors.evaluate import evaluate_analogies, evaluate_pairs, read_analogies, read_pairs
from minembed.tasks.classify import POOLINGS, EncoderClassifier, WordVectorClassifier
from minembed.core.fileio import LockHeld, atomic_write, lock_file, read_labelled_texts, save_npy, unlock_file, write_json
from minembed.word2vec.hogwild import WorkerKilled
from minembed.encoder.mlm import BERT_SPLIT, check_mask_split
from minembed.bow.onehot import sparsity
from minembed.plot.charts import curves_svg
from minembed.plot.viz import attention_svg, pca, scatter_svg
from minembed.word2vec.objectives import OBJECTIVES
from minembed.text.vocab import MASK, PAD, UNK
from minembed.word2vec.model import Word2Vec

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "corpora")


class UsageError(ValueError):
    """A mistake on the command line (reported as one line, exit code 2)."""


class Parser(argparse.ArgumentParser):
    """argparse, except that a mistake is reported like every other error: one line, exit code 2."""

    def error(self, message):
        self.exit(2, f"error: {message}; see: python {self.prog} --help\n")


def seed_type(text):
    """--seed: an integer >= 0 (what numpy.random.default_rng accepts)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return int(text)


# ============================================================================ shared plumbing
def add_common_args(parser, model):
    parser.add_argument("--corpus", default=DEFAULT_CORPUS,
                        help="a .txt/.gz file or a directory of them; one document per line "
                             "(default: the shipped corpora/)")
    parser.add_argument("--out", default=os.path.join("runs", model),
                        help=f"output directory (default: runs/{model})")
    parser.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    parser.add_argument("--seed", type=seed_type, default=1, help="seed of every random choice (default: 1)")
    parser.add_argument("--min-count", type=int, default=1,
                        help="drop words seen fewer times than this (default: %(default)s)")
    parser.add_argument("--max-vocab", type=int, default=None,
                        help="keep at most this many of the most frequent words (default: all)")


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


def versions():
    import tqdm
    return {"minembed": minembed.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "tqdm": tqdm.__version__}


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


def load_corpus(args, tokenizer=None, specials=()):
    """Tokenize + encode ``args.corpus`` once, with the common vocabulary options."""
    check_positive(args, "min_count", "max_vocab")
    tokenizer = tokenizer or Tokenizer()
    corpus = encode_corpus(args.corpus, tokenizer, min_count=args.min_count,
                           max_size=args.max_vocab, specials=specials)
    print(f"corpus: {corpus.n_tokens:,} tokens in {len(corpus):,} documents, "
          f"vocabulary {len(corpus.vocab):,} words, out-of-vocabulary rate {corpus.oov_rate:.2%}")
    return corpus


def write_config(out, args, tokenizer, vocab=None, **extra):
    """config.json, and with ``vocab`` also vocab.tsv: ``token<TAB>count`` lines without a header,
    so that gensim reads it as ``fvocab``; its special tokens are named in config.json."""
    settings = {key: value for key, value in vars(args).items() if key != "func"}
    specials = {} if vocab is None else {"vocab_specials": list(vocab.specials)}
    write_json(os.path.join(out, "config.json"),
               {"model": args.model, "settings": settings, "seed": args.seed,
                "tokenizer": tokenizer.config(), **specials, **extra, "versions": versions()})
    if vocab is not None:
        vocab.save(os.path.join(out, "vocab.tsv"), header=False)


# ============================================================================ onehot
def add_onehot_args(parser):
    parser.add_argument("--binary", action="store_true", help="bag of words as 1/0 instead of counts")


def run_onehot(args):
    """Vocabulary statistics and the bag-of-words matrix (documents x vocabulary)."""
    out = prepare_out_dir(args)
    tokenizer = Tokenizer()
    started = time.perf_counter()
    corpus = load_corpus(args, tokenizer)
    bow = OneHotEncoder(corpus.vocab, tokenizer).corpus_counts(corpus, binary=args.binary)
    seconds = time.perf_counter() - started

    top = corpus.vocab.itos[:20]
    print("20 most frequent words:", " ".join(top))
    print(f"bag of words: {bow.shape[0]:,} documents x {bow.shape[1]:,} words, {bow.nnz:,} non-zeros "
          f"({sparsity(bow):.4%} of cells are zero)")
    print("one-hot: every word is orthogonal to every other (cosine 0), so it has no neighbours.")
    metrics = {"vocab_size": len(corpus.vocab), "n_tokens": corpus.n_tokens, "n_documents": len(corpus),
               "oov_rate": corpus.oov_rate, "top_words": top,
               "bag_of_words": {"shape": list(bow.shape), "nnz": bow.nnz, "sparsity": sparsity(bow)},
               "seconds": seconds}
    write_config(out, args, tokenizer, corpus.vocab)
    write_json(os.path.join(out, "metrics.json"), metrics)
    return {"model": "onehot", "out": out, "vocab": corpus.vocab, "metrics": metrics}


# ============================================================================ tfidf
def document_count_or_fraction(text):
    """--min-df/--max-df: "2" is a number of documents (int), "0.5" or "1.0" a fraction (float)."""
    return int(text) if text.isdigit() else float(text)


def add_tfidf_args(parser):
    parser.description = ("TF-IDF document vectors with scikit-learn's TfidfVectorizer semantics. Every "
                          "non-blank line of the corpus is one document (a paragraph); blank lines are skipped.")
    parser.add_argument("--min-df", type=document_count_or_fraction, default=1,
                        help="drop terms found in fewer documents: an int counts documents, a float in "
                             "[0, 1] is a fraction of them (default: %(default)s)")
    parser.add_argument("--max-df", type=document_count_or_fraction, default=1.0,
                        help="drop terms found in more documents, same units (default: %(default)s)")
    parser.add_argument("--max-features", type=int, default=None,
                        help="then keep only this many of the most frequent terms (default: all)")
    parser.add_argument("--ngram-min", type=int, default=1, help="shortest word n-gram (default: %(default)s)")
    parser.add_argument("--ngram-max", type=int, default=1,
                        help="longest word n-gram, 2 adds word pairs (default: %(default)s)")
    parser.add_argument("--sublinear", action="store_true", help="tf = 1 + ln(count) instead of the count")
    parser.add_argument("--binary", action="store_true", help="tf = 1 if the term occurs, else 0")
    parser.add_argument("--norm", choices=["l2", "l1", "none"], default="l2", help="row normalization (default: l2)")
    parser.add_argument("--no-idf", action="store_true", help="weight by tf only")
    parser.add_argument("--no-smooth-idf", action="store_true", help="idf = ln(n/df) + 1 instead of "
                                                                      "ln((1+n)/(1+df)) + 1")


def corpus_documents(path):
    """The non-blank lines of a corpus, one document each."""
    return (line for line in iter_documents(path) if line.strip())


def run_tfidf(args):
    """TF-IDF: a weight per (document, term); top terms per document, terms sharing documents."""
    if args.min_count != 1 or args.max_vocab is not None:
        raise UsageError("tfidf prunes terms with --min-df, --max-df and --max-features; "
                         "--min-count and --max-vocab do not apply to it")
    check_positive(args, "max_features", "ngram_min", "ngram_max")
    tfidf = TfidfVectorizer(min_df=args.min_df, max_df=args.max_df, max_features=args.max_features,
                            ngram_range=(args.ngram_min, args.ngram_max), binary=args.binary,
                            norm=None if args.norm == "none" else args.norm, use_idf=not args.no_idf,
                            smooth_idf=not args.no_smooth_idf, sublinear_tf=args.sublinear)
    corpus_files(args.corpus)                       # a missing path, a directory without text: fail first
    out = prepare_out_dir(args)
    started = time.perf_counter()
    X = tfidf.fit_transform(tqdm(corpus_documents(args.corpus), desc="tfidf", unit=" docs",
                                 delay=0.5))        # no bar if the corpus fails at once: a one-line error
    seconds = time.perf_counter() - started
    terms = tfidf.get_feature_names_out()
    print(f"TF-IDF: {X.shape[0]:,} documents x {X.shape[1]:,} terms, {X.nnz:,} non-zeros "
          f"({sparsity(X):.4%} of cells are zero), {seconds:.1f} s")
    by_idf = np.argsort(tfidf.idf_, kind="stable")
    print("lowest idf (in most documents):", ", ".join(f"{terms[i]} {tfidf.idf_[i]:.2f}" for i in by_idf[:8]))

    rng = np.random.default_rng(args.seed)
    candidates = np.flatnonzero(np.diff(X.indptr) >= 8)             # documents with 8+ distinct terms
    shown = sorted(rng.choice(candidates, size=min(3, len(candidates)), replace=False).tolist())
    texts = {i: doc for i, doc in enumerate(corpus_documents(args.corpus)) if i in shown}
    top_terms = {}
    for i in shown:
        top_terms[i] = tfidf.top_terms(i, k=6)
        print(f"document {i}: {texts[i][:70]!r}...\n  top terms: "
              + ", ".join(f"{t} {w:.2f}" for t, w in top_terms[i]))
    similar = {w: tfidf.similar_terms(w, k=5) for w in PROBE_WORDS if w in tfidf.vocabulary_}
    print("terms in the same documents (cosine of term columns):")
    for word, neighbours in similar.items():
        print(f"  {word}: " + ", ".join(f"{t} {c:.2f}" for t, c in neighbours))

    metrics = {"n_documents": X.shape[0], "n_terms": X.shape[1], "nnz": X.nnz, "sparsity": sparsity(X),
               "seconds": seconds, "idf_min": float(tfidf.idf_.min()), "idf_max": float(tfidf.idf_.max()),
               "top_terms": {str(i): top_terms[i] for i in shown}, "similar_terms": similar}
    write_config(out, args, tfidf.tokenizer, Vocabulary(terms.tolist(), tfidf.df_), tfidf=tfidf.get_params(),
                 vocab_counts="document frequency (number of documents containing the term)")   # column order
    save_npy(os.path.join(out, "idf.npy"), tfidf.idf_)             # row i = vocab.tsv term i
    write_json(os.path.join(out, "metrics.json"), metrics)
    return {"model": "tfidf", "out": out, "vectorizer": tfidf, "metrics": metrics}


# ============================================================================ word2vec
def add_word2vec_args(parser):
    parser.add_argument("--dim", type=int, default=100, help="vector width (default: %(default)s)")
    parser.add_argument("--window", type=int, default=5, help="max context distance (default: %(default)s)")
    parser.add_argument("--negative", type=int, default=5, help="negatives per centre word (default: %(default)s)")
    parser.add_argument("--sample", type=float, default=1e-3,
                        help="subsampling threshold, 0 = off (default: %(default)s)")
    parser.add_argument("--alpha", type=float, default=0.025, help="initial learning rate (default: %(default)s)")
    parser.add_argument("--min-alpha", type=float, default=0.0001, help="final learning rate (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=256,
                        help="centre words per vectorized SGD step (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes training at once on shared tables (Hogwild, like word2vec.c's "
                             "threads); more than 1 is faster but not bit-for-bit repeatable (default: %(default)s)")
    parser.add_argument("--analogies", help="questions-words file to evaluate on (e.g. ../shared/data/analogy/"
                                            "questions-words.txt)")
    parser.add_argument("--pairs", help="word-similarity file to evaluate on (e.g. ../shared/data/similarity/"
                                        "wordsim353.tsv)")
    parser.add_argument("--objective", choices=sorted(OBJECTIVES), default="skipgram",
                        help="skipgram (gensim's sg=1), cbow (sg=0: the mean of the context predicts the "
                             "centre) or cbow_sum (the sum; cbow_mean=0) (default: %(default)s)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from DIR/checkpoint.npz (same settings) instead of starting afresh")
    parser.add_argument("--save-model", action="store_true",
                        help="also write DIR/model.npz, the whole model (Word2Vec.load it to train on)")
    add_binary_arg(parser)
    parser.set_defaults(min_count=5)


def add_binary_arg(parser):
    parser.add_argument("--binary", action="store_true",
                        help="write the vectors in word2vec's binary format, DIR/vectors.bin, instead of "
                             "DIR/vectors.txt (word2vec.c's -binary 1; gensim: binary=True; for onehot and "
                             "tfidf, --binary means 1/0 counts instead)")


def save_vectors(vectors, out, args):
    """vectors.txt, or with --binary vectors.bin (both the standard word2vec formats)."""
    name = "vectors.bin" if args.binary else "vectors.txt"
    vectors.save_word2vec_format(os.path.join(out, name), binary=args.binary)


def run_word2vec(args):
    """word2vec with negative sampling, skip-gram or CBOW (vectorized NumPy SGD)."""
    check_positive(args, "dim", "window", "epochs", "batch_size", "alpha", "workers")
    check_evaluation_files(args)
    tokenizer = Tokenizer()
    model = Word2Vec(dim=args.dim, window=args.window, negative=args.negative, min_count=args.min_count,
                     max_vocab=args.max_vocab, sample=args.sample, alpha=args.alpha, min_alpha=args.min_alpha,
                     epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, workers=args.workers,
                     objective=args.objective, tokenizer=tokenizer)          # checks every setting before anything is read or written
    out, checkpoint = prepare_resumable_out_dir(args)
    corpus = load_corpus(args, tokenizer)
    started = time.perf_counter()
    fit_resumable(lambda: model.fit(corpus, checkpoint=checkpoint), args, checkpoint)
    seconds = time.perf_counter() - started
    vocab, facts = corpus.vocab, {"vocab_size": len(corpus.vocab), "n_tokens": corpus.n_tokens, "oov_rate": corpus.oov_rate}
    if args.save_model:
        model.save(os.path.join(out, "model.npz"))
    model.corpus = corpus = None    # trained: the corpus ids go before model.wv copies the input table,
    vectors, history, config = model.wv, model.history, model.config()
    model = None                    # and both tables go before the evaluation
    print_neighbours(vectors)
    metrics = {**facts, "history": history, "seconds": seconds,
               "effective_words_per_sec": sum(h["effective_words"] for h in history) / seconds,
               **evaluate_vectors(vectors, args)}
    write_config(out, args, tokenizer, vocab, word2vec=config)
    save_vectors(vectors, out, args)
    write_pca(vectors, os.path.join(out, "pca.svg"), "word2vec")
    write_word2vec_curve(history, args, os.path.join(out, "loss.svg"))
    write_json(os.path.join(out, "metrics.json"), metrics)
    os.remove(checkpoint)                           # finished: vectors.txt (or .bin) holds the result
    return {"model": "word2vec", "out": out, "vocab": vocab, "vectors": vectors, "metrics": metrics}


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
    words = [sys.executable, os.path.relpath(os.path.join(HERE, "train.py")), args.model]   # this venv's python
    for key, value in vars(args).items():
        if key in ("model", "func", "overwrite", "resume") or value is None or value is False:
            continue
        words.append("--" + key.replace("_", "-"))
        if isinstance(value, (list, tuple)):            # nargs options: one word per value
            words.extend(str(item) for item in value)
        elif value is not True:
            words.append(str(value))
    return shlex.join(words + ["--resume"])


def check_evaluation_files(args):
    """Read --analogies and --pairs before training: a missing or malformed file fails now, not after it."""
    check_files_exist(args, "analogies", "pairs")
    for name, read in (("analogies", read_analogies), ("pairs", read_pairs)):
        if getattr(args, name):
            for _ in read(getattr(args, name)):
                pass


def print_neighbours(vectors, words=None, topn=5):
    for word in [w for w in (words or PROBE_WORDS) if w in vectors][:6]:
        neighbours = ", ".join(f"{w} {s:.2f}" for w, s in vectors.most_similar(word, topn=topn))
        print(f"  {word}: {neighbours}")


def write_pca(vectors, path, method):
    """pca.svg: the classic picture (man/woman, king/queen, ... with arrows, numbers, times of day)
    projected on its first two principal components; the 30 most frequent words if those are absent."""
    pairs = [pair for pair in PCA_PAIRS if pair[0] in vectors and pair[1] in vectors]
    words = [w for pair in pairs for w in pair] + [w for w in PCA_EXTRA if w in vectors]
    if len(words) < 3:
        words, pairs = vectors.index_to_key[:30], []
    if len(words) < 3:
        return
    pca_picture(vectors.normed[[vectors.index(w) for w in words]], words, pairs, path, method)


ARROW_LEGEND = "male → female (man → woman, king → queen, ...)"


def pca_picture(unit_vectors, words, pairs, path, method):
    """Draw ``unit_vectors`` (n, d), one row per word, on their first two principal components, with
    arrows for ``pairs``, the axes named with their share of the variance and a caption that says
    how much the picture shows (:func:`pca_verdict`). Returns ``(PC1 share, PC2 share)``."""
    result = pca(unit_vectors, n_components=2)
    ratio = result.explained_variance_ratio
    n, d = unit_vectors.shape
    share, even = ratio[0] + ratio[1], 2 / min(n - 1, d)
    scatter_svg(result.projections, words, path, title=f"{method}: PCA of {n} unit word vectors", arrows=pairs,
                xlabel=f"PC1: {ratio[0]:.0%} of the variance", ylabel=f"PC2: {ratio[1]:.0%} of the variance",
                arrow_legend=ARROW_LEGEND, width=760, height=600,
                caption=f"PC1 + PC2 hold {share:.0%} of the variance of these words (spread evenly over "
                        f"their {min(n - 1, d)} directions, two would hold {even:.0%}):\n{pca_verdict(share, even)}")
    return float(ratio[0]), float(ratio[1])


def pca_verdict(share, even):
    """What a PCA picture whose two axes hold ``share`` of the variance is worth, against the
    ``even`` share two directions would hold if the variance were spread evenly."""
    if share >= 0.5:
        return "most of it, so the picture is a fair map of these words"
    if share >= 1.5 * even:
        return "a partial view; words close in the picture may be far apart in the full space"
    return "hardly more than any two directions, so the picture says little about these words"


def write_word2vec_curve(history, args, path):
    """loss.svg: word2vec's mean loss per epoch, against (1+k)·ln 2, its value before training."""
    start = (1 + args.negative) * math.log(2)
    unit = "pair" if args.objective == "skipgram" else "centre word"
    curves_svg(path, [{"xlabel": "epoch", "ylabel": f"loss per {unit}",
                       "lines": [{"label": f"mean loss per {unit} in each epoch", "dots": True,
                                  "x": [h["epoch"] for h in history], "y": [h["loss"] for h in history]}],
                       "levels": [(start, f"before training: (1+k)·ln 2 = {start:.2f} (k = {args.negative} negatives)")]}],
               title=f"word2vec ({args.objective}) training: loss per epoch")


def write_encoder_curves(metrics, path, window=50):
    """loss.svg: the encoder's masked-token loss per step (and its running mean) against ln V, and
    its held-out accuracy against always guessing the most frequent token."""
    losses = np.asarray(metrics["loss_curve"], dtype=np.float64)
    steps = np.arange(1, len(losses) + 1)
    running = np.convolve(losses, np.ones(window), "full")[:len(losses)] / np.minimum(steps, window)
    every = max(1, len(losses) // 1000)                    # at most ~1,000 points of the raw curve
    V = metrics["vocab_size"]
    evals = metrics["eval_history"]
    curves_svg(path, [
        {"xlabel": "step", "ylabel": "cross-entropy per masked token",
         "lines": [{"label": "each step (one batch)", "x": steps[::every], "y": losses[::every], "faint": True},
                   {"label": f"mean of the last {window} steps", "x": steps, "y": running}],
         "levels": [(math.log(V), f"a uniform guess: ln V = ln {V:,} = {math.log(V):.2f}")]},
        {"xlabel": "step", "ylabel": "held-out accuracy, %",
         "lines": [{"label": "masked tokens guessed right (held-out text)", "dots": True,
                    "x": [e["step"] for e in evals], "y": [100 * e["accuracy"] for e in evals]}],
         "levels": [(100 * metrics["baseline_accuracy"],
                     f"always guessing {metrics['baseline_token']!r}: {metrics['baseline_accuracy']:.1%}")]}],
        title="encoder training: masked-token loss and held-out accuracy")


def evaluate_vectors(vectors, args):
    """Analogy accuracy and word-pair correlation, for the files given on the command line."""
    results = {}
    if args.analogies:
        results["analogies"] = evaluate_analogies(vectors, args.analogies)
        a = results["analogies"]
        print(f"analogies: {a['accuracy']:.2%} of {a['answered']:,} answered ({a['oov']:,} skipped as "
              f"out of vocabulary); semantic {a['semantic']:.2%}, syntactic {a['syntactic']:.2%}")
    if args.pairs:
        results["pairs"] = evaluate_pairs(vectors, args.pairs)
        p = results["pairs"]
        print(f"word pairs: Spearman {p['spearman']:.3f} over {p['pairs']} pairs ({p['oov']} out of vocabulary)")
    return results


# ============================================================================ encoder
PROBE_WORDS = ("king", "house", "good", "said", "water", "love", "three", "night")


def add_encoder_args(parser):
    parser.add_argument("--dim", type=int, default=64, help="token vector width (default: %(default)s)")
    parser.add_argument("--ff-dim", type=int, default=256, help="feed-forward width (default: %(default)s)")
    parser.add_argument("--max-len", type=int, default=64, help="tokens per sequence (default: %(default)s)")
    parser.add_argument("--activation", choices=("gelu", "relu"), default="gelu")
    parser.add_argument("--steps", type=int, default=3000, help="training steps (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per step (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak Adam learning rate (default: %(default)s)")
    parser.add_argument("--mask-prob", type=float, default=0.15,
                        help="fraction of tokens to predict, BERT's 80/10/10 rule (default: %(default)s)")
    parser.add_argument("--mask-split", type=float, nargs=3, default=list(BERT_SPLIT), metavar=("MASK", "RANDOM", "KEEP"),
                        help="of the tokens to predict, the shares shown as <mask>, as a random word and as "
                             "themselves (default: BERT's 0.8 0.1 0.1)")
    parser.add_argument("--mask-frequency-power", type=float, default=0.0, metavar="P",
                        help="choose the tokens to predict (as many as --mask-prob says) with weight "
                             "count ** -P, the word's corpus count: rarer words likelier; 0 = BERT's uniform "
                             "choice (default: %(default)s; benchmarks/bench_context.py uses 0.5)")
    parser.add_argument("--eval-every", type=int, default=500,
                        help="held-out evaluation every N steps (default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=int, default=500,
                        help="write DIR/checkpoint.npz every N steps (default: %(default)s)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from DIR/checkpoint.npz (same settings) instead of starting afresh")
    add_binary_arg(parser)
    parser.add_argument("--position-init", choices=("sinusoid", "random"), default="sinusoid",
                        help="how the position embeddings start (default: %(default)s)")
    parser.add_argument("--sampled-softmax", type=int, default=0, metavar="S",
                        help="score each step over the batch's answers + S sampled words instead of the "
                             "whole vocabulary: faster on large vocabularies (default: 0 = full softmax)")
    parser.add_argument("--init-from", default=None, metavar="VECTORS",
                        help="start the token embeddings from these word vectors (word2vec text format, "
                             "same --dim), e.g. a word2vec run's vectors.txt; `all` does this (default: random)")


def run_encoder(args):
    """Single-head self-attention encoder trained by masked-token prediction (NumPy backprop)."""
    check_positive(args, "dim", "ff_dim", "max_len", "steps", "batch_size", "lr", "eval_every",
                   "checkpoint_every")
    if not 0 < args.mask_prob < 1:
        raise UsageError(f"--mask-prob must be between 0 and 1, got {args.mask_prob}")
    if not (math.isfinite(args.mask_frequency_power) and args.mask_frequency_power >= 0):
        raise UsageError(f"--mask-frequency-power must be a finite number >= 0 (0 = uniform), "
                         f"got {args.mask_frequency_power}")
    if args.sampled_softmax < 0:
        raise UsageError(f"--sampled-softmax must be >= 0 (0 = full softmax), got {args.sampled_softmax}")
    try:
        mask_split = check_mask_split(args.mask_split)
    except ValueError as error:
        raise UsageError(str(error).replace("mask_split", "--mask-split", 1)) from None
    check_files_exist(args, "init_from")
    out, checkpoint = prepare_resumable_out_dir(args)
    tokenizer = Tokenizer()
    corpus = load_corpus(args, tokenizer, specials=(PAD, UNK, MASK))
    encoder = AttentionEncoder(corpus.vocab, dim=args.dim, ff_dim=args.ff_dim, max_len=args.max_len,
                               activation=args.activation, seed=args.seed, tokenizer=tokenizer,
                               position_init=args.position_init)
    if args.init_from:
        static = KeyedVectors.load_word2vec_format(args.init_from)
        copied = encoder.init_embeddings(static)
        print(f"token embeddings start from {args.init_from}: {copied:,} of {len(corpus.vocab):,} rows "
              "(the rest, and the special tokens, random)")
    started = time.perf_counter()
    fit_resumable(lambda: encoder.fit(corpus, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                                      mask_prob=args.mask_prob, mask_split=mask_split,
                                      mask_frequency_power=args.mask_frequency_power,
                                      eval_every=args.eval_every, sampled_softmax=args.sampled_softmax,
                                      checkpoint=checkpoint, checkpoint_every=args.checkpoint_every),
                  args, checkpoint)
    seconds = time.perf_counter() - started

    history = encoder.history
    final = history["eval"][-1]
    print(f"held-out masked-token accuracy {final['accuracy']:.2%} vs {history['baseline_accuracy']:.2%} "
          f"for always predicting the most frequent token {history['baseline_token']!r} "
          f"(perplexity {final['perplexity']:.1f}, {final['scored']:,} masked tokens)")
    vectors = encoder.keyed_vectors()
    print_neighbours(vectors)
    metrics = {"vocab_size": len(corpus.vocab), "n_tokens": corpus.n_tokens, "oov_rate": corpus.oov_rate,
               "heldout": final, "baseline_accuracy": history["baseline_accuracy"],
               "baseline_token": history["baseline_token"], "eval_history": history["eval"],
               "loss_curve": history["loss"], "seconds": seconds,
               "tokens_per_second": args.steps * args.batch_size * args.max_len / seconds}
    write_config(out, args, tokenizer, corpus.vocab, encoder=encoder.config)
    encoder.save(os.path.join(out, "encoder.npz"))
    save_vectors(vectors, out, args)
    write_pca(vectors, os.path.join(out, "pca.svg"), "encoder input embeddings")
    write_encoder_curves(metrics, os.path.join(out, "loss.svg"))
    write_json(os.path.join(out, "metrics.json"), metrics)
    os.remove(checkpoint)                           # finished: encoder.npz holds the result
    return {"model": "encoder", "out": out, "vocab": corpus.vocab, "vectors": vectors, "metrics": metrics}


# ============================================================================ all
# Each model: (add its options, run it, the options `all` uses on the default corpus).
MODELS = {
    "onehot": (add_onehot_args, run_onehot, []),
    "tfidf": (add_tfidf_args, run_tfidf, ["--min-df", "2"]),
    "word2vec": (add_word2vec_args, run_word2vec, ["--epochs", "10", "--min-count", "3", "--dim", "64"]),
    "encoder": (add_encoder_args, run_encoder,
                ["--steps", "3000", "--min-count", "3", "--eval-every", "500", "--checkpoint-every", "500",
                 "--mask-frequency-power", "0.5"]),
}


def run_all(args):
    """Run every model with small settings into ``args.out/<model>``, then compare what they learned."""
    prepare_out_dir(args)
    results = {}
    for name, (add_args, run, preset) in MODELS.items():
        print(f"\n===== {name} =====")
        model_parser = argparse.ArgumentParser(prog=f"train.py {name}")
        add_common_args(model_parser, name)
        add_args(model_parser)
        argv = (preset + ["--corpus", args.corpus, "--out", os.path.join(args.out, name), "--seed", str(args.seed)]
                + (["--overwrite"] if args.overwrite else []) + static_start(name, model_parser, preset, results))
        model_args = model_parser.parse_args(argv)
        model_args.model = name
        results[name] = {**run(model_args), "argv": argv, "args": model_args}
    compare_models(args, results)
    return results


def static_start(name, model_parser, preset, results):
    """The encoder builds on word2vec (as CoVe and ELMo built on static vectors): when word2vec ran
    with the encoder's --dim, the encoder's token embeddings start from its vectors.txt."""
    if name != "encoder" or "word2vec" not in results:
        return []
    encoder_dim = model_parser.parse_args(preset).dim
    word2vec_dim = results["word2vec"]["vectors"].vectors.shape[1]
    if word2vec_dim != encoder_dim:
        print(f"the encoder starts from random vectors: word2vec's dim {word2vec_dim} is not its dim {encoder_dim}")
        return []
    return ["--init-from", os.path.join(results["word2vec"]["out"], "vectors.txt")]


# ---------------------------------------------------------------------------- all: the comparison
COMPARE_WORDS = ("sister", "letter", "door", "eyes", "happy", "morning")     # frequent in corpora/
PCA_PAIRS = (("man", "woman"), ("king", "queen"), ("father", "mother"), ("brother", "sister"),
             ("husband", "wife"), ("son", "daughter"), ("uncle", "aunt"), ("gentleman", "lady"))
PCA_EXTRA = ("two", "three", "four", "five", "morning", "evening", "night")
# One word, two senses: sentences a and c use the first sense, b the second. The encoder tells the
# senses apart on a word when a-c is its closest pair (a static vector gives cosine 1 to all three).
AMBIGUOUS = (("kind", ("she was very kind to her sister", "what kind of man is he", "he is a kind and good man")),
             ("miss", ("miss bennet came into the room", "i shall miss you very much", "miss lucas sat down by her")),
             ("present", ("she was not present at the ball", "he gave her a present", "all who were present were silent")),
             ("like", ("she looked like her mother", "i should like to see him", "a face like that of an angel")),
             ("case", ("in any case i shall go", "holmes took up the case", "in that case we must wait")),
             ("hand", ("on the other hand he was poor", "he took her hand", "on the one hand she was glad")))
# The masked-token head at work: what does the encoder put in each blank?
FILL_MASK = ("she opened the [MASK] and walked into the room", "it was late at [MASK] when he came home",
             "he took off his [MASK] and sat down", "i have not the least [MASK] of it")
METHOD_TITLES = {"onehot": "one-hot", "tfidf": "TF-IDF", "word2vec": "word2vec", "encoder": "encoder"}
ONEHOT_CELL = "none: cosine 0 with every other word"


def word_tables(results):
    """Per method that ran: ``(in_vocabulary(word), neighbours(word, k), unit_vectors(words))``.

    One-hot has no neighbours (every pair of distinct one-hot vectors is orthogonal);
    TF-IDF compares term columns (same documents); word2vec and the encoder's input
    embeddings compare word vectors (same contexts).
    """
    tables = {}
    if "onehot" in results:
        vocab = results["onehot"]["vocab"]
        tables["onehot"] = (vocab.__contains__, None, None)
    if "tfidf" in results:
        tfidf = results["tfidf"]["vectorizer"]
        columns = tfidf.train_matrix_.transpose()                         # row j = term j's column
        tables["tfidf"] = (tfidf.vocabulary_.__contains__, lambda w, k: tfidf.similar_terms(w, k=k),
                           lambda words: columns.take_rows([tfidf.vocabulary_[w] for w in words])
                           .normalize_rows().toarray())
    for name in ("word2vec", "encoder"):
        if name in results:
            kv = results[name]["vectors"]
            tables[name] = (kv.__contains__, lambda w, k, kv=kv: kv.most_similar(w, topn=k),
                            lambda words, kv=kv: kv.normed[[kv.index(w) for w in words]])
    return tables


def neighbour_table(tables, k=5):
    """``{word: {method: cell text}}`` for the COMPARE_WORDS some method knows; prints what is skipped."""
    rows = {}
    for word in COMPARE_WORDS:
        known = {name for name, (contains, _, _) in tables.items() if contains(word)}
        if not known:
            print(f"probe word {word!r} is in no model's vocabulary; skipped")
            continue
        rows[word] = {}
        for name, (contains, neighbours, _) in tables.items():
            if name not in known:
                rows[word][name] = "(not in vocabulary)"
            elif neighbours is None:
                rows[word][name] = ONEHOT_CELL
            else:
                rows[word][name] = ", ".join(w for w, _ in neighbours(word, k))
    return rows


def print_neighbour_table(rows, methods):
    print("\n===== 5 nearest neighbours (cosine) =====\n"
          "one-hot: every pair of distinct words has cosine 0, so no word is nearer than another. "
          "TF-IDF: terms weighted in the same documents. word2vec / encoder: words used in the same contexts.")
    width = max(len(METHOD_TITLES[m]) for m in methods)
    for word, cells in rows.items():
        print(f"{word}")
        for method in methods:
            print(f"  {METHOD_TITLES[method]:<{width}}  {cells[method]}")


def contextual_comparison(results):
    """The encoder's vectors of each AMBIGUOUS word in its three sentences (pairwise cosines, and
    whether the same-sense pair a-c is the closest), its answers to FILL_MASK, and one attention map."""
    if "encoder" not in results:
        return None
    encoder = AttentionEncoder.load(os.path.join(results["encoder"]["out"], "encoder.npz"))
    triples = []
    for word, sentences in AMBIGUOUS:
        token_lists = [encoder.tokenizer.tokenize(s) for s in sentences]
        if word not in encoder.vocab or any(word not in tokens for tokens in token_lists):
            print(f"the ambiguous word {word!r} is not in the encoder's vocabulary; its sentences are skipped")
            continue
        # the word hidden behind <mask>: its vector is what the sentence says about it (target_vectors)
        vectors = encoder.target_vectors(list(sentences), [tokens.index(word) for tokens in token_lists])
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        cosines = unit @ unit.T                                             # (3, 3)
        triples.append({"word": word, "sentences": list(sentences), "cosines": cosines.tolist(),
                        "separated": bool(cosines[0, 2] > max(cosines[0, 1], cosines[1, 2]))})
    if not triples:
        print("no ambiguous word is in the encoder's vocabulary; contextual comparison skipped")
        return None
    fill = []
    for sentence in FILL_MASK:
        try:
            fill.append((sentence, encoder.fill_mask(sentence, top_k=5)))
        except ValueError as err:                                           # e.g. longer than --max-len
            print(f"fill-mask skipped for {sentence!r}: {err}")
    attention_sentence = triples[0]["sentences"][1]
    attention, tokens = encoder.attention(attention_sentence)
    return {"triples": triples, "fill_mask": fill, "attention": attention, "attention_tokens": tokens,
            "attention_sentence": attention_sentence}


def sense_summary(context):
    """One sentence, computed from the cosines, of whether the encoder tells senses apart."""
    triples = context["triples"]
    good = [t["word"] for t in triples if t["separated"]]
    bad = [t["word"] for t in triples if not t["separated"]]
    text = (f"The encoder puts the two same-sense uses closest for {len(good)} of {len(triples)} words"
            + (f" ({', '.join(good)})" if good else ""))
    text += f"; not for {', '.join(bad)}." if bad else "."
    if len(good) <= len(triples) / 3:
        text += (" That is no better than chance (a random pair is the closest 1 time in 3): on this small "
                 "corpus it has not learned these senses.")
    else:
        text += (f" Chance would do it for about {len(triples) / 3:.0f} of {len(triples)} (a random pair is the "
                 "closest 1 time in 3).")
    return text


def learned_summary(results, context):
    """Sentences, computed from the run's numbers, of what the encoder learned and what it did not."""
    metrics = results.get("encoder", {}).get("metrics", {})
    lines = []
    if "heldout" in metrics:
        accuracy, baseline = metrics["heldout"]["accuracy"], metrics.get("baseline_accuracy", 0.0)
        text = f"It guesses {accuracy:.1%} of held-out masked words"
        if baseline > 0:
            text += (f", {accuracy / baseline:.1f} times the {baseline:.1%} of always guessing "
                     f"{metrics['baseline_token']!r}")
        lines.append(text + ".")
    if context and context["fill_mask"]:
        vocab = results["encoder"]["vocab"]
        frequent = set(vocab.itos[len(vocab.specials):len(vocab.specials) + 50])
        guesses = [word for _, answers in context["fill_mask"] for word, _ in answers]
        share = sum(word in frequent for word in guesses) / len(guesses)
        lines.append(f"{share:.0%} of its fill-in-the-blank guesses above are among the 50 most frequent words"
                     + (": it has learned mostly which short words go where, little of the content words."
                        if share >= 0.5 else "; the rest are rarer, content words."))
    return " ".join(lines)


def print_contextual(context, static_methods):
    if context is None:
        return
    print("\n===== one word, several sentences (a and c share a sense, b has the other) =====")
    for triple in context["triples"]:
        cos = triple["cosines"]
        print(f"  {triple['word']!r}: a-c {cos[0][2]:.3f} (same sense), a-b {cos[0][1]:.3f}, b-c {cos[1][2]:.3f}"
              f"  {'separated' if triple['separated'] else 'NOT separated'}   a: {triple['sentences'][0]} | "
              f"b: {triple['sentences'][1]} | c: {triple['sentences'][2]}")
    print(f"  {sense_summary(context)}")
    static = ", ".join(METHOD_TITLES[m] for m in static_methods)
    print(f"  static embeddings ({static}) give a word one vector whatever the sentence: cosine 1.000")
    if context["fill_mask"]:
        print("\n===== fill in the blank (the encoder's top 5, with probabilities) =====")
        for sentence, answers in context["fill_mask"]:
            print(f"  {sentence}\n    " + ", ".join(f"{word} {p:.2f}" for word, p in answers))
    if context.get("learned"):
        print(f"  {context['learned']}")


def draw_pictures(results, tables, context, out):
    """pca.svg in each model's folder (one-hot has none: all its words are equidistant), the
    encoder's attention.svg, and the training curves (loss.svg) its run drew. Returns
    ``({title: path relative to out}, {method: (PC1 share, PC2 share, n words, dim)})``."""
    pictures, shares = {}, {}
    for name, (contains, _, unit_vectors) in tables.items():
        if unit_vectors is None:
            continue
        pairs = [pair for pair in PCA_PAIRS if contains(pair[0]) and contains(pair[1])]
        words = [w for pair in pairs for w in pair] + [w for w in PCA_EXTRA if contains(w)]
        if len(words) < 3:
            print(f"{METHOD_TITLES[name]}: fewer than 3 of the picture's words are in the vocabulary; no pca.svg")
            continue
        relative = os.path.join(name, "pca.svg")
        vectors = unit_vectors(words)
        shares[name] = (*pca_picture(vectors, words, pairs, os.path.join(out, relative), METHOD_TITLES[name]),
                        *vectors.shape)
        pictures[f"{METHOD_TITLES[name]} (PCA)"] = relative
    for name in ("word2vec", "encoder"):
        relative = os.path.join(name, "loss.svg")
        if name in results and os.path.exists(os.path.join(out, relative)):
            pictures[f"{METHOD_TITLES[name]} (training curve)"] = relative
    if context is not None:
        relative = os.path.join("encoder", "attention.svg")
        attention_svg(context["attention"], context["attention_tokens"], os.path.join(out, relative),
                      title=f"encoder attention: \"{context['attention_sentence']}\"")
        pictures["encoder attention"] = relative
    return pictures, shares


def write_report(out, args, results, rows, context, pictures, notes=()):
    """runs/<name>/report.md: what ran, what the numbers say (``notes``: (topic, sentence) pairs),
    the settings, the neighbour table, the contextual cosines, the pictures."""
    methods = list(rows[next(iter(rows))]) if rows else []
    lines = ["# What each way of turning words into vectors learned", "", report_command(args), "",
             "| model | what it learned (settings: `<model>/config.json`) | seconds |", "|---|---|---:|"]
    for name, result in results.items():
        metrics = result.get("metrics", {})
        seconds = metrics.get("seconds")
        lines.append(f"| {METHOD_TITLES.get(name, name)} | {model_summary(name, metrics)} (`{name}/metrics.json`) | "
                     f"{'' if seconds is None else f'{seconds:.1f}'} |")
    if notes:
        lines += ["", "## What the numbers say", ""] + [f"- **{topic}.** {sentence}" for topic, sentence in notes]
    commands = {name: result["argv"] for name, result in results.items() if "argv" in result}
    if commands:
        lines += ["", "## The settings `all` used", "",
                  "Each model ran as this command (its defaults otherwise: `python train.py MODEL --help`); "
                  "every setting is also in `<model>/config.json`.", "",
                  "| model | `all`'s preset | the command |", "|---|---|---|"]
        for name, argv in commands.items():
            preset = " ".join(MODELS[name][2]) if name in MODELS else ""
            lines.append(f"| {METHOD_TITLES.get(name, name)} | {f'`{preset}`' if preset else '(the defaults)'} | "
                         f"`{shown_command([name] + argv)}` |")
    lines += ["", "## 5 nearest neighbours (cosine)", "",
              "One-hot: every pair of distinct words has cosine 0, so it has no neighbours: that is the lesson. "
              "TF-IDF: terms weighted highly in the same documents. word2vec and the encoder's input "
              "embeddings: words used in the same contexts.", "",
              "| word | " + " | ".join(METHOD_TITLES[m] for m in methods) + " |",
              "|---|" + "---|" * len(methods)]
    lines += [f"| **{word}** | " + " | ".join(cells[m] for m in methods) + " |" for word, cells in rows.items()]
    if context is not None:
        lines += ["", "## One word, several sentences", "",
                  "Sentences a and c use one sense of the word, b the other. Cosine between the encoder's "
                  "contextual vectors of the word; the senses are told apart when a-c is the closest pair. "
                  "Any static embedding (one-hot, TF-IDF, word2vec, the encoder's input table) gives a word "
                  "one vector in every sentence: cosine 1.000.", "",
                  "| word | a | b | c | a-c (same) | a-b | b-c | separated |", "|---|---|---|---|---:|---:|---:|---|"]
        for t in context["triples"]:
            cos = t["cosines"]
            lines.append(f"| *{t['word']}* | {' | '.join(t['sentences'])} | {cos[0][2]:.3f} | {cos[0][1]:.3f} | "
                         f"{cos[1][2]:.3f} | {'yes' if t['separated'] else 'no'} |")
        lines += ["", sense_summary(context)]
        if context["fill_mask"]:
            lines += ["", "## Fill in the blank", "", "The encoder's five most probable words for each blank:", ""]
            lines += [f"- *{sentence}*: " + ", ".join(f"{w} ({p:.2f})" for w, p in answers)
                      for sentence, answers in context["fill_mask"]]
        if context.get("learned"):
            lines += ["", context["learned"]]
    if pictures:
        lines += ["", "## Pictures", ""]
        lines += [f"### {title}\n\n![{title}]({path})\n" for title, path in pictures.items()]
    with atomic_write(os.path.join(out, "report.md")) as f:
        f.write("\n".join(lines) + "\n")


def shown_command(argv):
    """``python train.py ...`` as a reader would type it here: absolute paths made relative to the
    current directory, quoted for a POSIX shell."""
    return shlex.join(["python", "train.py"] + [os.path.relpath(a) if os.path.isabs(a) else a for a in argv])


def report_command(args):
    """The report's first line: the command that was run and, if it was shorter, what it expanded to."""
    full = shown_command(["all", "--corpus", args.corpus, "--out", args.out, "--seed", str(args.seed)]
                         + (["--overwrite"] if args.overwrite else []))
    given = getattr(args, "given", None)
    if given is None or shown_command(given) == full:
        return f"`{full}`"
    return f"`{shown_command(given)}`, that is `{full}`"


def model_summary(name, metrics):
    """One line of what a model's run produced, from its metrics.json (empty if unknown)."""
    try:
        if name == "onehot":
            return f"{metrics['vocab_size']:,} words; bag of words {metrics['bag_of_words']['sparsity']:.2%} zeros"
        if name == "tfidf":
            return f"{metrics['n_documents']:,} documents x {metrics['n_terms']:,} terms"
        if name == "word2vec":
            return f"{metrics['vocab_size']:,} words, last epoch loss {metrics['history'][-1]['loss']:.3f}"
        if name == "encoder":
            return (f"held-out masked-token accuracy {metrics['heldout']['accuracy']:.1%} (always the most "
                    f"frequent token: {metrics['baseline_accuracy']:.1%})")
    except (KeyError, IndexError, TypeError):
        pass
    return ""


# ---------------------------------------------------------------------------- all: what the numbers say
def word2vec_loss_sentence(losses, negative, unit="(centre, context) pair"):
    """What word2vec's loss per epoch (``losses``, the mean per ``unit``) started from and reached."""
    start = (1 + negative) * math.log(2)
    first, last, epochs = losses[0], losses[-1], len(losses)
    text = (f"word2vec's loss is per {unit}: before training every score is 0, so each costs "
            f"(1+k)·ln 2 = {start:.3f} with k = {negative} negatives (−ln σ(0) = ln 2 for the true context "
            f"word and for each noise word).")
    if epochs == 1:
        return text + f" Its one epoch averaged {first:.3f}, {first / start:.0%} of that start."
    if last < first:
        return text + (f" It averaged {first:.3f} in epoch 1 and fell to {last:.3f} by epoch {epochs}, "
                       f"{last / start:.0%} of the untrained {start:.3f}.")
    return text + (f" It did not fall: {first:.3f} in epoch 1, {last:.3f} in epoch {epochs}, so the vectors "
                   "did not get better at telling true contexts from noise.")


def encoder_loss_sentence(losses, vocab_size, from_vectors=False, window=50, heldout_loss=None):
    """What the encoder's masked-token loss (``losses``, one per step) started at and reached, against
    ln V, the loss of a uniform guess over the ``vocab_size`` tokens."""
    uniform = math.log(vocab_size)
    first, last, n = losses[0], float(np.mean(losses[-window:])), min(window, len(losses))
    text = (f"The encoder's loss is the cross-entropy of each masked token over its V = {vocab_size:,} tokens; "
            f"a uniform guess scores ln V = {uniform:.2f}. Its first step scored {first:.2f}")
    if abs(first - uniform) <= 0.1 * uniform:
        text += ", near ln V: it started knowing nothing."
    elif first > uniform:
        text += ", above ln V: its first guesses were confidently wrong, worse than a uniform guess."
    else:
        text += (", below ln V: it started better than a uniform guess (its output bias starts at the words' "
                 "log-frequencies, so before any step it already guesses by how common each word is).")
    if from_vectors:
        text += " Its token table started from word2vec's vectors."
    if last >= first:
        return text + f" It did not fall: the mean of its last {n} steps is {last:.2f}."
    text += (f" The mean of its last {n} training batches is {last:.2f}: perplexity e^{last:.2f} ≈ {math.exp(last):,.0f}, "
             f"as unsure as a uniform choice among {math.exp(last):,.0f} tokens instead of {vocab_size:,}.")
    if heldout_loss is not None:
        text += (f" On held-out text the loss is {heldout_loss:.2f} (perplexity ≈ {math.exp(heldout_loss):,.0f}): "
                 + ("about the same, so it does not overfit." if heldout_loss <= 1.05 * last else
                    "higher than on its training batches: what it learned carries over only in part."))
    return text


def pca_sentence(method, shares, n_words, dim):
    """Whether a PCA picture means much, from the share of the variance its two axes hold."""
    share, directions = shares[0] + shares[1], min(n_words - 1, dim)
    even = 2 / directions
    return (f"{method}: PC1 and PC2 hold {shares[0]:.0%} + {shares[1]:.0%} = {share:.0%} of the variance of "
            f"its {n_words} unit word vectors (spread evenly over their {directions} directions, two would hold "
            f"{even:.0%}): {pca_verdict(share, even)}.")


def vocabulary_facts(results):
    """Per method that ran, what decides its vocabulary: from its config.json (settings, tokenizer,
    specials) and its run (size; for word2vec/encoder, how many one-hot words pass its --min-count)."""
    facts, onehot = {}, results.get("onehot", {}).get("vocab")
    for name, result in results.items():
        if name not in METHOD_TITLES:
            continue
        with open(os.path.join(result["out"], "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        settings = config["settings"]
        fact = {"size": result["metrics"].get("vocab_size", result["metrics"].get("n_terms")),
                "tokenizer": config["tokenizer"], "specials": config.get("vocab_specials", []),
                "min_count": settings.get("min_count")}
        if name == "tfidf":
            fact.update(min_df=settings["min_df"], n_documents=result["metrics"]["n_documents"],
                        token_pattern=config["tfidf"]["token_pattern"])
        elif onehot is not None and name != "onehot":
            fact["onehot_words_kept"] = int(np.sum(onehot.counts >= fact["min_count"]))
        facts[name] = fact
    return facts


SPECIALS_MEANING = {PAD: "padding", UNK: "words not in the vocabulary", MASK: "the blanks it learns to fill"}


def vocabulary_story(facts):
    """Why the methods' vocabularies differ in size, one sentence per method, from :func:`vocabulary_facts`."""
    parts = []
    same = [n for n in ("onehot", "word2vec", "encoder") if n in facts]
    if len(same) > 1 and all(facts[n]["tokenizer"] == facts[same[0]]["tokenizer"] for n in same):
        names = [METHOD_TITLES[n] if n != "encoder" else "the encoder" for n in same]
        parts.append(f"{', '.join(names[:-1])} and {names[-1]} read the corpus with one tokenizer "
                     f"(pattern {facts[same[0]]['tokenizer'].get('pattern', '?')}); they differ in the words they keep.")
    for name in same:
        fact = facts[name]
        words = fact["size"] - len(fact["specials"])
        times = "once" if fact["min_count"] == 1 else f"{fact['min_count']} times"
        text = (f"{METHOD_TITLES[name] if name != 'encoder' else 'The encoder'} keeps the words seen at least "
                f"{times} (--min-count {fact['min_count']}): {words:,}")
        kept = fact.get("onehot_words_kept")
        if kept is not None:
            text += (", exactly the one-hot words seen that often" if kept == words
                     else f", while one-hot has {kept:,} words seen that often")
        if fact["specials"]:
            meaning = ", ".join(f"{s} ({SPECIALS_MEANING.get(s, 'special')})" for s in fact["specials"])
            text += f", plus {len(fact['specials'])} special tokens {meaning}: {fact['size']:,}"
        parts.append(text + ".")
    if "tfidf" in facts:
        fact = facts["tfidf"]
        min_df = fact["min_df"]
        kept = (f"found in at least {min_df:,} of the {fact['n_documents']:,} documents" if isinstance(min_df, int)
                else f"found in at least {min_df:.0%} of the {fact['n_documents']:,} documents")
        pattern = f"its token pattern {fact['token_pattern']}"
        if fact["token_pattern"] == TfidfVectorizer().token_pattern:
            pattern += " keeps runs of 2 or more letters or digits (so 'a' and 'i' are not terms)"
        parts.append(f"TF-IDF follows scikit-learn: {pattern}, and --min-df {min_df} keeps the terms "
                     f"{kept}: {fact['size']:,} terms.")
    return " ".join(parts)


def interpret(results, context, shares):
    """The report's "what the numbers say": ``[(topic, sentence), ...]`` computed from this run."""
    notes = []
    if "word2vec" in results:
        args = results["word2vec"]["args"]
        losses = [h["loss"] for h in results["word2vec"]["metrics"]["history"]]
        unit = "(centre, context) pair" if args.objective == "skipgram" else "centre word"
        notes.append(("word2vec's loss", word2vec_loss_sentence(losses, args.negative, unit)))
    if "encoder" in results:
        metrics = results["encoder"]["metrics"]
        notes.append(("The encoder's loss", encoder_loss_sentence(
            metrics["loss_curve"], metrics["vocab_size"], bool(results["encoder"]["args"].init_from),
            heldout_loss=(metrics.get("heldout") or {}).get("loss"))))
        if context and context.get("learned"):
            notes.append(("What the encoder guesses", context["learned"]))
    for name, (pc1, pc2, n, d) in shares.items():
        notes.append((f"Is the {METHOD_TITLES[name]} PCA meaningful", pca_sentence(METHOD_TITLES[name], (pc1, pc2), n, d)))
    if context:
        notes.append(("Senses", sense_summary(context)))
    if any(name in results for name in METHOD_TITLES):
        notes.append(("Why the vocabularies differ in size", vocabulary_story(vocabulary_facts(results))))
    return notes


def compare_models(args, results):
    """Print the side-by-side comparison and write report.md + pictures into ``args.out``."""
    tables = word_tables(results)
    rows = neighbour_table(tables)
    if rows:
        print_neighbour_table(rows, list(tables))
    context = contextual_comparison(results)
    if context is not None:
        context["learned"] = learned_summary(results, context)
    print_contextual(context, [m for m in tables if m in ("onehot", "tfidf", "word2vec")])
    pictures, shares = draw_pictures(results, tables, context, args.out)
    notes = interpret(results, context, shares)
    print("\n===== what the numbers say =====")
    for topic, sentence in notes:
        print(f"- {topic}. {sentence}")
    write_report(args.out, args, results, rows, context, pictures, notes)
    print(f"\nreport: {os.path.join(args.out, 'report.md')}")


# ============================================================================ finetune
def add_finetune_args(parser):
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--encoder", metavar="NPZ", help="a trained encoder (an encoder run's encoder.npz)")
    source.add_argument("--vectors", metavar="TXT", help="word vectors (word2vec text format, e.g. vectors.txt): "
                                                         "a mean-of-word-vectors classifier")
    parser.add_argument("--data", required=True, metavar="TSV", help="labelled texts, one label<TAB>text per line")
    parser.add_argument("--out", default=os.path.join("runs", "finetune"), help="output directory "
                                                                                "(default: runs/finetune)")
    parser.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    parser.add_argument("--seed", type=seed_type, default=1, help="seed of every random choice (default: 1)")
    parser.add_argument("--freeze", action="store_true",
                        help="train the classification head only; the pretrained weights stay as they are")
    parser.add_argument("--pooling", choices=POOLINGS, default="mean", help="(default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=5, help="at most this many epochs (default: %(default)s)")
    parser.add_argument("--lr-schedule", choices=("linear", "cosine", "constant"), default="linear",
                        help="every learning rate decays to 0 over --epochs, or stays (default: %(default)s)")
    parser.add_argument("--patience", type=int, default=2,
                        help="stop after this many epochs without a better validation accuracy (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="(default: %(default)s)")
    parser.add_argument("--lr", type=float, default=3e-3, help="the head's Adam learning rate (default: %(default)s)")
    parser.add_argument("--body-lr", type=float, default=3e-4,
                        help="the pretrained weights' learning rate (default: %(default)s)")
    parser.add_argument("--embedding-lr", type=float, default=1e-2,
                        help="the word-vector table's learning rate (default: %(default)s)")
    parser.add_argument("--dropout", type=float, default=0.3, help="on the pooled vector (default: %(default)s)")
    parser.add_argument("--validation-fraction", type=float, default=0.1,
                        help="share of the examples held out for early stopping (default: %(default)s)")


def run_finetune(args):
    """Fine-tune a trained encoder (or word vectors) on labelled texts and save the classifier."""
    check_positive(args, "epochs", "patience", "batch_size", "lr", "body_lr", "embedding_lr")
    if not 0 <= args.dropout < 1:
        raise UsageError(f"--dropout must be in [0, 1), got {args.dropout}")
    if not 0 <= args.validation_fraction < 1:
        raise UsageError(f"--validation-fraction must be in [0, 1), got {args.validation_fraction}")
    check_files_exist(args, "encoder", "vectors", "data")
    texts, labels = read_labelled_texts(args.data)
    settings = dict(freeze=args.freeze, pooling=args.pooling, max_epochs=args.epochs, patience=args.patience,
                    batch_size=args.batch_size, lr=args.lr, body_lr=args.body_lr, embedding_lr=args.embedding_lr,
                    dropout=args.dropout, lr_schedule=args.lr_schedule,
                    validation_fraction=args.validation_fraction, seed=args.seed)
    if args.encoder:
        encoder = AttentionEncoder.load(args.encoder)
        known = set(encoder.vocab.itos[len(encoder.vocab.specials):])
        tokenizer = encoder.tokenizer
    else:
        static = KeyedVectors.load_word2vec_format(args.vectors)
        known, tokenizer = set(static.index_to_key), Tokenizer()
    tokens = [token for text in texts for token in tokenizer.tokenize(text)]
    coverage = sum(token in known for token in tokens) / max(len(tokens), 1)
    if coverage < 0.5:
        raise ValueError(f"only {coverage:.0%} of the {len(tokens):,} tokens of {args.data} are in the "
                         f"{'encoder' if args.encoder else 'vectors'}'s vocabulary of {len(known):,} words; "
                         "it was trained on another language or corpus: train it on text like these")
    out = prepare_out_dir(args)
    classes = sorted(set(labels))
    print(f"{len(texts):,} labelled texts, {len(classes)} classes "
          f"({', '.join(f'{c}: {labels.count(c):,}' for c in classes[:6])}); "
          f"{coverage:.1%} of their tokens are in the vocabulary")
    if args.encoder:
        classifier = EncoderClassifier(encoder, **settings)
    else:
        classifier = WordVectorClassifier(static, tokenizer=tokenizer, **settings)
    started = time.perf_counter()
    classifier.fit(texts, labels)
    seconds = time.perf_counter() - started
    best = max(classifier.history, key=lambda h: h["val_accuracy"]) if args.validation_fraction else None  # (fit
    # refuses a validation_fraction that leaves no validation text, so best is never NaN)
    kind = "head only (frozen)" if args.freeze else "fine-tuned"
    if best:
        print(f"{kind}: best validation accuracy {best['val_accuracy']:.2%} at epoch {best['epoch']} "
              f"of {len(classifier.history)} ({seconds:.0f} s)")
    classifier.save(os.path.join(out, "classifier.npz"))
    write_config(out, args, tokenizer)
    write_json(os.path.join(out, "metrics.json"),
               {"classes": classes, "n_texts": len(texts), "coverage": coverage, "history": classifier.history,
                "best_validation": best, "seconds": seconds})
    print(f"wrote {os.path.join(out, 'classifier.npz')} (load it with "
          f"{type(classifier).__name__}.load) and metrics.json")
    return {"model": "finetune", "out": out, "classifier": classifier}


# ============================================================================ main
def build_parser():
    parser = Parser(
        prog="train.py", description="Train minembed models. Documents are lines of the corpus files.")
    parser.add_argument("--version", action="version",
                        version=f"minembed {minembed.__version__} (Python {platform.python_version()}, "
                                f"NumPy {np.__version__})")
    sub = parser.add_subparsers(dest="model", metavar="MODEL")
    for name, (add_args, run, _) in MODELS.items():
        model_parser = sub.add_parser(name, help=(run.__doc__ or "").strip().splitlines()[0])
        add_common_args(model_parser, name)
        add_args(model_parser)
        model_parser.set_defaults(func=run)
    all_parser = sub.add_parser("all", help="every model with small settings, compared side by side")
    all_parser.add_argument("--corpus", default=DEFAULT_CORPUS,
                            help="a .txt/.gz file or a directory of them (default: the shipped corpora/)")
    all_parser.add_argument("--out", default=os.path.join("runs", "all"),
                            help="output directory, one folder per model (default: runs/all)")
    all_parser.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    all_parser.add_argument("--seed", type=seed_type, default=1, help="seed of every random choice (default: 1)")
    all_parser.set_defaults(func=run_all)
    finetune_parser = sub.add_parser("finetune", help=run_finetune.__doc__.splitlines()[0])
    add_finetune_args(finetune_parser)
    finetune_parser.set_defaults(func=run_finetune)
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
    if args.model == "all":
        args.given = given             # what was typed, for the report's first line
    if args.model is None:
        build_parser().print_help()
        return 2
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {stop: signal.signal(stop, stop_like_ctrl_c) for stop in (signal.SIGTERM, signal.SIGHUP)
                if in_main_thread}
    try:
        return run(args)
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
        release_locks()
        STOPPED_BY.clear()


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
        print(f"\nterminated ({stop_name()})" if STOPPED_BY else "\ninterrupted", file=sys.stderr)
        return EXIT_CODES[stop_name()]
    return 0


if __name__ == "__main__":
    sys.exit(main())
