"""Sentiment probe: how much does each kind of sentence vector know about a review's polarity?

    flock /tmp/minembed-bench.lock python3 benchmarks/bench_sentiment.py          # ~10 min on 2 cores
    python3 benchmarks/bench_sentiment.py --skip-embeddings                       # sparse rows only, ~2 min

Data: the 10,662 Rotten Tomatoes snippets of Pang & Lee (``sentiment/rt-polarity.utf8.tsv``
under ``../shared/data`` or ``$MINEMBED_DATA``; not shipped with minembed: it has no
redistribution license), half positive, half negative.

Every row is the same probe -- minembed's L2 logistic regression (C = 1), 10-fold stratified
cross-validation, the same folds for every row -- on a different sentence representation:

* bag of words: word counts over the snippets' own vocabulary (``OneHotEncoder``);
* TF-IDF: minembed's ``TfidfVectorizer`` with scikit-learn's defaults;
* scikit-learn (reference): its ``TfidfVectorizer`` + ``LogisticRegression``, same folds, fitted
  the same way (vectorizer on all snippets, which uses no labels); and once more as a
  ``Pipeline`` refitted inside each fold;
* word2vec: the mean of the snippet's word vectors, trained on the first ``--max-lines``
  lines of the Wikipedia corpus (features standardized on the training fold);
* encoder: the mean of the encoder's contextual vectors, trained on the same lines for
  ``--encoder-minutes`` (standardized likewise).

Then the same pretrained word2vec and encoder as classifiers of their own (:mod:`minembed.classify`),
each fitted on the training fold (10% of it held out for early stopping) and scored on the test fold:

* frozen: a softmax head on the pooled vectors, the pretrained weights fixed;
* fine-tuned: the same, with the gradient flowing into every pretrained weight (Kim 2014's
  "non-static"; BERT-style fine-tuning for the encoder).

``--pretrained DIR`` takes word2vec and the encoder from a ``bench_context.py --out DIR`` run
(``DIR/word2vec/vectors.txt``, ``DIR/encoder/encoder.npz``: the whole enwiki extract) instead of
training them here on ``--max-lines`` lines::

    flock /tmp/minembed-bench.lock python3 benchmarks/bench_sentiment.py --pretrained runs/context
"""
import argparse
import csv
import itertools
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from minembed.tasks.probe import (bow_features, cross_val_accuracy,  # noqa: E402
                            encoder_features, mean_vector_features, stratified_kfold, tfidf_features)

DATA = os.environ.get("MINEMBED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DATA, help="the shared data folder (default: ../shared/data "
                                                     "or $MINEMBED_DATA)")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-lines", type=int, default=60000,
                        help="Wikipedia lines to train word2vec and the encoder on (default: %(default)s)")
    parser.add_argument("--w2v-epochs", type=int, default=3)
    parser.add_argument("--encoder-minutes", type=float, default=3.0, help="encoder training budget")
    parser.add_argument("--skip-embeddings", action="store_true", help="only the bag-of-words and TF-IDF rows")
    parser.add_argument("--pretrained", metavar="DIR", help="word2vec/vectors.txt and encoder/encoder.npz from "
                                                            "a bench_context.py --out DIR run")
    parser.add_argument("--epochs", type=int, default=10, help="classifiers: at most this many epochs")
    return parser.parse_args()


def load_sentiment(path):
    """(texts, labels) from the ``label<TAB>text`` file."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows[0] != ["label", "text"]:
        raise SystemExit(f"{path}: expected the header 'label<TAB>text', got {rows[0]}")
    return [text for _, text in rows[1:]], np.array([int(label) for label, _ in rows[1:]])


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


# ---------------------------------------------------------------------------- rows
def sklearn_rows(texts, labels, folds, seed):
    """scikit-learn's TF-IDF + logistic regression on the same folds (None if not installed)."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression as SkLogisticRegression
        from sklearn.pipeline import make_pipeline
    except ImportError:
        return []
    splits = stratified_kfold(labels, folds, seed)
    started = time.perf_counter()
    X = TfidfVectorizer().fit_transform(texts)
    same_way = [SkLogisticRegression().fit(X[train], labels[train]).score(X[test], labels[test])
                for train, test in splits]
    same_seconds = time.perf_counter() - started
    started = time.perf_counter()
    documents = np.array(texts, dtype=object)
    in_fold = [make_pipeline(TfidfVectorizer(), SkLogisticRegression()).fit(documents[train], labels[train])
               .score(documents[test], labels[test]) for train, test in splits]
    return [("scikit-learn TF-IDF + LogisticRegression (reference)", same_way, same_seconds, X.shape),
            ("scikit-learn Pipeline, TF-IDF refitted in each fold", in_fold, time.perf_counter() - started, None)]


