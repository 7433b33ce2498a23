"""Train any minembed model from the command line: one script, one pattern.

    python train.py                      # = all models on the default corpus, into runs/all/
    python train.py MODEL --corpus PATH --out DIR [options]     # MODEL: see --help

Every run writes into DIR: config.json (every setting, the seed, versions), vocab.tsv,
the model's artifacts and metrics.json. Mistakes in the input (a missing file, an empty
corpus, a bad option) end with a one-line message and exit code 2, not a traceback
(set MINEMBED_DEBUG=1 to see the traceback anyway).
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

import minembed
from minembed import AttentionEncoder, OneHotEncoder, Tokenizer, encode_corpus
from minembed.evaluate import evaluate_analogies, evaluate_pairs
from minembed.fileio import write_json
from minembed.word2vec import Word2Vec
from minembed import TfidfVectorizer, Vocabulary, iter_documents   # tfidf
from minembed.fileio import atomic_write                          # tfidf
from tqdm import tqdm                                             # tfidf
from minembed.onehot import sparsity
from minembed.vocab import MASK, PAD, UNK

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "corpora")


class UsageError(ValueError):
    """A mistake on the command line (reported as one line, exit code 2)."""


# ============================================================================ shared plumbing
def add_common_args(parser, model):
    parser.add_argument("--corpus", default=DEFAULT_CORPUS,
                        help="a .txt/.gz file or a directory of them; one document per line "
                             "(default: the shipped corpora/)")
    parser.add_argument("--out", default=os.path.join("runs", model),
                        help=f"output directory (default: runs/{model})")
    parser.add_argument("--overwrite", action="store_true", help="replace files in an existing --out")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random choice (default: 1)")
    parser.add_argument("--min-count", type=int, default=1,
                        help="drop words seen fewer times than this (default: %(default)s)")
    parser.add_argument("--max-vocab", type=int, default=None,
                        help="keep at most this many of the most frequent words (default: all)")


def prepare_out_dir(args):
    """Create ``args.out``; refuse to reuse a non-empty one unless --overwrite."""
    out = args.out
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out!r} exists and is not a directory; choose another --out")
    if os.path.isdir(out) and os.listdir(out) and not args.overwrite:
        raise UsageError(f"output directory {out!r} already exists and is not empty; "
                         "pass --overwrite to replace its files, or choose another --out")
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, ".write-test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as err:
        raise UsageError(f"cannot write to output directory {out!r}: {err.strerror}") from None
    return out


def versions():
    import tqdm
    return {"minembed": minembed.__version__, "python": platform.python_version(),
            "numpy": np.__version__, "tqdm": tqdm.__version__}


def check_positive(args, *names):
    """Raise a UsageError naming the first option in ``names`` that is not > 0."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be > 0, got {value}")


def load_corpus(args, tokenizer=None, specials=()):
    """Tokenize + encode ``args.corpus`` once, with the common vocabulary options."""
    check_positive(args, "min_count", "max_vocab")
    tokenizer = tokenizer or Tokenizer()
    corpus = encode_corpus(args.corpus, tokenizer, min_count=args.min_count,
                           max_size=args.max_vocab, specials=specials)
    print(f"corpus: {corpus.n_tokens:,} tokens in {len(corpus):,} documents, "
          f"vocabulary {len(corpus.vocab):,} words, out-of-vocabulary rate {corpus.oov_rate:.2%}")
    return corpus


def write_config(out, args, tokenizer, **extra):
    settings = {key: value for key, value in vars(args).items() if key != "func"}
    write_json(os.path.join(out, "config.json"),
               {"model": args.model, "settings": settings, "seed": args.seed,
                "tokenizer": tokenizer.config(), **extra, "versions": versions()})


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
    write_config(out, args, tokenizer)
    corpus.vocab.save(os.path.join(out, "vocab.tsv"))
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
    out = prepare_out_dir(args)
    started = time.perf_counter()
    X = tfidf.fit_transform(tqdm(corpus_documents(args.corpus), desc="tfidf", unit=" docs"))
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
    write_config(out, args, tfidf.tokenizer, tfidf=tfidf.get_params(),
                 vocab_counts="document frequency (number of documents containing the term)")
    Vocabulary(terms.tolist(), tfidf.df_).save(os.path.join(out, "vocab.tsv"))   # column order
    with atomic_write(os.path.join(out, "idf.npy"), "wb") as f:
        np.save(f, tfidf.idf_)                                      # row i = vocab.tsv term i
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
    parser.add_argument("--batch-size", type=int, default=1024,
                        help="centre words per vectorized SGD step (default: %(default)s)")
    parser.add_argument("--analogies", help="questions-words file to evaluate on (e.g. ../shared/data/analogy/"
                                            "questions-words.txt)")
    parser.add_argument("--pairs", help="word-similarity file to evaluate on (e.g. ../shared/data/similarity/"
                                        "wordsim353.tsv)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from DIR/checkpoint.npz (same settings) instead of starting afresh")
    parser.set_defaults(min_count=5)


