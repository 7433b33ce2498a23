"""``train.py word2vec``: skip-gram or CBOW with negative sampling; neighbours, the evaluations given
(--analogies, --pairs), the vectors in word2vec's format, pca.svg and the loss curve.
"""
import math
import os
import time

from ..core.fileio import write_json
from ..plot.charts import curves_svg
from ..text.tokenize import Tokenizer
from ..word2vec.model import Word2Vec
from ..word2vec.objectives import OBJECTIVES
from .common import (RunResult, WordTable, add_binary_arg, check_evaluation_files, evaluate_vectors, load_corpus,
                     print_neighbours, save_vectors)
from .pictures import best_effort, draw_pca
from .rundir import check_positive, fit_resumable, prepare_resumable_out_dir, write_config

TITLE = "word2vec"


def add_args(parser):
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


def run(args):
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
    words = WordTable.from_keyed(vectors, "word2vec input vectors")
    drawn = draw_pca(words, os.path.join(out, "pca.svg"), words.kind, fallback=vectors.index_to_key)
    curve = best_effort(os.path.join(out, "loss.svg"),
                        lambda: write_word2vec_curve(history, args, os.path.join(out, "loss.svg")) or True)
    write_json(os.path.join(out, "metrics.json"), metrics)
    os.remove(checkpoint)                           # finished: vectors.txt (or .bin) holds the result
    unit = "(centre, context) pair" if args.objective == "skipgram" else "centre word"
    notes = [("word2vec's loss", word2vec_loss_sentence([h["loss"] for h in history], args.negative, unit))]
    notes += [("Is the word2vec PCA meaningful", drawn)] if drawn else []
    pictures = {**({"word2vec (PCA)": "pca.svg"} if drawn else {}),
                **({"word2vec (training curve)": "loss.svg"} if curve else {})}
    return RunResult("word2vec", TITLE, out, vocab=vocab, words=words, vectors=vectors, metrics=metrics,
                     summary=f"{len(vocab):,} words, last epoch loss {history[-1]['loss']:.3f}",
                     notes=notes, pictures=pictures)


def write_word2vec_curve(history, args, path):
    """loss.svg: word2vec's mean loss per epoch, against (1+k)·ln 2, its value before training."""
    start = (1 + args.negative) * math.log(2)
    unit = "pair" if args.objective == "skipgram" else "centre word"
    curves_svg(path, [{"xlabel": "epoch", "ylabel": f"loss per {unit}",
                       "lines": [{"label": f"mean loss per {unit} in each epoch", "dots": True,
                                  "x": [h["epoch"] for h in history], "y": [h["loss"] for h in history]}],
                       "levels": [(start, f"before training: (1+k)·ln 2 = {start:.2f} (k = {args.negative} negatives)")]}],
               title=f"word2vec ({args.objective}) training: loss per epoch")


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

