"""Static vs contextual vectors where context matters: WiC, CoarseWSD-20 and fill-in-the-blank.

    flock /tmp/minembed-bench.lock python3 benchmarks/bench_context.py --out runs/context

Trains word2vec and then the encoder on ``../shared/data/corpora/enwiki-2015-aa.txt.gz`` (one
tokenizer, one vocabulary: the encoder's ``tok_emb`` starts from the word2vec vectors), writes
``OUT/word2vec/vectors.txt`` and ``OUT/encoder/encoder.npz``, then compares on
``../shared/data/context/`` (not shipped: non-commercial licence):

- **WiC** (same sense of the target in two sentences or not): the cosine of the two vectors, one
  threshold tuned on train, accuracy on dev (chance 50%).
- **CoarseWSD-20** (which coarse sense of 20 ambiguous nouns): 1-nearest-neighbour by cosine,
  5-fold cross-validation on its train split, micro and macro; the most-frequent-sense row.
- **fill-in-the-blank**: a content word (not among the 100 most frequent words) blanked in held-out
  enwiki documents (the last 1% of documents, held out from both models' training; the vocabulary
  counts include them): is it in the encoder's top 10?
- **sense triples** (``benchmarks/sense_triples.tsv``, ours, held out: never tuned on): one word
  in three sentences, a and c in one sense, b in another; the share of triples whose same-sense
  pair has the highest cosine (chance 1/3; ties fail, so a static target vector scores 0).

Rows: static target vector (word2vec), static sentence average (word2vec); the contextual target
vector: the encoder's vector at the target's position with the word replaced by ``<mask>``
(``AttentionEncoder.target_vectors``: what the context says about it), read three ways side by side,
each at length 1 (``layer=("attention", "prediction", "sentence")``: the attention's output there,
the head's guess of the hidden word (the probability-weighted mean of the word embeddings), and the
mean of the block's outputs over the sentence, the word still hidden; the headline row, chosen on
WiC train and CoarseWSD-20's cross-validation); the first two alone (the headline until 2026-12-07),
the attention's output alone, the block's output (``target_vectors``' default), and the block's
output with the word shown; and the contextual sentence average (the mean of the encoder's outputs,
the word hidden).

For WiC it also prints the ROC AUC of the main rows (no threshold) and a paired bootstrap of the
dev pairs: how sure the difference between the contextual target vector and the static sentence
average is (``incontext.roc_auc``, ``incontext.paired_bootstrap``).

Every row is scored twice: on its raw vectors, and on its vectors centered on the evaluated set
(``incontext.center_rows``: minus the mean vector of the split's sentences for WiC, of the word's
examples for CoarseWSD-20; no labels used). Vectors of one model share a common direction that
adds the same to every cosine (Ethayarajh 2019); centering removes it, for every method alike.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")
sys.path.insert(0, os.path.join(HERE, ".."))

import numpy as np  # noqa: E402

from minembed import AttentionEncoder, KeyedVectors, Tokenizer, Word2Vec, encode_corpus  # noqa: E402
from minembed.text.corpus import EncodedCorpus, without_specials  # noqa: E402
from minembed.core.fileio import write_json  # noqa: E402
from minembed.encoder.mlm import BERT_SPLIT  # noqa: E402
from minembed.tasks.incontext import (center_rows, context_window, cosine_rows, most_frequent_sense_cv,  # noqa: E402
                                nearest_neighbour_cv, read_coarsewsd, read_sense_triples, read_wic,
                                paired_bootstrap, triple_accuracy, wic_accuracy, wsd_scores)
from minembed.text.vocab import MASK, PAD, UNK  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where word2vec/ and encoder/ are written")
    parser.add_argument("--data", default=os.path.join(SHARED, "corpora", "enwiki-2015-aa.txt.gz"))
    parser.add_argument("--context", default=os.path.join(SHARED, "context"), help="the WiC / CoarseWSD-20 folder")
    parser.add_argument("--triples", default=os.path.join(HERE, "sense_triples.tsv"), help="the sense triples")
    parser.add_argument("--max-vocab", type=int, default=30_000)
    parser.add_argument("--dim", type=int, default=128, help="word2vec's and the encoder's (measured: 128 buys fill-in-the-blank)")
    parser.add_argument("--ff-dim", type=int, default=512)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--w2v-epochs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="word2vec workers")
    parser.add_argument("--init", choices=("word2vec", "random"), default="word2vec",
                        help="how the encoder's tok_emb starts")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--mask-prob", type=float, default=0.4, help="(measured: 0.4 reads senses better than 0.15)")
    parser.add_argument("--mask-split", type=float, nargs=3, default=BERT_SPLIT, metavar=("MASK", "RANDOM", "KEEP"),
                        help="of the masked tokens: shares turned into <mask>, into a random word, left as they are")
    parser.add_argument("--mask-frequency-power", type=float, default=0.5, metavar="P",
                        help="choose the tokens to predict with weight count ** -P, rarer words likelier (0 = "
                             "BERT's uniform choice; measured at dim 64: 0.5 reads WiC and CoarseWSD-20 "
                             "better than 0 and 1)")
    parser.add_argument("--no-cross-documents", dest="cross_documents", action="store_false",
                        help="each document (line) on rows of its own, padded, instead of packed across ends")
    parser.add_argument("--short-rows", type=float, default=0.0, metavar="SHARE",
                        help="the share of training rows cut to a random shorter length (BERT's short sequences)")
    parser.add_argument("--position-init", choices=("random", "sinusoid"), default="sinusoid")
    parser.add_argument("--sampled-softmax", type=int, default=2048,
                        help="candidates per step for the encoder's head (0 = the full softmax)")
    parser.add_argument("--blanks", type=int, default=2000, help="fill-in-the-blank questions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true",
                        help="load OUT/word2vec and/or OUT/encoder if they exist instead of training")
    return parser.parse_args()


# ---------------------------------------------------------------------------- data
def split_documents(corpus, heldout=0.01):
    """(train, heldout) EncodedCorpus: the last ``heldout`` fraction of documents is held out."""
    n_train = len(corpus) - max(1, round(len(corpus) * heldout))
    cut = corpus.offsets[n_train]
    train = EncodedCorpus(corpus.vocab, corpus.ids[:cut], corpus.offsets[:n_train + 1])
    held = EncodedCorpus(corpus.vocab, corpus.ids[cut:], corpus.offsets[n_train:] - cut)
    return train, held


def retokenize(tokens, index, tokenizer):
    """A benchmark's tokens -> our tokenizer's tokens, and where the target went (None if it vanished).

    The benchmarks split off punctuation and keep digits; ours keeps runs of letters. Each given
    token is re-tokenized: punctuation disappears, "don't" becomes "don", "t"."""
    pieces, new_index = [], None
    for i, token in enumerate(tokens):
        if i == index:
            found = tokenizer.tokenize(token)
            if not found:
                return pieces, None
            new_index = len(pieces)
            pieces += found
        else:
            pieces += tokenizer.tokenize(token)
    return pieces, new_index


def windows_of(examples, tokenizer, max_len):
    """[(tokens, index)] -> (windows, indices, kept): windows of at most max_len tokens around each target."""
    windows, indices, kept = [], [], []
    for n, (tokens, index) in enumerate(examples):
        pieces, where = retokenize(tokens, index, tokenizer)
        if where is None:
            continue
        window, where = context_window(pieces, where, max_len)
        windows.append(window)
        indices.append(where)
        kept.append(n)
    return windows, np.array(indices), np.array(kept)


# ---------------------------------------------------------------------------- vectors per method
def static_target(kv, windows, indices):
    """word2vec's vector of the target word: the same in every sentence (0 if out of vocabulary)."""
    out = np.zeros((len(windows), kv.vectors.shape[1]))
    for n, (window, i) in enumerate(zip(windows, indices)):
        if window[i] in kv:
            out[n] = kv[window[i]]
    return out