def wikipedia_corpus(data, max_lines):
    """The first ``max_lines`` lines of the Wikipedia corpus, encoded for the encoder and word2vec."""
    from minembed.text.corpus import encode_corpus, iter_documents
    from minembed.text.tokenize import Tokenizer
    from minembed.text.vocab import MASK, PAD, UNK
    path = os.path.join(data, "corpora", "enwiki-2015-aa.txt.gz")
    if not os.path.exists(path):
        return None, None
    lines = list(itertools.islice(iter_documents(path), max_lines))
    tokenizer = Tokenizer()
    w2v_corpus = encode_corpus(map(tokenizer.tokenize, lines), min_count=5)
    encoder_corpus = encode_corpus(map(tokenizer.tokenize, lines), min_count=5, max_size=20000,
                                   specials=(PAD, UNK, MASK))
    return w2v_corpus, encoder_corpus


def word2vec_row(corpus, texts, labels, args):
    from minembed.word2vec.model import Word2Vec
    model = Word2Vec(dim=100, window=5, negative=5, min_count=5, epochs=args.w2v_epochs, seed=args.seed)
    _, train_seconds = timed(model.fit, corpus)
    features = mean_vector_features(texts, model.wv)
    coverage = token_coverage(texts, model.wv)
    result, seconds = timed(cross_val_accuracy, features, labels, k=args.folds, seed=args.seed, standardize=True)
    note = (f"word2vec: dim 100, window 5, negative 5, min_count 5, {args.w2v_epochs} epochs on "
            f"{corpus.n_tokens:,} tokens ({train_seconds:.0f} s); vocabulary {len(model.wv):,} words covers "
            f"{coverage:.1%} of the snippets' tokens")
    return ("word2vec, mean word vector", result["folds"], seconds, features.shape), note, model.wv