def run_word2vec(args):
    """Skip-gram word2vec with negative sampling (vectorized NumPy SGD)."""
    check_positive(args, "dim", "window", "epochs", "batch_size", "alpha")
    out, checkpoint = prepare_resumable_out_dir(args)
    tokenizer = Tokenizer()
    corpus = load_corpus(args, tokenizer)
    model = Word2Vec(dim=args.dim, window=args.window, negative=args.negative, min_count=args.min_count,
                     max_vocab=args.max_vocab, sample=args.sample, alpha=args.alpha, min_alpha=args.min_alpha,
                     epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, tokenizer=tokenizer)
    started = time.perf_counter()
    try:
        model.fit(corpus, checkpoint=checkpoint)
    except KeyboardInterrupt:
        print(f"\ninterrupted; checkpoint saved. Resume with: {resume_command()}", file=sys.stderr)
        raise SystemExit(130) from None
    seconds = time.perf_counter() - started
    vectors = model.wv
    print_neighbours(vectors)
    metrics = {"vocab_size": len(corpus.vocab), "n_tokens": corpus.n_tokens, "oov_rate": corpus.oov_rate,
               "history": model.history, "seconds": seconds,
               "effective_words_per_sec": sum(h["effective_words"] for h in model.history) / seconds,
               **evaluate_vectors(vectors, args)}
    write_config(out, args, tokenizer, word2vec=model.config())
    corpus.vocab.save(os.path.join(out, "vocab.tsv"))
    vectors.save_word2vec_format(os.path.join(out, "vectors.txt"))
    write_json(os.path.join(out, "metrics.json"), metrics)
    os.remove(checkpoint)                           # finished: vectors.txt holds the result
    return {"model": "word2vec", "out": out, "vocab": corpus.vocab, "vectors": vectors, "metrics": metrics}


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


def resume_command():
    """The command line that was run, plus --resume."""
    argv = [a for a in sys.argv[1:] if a != "--resume"]
    return " ".join(["python", os.path.basename(sys.argv[0])] + argv + ["--resume"])


def print_neighbours(vectors, words=None, topn=5):
    for word in [w for w in (words or PROBE_WORDS) if w in vectors][:6]:
        neighbours = ", ".join(f"{w} {s:.2f}" for w, s in vectors.most_similar(word, topn=topn))
        print(f"  {word}: {neighbours}")


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
    parser.add_argument("--eval-every", type=int, default=500,
                        help="held-out evaluation every N steps (default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=int, default=500,
                        help="write DIR/checkpoint.npz every N steps (default: %(default)s)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from DIR/checkpoint.npz (same settings) instead of starting afresh")