def static_average(kv, windows):
    """Mean of word2vec's vectors of the words of the sentence (a bag of words)."""
    out = np.zeros((len(windows), kv.vectors.shape[1]))
    for n, window in enumerate(windows):
        known = [kv[w] for w in window if w in kv]
        if known:
            out[n] = np.mean(known, axis=0)
    return out


CONTEXTUAL = "contextual target vector (attention output + predicted word + sentence, the word hidden)"
CLOSE_UP = "contextual target vector (attention output + predicted word, the word hidden)"
STATIC_AVERAGE = "static sentence average (word2vec)"
ATTENTION_ONLY = "contextual target vector (attention output, the word hidden)"
MFS = "most frequent sense (of the training folds)"
# Every method is scored on its raw vectors and on its vectors centered on the evaluated set
# (incontext.center_rows: the mean of the WiC split's sentences, or of one CoarseWSD word's examples).
HOW = ("centered", "raw")


def method_vectors(kv, encoder, windows, indices):
    """{row name: (n, width) vectors} for every compared method (width d, or k d side by side).

    The encoder's rows: its vector at the target with the word hidden (``<mask>``: what the context
    says about it), read after the attention beside the head's guess of the word and the sentence's
    mean output (``layer=("attention", "prediction", "sentence")``), the first two alone, after the
    attention alone (``layer="attention"``) or at the block's output (``layer="output"``, the
    default of ``target_vectors``), or with the word shown; and the mean of its outputs over the
    sentence with the word hidden (the contextual counterpart of the static sentence average)."""
    hidden = [w[:i] + ["<mask>"] + w[i + 1:] for w, i in zip(windows, indices)]     # "<mask>" is the mask id

    def target(**how):
        return encoder.target_vectors(windows, indices, **how).astype(np.float64)     # (n, width)

    return {"static target vector (word2vec)": static_target(kv, windows, indices),
            STATIC_AVERAGE: static_average(kv, windows),
            CONTEXTUAL: target(layer=("attention", "prediction", "sentence")),
            CLOSE_UP: target(layer=("attention", "prediction")),
            ATTENTION_ONLY: target(layer="attention"),
            "contextual target vector (block output, the word hidden)": target(layer="output"),
            "contextual target vector (block output, the word shown)": target(layer="output", hide_target=False),
            "contextual sentence average (encoder, the word hidden)":
                encoder.sentence_vectors(hidden).astype(np.float64)}


