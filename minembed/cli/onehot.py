"""``train.py onehot``: the vocabulary and the bag-of-words matrix (documents x words).

The smallest runner, and the pattern of every other: ``add_args(parser)`` adds the model's own
options, ``run(args)`` trains, writes ``config.json``, ``vocab.tsv`` and ``metrics.json`` into
``--out`` and returns a :class:`~minembed.cli.common.RunResult`.
"""
import os
import time

from ..bow.onehot import OneHotEncoder, sparsity
from ..core.fileio import write_json
from ..text.tokenize import Tokenizer
from .common import RunResult, WordTable, load_corpus
from .rundir import prepare_out_dir, write_config

TITLE = "one-hot"


def add_args(parser):
    parser.add_argument("--binary", action="store_true", help="bag of words as 1/0 instead of counts")


def run(args):
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
    return RunResult("onehot", TITLE, out, vocab=corpus.vocab, metrics=metrics,
                     words=WordTable(corpus.vocab.__contains__, kind="one-hot vectors: one per word"),
                     summary=f"{len(corpus.vocab):,} words; bag of words {sparsity(bow):.2%} zeros")
