"""What a trained :class:`~minembed.encoder.model.AttentionEncoder` gives: contextual vectors and fill-in-the-blank.

The encoder (``model.py``) is the model and its gradients, its training is ``mlm.py``; this is how it
is used once trained. Every function takes the encoder first, runs its forward pass and reads one of
its arrays; ``AttentionEncoder`` has each as a method of the same name (``enc.encode(texts)`` is
``contextual.encode(enc, texts)``)::

    encode(encoder, texts)       a vector per token, (B, T, d): y, the block's output (or h, or x,
                                 the head's guess of the word, or the text's mean y; a tuple of k
                                 of them: (B, T, k d))
    sentence_vectors(...)        the mean of those over each text, (B, d)
    target_vectors(..., pos)     one token's vector per text, the token hidden behind <mask>
                                 first: what the context says about the word (WiC, CoarseWSD-20)
    fill_mask(encoder, text)     the head's most probable words at each [MASK]
    attention(encoder, text)     the attention matrix A of one text

They use only the encoder's ``vocab``, ``config``, ``params``, ``tokenizer`` and ``_forward``.
"""
import re
import warnings

import numpy as np

from ..nn.layers import softmax
from ..vectors.keyed import KeyedVectors

# encode(layer=...): y, h or x of the forward pass, the head's expected word vector, or the text's mean y (below)
ENCODE_LAYERS = ("output", "attention", "input", "prediction", "sentence")
BLANK = re.compile(r"\[mask\]|<mask>", re.IGNORECASE)      # what fill_mask reads as a blank


def tokens_of(encoder, text, i):
    """One text -> its tokens: a str goes through the tokenizer; a list of str is taken as
    already tokenized (only lowercased, if the tokenizer lowercases), one token per item."""
    if isinstance(text, str):
        return encoder.tokenizer.tokenize(text)
    if isinstance(text, (list, tuple)) and all(isinstance(token, str) for token in text):
        return [token.lower() for token in text] if encoder.tokenizer.lowercase else list(text)
    raise TypeError(f"text {i} is a {type(text).__name__}; give a str or a list of token strings")


