"""``train.py finetune``: a trained encoder (or word vectors) fine-tuned on labelled texts, or its head
trained alone (--freeze); the classifier saved for ``EncoderClassifier.load`` / ``WordVectorClassifier.load``.
"""
import os
import time

from ..core.fileio import read_labelled_texts, write_json
from ..encoder.model import AttentionEncoder
from ..tasks.classify import POOLINGS, EncoderClassifier, WordVectorClassifier
from ..text.tokenize import Tokenizer
from ..vectors.keyed import KeyedVectors
from .common import RunResult, seed_type
from .rundir import UsageError, check_files_exist, check_positive, prepare_out_dir, write_config

TITLE = "fine-tuned classifier"


def add_args(parser):
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


def run(args):
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
    return RunResult("finetune", TITLE, out, metrics={"history": classifier.history, "best_validation": best},
                     summary=f"{kind}: best validation accuracy {best['val_accuracy']:.2%}" if best else kind)

