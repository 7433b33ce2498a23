"""``train.py search``: the k best documents of a corpus for a query, by any method (tasks/search.py).

    python train.py search --method tfidf --corpus DIR --query "mock turtle soup" [--k 10]
    python train.py search --method sif --vectors runs/word2vec/vectors.txt --query "..." --query "..."

Every non-blank line of the corpus is one document (as for ``train.py tfidf``). The vectorizers (bow, tfidf,
bm25) are fitted on the documents; word vectors and the encoder come from a run's files. Each hit is printed
with its position (the document's 0-based line number among the non-blank lines), its score and the start of
its text. ``--save-index`` writes the index (``SearchIndex.load`` reads it back).
"""
import os
import time

from ..bow.bm25 import BM25Vectorizer
from ..bow.countvec import CountVectorizer
from ..bow.tfidf import TfidfVectorizer
from ..encoder.model import AttentionEncoder
from ..tasks.search import SearchIndex
from ..text.corpus import corpus_files
from ..vectors.keyed import KeyedVectors
from ..vectors.sentence import SIF
from .common import DEFAULT_CORPUS, RunResult
from .rundir import UsageError, check_files_exist, check_positive
from .tfidf import corpus_documents

TITLE = "search"
METHODS = {"bow": "bag of words, cosine", "tfidf": "TF-IDF, cosine", "bm25": "BM25's score",
           "vectors": "the mean of word vectors, cosine", "sif": "SIF-weighted word vectors, cosine",
           "encoder": "the encoder's sentence vectors, cosine"}
SNIPPET = 100                                    # characters of each hit's text shown


def add_args(parser):
    parser.description = ("Search a corpus (one document per non-blank line) for the documents closest to a query: "
                          + "; ".join(f"{name}: {what}" for name, what in METHODS.items()) + ".")
    parser.add_argument("--method", choices=list(METHODS), default="bm25", help="(default: %(default)s)")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS,
                        help="a .txt/.gz file or a directory of them (default: the shipped corpora/)")
    parser.add_argument("--query", action="append", required=True,
                        help="the text to search for; give --query again for more queries")
    parser.add_argument("--k", type=int, default=10, help="how many documents to show per query (default: %(default)s)")
    parser.add_argument("--vectors", metavar="TXT", help="word vectors for --method vectors/sif (a word2vec run's "
                                                         "vectors.txt)")
    parser.add_argument("--fvocab", metavar="TSV", help="their word counts for --method sif (default: vocab.tsv "
                                                        "beside --vectors)")
    parser.add_argument("--encoder", metavar="NPZ", help="a trained encoder for --method encoder (encoder.npz)")
    parser.add_argument("--save-index", metavar="NPZ", help="also write the index to this file")


def run(args):
    """Search a corpus for the documents closest to a query (bow, tfidf, bm25, word vectors or the encoder)."""
    check_positive(args, "k")
    method = build_method(args)
    corpus_files(args.corpus)                       # a missing path, a directory without text: fail first
    started = time.perf_counter()
    documents = list(corpus_documents(args.corpus))
    index = SearchIndex(method).add(documents)
    print(f"indexed {len(index):,} documents of {args.corpus} with {args.method} ({METHODS[args.method]}) "
          f"in {time.perf_counter() - started:.1f} s")
    results = {}
    for query in args.query:
        hits = index.search(query, k=args.k)
        results[query] = hits
        print(f"\nquery: {query!r}")
        for rank, (position, score) in enumerate(hits, start=1):
            print(f"{rank:3d}. [{position}] {score:.4f}  {snippet(documents[position])}")
    if args.save_index:
        index.save(args.save_index)
        print(f"\nwrote {args.save_index} (SearchIndex.load reads it)")
    metrics = {"method": args.method, "n_documents": len(index), "k": args.k,
               "results": {query: [[p, s] for p, s in hits] for query, hits in results.items()},
               "seconds": time.perf_counter() - started}
    best = "; ".join(f"{query!r}: document {hits[0][0]}" for query, hits in results.items())
    return RunResult("search", TITLE, os.path.dirname(args.save_index or ""), metrics=metrics,
                     summary=f"{len(index):,} documents by {args.method}; best {best}")


def build_method(args):
    """The method --method names, from its files where it needs them (checked before the corpus is read)."""
    needs = {"vectors": "vectors", "sif": "vectors", "encoder": "encoder"}.get(args.method)
    for option in ("vectors", "fvocab", "encoder"):
        if getattr(args, option) and option != needs and not (option == "fvocab" and args.method == "sif"):
            raise UsageError(f"--{option} does not apply to --method {args.method}")
    if needs and not getattr(args, needs):
        raise UsageError(f"--method {args.method} needs --{needs}")
    check_files_exist(args, "vectors", "fvocab", "encoder")
    if args.method in ("bow", "tfidf", "bm25"):
        return {"bow": CountVectorizer, "tfidf": TfidfVectorizer, "bm25": BM25Vectorizer}[args.method]()
    if args.method == "encoder":
        return AttentionEncoder.load(args.encoder)
    fvocab = args.fvocab
    beside = os.path.join(os.path.dirname(args.vectors), "vocab.tsv")
    if args.method == "sif" and fvocab is None and os.path.isfile(beside):
        fvocab = beside
    if args.method == "sif" and fvocab is None:
        raise UsageError(f"--method sif needs the words' counts: --fvocab FILE (word count lines), or a "
                         f"vocab.tsv beside {args.vectors}")
    vectors = KeyedVectors.load_word2vec_format(args.vectors, fvocab=fvocab if args.method == "sif" else None)
    return SIF(vectors) if args.method == "sif" else vectors


def snippet(text, width=SNIPPET):
    """The start of a document, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."