def run_encoder(args):
    """Single-head self-attention encoder trained by masked-token prediction (NumPy backprop)."""
    check_positive(args, "dim", "ff_dim", "max_len", "steps", "batch_size", "lr", "eval_every",
                   "checkpoint_every")
    if not 0 < args.mask_prob < 1:
        raise UsageError(f"--mask-prob must be between 0 and 1, got {args.mask_prob}")
    if args.resume:
        args.overwrite = True                       # the directory holds the run being resumed
    out = prepare_out_dir(args)
    checkpoint = os.path.join(out, "checkpoint.npz")
    if args.resume and not os.path.exists(checkpoint):
        raise UsageError(f"--resume: there is no checkpoint {checkpoint!r} to resume from")
    if not args.resume and os.path.exists(checkpoint):
        os.remove(checkpoint)                       # --overwrite starts afresh
    tokenizer = Tokenizer()
    corpus = load_corpus(args, tokenizer, specials=(PAD, UNK, MASK))
    encoder = AttentionEncoder(corpus.vocab, dim=args.dim, ff_dim=args.ff_dim, max_len=args.max_len,
                               activation=args.activation, seed=args.seed, tokenizer=tokenizer)
    started = time.perf_counter()
    encoder.fit(corpus, steps=args.steps, batch_size=args.batch_size, lr=args.lr, mask_prob=args.mask_prob,
                eval_every=args.eval_every, checkpoint=checkpoint, checkpoint_every=args.checkpoint_every)
    seconds = time.perf_counter() - started

    history = encoder.history
    final = history["eval"][-1]
    print(f"held-out masked-token accuracy {final['accuracy']:.2%} vs {history['baseline_accuracy']:.2%} "
          f"for always predicting the most frequent token {history['baseline_token']!r} "
          f"(perplexity {final['perplexity']:.1f}, {final['scored']:,} masked tokens)")
    vectors = encoder.keyed_vectors()
    for word in [w for w in PROBE_WORDS if w in vectors][:5]:
        neighbours = ", ".join(f"{w} {s:.2f}" for w, s in vectors.most_similar(word, topn=5))
        print(f"  {word}: {neighbours}")
    metrics = {"vocab_size": len(corpus.vocab), "n_tokens": corpus.n_tokens, "oov_rate": corpus.oov_rate,
               "heldout": final, "baseline_accuracy": history["baseline_accuracy"],
               "baseline_token": history["baseline_token"], "eval_history": history["eval"],
               "loss_curve": history["loss"], "seconds": seconds,
               "tokens_per_second": args.steps * args.batch_size * args.max_len / seconds}
    write_config(out, args, tokenizer, encoder=encoder.config)
    corpus.vocab.save(os.path.join(out, "vocab.tsv"))
    encoder.save(os.path.join(out, "encoder.npz"))
    vectors.save_word2vec_format(os.path.join(out, "vectors.txt"))
    write_json(os.path.join(out, "metrics.json"), metrics)
    os.remove(checkpoint)                           # finished: encoder.npz holds the result
    return {"model": "encoder", "out": out, "vocab": corpus.vocab, "vectors": vectors, "metrics": metrics}


# ============================================================================ all
# Each model: (add its options, run it, the options `all` uses on the default corpus).
MODELS = {
    "onehot": (add_onehot_args, run_onehot, []),
    "tfidf": (add_tfidf_args, run_tfidf, ["--min-df", "2"]),
    "word2vec": (add_word2vec_args, run_word2vec, ["--epochs", "3", "--min-count", "3", "--dim", "64"]),
    "encoder": (add_encoder_args, run_encoder,
                ["--steps", "1500", "--min-count", "3", "--eval-every", "500", "--checkpoint-every", "500"]),
}


def run_all(args):
    """Run every model with small settings into ``args.out/<model>``."""
    prepare_out_dir(args)
    results = {}
    for name, (add_args, run, preset) in MODELS.items():
        print(f"\n===== {name} =====")
        model_parser = argparse.ArgumentParser(prog=f"train.py {name}")
        add_common_args(model_parser, name)
        add_args(model_parser)
        model_args = model_parser.parse_args(
            preset + ["--corpus", args.corpus, "--out", os.path.join(args.out, name),
                      "--seed", str(args.seed)] + (["--overwrite"] if args.overwrite else []))
        model_args.model = name
        results[name] = run(model_args)
    return results


# ============================================================================ main
def build_parser():
    parser = argparse.ArgumentParser(
        prog="train.py", description="Train minembed models. Documents are lines of the corpus files.")
    sub = parser.add_subparsers(dest="model", metavar="MODEL")
    for name, (add_args, run, _) in MODELS.items():
        model_parser = sub.add_parser(name, help=(run.__doc__ or "").strip().splitlines()[0])
        add_common_args(model_parser, name)
        add_args(model_parser)
        model_parser.set_defaults(func=run)
    all_parser = sub.add_parser("all", help="every model with small settings, compared side by side")
    all_parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    all_parser.add_argument("--out", default=os.path.join("runs", "all"))
    all_parser.add_argument("--overwrite", action="store_true")
    all_parser.add_argument("--seed", type=int, default=1)
    all_parser.set_defaults(func=run_all)
    return parser


USER_ERRORS = (ValueError, TypeError, KeyError, OSError, ArithmeticError)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:                       # the front door: everything, on the shipped corpus
        argv = ["all", "--overwrite"]
    args = build_parser().parse_args(argv)
    if args.model is None:
        build_parser().print_help()
        return 2
    try:
        args.func(args)
    except USER_ERRORS as err:
        if os.environ.get("MINEMBED_DEBUG"):
            raise
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