def texts_to_ids(encoder, texts):
    """Tokenize and look up texts -> (B, T) ids padded with ``<pad>``, T = longest text.
    Pre-tokenized texts keep one id per given token (a word not in the vocabulary -> ``<unk>``)."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("encode expects a list of texts; wrap a single text as [text]")
    rows = []
    for i, text in enumerate(texts):
        ids = encoder.vocab.encode(tokens_of(encoder, text, i))
        if len(ids) == 0:
            raise ValueError(f"text {i} ({str(text)[:40]!r}) has no tokens; give every text at least one word")
        if len(ids) > encoder.config["max_len"]:
            warnings.warn(f"text {i} has {len(ids)} tokens; only the first max_len="
                          f"{encoder.config['max_len']} are encoded", stacklevel=3)
            ids = ids[:encoder.config["max_len"]]
        rows.append(ids)
    if not rows:
        raise ValueError("no texts given")
    batch = np.full((len(rows), max(map(len, rows))), encoder.vocab.pad_id, dtype=np.int32)
    for i, ids in enumerate(rows):
        batch[i, :len(ids)] = ids
    return batch


def encode(encoder, texts, batch_size=128, layer="output"):
    """Contextual vectors ``(batch, tokens, dim)`` of a list of texts; rows past the end of a
    shorter text (padding) are 0. Texts longer than ``max_len`` tokens are truncated (warning).

    A text is a str (split by the tokenizer) or a list of tokens (one vector per given token,
    in order; a word outside the vocabulary is read as ``<unk>``), so that benchmarks giving
    the target's token position line up.

    >>> enc.encode(["the cat sat", "a dog"]).shape        # doctest: +SKIP
    (2, 3, 64)
    >>> enc.encode([["The", "river", "bank", "."]]).shape  # "." is <unk>  # doctest: +SKIP
    (1, 4, 64)

    ``layer`` picks which vectors: ``"output"`` (y, the default), ``"attention"`` (h, after
    attention and the first LayerNorm), ``"input"`` (x = tok_emb[ids] + pos_emb: static but for
    the position) or ``"prediction"``: the head's guess of the word there as one vector, the
    embeddings of all words weighted by their probability, ``softmax(y tok_emb^T + out_bias)
    tok_emb`` (special tokens excluded; in the space of the trained ``tok_emb``, which starts
    from word2vec's vectors when ``init_embeddings`` is called), or ``"sentence"``: the mean of
    y over the text's tokens, the same vector at each of them (what :func:`sentence_vectors`
    gives). They carry different information; compare them. A tuple of two or more layers
    gives them side by side, each scaled to length 1 so that each counts the same in a cosine:
    ``layer=("attention", "prediction")`` is (B, T, 2 dim) (a tuple of one is that layer as it is).
    """
    return _encode_ids(encoder, texts_to_ids(encoder, texts), batch_size, layer)


def _encode_ids(encoder, ids, batch_size=128, layer="output", positions=None):
    """(B, T, width) vectors of every token (padding 0), or with ``positions`` (B,) the
    (B, width) vectors at ``ids[i, positions[i]]`` only."""
    layers = (layer,) if isinstance(layer, str) else tuple(layer)
    if not layers or any(name not in ENCODE_LAYERS for name in layers):
        raise ValueError(f"layer must be one of {list(ENCODE_LAYERS)} or a tuple of them, got {layer!r}")
    n, T = ids.shape
    width = encoder.config["dim"] * len(layers)
    out = np.zeros((n if positions is not None else n * T, width), dtype=encoder.params["tok_emb"].dtype)
    for start in range(0, n, batch_size):
        chunk = ids[start:start + batch_size]
        y, cache = encoder._forward(chunk)                               # (b*T, d)
        if positions is None:                                            # the real tokens
            rows = np.flatnonzero(chunk.reshape(-1) != encoder.vocab.pad_id)
            out[start * T + rows] = _read_layers(encoder, layers, y, cache, rows, chunk)
        else:                                                            # one token per text
            rows = np.arange(len(chunk)) * T + positions[start:start + batch_size]
            out[start:start + len(chunk)] = _read_layers(encoder, layers, y, cache, rows, chunk)
    return out if positions is not None else out.reshape(n, T, width)


def _read_layers(encoder, layers, y, cache, rows, ids):
    """The vectors of ``layers`` at the flat rows ``rows`` of one forward pass of ``ids`` (b, T):
    (len(rows), width)."""
    arrays = {"output": y, "attention": cache["h"], "input": cache["x"]}         # each (b*T, d)
    parts = []
    for name in layers:
        if name == "prediction":
            parts.append(_expected_embedding(encoder, y[rows]))
        elif name == "sentence":
            text_of_row = rows // ids.shape[1]                          # flat row -> its text in ids
            parts.append(_mean_over_texts(encoder, y, ids)[text_of_row])
        else:
            parts.append(arrays[name][rows])
    if len(parts) == 1:
        return parts[0]
    return np.hstack([part / np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12)
                      for part in parts])


def _mean_over_texts(encoder, y, ids):
    """The mean of the vectors ``y`` (b*T, d) over each text's real tokens (padding excluded): (b, d)."""
    real = (ids != encoder.vocab.pad_id).astype(y.dtype)                # (b, T)
    sums = np.einsum("bt,btd->bd", real, y.reshape(*ids.shape, -1))     # (b, d)
    return sums / real.sum(axis=1, keepdims=True)


def _word_logits(encoder, y_rows):
    """The tied head at some rows: (n, V) logits, -inf at the special tokens (never predicted)."""
    logits = y_rows @ encoder.params["tok_emb"].T + encoder.params["out_bias"]  # (n, V)
    logits[:, :len(encoder.vocab.specials)] = -np.inf                   # never <pad>, <unk>, <mask>
    return logits


def _expected_embedding(encoder, y_rows, chunk=1024):
    """softmax(head) @ tok_emb at each row: (n, d), computed ``chunk`` rows at a time so that
    the (chunk, V) probabilities stay small."""
    out = np.empty_like(y_rows)
    for start in range(0, len(y_rows), chunk):
        probs = softmax(_word_logits(encoder, y_rows[start:start + chunk]))  # (c, V)
        out[start:start + chunk] = probs @ encoder.params["tok_emb"]      # (c, d)
    return out


def target_vectors(encoder, texts, positions, hide_target=True, layer="output", batch_size=128):
    """One contextual vector per text: the encoder's vector at token ``positions[i]`` of text i.

    With ``hide_target=True`` (the default) that token is replaced by ``<mask>`` first, so the
    vector is the encoder's reading of the blank: what the *context* says about the word, the
    very thing masked-token training teaches. On WiC and CoarseWSD-20 (``bench_context.py``) it
    separates senses better than the vector of the visible word, whose own (static) embedding
    dominates it. Texts as in :func:`encode`; positions count its tokens. ``layer`` as in
    :func:`encode`; ``bench_context.py`` reads ``("attention", "prediction", "sentence")``: the
    attention's output, the head's guess of the hidden word and the mean output over the sentence
    (the word hidden there too): the word's context read up close and as a whole. Returns
    (n, dim), or (n, dim * layers).
    """
    ids = texts_to_ids(encoder, texts)                                  # (n, T)
    positions = np.asarray(positions)
    lengths = np.count_nonzero(ids != encoder.vocab.pad_id, axis=1)     # (n,)
    if positions.shape != (len(ids),) or not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions must be one integer per text ({len(ids)}), got shape {positions.shape}")
    if np.any((positions < 0) | (positions >= lengths)):
        bad = int(np.flatnonzero((positions < 0) | (positions >= lengths))[0])
        raise ValueError(f"position {positions[bad]} is outside text {bad}, which has {lengths[bad]} tokens "
                         f"(at most max_len={encoder.config['max_len']} are encoded)")
    rows = np.arange(len(ids))
    if hide_target:
        ids[rows, positions] = encoder.vocab.mask_id
    return _encode_ids(encoder, ids, batch_size, layer, positions)        # (n, width)


