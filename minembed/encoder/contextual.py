"""What a trained :class:`~minembed.encoder.AttentionEncoder` gives: contextual vectors and fill-in-the-blank.

The encoder (``encoder.py``) is the model and its gradients, its training is ``mlm.py``; this is
how it is used once trained. Every method runs the forward pass and reads one of its arrays::

    encode(texts)                a vector per token, (B, T, d): y, the block's output (or h, or x,
                                 the head's guess of the word, or the text's mean y; a tuple of k
                                 of them: (B, T, k d))
    sentence_vectors(texts)      the mean of those over each text, (B, d)
    target_vectors(texts, pos)   one token's vector per text, the token hidden behind <mask>
                                 first: what the context says about the word (WiC, CoarseWSD-20)
    fill_mask(text)              the head's most probable words at each [MASK]
    attention(text)              the attention matrix A of one text

``AttentionEncoder`` inherits these methods from :class:`ContextualVectors`; they use only its
``vocab``, ``config``, ``params``, ``tokenizer`` and ``_forward``.
"""
import re
import warnings

import numpy as np

from ..nn.layers import softmax
from ..vectors.keyed import KeyedVectors

# encode(layer=...): y, h or x of the forward pass, the head's expected word vector, or the text's mean y (below)
ENCODE_LAYERS = ("output", "attention", "input", "prediction", "sentence")
BLANK = re.compile(r"\[mask\]|<mask>", re.IGNORECASE)      # what fill_mask reads as a blank