def encoder_row(corpus, texts, labels, args):
    from minembed import AttentionEncoder
    encoder = AttentionEncoder(corpus.vocab, dim=64, ff_dim=256, max_len=64, seed=args.seed)
    probe_steps = 20
    _, seconds = timed(encoder.fit, corpus, steps=probe_steps, batch_size=32, lr=2e-3, eval_every=0,
                       eval_sequences=16, progress=False)                # time a few steps, then budget
    steps = max(probe_steps, int(args.encoder_minutes * 60 / (seconds / probe_steps)))
    encoder = AttentionEncoder(corpus.vocab, dim=64, ff_dim=256, max_len=64, seed=args.seed)
    _, train_seconds = timed(encoder.fit, corpus, steps=steps, batch_size=32, lr=2e-3, eval_every=max(1, steps // 4))
    final = encoder.history["eval"][-1]
    features = encoder_features(texts, encoder)
    result, seconds = timed(cross_val_accuracy, features, labels, k=args.folds, seed=args.seed, standardize=True)
    note = (f"encoder: dim 64, ff 256, max_len 64, {steps:,} steps of 32 x 64 tokens ({train_seconds:.0f} s), "
            f"vocabulary {len(corpus.vocab):,}; held-out masked-token accuracy {final['accuracy']:.1%} "
            f"(most frequent token: {encoder.history['baseline_accuracy']:.1%})")
    return ("encoder, mean contextual vector", result["folds"], seconds, features.shape), note, encoder


def pretrained_rows(folder, texts, labels, args):
    """The probe rows for models trained elsewhere (bench_context.py's OUT)."""
    from minembed import AttentionEncoder, KeyedVectors
    vectors = KeyedVectors.load_word2vec_format(os.path.join(folder, "word2vec", "vectors.txt"))
    encoder = AttentionEncoder.load(os.path.join(folder, "encoder", "encoder.npz"))
    rows = []
    for name, features in (("word2vec, mean word vector", mean_vector_features(texts, vectors)),
                           ("encoder, mean contextual vector", encoder_features(texts, encoder))):
        result, seconds = timed(cross_val_accuracy, features, labels, k=args.folds, seed=args.seed, standardize=True)
        rows.append((name, result["folds"], seconds, features.shape))
    note = (f"word2vec ({len(vectors):,} words, dim {vectors.vector_size}; covers "
            f"{token_coverage(texts, vectors):.1%} of the snippets' tokens) and encoder (vocabulary "
            f"{len(encoder.vocab):,}, dim {encoder.config['dim']}) from {folder}")
    return rows, note, vectors, encoder


def classifier_rows(vectors, encoder, texts, labels, args):
    """Frozen and fine-tuned classifiers on the same folds: (rows, seconds per fold of each)."""
    from minembed.tasks.classify import EncoderClassifier, WordVectorClassifier
    makers = [
        ("word2vec, frozen: head on the mean vector", lambda: WordVectorClassifier(vectors, freeze=True, **W2V_SETTINGS)),
        ("word2vec, fine-tuned (non-static)", lambda: WordVectorClassifier(vectors, freeze=False, **W2V_SETTINGS)),
        ("encoder, frozen: head on the mean output", lambda: EncoderClassifier(encoder, freeze=True, **ENC_SETTINGS)),
        ("encoder, fine-tuned", lambda: EncoderClassifier(encoder, freeze=False, **ENC_SETTINGS)),
    ]
    documents = np.array(texts, dtype=object)
    rows = []
    for name, make in makers:
        folds, started = [], time.perf_counter()
        for train, test in stratified_kfold(labels, args.folds, args.seed):
            classifier = make()
            classifier.max_epochs = args.epochs
            classifier.fit(documents[train], labels[train])
            folds.append(classifier.score(documents[test], labels[test]))
        seconds = time.perf_counter() - started
        rows.append((name, folds, seconds, None))
        print(f"  {name}: {np.mean(folds):.2%} ({seconds / args.folds:.1f} s per fold)", flush=True)
    return rows


# the classifiers' defaults (dropout 0.3, embedding_lr 1e-2, body_lr 3e-4) were chosen on the first two
# of these folds: see docs/results/fine-tuning.md
W2V_SETTINGS = ENC_SETTINGS = dict(progress=False)


def token_coverage(texts, keyed_vectors):
    from minembed.text.tokenize import Tokenizer
    tokens = [w for tokens in Tokenizer().tokenize_many(texts) for w in tokens]
    return sum(w in keyed_vectors for w in tokens) / max(len(tokens), 1)


# ---------------------------------------------------------------------------- main
def main():
    args = parse_args()
    path = os.path.join(args.data, "sentiment", "rt-polarity.utf8.tsv")
    if not os.path.exists(path):
        print(f"sentiment data not found at {path}; it is not shipped with minembed. Point --data or "
              "$MINEMBED_DATA at the folder holding sentiment/rt-polarity.utf8.tsv. Nothing to do.")
        return 0
    texts, labels = load_sentiment(path)
    print(f"{len(texts):,} snippets ({np.mean(labels):.1%} positive), {args.folds}-fold stratified "
          f"cross-validation (seed {args.seed}), L2 logistic regression C=1 on every row\n")
    rows, notes = [("majority class", [max(np.mean(labels), 1 - np.mean(labels))], 0.0, None)], []

    for name, build in (("bag of words (minembed)", bow_features), ("TF-IDF (minembed)", tfidf_features)):
        features, build_seconds = timed(build, texts)
        result, seconds = timed(cross_val_accuracy, features, labels, k=args.folds, seed=args.seed)
        rows.append((name, result["folds"], build_seconds + seconds, features.shape))
        print(f"  {name}: {result['mean']:.2%}", flush=True)
    reference = sklearn_rows(texts, labels, args.folds, args.seed)
    rows += reference
    if not reference:
        notes.append("scikit-learn is not installed: no reference row")

    vectors = encoder = None
    if args.pretrained:
        probe_rows, note, vectors, encoder = pretrained_rows(args.pretrained, texts, labels, args)
        rows += probe_rows
        notes.append(note)
    elif not args.skip_embeddings:
        w2v_corpus, encoder_corpus = wikipedia_corpus(args.data, args.max_lines)
        if w2v_corpus is None:
            notes.append("corpora/enwiki-2015-aa.txt.gz not found: no word2vec / encoder rows")
        else:
            notes.append(f"embeddings trained on the first {args.max_lines:,} lines of enwiki-2015-aa.txt.gz "
                         f"({w2v_corpus.n_tokens:,} tokens)")
            (w2v_row, note, vectors), (enc_row, enc_note, encoder) = (
                word2vec_row(w2v_corpus, texts, labels, args), encoder_row(encoder_corpus, texts, labels, args))
            rows += [w2v_row, enc_row]
            notes += [note, enc_note]
    for name, folds, _, _ in rows[-2:] if vectors is not None else []:
        print(f"  {name}: {np.mean(folds):.2%}", flush=True)
    if vectors is not None:
        rows += classifier_rows(vectors, encoder, texts, labels, args)

    print(f"\n| features | {args.folds}-fold accuracy | ± std | features shape | seconds | per fold |")
    print("|---|---:|---:|---|---:|---:|")
    for name, folds, seconds, shape in rows:
        shape_text = f"{shape[0]:,} x {shape[1]:,}" if shape else ""
        std = f"{np.std(folds):.2%}" if len(folds) > 1 else ""
        print(f"| {name} | {np.mean(folds):.2%} | {std} | {shape_text} | {seconds:.1f} | {seconds / len(folds):.1f} |")
    by_name = {name: np.mean(folds) for name, folds, _, _ in rows}
    if reference:
        gap = by_name["TF-IDF (minembed)"] - by_name[reference[0][0]]
        print(f"\nminembed TF-IDF - scikit-learn reference: {gap * 100:+.2f} points "
              f"({'within' if abs(gap) <= 0.01 else 'NOT within'} the 1-point goal)")
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
