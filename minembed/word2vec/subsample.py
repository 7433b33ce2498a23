"""word2vec's epoch stream: the corpus after frequent-word subsampling, drawn block by block.

Subsampling (word2vec.c's): every epoch, each token is dropped afresh with probability
``1 - keep_probs[id]`` (``Vocabulary.keep_probs`` has the formula), so the frequent words ("the",
"of") are mostly skipped and the windows reach further. What is left is the epoch's **stream**.

The stream is never held whole (16M tokens would keep 46 MB of kept ids and a 16 MB mask): the
corpus is cut into blocks of whole documents, about ``BLOCK_TOKENS`` tokens each, and a block's
kept ids are drawn when training reaches it, from a Generator of its own, seeded by
``(*seed_key, block)``; word2vec's ``seed_key`` is ``(seed, 1, epoch)``, the 1 a tag that keeps
these draws apart from its other random streams (``Word2Vec._seed_key``). So the same block
gives the same draws every time it is drawn, and a first pass (:func:`epoch_plan`) can count
what each block keeps (it draws and throws away) without storing it. The counts say where each
block starts in the stream: the positions that the workers' chunks, the learning-rate schedule,
the progress bar and a checkpoint count in.

    >>> plan = epoch_plan(corpus, keep_probs, (seed, 1, epoch))         # doctest: +SKIP
    >>> stream, stream_offsets = block_stream(corpus, keep_probs, plan, 0)   # doctest: +SKIP
"""
import numpy as np

BLOCK_TOKENS = 1 << 18    # tokens per block of the stream (rounded to whole documents)


def epoch_plan(corpus, keep_probs, seed_key, block_tokens=None):
    """``{"doc_cuts": (n_blocks + 1,), "first": (n_blocks + 1,), "seed_key"}``: block ``b`` holds
    documents ``doc_cuts[b]:doc_cuts[b + 1]`` of ``corpus`` (an ``EncodedCorpus``), and its kept
    tokens are the positions ``first[b]:first[b + 1]`` of the stream (``first[-1]``: its length).
    The plan keeps ``seed_key``, so that :func:`block_stream` draws what was counted here."""
    offsets = corpus.offsets                                               # (n_docs + 1,)
    starts = np.arange(0, offsets[-1], block_tokens or BLOCK_TOKENS)
    doc_cuts = np.unique(np.concatenate([np.searchsorted(offsets, starts), [len(offsets) - 1]]))
    kept_counts = [int(block_kept(corpus, keep_probs, seed_key, doc_cuts, b)[1].sum())
                   for b in range(len(doc_cuts) - 1)]
    return {"doc_cuts": doc_cuts, "first": np.concatenate([[0], np.cumsum(kept_counts, dtype=np.int64)]),
            "seed_key": seed_key}


def block_kept(corpus, keep_probs, seed_key, doc_cuts, b):
    """Block ``b``'s ids (n,), ``kept`` (n,) bool: whether subsampling keeps each, and where its
    documents start in it (n_docs_in_block + 1,). ``kept`` compares one uniform float32 draw per
    token with its keep-probability: 4 bytes per token of one block, not of the corpus."""
    offsets = corpus.offsets
    lo, hi = offsets[doc_cuts[b]], offsets[doc_cuts[b + 1]]
    ids = corpus.ids[lo:hi]
    rng = np.random.default_rng((*seed_key, b))
    kept = rng.random(len(ids), dtype=np.float32) < keep_probs.astype(np.float32)[ids]
    return ids, kept, offsets[doc_cuts[b]:doc_cuts[b + 1] + 1] - lo


def block_stream(corpus, keep_probs, plan, b):
    """Block ``b``'s kept ids ``stream`` (n_kept,) int32 and ``stream_offsets`` (n_docs_in_block + 1,):
    its document d is ``stream[stream_offsets[d]:stream_offsets[d + 1]]``."""
    ids, kept, doc_starts = block_kept(corpus, keep_probs, plan["seed_key"], plan["doc_cuts"], b)
    kept_before = np.zeros(len(ids) + 1, dtype=np.int64)                # (n + 1,) kept before each token
    np.cumsum(kept, out=kept_before[1:])
    return ids[kept], kept_before[doc_starts]