# ---------------------------------------------------------------------------- the three tasks
def wic_rows(kv, encoder, folder, tokenizer, max_len):
    splits = {}
    for split in ("train", "dev"):
        pairs = read_wic(os.path.join(folder, split))
        first = windows_of([(p.tokens1, p.index1) for p in pairs], tokenizer, max_len)
        second = windows_of([(p.tokens2, p.index2) for p in pairs], tokenizer, max_len)
        both = np.intersect1d(first[2], second[2])                          # pairs whose targets survived
        labels = np.array([pairs[n].same for n in both])
        vectors = []
        for windows, indices, kept in (first, second):
            keep = np.isin(kept, both)
            vectors.append(method_vectors(kv, encoder, [w for w, k in zip(windows, keep) if k], indices[keep]))
        cosines = {}
        for name in vectors[0]:
            raw = (vectors[0][name], vectors[1][name])
            cosines[name] = {"raw": cosine_rows(*raw), "centered": cosine_rows(*center_rows(*raw))}
        splits[split] = (labels, cosines, len(pairs))
    rows = {}
    for name in splits["train"][1]:
        rows[name] = {how: wic_accuracy(splits["train"][1][name][how], splits["train"][0],
                                        splits["dev"][1][name][how], splits["dev"][0]) for how in HOW}
    return rows, {split: (len(labels), total) for split, (labels, _, total) in splits.items()}


def coarsewsd_rows(kv, encoder, folder, tokenizer, max_len, seed):
    data = read_coarsewsd(folder)
    predictions, gold = {}, {}
    for word, examples in data.items():
        windows, indices, kept = windows_of(list(zip(examples.tokens, examples.indices)), tokenizer, max_len)
        senses = examples.senses[kept]
        gold[word] = senses
        for name, vectors in method_vectors(kv, encoder, windows, indices).items():
            for how, these in (("raw", vectors), ("centered", center_rows(vectors)[0])):
                predictions.setdefault((name, how), {})[word] = nearest_neighbour_cv(these, senses, folds=5, seed=seed)
        mfs = most_frequent_sense_cv(senses, folds=5, seed=seed)                 # the same either way
        for how in HOW:
            predictions.setdefault((MFS, how), {})[word] = mfs
    scores = {key: wsd_scores(by_word, gold) for key, by_word in predictions.items()}
    return {name: {how: scores[name, how] for how in HOW} for name, _ in scores}, sum(len(g) for g in gold.values())


def triple_rows(kv, encoder, path, tokenizer, max_len):
    """({row name: {how: accuracy}}, (triples scored, triples in the file)): the triples whose word
    both models know (an unknown word would hand the static rows a zero vector)."""
    every = read_sense_triples(path, tokenizer.tokenize)
    triples = [t for t in every if t.word in kv and t.word in encoder.vocab]
    by_sentence = []                                      # [{row name: (n, d)}] for sentences a, b, c
    for k in range(3):
        windows, indices = zip(*(context_window(t.tokens[k], t.indices[k], max_len) for t in triples))
        by_sentence.append(method_vectors(kv, encoder, list(windows), np.array(indices)))
    rows = {}
    for name in by_sentence[0]:
        raw = [vectors[name] for vectors in by_sentence]
        rows[name] = {"raw": triple_accuracy(*raw), "centered": triple_accuracy(*center_rows(*raw))}
    return rows, (len(triples), len(every))


