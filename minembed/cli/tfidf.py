"""``train.py tfidf``: TF-IDF document vectors with scikit-learn's semantics; top terms per document,
and terms that share documents (the cosine of their columns).
"""
import os
import time

import numpy as np
from tqdm import tqdm

from ..bow.onehot import sparsity
from ..bow.tfidf import TfidfVectorizer
from ..core.fileio import save_npy, write_json
from ..text.corpus import corpus_files, iter_documents
from ..text.vocab import Vocabulary
from .common import PROBE_WORDS, RunResult, WordTable
from .pictures import draw_pca
from .rundir import UsageError, check_positive, prepare_out_dir, write_config

TITLE = "TF-IDF"


def document_count_or_fraction(text):
    """--min-df/--max-df: "2" is a number of documents (int), "0.5" or "1.0" a fraction (float)."""
    return int(text) if text.isdigit() else float(text)


def add_args(parser):
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


def run(args):
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
    words = term_table(tfidf)
    drawn = draw_pca(words, os.path.join(out, "pca.svg"), words.kind)
    return RunResult("tfidf", TITLE, out, vocab=Vocabulary(terms.tolist(), tfidf.df_), words=words,
                     metrics=metrics, summary=f"{X.shape[0]:,} documents x {X.shape[1]:,} terms",
                     notes=[("Is the TF-IDF PCA meaningful", drawn)] if drawn else [],
                     vocabulary=vocabulary_sentence(tfidf, X.shape[0]),
                     pictures={"TF-IDF (PCA)": "pca.svg"} if drawn else {})


def term_table(tfidf):
    """TF-IDF's words as vectors: term j is column j of the training matrix (its weight in every
    document), so two terms are close when they are weighted in the same documents."""
    columns = tfidf.train_matrix_.transpose()                              # row j = term j's column
    return WordTable(tfidf.vocabulary_.__contains__, lambda word, k: tfidf.similar_terms(word, k=k),
                     lambda words: columns.take_rows([tfidf.vocabulary_[w] for w in words]).normalize_rows().toarray(),
                     "TF-IDF term columns (a term's weight in each document)")



def vocabulary_sentence(tfidf, n_documents):
    """What decides TF-IDF's terms: scikit-learn's token pattern and --min-df."""
    min_df = tfidf.min_df
    kept = (f"found in at least {min_df:,} of the {n_documents:,} documents" if isinstance(min_df, int)
            else f"found in at least {min_df:.0%} of the {n_documents:,} documents")
    pattern = f"its token pattern {tfidf.token_pattern}"
    if tfidf.token_pattern == TfidfVectorizer().token_pattern:
        pattern += " keeps runs of 2 or more letters or digits (so 'a' and 'i' are not terms)"
    return (f"TF-IDF follows scikit-learn: {pattern}, and --min-df {min_df} keeps the terms {kept}: "
            f"{len(tfidf.vocabulary_):,} terms.")