class ContextualVectors:
    """The using half of AttentionEncoder (see this module's docstring)."""

    def _tokens_of(self, text, i):
        """One text -> its tokens: a str goes through the tokenizer; a list of str is taken as
        already tokenized (only lowercased, if the tokenizer lowercases), one token per item."""
        if isinstance(text, str):
            return self.tokenizer.tokenize(text)
        if isinstance(text, (list, tuple)) and all(isinstance(token, str) for token in text):
            return [token.lower() for token in text] if self.tokenizer.lowercase else list(text)
        raise TypeError(f"text {i} is a {type(text).__name__}; give a str or a list of token strings")

    def _texts_to_ids(self, texts):
        """Tokenize and look up texts -> (B, T) ids padded with ``<pad>``, T = longest text.
        Pre-tokenized texts keep one id per given token (a word not in the vocabulary -> ``<unk>``)."""
        if isinstance(texts, (str, bytes)):
            raise TypeError("encode expects a list of texts; wrap a single text as [text]")
        rows = []
        for i, text in enumerate(texts):
            ids = self.vocab.encode(self._tokens_of(text, i))
            if len(ids) == 0:
                raise ValueError(f"text {i} ({str(text)[:40]!r}) has no tokens; give every text at least one word")
            if len(ids) > self.config["max_len"]:
                warnings.warn(f"text {i} has {len(ids)} tokens; only the first max_len="
                              f"{self.config['max_len']} are encoded", stacklevel=3)
                ids = ids[:self.config["max_len"]]
            rows.append(ids)
        if not rows:
            raise ValueError("no texts given")
        batch = np.full((len(rows), max(map(len, rows))), self.vocab.pad_id, dtype=np.int32)
        for i, ids in enumerate(rows):
            batch[i, :len(ids)] = ids
        return batch

    def encode(self, texts, batch_size=128, layer="output"):
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
        y over the text's tokens, the same vector at each of them (what :meth:`sentence_vectors`
        gives). They carry different information; compare them. A tuple of two or more layers
        gives them side by side, each scaled to length 1 so that each counts the same in a cosine:
        ``layer=("attention", "prediction")`` is (B, T, 2 dim) (a tuple of one is that layer as it is).
        """
        return self._encode_ids(self._texts_to_ids(texts), batch_size, layer)

    def _encode_ids(self, ids, batch_size=128, layer="output", positions=None):
        """(B, T, width) vectors of every token (padding 0), or with ``positions`` (B,) the
        (B, width) vectors at ``ids[i, positions[i]]`` only."""
        layers = (layer,) if isinstance(layer, str) else tuple(layer)
        if not layers or any(name not in ENCODE_LAYERS for name in layers):
            raise ValueError(f"layer must be one of {list(ENCODE_LAYERS)} or a tuple of them, got {layer!r}")
        n, T = ids.shape
        width = self.config["dim"] * len(layers)
        out = np.zeros((n if positions is not None else n * T, width), dtype=self.params["tok_emb"].dtype)
        for start in range(0, n, batch_size):
            chunk = ids[start:start + batch_size]
            y, cache = self._forward(chunk)                                  # (b*T, d)
            if positions is None:                                            # the real tokens
                rows = np.flatnonzero(chunk.reshape(-1) != self.vocab.pad_id)
                out[start * T + rows] = self._read_layers(layers, y, cache, rows, chunk)
            else:                                                            # one token per text
                rows = np.arange(len(chunk)) * T + positions[start:start + batch_size]
                out[start:start + len(chunk)] = self._read_layers(layers, y, cache, rows, chunk)
        return out if positions is not None else out.reshape(n, T, width)

    def _read_layers(self, layers, y, cache, rows, ids):
        """The vectors of ``layers`` at the flat rows ``rows`` of one forward pass of ``ids`` (b, T):
        (len(rows), width)."""
        arrays = {"output": y, "attention": cache["h"], "input": cache["x"]}         # each (b*T, d)
        parts = []
        for name in layers:
            if name == "prediction":
                parts.append(self._expected_embedding(y[rows]))
            elif name == "sentence":
                text_of_row = rows // ids.shape[1]                          # flat row -> its text in ids
                parts.append(self._mean_over_texts(y, ids)[text_of_row])
            else:
                parts.append(arrays[name][rows])
        if len(parts) == 1:
            return parts[0]
        return np.hstack([part / np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12)
                          for part in parts])

    def _mean_over_texts(self, y, ids):
        """The mean of the vectors ``y`` (b*T, d) over each text's real tokens (padding excluded): (b, d)."""
        real = (ids != self.vocab.pad_id).astype(y.dtype)                   # (b, T)
        sums = np.einsum("bt,btd->bd", real, y.reshape(*ids.shape, -1))     # (b, d)
        return sums / real.sum(axis=1, keepdims=True)

    def _word_logits(self, y_rows):
        """The tied head at some rows: (n, V) logits, -inf at the special tokens (never predicted)."""
        logits = y_rows @ self.params["tok_emb"].T + self.params["out_bias"]    # (n, V)
        logits[:, :len(self.vocab.specials)] = -np.inf                      # never <pad>, <unk>, <mask>
        return logits

    def _expected_embedding(self, y_rows, chunk=1024):
        """softmax(head) @ tok_emb at each row: (n, d), computed ``chunk`` rows at a time so that
        the (chunk, V) probabilities stay small."""
        out = np.empty_like(y_rows)
        for start in range(0, len(y_rows), chunk):
            probs = softmax(self._word_logits(y_rows[start:start + chunk]))     # (c, V)
            out[start:start + chunk] = probs @ self.params["tok_emb"]         # (c, d)
        return out

    def target_vectors(self, texts, positions, hide_target=True, layer="output", batch_size=128):
        """One contextual vector per text: the encoder's vector at token ``positions[i]`` of text i.

        With ``hide_target=True`` (the default) that token is replaced by ``<mask>`` first, so the
        vector is the encoder's reading of the blank: what the *context* says about the word, the
        very thing masked-token training teaches. On WiC and CoarseWSD-20 (``bench_context.py``) it
        separates senses better than the vector of the visible word, whose own (static) embedding
        dominates it. Texts as in :meth:`encode`; positions count its tokens. ``layer`` as in
        :meth:`encode`; ``bench_context.py`` reads ``("attention", "prediction", "sentence")``: the
        attention's output, the head's guess of the hidden word and the mean output over the sentence
        (the word hidden there too): the word's context read up close and as a whole. Returns
        (n, dim), or (n, dim * layers).
        """
        ids = self._texts_to_ids(texts)                                     # (n, T)
        positions = np.asarray(positions)
        lengths = np.count_nonzero(ids != self.vocab.pad_id, axis=1)        # (n,)
        if positions.shape != (len(ids),) or not np.issubdtype(positions.dtype, np.integer):
            raise ValueError(f"positions must be one integer per text ({len(ids)}), got shape {positions.shape}")
        if np.any((positions < 0) | (positions >= lengths)):
            bad = int(np.flatnonzero((positions < 0) | (positions >= lengths))[0])
            raise ValueError(f"position {positions[bad]} is outside text {bad}, which has {lengths[bad]} tokens "
                             f"(at most max_len={self.config['max_len']} are encoded)")
        rows = np.arange(len(ids))
        if hide_target:
            ids[rows, positions] = self.vocab.mask_id
        return self._encode_ids(ids, batch_size, layer, positions)           # (n, width)

    def fill_mask(self, text, top_k=5):
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
        n_special = len(self.vocab.specials)            # (__init__ refuses a vocabulary with no words)
        ids = self._ids_with_blanks(text)                                    # (T,)
        blanks = np.flatnonzero(ids == self.vocab.mask_id)
        y, _ = self._forward(ids[None, :])                                   # (T, d)
        probs = softmax(self._word_logits(y[blanks]).astype(np.float64))     # (n_blanks, V)
        k = min(int(top_k), len(self.vocab) - n_special)
        answers = []
        for row in probs:
            best = np.argsort(-row, kind="stable")[:k]
            answers.append([(self.vocab.itos[i], float(row[i])) for i in best])
        return answers[0] if len(answers) == 1 else answers

    def _ids_with_blanks(self, text):
        """A text with ``[MASK]`` / ``<mask>`` blanks -> (T,) ids with ``mask_id`` at each blank."""
        if isinstance(text, str):
            pieces = BLANK.split(text)                       # words, blank, words, blank, ...
            token_lists = [self.tokenizer.tokenize(piece) for piece in pieces]
        elif isinstance(text, (list, tuple)):
            token_lists = [[]]
            for token in self._tokens_of(text, 0):
                if BLANK.fullmatch(token):
                    token_lists.append([])
                else:
                    token_lists[-1].append(token)
        else:
            raise TypeError(f"fill_mask expects a str or a list of tokens, got {type(text).__name__}")
        if len(token_lists) == 1:
            raise ValueError(f"no blank in {str(text)[:60]!r}: mark the word to fill in with [MASK]")
        ids = [self.vocab.encode(token_lists[0])]
        for tokens in token_lists[1:]:
            ids += [np.array([self.vocab.mask_id], dtype=np.int32), self.vocab.encode(tokens)]
        ids = np.concatenate(ids)
        if len(ids) > self.config["max_len"]:
            raise ValueError(f"the text has {len(ids)} tokens with its blanks, more than max_len="
                             f"{self.config['max_len']}; shorten it around the blank")
        return ids

    def sentence_vectors(self, texts):
        """One vector per text: the mean of its contextual token vectors (padding excluded). (B, dim)"""
        ids = self._texts_to_ids(texts)                                     # (B, T)
        return self._encode_ids(ids, layer="sentence", positions=np.zeros(len(ids), dtype=np.int64))

    def attention(self, text):
        """The attention matrix of one text and its tokens: ``(A (T, T), tokens)``;
        ``A[i, j]`` is how much token i reads token j (each row sums to 1)."""
        ids = self._texts_to_ids([text])
        _, cache = self._forward(ids)
        return cache["attn"][0].copy(), self.vocab.decode(ids[0])

    def keyed_vectors(self):
        """The input token embeddings (special tokens excluded) as a ``KeyedVectors`` table."""
        n = len(self.vocab.specials)
        return KeyedVectors(self.vocab.itos[n:], self.params["tok_emb"][n:].astype(np.float32))
