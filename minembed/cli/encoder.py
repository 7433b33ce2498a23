"""``train.py encoder``: the single-head attention encoder trained by masked-token prediction; its held-out
accuracy, neighbours of its input embeddings, the sense triples and blanks of cli/senses.py, and its
pictures (pca.svg of the input embeddings, loss.svg, attention.svg).
"""
import math
import os
import time

import numpy as np

from ..core.fileio import write_json
from ..encoder.mlm import BERT_SPLIT, check_mask_split
from ..encoder.model import AttentionEncoder
from ..plot.charts import curves_svg
from ..text.tokenize import Tokenizer
from ..text.vocab import MASK, PAD, UNK
from ..vectors.keyed import KeyedVectors
from .common import RunResult, WordTable, add_binary_arg, load_corpus, print_neighbours, save_vectors
from .pictures import best_effort, draw_pca
from .rundir import UsageError, check_files_exist, check_positive, fit_resumable, prepare_resumable_out_dir, write_config
from .senses import contextual_comparison, draw_attention, learned_summary, print_contextual, sense_summary

TITLE = "encoder"


def add_args(parser):
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


def run(args):
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
    words = WordTable.from_keyed(vectors, "encoder input embeddings (static, not contextual)")
    drawn = draw_pca(words, os.path.join(out, "pca.svg"), words.kind, fallback=vectors.index_to_key)
    curve = best_effort(os.path.join(out, "loss.svg"),
                        lambda: write_encoder_curves(metrics, os.path.join(out, "loss.svg")) or True)
    context = contextual_comparison(encoder)
    attention = context and draw_attention(encoder, context["attention_sentence"], os.path.join(out, "attention.svg"))
    write_json(os.path.join(out, "metrics.json"), metrics)
    os.remove(checkpoint)                           # finished: encoder.npz holds the result
    notes = [("The encoder's loss", encoder_loss_sentence(metrics["loss_curve"], metrics["vocab_size"],
                                                          bool(args.init_from), heldout_loss=final.get("loss")))]
    if context is not None:
        context["learned"] = learned_summary(metrics, corpus.vocab, context)
        print_contextual(context)
        notes += [("What the encoder guesses", context["learned"])] if context["learned"] else []
    notes += [("Is the encoder's PCA meaningful", drawn)] if drawn else []
    notes += [("Senses", sense_summary(context))] if context else []
    pictures = {**({"encoder input embeddings (PCA)": "pca.svg"} if drawn else {}),
                **({"encoder (training curve)": "loss.svg"} if curve else {}),
                **({"encoder attention": "attention.svg"} if attention else {})}
    return RunResult("encoder", TITLE, out, vocab=corpus.vocab, words=words, vectors=vectors, metrics=metrics,
                     summary=(f"held-out masked-token accuracy {final['accuracy']:.1%} (always the most frequent "
                              f"token: {history['baseline_accuracy']:.1%})"),
                     notes=notes, pictures=pictures, contextual=context)


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

