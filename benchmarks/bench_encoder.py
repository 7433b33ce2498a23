"""Benchmark the NumPy AttentionEncoder: step speed, memory, and what it learns in a fixed time.

    flock /tmp/minembed-bench.lock python3 benchmarks/bench_encoder.py [--minutes 10] [--threads 2]

On ``../shared/data/corpora/enwiki-2015-aa.txt.gz`` (override with --data or MINEMBED_DATA) at
dim 64, ff 256, max_len 64, batch 32, vocabulary 30k, it prints

1. tokens/s of one training step (forward + backward + clipping + Adam) and peak RSS;
2. held-out masked-token accuracy after ``--minutes`` of training vs. always predicting the most
   frequent token (goal: at least 2x after 10 minutes);
3. with PyTorch installed: the same architecture in PyTorch (CPU, float32, same threads), its
   step time measured interleaved with ours in the same process, best of 3, and the ratio
   (goal: ours <= 0.75x PyTorch's); and, beside them, our step with the sampled softmax.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data", "corpora", "enwiki-2015-aa.txt.gz")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MINEMBED_DATA", DEFAULT_DATA))
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget for the accuracy run")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads for both")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--timing-steps", type=int, default=15, help="steps per timing round")
    parser.add_argument("--skip-torch", action="store_true")
    return parser.parse_args()


ARGS = parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):   # before numpy loads BLAS
    os.environ[var] = str(ARGS.threads)
sys.path.insert(0, os.path.join(HERE, ".."))

import math  # noqa: E402
import resource  # noqa: E402

import numpy as np  # noqa: E402

from minembed import AttentionEncoder, Tokenizer, encode_corpus  # noqa: E402
from minembed.encoder.model import PARAM_NAMES, make_sequences, mask_tokens, sample_candidates  # noqa: E402
from minembed.nn.optim import Adam, clip_grad_norm  # noqa: E402
from minembed.text.vocab import MASK, PAD, UNK  # noqa: E402

DIM, FF_DIM, MAX_LEN, BATCH, VOCAB = 64, 256, 64, 32, 30_000
SAMPLED = 2048                      # candidates of the sampled-softmax row


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def numpy_step_fn(encoder, sampled_softmax=0):
    """One training step exactly as ``fit`` does it: loss, gradients, clipping, AdamW (with
    ``sampled_softmax=S``: the head over the answers and S words drawn for this step)."""
    matrices = [name for name, value in encoder.params.items() if value.ndim == 2]
    optimizer = Adam(encoder.params, lr=1e-3, weight_decay=0.01, decay=matrices)
    noise_probs, rng = encoder.vocab.noise_probs(0.75), np.random.default_rng(3)

    def step(ids, targets):
        sampled = sample_candidates(rng, noise_probs, sampled_softmax) if sampled_softmax else None
        loss, grads = encoder.loss_and_grads(ids, targets, sampled)
        clip_grad_norm(grads, 1.0)
        optimizer.step(grads)
        return loss
    return step


def torch_step_fn(torch, params, pad_id):
    """The same architecture and step in PyTorch (float32, CPU): F.embedding, explicit attention
    with a padding mask, post-LayerNorm, exact GELU, tied head at scored rows, AdamW, clipping."""
    F = torch.nn.functional
    P = {name: torch.tensor(np.array(value), requires_grad=True) for name, value in params.items()}
    matrices = [P[n] for n in PARAM_NAMES if P[n].ndim == 2]
    others = [P[n] for n in PARAM_NAMES if P[n].ndim != 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.01},
                                   {"params": others, "weight_decay": 0.0}], lr=1e-3)

    def step(ids, targets):
        ids, targets = torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(targets.reshape(-1))
        T = ids.shape[1]
        x = F.embedding(ids, P["tok_emb"]) + P["pos_emb"][:T]                    # (B, T, d)
        q, k, v = (x @ P[f"W_{n}"] + P[f"b_{n}"] for n in "qkv")
        scores = (q @ k.transpose(1, 2)) / math.sqrt(DIM)
        scores = scores.masked_fill((ids == pad_id)[:, None, :], float("-inf"))
        h = F.layer_norm(x + torch.softmax(scores, -1) @ v @ P["W_o"] + P["b_o"], (DIM,),
                         P["ln1_gain"], P["ln1_bias"])
        y = F.layer_norm(h + F.gelu(h @ P["W_1"] + P["b_1"]) @ P["W_2"] + P["b_2"], (DIM,),
                         P["ln2_gain"], P["ln2_bias"])
        rows = torch.nonzero(targets >= 0)[:, 0]
        logits = y.reshape(-1, DIM)[rows] @ P["tok_emb"].T + P["out_bias"]       # (N, V)
        loss = F.cross_entropy(logits, targets[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
        optimizer.step()
        return loss.item()
    return step


def time_steps(step, batches):
    started = time.perf_counter()
    for ids, targets in batches:
        step(ids, targets)
    return (time.perf_counter() - started) / len(batches)


def main():
    if not os.path.exists(ARGS.data):
        print(f"benchmark data not found: {ARGS.data}\nPut enwiki-2015-aa.txt.gz there (see "
              "../shared/data/SOURCES.md) or pass --data PATH / set MINEMBED_DATA. Skipping.")
        return 0
    print(f"threads: {ARGS.threads} (BLAS and torch); numpy {np.__version__}")
    started = time.perf_counter()
    corpus = encode_corpus(ARGS.data, Tokenizer(), max_size=VOCAB - 3, specials=(PAD, UNK, MASK))
    print(f"corpus: {corpus.n_tokens:,} tokens, vocabulary {len(corpus.vocab):,} (incl. 3 specials), "
          f"OOV -> <unk> {corpus.oov_rate:.2%}, encoded in {time.perf_counter() - started:.0f} s")

    # ---- 1. step speed of the NumPy encoder (float32)
    rng = np.random.default_rng(0)
    rows = make_sequences(corpus.ids[:BATCH * MAX_LEN * 200], MAX_LEN, corpus.vocab.pad_id)
    batches = [mask_tokens(rows[rng.integers(0, len(rows), BATCH)], rng, corpus.vocab)
               for _ in range(ARGS.timing_steps)]
    timing_encoder = AttentionEncoder(corpus.vocab, DIM, FF_DIM, MAX_LEN, seed=1)
    ours = numpy_step_fn(timing_encoder)
    ours(*batches[0])                                                         # warm-up
    numpy_times = [time_steps(ours, batches) for _ in range(3)]
    step_seconds = min(numpy_times)
    print(f"NumPy step (B={BATCH}, T={MAX_LEN}, d={DIM}, ff={FF_DIM}, V={len(corpus.vocab):,}): "
          f"{step_seconds * 1000:.1f} ms best of 3 -> {BATCH * MAX_LEN / step_seconds:,.0f} tokens/s "
          f"(masked positions per step ~{np.mean([(t >= 0).sum() for _, t in batches]):.0f})")

    # ---- 2. accuracy after a fixed time budget
    budget = ARGS.minutes * 60
    steps = max(10, int(budget / (step_seconds * 1.04)))        # ~4% for evaluation
    encoder = AttentionEncoder(corpus.vocab, DIM, FF_DIM, MAX_LEN, seed=1)
    started = time.perf_counter()
    encoder.fit(corpus, steps=steps, batch_size=BATCH, lr=ARGS.lr, heldout=0.02,
                eval_every=max(1, steps // 5), eval_sequences=1024, progress=sys.stderr.isatty())
    trained = time.perf_counter() - started
    final, baseline = encoder.history["eval"][-1], encoder.history["baseline_accuracy"]
    for result in encoder.history["eval"]:
        print(f"  step {result['step']:>6}: held-out accuracy {result['accuracy']:.2%}, "
              f"perplexity {result['perplexity']:.0f}")
    print(f"after {trained / 60:.1f} min ({steps:,} steps, {steps * BATCH * MAX_LEN / 1e6:.1f}M tokens, "
          f"lr {ARGS.lr}): held-out masked-token accuracy {final['accuracy']:.2%} on {final['scored']:,} "
          f"masked tokens vs most-frequent-token ({encoder.history['baseline_token']!r}) baseline "
          f"{baseline:.2%} = {final['accuracy'] / baseline:.2f}x (goal >= 2x)")
    neighbours = encoder.keyed_vectors()
    for word in ("king", "france", "war", "music"):
        if word in neighbours:
            print(f"  {word}: " + ", ".join(w for w, _ in neighbours.most_similar(word, topn=6)))
    print(f"peak RSS (NumPy only, torch not yet imported): {peak_rss_mb():.0f} MB")

    # ---- 3. PyTorch, interleaved with ours, best of 3
    if ARGS.skip_torch:
        return 0
    try:
        import torch
    except ImportError:
        print("PyTorch not installed: no comparison (pip install torch==2.13.0)")
        return 0
    torch.set_num_threads(ARGS.threads)
    theirs = torch_step_fn(torch, AttentionEncoder(corpus.vocab, DIM, FF_DIM, MAX_LEN, seed=1).params,
                           corpus.vocab.pad_id)
    theirs(*batches[0])
    ours_sampled = numpy_step_fn(AttentionEncoder(corpus.vocab, DIM, FF_DIM, MAX_LEN, seed=1), SAMPLED)
    ours_sampled(*batches[0])
    numpy_times, torch_times, sampled_times = [], [], []
    for _ in range(3):
        numpy_times.append(time_steps(ours, batches))
        torch_times.append(time_steps(theirs, batches))
        sampled_times.append(time_steps(ours_sampled, batches))
    best_numpy, best_torch, best_sampled = min(numpy_times), min(torch_times), min(sampled_times)
    print(f"PyTorch {torch.__version__} step: {best_torch * 1000:.1f} ms ({BATCH * MAX_LEN / best_torch:,.0f} "
          f"tokens/s); NumPy {best_numpy * 1000:.1f} ms; ratio NumPy/PyTorch = {best_numpy / best_torch:.2f} "
          "(goal <= 0.75)")
    print(f"NumPy with the sampled softmax (answers + {SAMPLED:,} drawn words, bench_context's recipe; not the "
          f"same computation as the two above): {best_sampled * 1000:.1f} ms = {best_sampled / best_torch:.2f}x "
          "PyTorch's full-softmax step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