def fill_mask(encoder, text, top_k=5):
    """The most probable words for each blank of ``text``: the masked-token head at work.

    A blank is ``[MASK]`` (any case) or ``<mask>``, in a str or as an item of a token list.
    Returns the ``top_k`` pairs ``(word, probability)``, most probable first; for a text with
    several blanks, one such list per blank, left to right. The probabilities are the model's
    softmax over the words of the vocabulary (special tokens excluded, the rest renormalized).

    >>> enc.fill_mask("she opened the [MASK] and walked into the room", top_k=3)  # doctest: +SKIP
    [('door', 0.31), ('window', 0.05), ('box', 0.03)]
    """
    if not (isinstance(top_k, (int, np.integer)) and top_k > 0):
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    n_special = len(encoder.vocab.specials)         # (__init__ refuses a vocabulary with no words)
    ids = ids_with_blanks(encoder, text)                                 # (T,)
    blanks = np.flatnonzero(ids == encoder.vocab.mask_id)
    y, _ = encoder._forward(ids[None, :])                                # (T, d)
    probs = softmax(_word_logits(encoder, y[blanks]).astype(np.float64))  # (n_blanks, V)
    k = min(int(top_k), len(encoder.vocab) - n_special)
    answers = []
    for row in probs:
        best = np.argsort(-row, kind="stable")[:k]
        answers.append([(encoder.vocab.itos[i], float(row[i])) for i in best])
    return answers[0] if len(answers) == 1 else answers


def ids_with_blanks(encoder, text):
    """A text with ``[MASK]`` / ``<mask>`` blanks -> (T,) ids with ``mask_id`` at each blank."""
    if isinstance(text, str):
        pieces = BLANK.split(text)                       # words, blank, words, blank, ...
        token_lists = [encoder.tokenizer.tokenize(piece) for piece in pieces]
    elif isinstance(text, (list, tuple)):
        token_lists = [[]]
        for token in tokens_of(encoder, text, 0):
            if BLANK.fullmatch(token):
                token_lists.append([])
            else:
                token_lists[-1].append(token)
    else:
        raise TypeError(f"fill_mask expects a str or a list of tokens, got {type(text).__name__}")
    if len(token_lists) == 1:
        raise ValueError(f"no blank in {str(text)[:60]!r}: mark the word to fill in with [MASK]")
    ids = [encoder.vocab.encode(token_lists[0])]
    for tokens in token_lists[1:]:
        ids += [np.array([encoder.vocab.mask_id], dtype=np.int32), encoder.vocab.encode(tokens)]
    ids = np.concatenate(ids)
    if len(ids) > encoder.config["max_len"]:
        raise ValueError(f"the text has {len(ids)} tokens with its blanks, more than max_len="
                         f"{encoder.config['max_len']}; shorten it around the blank")
    return ids


def sentence_vectors(encoder, texts):
    """One vector per text: the mean of its contextual token vectors (padding excluded). (B, dim)"""
    ids = texts_to_ids(encoder, texts)                                  # (B, T)
    return _encode_ids(encoder, ids, layer="sentence", positions=np.zeros(len(ids), dtype=np.int64))


def attention(encoder, text):
    """The attention matrix of one text and its tokens: ``(A (T, T), tokens)``;
    ``A[i, j]`` is how much token i reads token j (each row sums to 1)."""
    ids = texts_to_ids(encoder, [text])
    _, cache = encoder._forward(ids)
    return cache["attn"][0].copy(), encoder.vocab.decode(ids[0])


def keyed_vectors(encoder):
    """The input token embeddings (special tokens excluded) as a ``KeyedVectors`` table."""
    n = len(encoder.vocab.specials)
    return KeyedVectors(encoder.vocab.itos[n:], encoder.params["tok_emb"][n:].astype(np.float32))