def fill_blank_accuracy(encoder, heldout, n_questions, seed, top_k=10, n_frequent=100):
    """Share of blanked held-out content words found in the encoder's top ``top_k``."""
    vocab, T = heldout.vocab, encoder.config["max_len"]        # the corpus's ids -> words -> the encoder's ids
    n_special = len(vocab.specials)
    frequent_limit = n_special + n_frequent                  # ids are sorted by frequency after the specials
    rng = np.random.default_rng([seed, 7])
    candidates = np.flatnonzero(heldout.ids >= frequent_limit)
    chosen = np.sort(rng.choice(candidates, size=min(n_questions, len(candidates)), replace=False))
    doc_of = np.searchsorted(heldout.offsets, chosen, side="right") - 1
    found = 0
    for position, doc in zip(chosen, doc_of):
        start, end = heldout.offsets[doc], heldout.offsets[doc + 1]
        lo = max(start, min(position - T // 2, end - T))
        tokens = vocab.decode(heldout.ids[lo:min(end, lo + T)])
        answer = tokens[position - lo]
        tokens[position - lo] = "[MASK]"
        found += answer in [w for w, _ in encoder.fill_mask(tokens, top_k=top_k)]
    return found / len(chosen), len(chosen)


# ---------------------------------------------------------------------------- training
def train_word2vec(args, train_words, out_dir):
    path = os.path.join(out_dir, "vectors.txt")
    if args.reuse and os.path.exists(path):
        print(f"word2vec: reusing {path} (trained with its own settings, not necessarily these flags)")
        return KeyedVectors.load_word2vec_format(path), 0.0
    started = time.perf_counter()
    model = Word2Vec(dim=args.dim, window=5, negative=5, min_count=1, epochs=args.w2v_epochs,
                     seed=args.seed, workers=args.workers).fit(train_words)
    seconds = time.perf_counter() - started
    os.makedirs(out_dir, exist_ok=True)
    model.wv.save_word2vec_format(path)
    return model.wv, seconds


def train_encoder(args, train, kv, out_dir):
    path = os.path.join(out_dir, "encoder.npz")
    if args.reuse and os.path.exists(path):
        print(f"encoder: reusing {path} (trained with its own settings, not necessarily these flags)")
        return AttentionEncoder.load(path), 0.0
    encoder = AttentionEncoder(train.vocab, dim=args.dim, ff_dim=args.ff_dim, max_len=args.max_len,
                               seed=args.seed, position_init=args.position_init)
    if args.init == "word2vec":
        print(f"encoder: tok_emb starts from word2vec ({encoder.init_embeddings(kv):,} rows)")
    started = time.perf_counter()
    encoder.fit(train, steps=args.steps, batch_size=args.batch_size, lr=args.lr, mask_prob=args.mask_prob,
                mask_split=tuple(args.mask_split), mask_frequency_power=args.mask_frequency_power,
                cross_documents=args.cross_documents, short_rows=args.short_rows,
                eval_every=max(args.steps // 6, 1), sampled_softmax=args.sampled_softmax)
    seconds = time.perf_counter() - started
    os.makedirs(out_dir, exist_ok=True)
    encoder.save(path)
    return encoder, seconds


def without_dev_correct(wic):
    """The WiC rows without their per-pair right/wrong arrays (for the JSON file: figures only)."""
    return {name: {how: {key: value for key, value in scores.items() if key != "dev_correct"}
                   for how, scores in by_how.items()} for name, by_how in wic.items()}


def print_wic_certainty(wic, rows=(STATIC_AVERAGE, CLOSE_UP, CONTEXTUAL)):
    """WiC's threshold-free view (ROC AUC) of the compared rows, and how sure the dev difference is:
    a paired bootstrap of the dev pairs (``incontext.paired_bootstrap``), contextual minus static."""
    for name in rows:
        centered = wic[name]["centered"]
        print(f"WiC ROC AUC (centered, no threshold), {name}: train {centered['train_auc']:.3f}, "
              f"dev {centered['dev_auc']:.3f}")
    gap = paired_bootstrap(wic[CONTEXTUAL]["centered"]["dev_correct"], wic[STATIC_AVERAGE]["centered"]["dev_correct"])
    print(f"WiC dev, contextual target minus static sentence average: {gap['difference']:+.1%} (95% interval "
          f"{gap['low']:+.1%} to {gap['high']:+.1%} by a paired bootstrap of the dev pairs; contextual ahead in "
          f"{gap['share_a_ahead']:.0%} of the resamples)")


# ---------------------------------------------------------------------------- main
def main():
    args = parse_args()
    for path in (args.data, args.context):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: this benchmark reads the shared data (see ../shared/data/SOURCES.md)")
    tokenizer = Tokenizer()
    started = time.perf_counter()
    corpus = encode_corpus(args.data, tokenizer, min_count=5, max_size=args.max_vocab, specials=(PAD, UNK, MASK))
    train, heldout = split_documents(corpus)
    print(f"corpus: {corpus.n_tokens:,} tokens, vocabulary {len(corpus.vocab):,}, {len(train):,} training "
          f"documents, {len(heldout):,} held out ({time.perf_counter() - started:.0f} s)")
    kv, w2v_seconds = train_word2vec(args, without_specials(train), os.path.join(args.out, "word2vec"))
    encoder, encoder_seconds = train_encoder(args, train, kv, os.path.join(args.out, "encoder"))
    train_seconds = time.perf_counter() - started
    print(f"training: word2vec {w2v_seconds:.0f} s, encoder {encoder_seconds:.0f} s, {train_seconds / 60:.1f} min "
          "with corpus encoding")

    max_len = encoder.config["max_len"]
    wic, wic_counts = wic_rows(kv, encoder, os.path.join(args.context, "wic"), tokenizer, max_len)
    wsd, wsd_count = coarsewsd_rows(kv, encoder, os.path.join(args.context, "coarsewsd20"), tokenizer,
                                    max_len, args.seed)
    triples, triple_counts = triple_rows(kv, encoder, args.triples, tokenizer, max_len)
    blank, n_blanks = fill_blank_accuracy(encoder, heldout, args.blanks, args.seed)
    any_blank, _ = fill_blank_accuracy(encoder, heldout, args.blanks, args.seed, n_frequent=0)
    heldout_eval = encoder.history["eval"][-1] if encoder.history["eval"] else {}

    print(f"\nWiC: {wic_counts['train'][0]:,}/{wic_counts['train'][1]:,} train and {wic_counts['dev'][0]:,}/"
          f"{wic_counts['dev'][1]:,} dev pairs (the rest lose their target to the tokenizer); "
          f"CoarseWSD-20: {wsd_count:,} examples; sense triples: {triple_counts[0]} of {triple_counts[1]} "
          "(the word known to both models)")
    width = max(map(len, wsd))                                              # the longest row name
    print(f"{'':<{width}} {'vectors centered':^45} {'raw vectors':^26}")
    print(f"{'method':<{width}} {'WiC dev':>8} {'(train)':>8} {'WSD micro':>10} {'macro':>7} {'triples':>8} "
          f"{'WiC dev':>8} {'WSD':>8} {'triples':>8}")
    for name in wsd:
        cells = []
        for how, columns in (("centered", ("dev_accuracy", "train_accuracy")), ("raw", ("dev_accuracy",))):
            w = wic.get(name, {}).get(how)
            cells.append(" ".join(f"{w[c]:>8.1%}" if w else f"{'-':>8}" for c in columns))
            cells.append(f"{wsd[name][how]['micro']:>10.1%} {wsd[name][how]['macro']:>7.1%}" if how == "centered"
                         else f"{wsd[name][how]['micro']:>8.1%}")
            cells.append(f"{triples[name][how]:>8.1%}" if name in triples else f"{'-':>8}")
        print(f"{name:<{width}} " + " ".join(cells))
    print_wic_certainty(wic)
    print(f"fill-in-the-blank, in the top 10: content words (not among the 100 most frequent) {blank:.1%}, "
          f"any word {any_blank:.1%}, of {n_blanks:,} held-out blanks each")
    if heldout_eval:
        print(f"held-out masked-token accuracy {heldout_eval['accuracy']:.2%} (baseline "
              f"{encoder.history['baseline_accuracy']:.2%})")
    results = {"wic": without_dev_correct(wic), "sense_triples": triples, "sense_triples_scored": triple_counts[0], "coarsewsd20": {name: {how: {"micro": v[how]["micro"], "macro": v[how]["macro"]} for how in HOW}
                                for name, v in wsd.items()},
               "fill_blank_top10": blank, "fill_blank_any_word_top10": any_blank, "fill_blank_questions": n_blanks, "heldout": heldout_eval,
               "seconds": {"word2vec": w2v_seconds, "encoder": encoder_seconds, "total_training": train_seconds},
               "settings": vars(args),   # the flags; a model loaded by --reuse keeps its own (below)
               "reused": {"word2vec": not w2v_seconds and args.reuse, "encoder": not encoder_seconds and args.reuse},
               "encoder_config": encoder.config, "word2vec_dim": int(kv.vectors.shape[1])}
    write_json(os.path.join(args.out, "context.json"), results)


if __name__ == "__main__":
    main()
