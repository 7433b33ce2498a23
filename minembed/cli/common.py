"""What every runner of train.py shares: the common options, reading the corpus, the result shape.

A runner is a module with ``add_args(parser)`` and ``run(args) -> RunResult`` (see cli/onehot.py,
the smallest). Whatever the model, it returns a :class:`RunResult`, so the report and ``all`` never
ask which model they hold: a new model is one runner module plus one line in cli/registry.py.
"""
import argparse
import dataclasses
import os
from typing import Callable, Optional

from ..text.corpus import encode_corpus
from ..text.tokenize import Tokenizer
from ..vectors.evaluate import evaluate_analogies, evaluate_pairs, read_analogies, read_pairs
from .rundir import check_files_exist, check_positive

# The shipped corpus lives in the repository beside the package (train.py is run from a clone).
DEFAULT_CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                              "corpora")
PROBE_WORDS = ("king", "house", "good", "said", "water", "love", "three", "night")


# ============================================================================ the result every runner returns
@dataclasses.dataclass
class WordTable:
    """A model's words as vectors, for neighbours and pictures.

    ``neighbours(word, k) -> [(word, cosine), ...]`` and ``unit_vectors(words) -> (n, d)`` unit rows;
    both None for a method whose words are all equally far apart (one-hot). ``kind`` says what the
    vectors are, for the pictures' titles (e.g. "word2vec input vectors: one per word").
    """
    contains: Callable[[str], bool]
    neighbours: Optional[Callable] = None
    unit_vectors: Optional[Callable] = None
    kind: str = ""

    @classmethod
    def from_keyed(cls, kv, kind):
        """The table of a :class:`~minembed.KeyedVectors` (cosine over its unit rows)."""
        return cls(kv.__contains__, lambda word, k: kv.most_similar(word, topn=k),
                   lambda words: kv.normed[[kv.index(w) for w in words]], kind)


@dataclasses.dataclass
class RunResult:
    """What a run produced, the same fields for every model (the report reads nothing else).

    ``words``: a :class:`WordTable` or None; ``vectors``: the static word vectors it wrote (a
    KeyedVectors) or None; ``metrics``: what metrics.json holds; ``summary``: one line for the
    report's table; ``notes``: ``(topic, sentence)`` pairs of what the numbers say; ``pictures``:
    ``{title: path}`` of the SVGs it drew, relative to ``out``; ``contextual``: sense triples and
    fill-in-the-blank answers for a model whose vectors depend on the sentence (None otherwise);
    ``vocabulary``: a sentence on what decides its vocabulary, for a model without ``--min-count``.
    """
    name: str
    title: str
    out: str
    vocab: object = None
    words: Optional[WordTable] = None
    vectors: object = None
    metrics: dict = dataclasses.field(default_factory=dict)
    summary: str = ""
    notes: list = dataclasses.field(default_factory=list)
    pictures: dict = dataclasses.field(default_factory=dict)
    contextual: Optional[dict] = None
    vocabulary: str = ""


# ============================================================================ options every model has
class Parser(argparse.ArgumentParser):
    """argparse, except that a mistake is reported like every other error: one line, exit code 2."""

    def error(self, message):
        self.exit(2, f"error: {message}; see: python {self.prog} --help\n")


def seed_type(text):
    """--seed: an integer >= 0 (what numpy.random.default_rng accepts)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return int(text)


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



def load_corpus(args, tokenizer=None, specials=()):
    """Tokenize + encode ``args.corpus`` once, with the common vocabulary options."""
    check_positive(args, "min_count", "max_vocab")
    tokenizer = tokenizer or Tokenizer()
    corpus = encode_corpus(args.corpus, tokenizer, min_count=args.min_count,
                           max_size=args.max_vocab, specials=specials)
    print(f"corpus: {corpus.n_tokens:,} tokens in {len(corpus):,} documents, "
          f"vocabulary {len(corpus.vocab):,} words, out-of-vocabulary rate {corpus.oov_rate:.2%}")
    return corpus


def add_binary_arg(parser):
    parser.add_argument("--binary", action="store_true",
                        help="write the vectors in word2vec's binary format, DIR/vectors.bin, instead of "
                             "DIR/vectors.txt (word2vec.c's -binary 1; gensim: binary=True; for onehot and "
                             "tfidf, --binary means 1/0 counts instead)")


def save_vectors(vectors, out, args):
    """vectors.txt, or with --binary vectors.bin (both the standard word2vec formats)."""
    name = "vectors.bin" if args.binary else "vectors.txt"
    vectors.save_word2vec_format(os.path.join(out, name), binary=args.binary)



# ============================================================================ evaluating word vectors
def check_evaluation_files(args):
    """Read --analogies and --pairs before training: a missing or malformed file fails now, not after it."""
    check_files_exist(args, "analogies", "pairs")
    for name, read in (("analogies", read_analogies), ("pairs", read_pairs)):
        if getattr(args, name):
            for _ in read(getattr(args, name)):
                pass


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


def print_neighbours(vectors, words=None, topn=5):
    for word in [w for w in (words or PROBE_WORDS) if w in vectors][:6]:
        neighbours = ", ".join(f"{w} {s:.2f}" for w, s in vectors.most_similar(word, topn=topn))
        print(f"  {word}: {neighbours}")

