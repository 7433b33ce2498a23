"""From a corpus to a training batch of masked-token prediction: rows, masks, the sampled softmax's draws.

Pure functions of arrays (and a ``numpy.random.Generator``), no model: :mod:`minembed.encoder.mlm`'s
loop calls them once per step, in this order::

    corpus ids --make_sequences--> rows (n, max_len) --(random rows)--> (B, T) --shorten_rows-->
        --mask_tokens--> masked ids + targets              (choose_weighted, frequency_weights: which tokens)
    sample_candidates: the words a sampled-softmax step scores besides the batch's answers
"""
import numpy as np

BERT_SPLIT = (0.8, 0.1, 0.1)       # of the tokens to predict: shown as <mask>, as a random word, as themselves


def make_sequences(ids, max_len, pad_id, offsets=None):
    """Cut an id stream into rows of ``max_len`` tokens, padded with ``pad_id``.

    Without ``offsets`` the stream is cut every ``max_len`` tokens, across document ends (BERT's
    packing); only the last row is padded. With ``offsets`` (``offsets[d]`` = where document d
    starts, ``offsets[-1] == len(ids)``, as :class:`~minembed.corpus.EncodedCorpus` holds them)
    every document starts a row of its own and a long one continues on the next rows, so no row
    mixes two documents; each document's last row is padded. Empty documents give no row.

    >>> make_sequences(np.array([5, 6, 7, 8, 9]), 2, pad_id=0)
    array([[5, 6],
           [7, 8],
           [9, 0]], dtype=int32)
    >>> make_sequences(np.array([5, 6, 7, 8, 9]), 2, pad_id=0, offsets=[0, 3, 5])
    array([[5, 6],
           [7, 0],
           [8, 9]], dtype=int32)
    """
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    if offsets is None:
        offsets = np.array([0, len(ids)])
    offsets = np.asarray(offsets)
    if offsets.ndim != 1 or len(offsets) < 1 or not np.issubdtype(offsets.dtype, np.integer):
        raise ValueError(f"offsets must be a 1-d array of integers (where each document starts, then "
                         f"len(ids)), got {offsets!r}")
    offsets = offsets.astype(np.int64)
    if offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
        raise ValueError(f"offsets must rise from 0 to len(ids)={len(ids)}, got {offsets[0]} .. {offsets[-1]}")
    doc_lengths = np.diff(offsets)                                     # (n_docs,)
    doc_rows = -(-doc_lengths // max_len)                              # rows each document takes
    first_row = np.cumsum(doc_rows) - doc_rows                         # (n_docs,) its first row
    # a document's rows are consecutive, so its token k lands at flat cell first_row * max_len + k
    shift = np.repeat(first_row * max_len - offsets[:-1], doc_lengths)  # (n_tokens,)
    rows = np.full(int(doc_rows.sum()) * max_len, pad_id, dtype=np.int32)
    rows[np.arange(len(ids)) + shift] = ids
    return rows.reshape(-1, max_len)


def shorten_rows(rows, rng, share, pad_id):
    """Cut a random ``share`` of the batch's rows short: BERT's short sequences (its pre-training
    data script, ``short_seq_prob=0.1``, gives 10% of the rows a length drawn uniformly from 2 to
    the maximum).

    Packed rows are always full, but what the encoder is asked about afterwards is often one short
    sentence (WiC's average 7 words after our tokenizer), and attention over 7 keys is not attention
    over 64. Each row is chosen with probability ``share``; a chosen row keeps its first ``L``
    tokens, ``L`` uniform in ``2..T``, and the rest become ``pad_id`` (never attended to, never
    predicted). ``rows`` (B, T) is not changed; returns the new (B, T). ``share=0`` returns
    ``rows`` itself and draws nothing from ``rng``.

    >>> shorten_rows(np.arange(1, 9).reshape(2, 4), np.random.default_rng(9), share=1.0, pad_id=0)
    array([[1, 2, 0, 0],
           [5, 6, 7, 0]])
    """
    if not share:
        return rows
    n_rows, T = rows.shape
    chosen = rng.random(n_rows) < share                                       # (B,)
    lengths = np.where(chosen, rng.integers(2, T + 1, size=n_rows), T)       # (B,)
    kept = np.arange(T)[None, :] < lengths[:, None]                          # (B, T)
    return np.where(kept, rows, pad_id).astype(rows.dtype)


def mask_tokens(ids, rng, vocab, mask_prob=0.15, split=BERT_SPLIT, choose_weights=None):
    """BERT's masking: choose each real token with probability ``mask_prob``; of the chosen,
    by default 80% -> ``<mask>``, 10% -> a random (non-special) word, 10% unchanged.

    ``split``: those three shares (summing to 1); Cramming (Geiping & Goldstein 2023) uses
    ``(0.8, 0.0, 0.2)``, no random words. Returns ``(masked_ids, targets)``: ``targets`` is the
    original id at chosen positions and -1 elsewhere. Padding and ``<unk>`` are never chosen
    (there is nothing to predict). At least one position per batch is chosen, so the loss is
    always defined.

    ``choose_weights`` (V,): choose tokens by weight instead of uniformly (see
    :func:`choose_weighted`; ``ids`` must then be (B, T)); ``None`` is the uniform choice.
    """
    to_mask, to_random, _ = check_mask_split(split)
    n_special = len(vocab.specials)
    choosable = ids >= n_special                        # specials take the first ids
    if choose_weights is None:
        chosen = (rng.random(ids.shape) < mask_prob) & choosable
    else:
        chosen = choose_weighted(ids, choosable, rng, mask_prob, choose_weights)
    if not chosen.any() and choosable.any():
        candidates = np.flatnonzero(choosable)
        chosen.flat[candidates[rng.integers(len(candidates))]] = True
    targets = np.where(chosen, ids, -1).astype(np.int64)
    roll = rng.random(ids.shape)
    masked = ids.copy()
    masked[chosen & (roll < to_mask)] = vocab.mask_id
    randomized = chosen & (roll >= to_mask) & (roll < to_mask + to_random)
    masked[randomized] = rng.integers(n_special, len(vocab), size=int(randomized.sum()))
    return masked, targets


def choose_weighted(ids, choosable, rng, mask_prob, choose_weights):
    """Choose as many tokens per row as the uniform choice of :func:`mask_tokens` would
    (``Binomial(choosable tokens in the row, mask_prob)``), but which ones by weight: with
    ``choose_weights = count ** -power`` a rarer word is likelier to be chosen.

    Weighted sampling without replacement by the Gumbel top-k trick: each token gets the key
    ``log w(token) + g`` with ``g ~ Gumbel(0, 1)``; the ``k`` largest keys of a row are a draw of
    ``k`` tokens without replacement, each next one with probability proportional to its weight
    among the tokens not yet drawn (Kool et al. 2019). Equal weights give the uniform choice.
    ``ids`` and ``choosable`` are (B, T); a token of weight 0 is never chosen. Returns the
    chosen mask (B, T).
    """
    token_weights = choose_weights[ids]                                       # (B, T)
    choosable = choosable & (token_weights > 0)
    n_choosable = choosable.sum(axis=1)                                       # (B,)
    n_chosen = rng.binomial(n_choosable, mask_prob)                           # (B,)
    with np.errstate(divide="ignore"):                # log 0 = -inf: only where nothing is choosable
        gumbel = -np.log(-np.log(rng.random(ids.shape)))                      # (B, T)
        keys = np.where(choosable, np.log(token_weights) + gumbel, -np.inf)   # (B, T)
    rank = np.argsort(np.argsort(-keys, axis=1, kind="stable"), axis=1)       # 0 = the largest key
    return (rank < n_chosen[:, None]) & choosable


def frequency_weights(vocab, power):
    """``count ** -power`` per id (0 for specials): the weights of :func:`choose_weighted`.
    ``power=0`` weighs every word alike; at 0.5 a word 100x rarer has 10x the weight per occurrence
    (its chance of being chosen grows less than that: a chance cannot pass 1)."""
    counts = np.maximum(vocab.counts.astype(np.float64), 1.0)
    weights = counts ** -float(power)
    weights[:len(vocab.specials)] = 0.0
    return weights


def check_mask_split(split):
    """``split`` as three floats (mask, random word, unchanged), or a ValueError saying what is wrong."""
    try:
        shares = tuple(float(share) for share in split)
    except (TypeError, ValueError):
        shares = ()
    if len(shares) != 3 or min(shares) < 0 or abs(sum(shares) - 1.0) > 1e-9:
        raise ValueError(f"mask_split must be three shares (mask, random word, unchanged) >= 0 summing "
                         f"to 1, such as BERT's (0.8, 0.1, 0.1); got {split!r}")
    return shares


def sample_candidates(rng, noise_probs, n_samples):
    """Draw the sampled softmax's candidates: ``n_samples`` ids from ``noise_probs`` (with
    replacement) and, per id, ``log P(id is among the draws) = log(1 - (1 - q)^n_samples)``.

    Returns ``(sampled_ids (n_samples,), log_inclusion (V,))``; ids that cannot be drawn
    (q = 0: the specials) get -inf. Worked example: q = (0, 0.5, 0.5), 2 draws ->
    log_inclusion = (-inf, log 0.75, log 0.75).
    """
    sampled_ids = rng.choice(len(noise_probs), size=n_samples, p=noise_probs)
    with np.errstate(divide="ignore"):
        log_inclusion = np.log(-np.expm1(n_samples * np.log1p(-np.minimum(noise_probs, 1.0))))
    return sampled_ids, log_inclusion
