"""A tiny single-head self-attention encoder, trained by masked-token prediction, backprop by hand.

This is :mod:`minembed.encoder.reference` (one sequence, loops over positions: read it first) made
fast: a batch at once, every loop a matrix product, padding masked, the head at the scored rows only.

Forward pass (row vectors ``x @ W``; a batch of B sequences of T tokens, width d, feed-forward
width f, vocabulary V; one post-LayerNorm block as in BERT, one head, scale ``1/sqrt(d)``)::

    x   = tok_emb[ids] + pos_emb[:T]                          (B, T, d)
    q, k, v = x W_q + b_q,  x W_k + b_k,  x W_v + b_v         (B, T, d)
    A   = softmax(q k^T / sqrt(d) + pad_mask)                 (B, T, T)  row i: how much token i reads token j
    h   = LayerNorm(x + (A v) W_o + b_o;  ln1_gain, ln1_bias)  (B, T, d)
    y   = LayerNorm(h + act(h W_1 + b_1) W_2 + b_2;  ln2_gain, ln2_bias)    the contextual vectors
    logits = y[scored] tok_emb^T + out_bias                   (N, V)     tied head, scored rows only
    loss = mean over the N scored positions of  logsumexp(logits_n) - logits_n[target_n]

``pad_mask`` is a large negative number (-1e30) at padded keys, so after ``exp`` they get
exactly zero attention (a finite number rather than -inf keeps an all-padding row from
becoming 0/0). ``act`` is the exact GELU ``u * Phi(u)`` or ReLU.

Backward pass: the chain rule, one operation at a time, in reverse. Softmax, LayerNorm,
GELU/ReLU and the cross-entropy are in :mod:`minembed.nn.layers`, each derivative beside its
backward function; the ones written inline below, used over and over::

    linear       z = a W + b     =>  da = dz W^T,  dW = a^T dz,  db = sum_rows dz
    residual     z = a + g(a)    =>  da = dz + (gradient through g)
    gather       x = E[ids]      =>  dE[ids[i]] += dx[i]                (repeats add up: nn.layers.add_rows)

Training (the loop and checkpoints: :mod:`~minembed.encoder.mlm`; the batches and masks:
:mod:`~minembed.encoder.batches`) is BERT's masked language model: 15% of the real tokens are
chosen, and of those 80% become ``<mask>``, 10% a random word, 10% stay as they are; the loss asks
the model to recover the original word at the chosen positions only (padding and ``<unk>`` are
never chosen). Because the output matrix is the token-embedding table (tied), its gradient has two
parts: the head's ``dlogits^T y`` and the input lookup's scatter. The head is computed only at
the N ~ 0.15 B T scored rows: with V = 30k it is by far the largest cost of a step.

Sampled softmax (``fit(sampled_softmax=S)``, Jean et al. 2015; the cousin of word2vec's negative
sampling): instead of all V words, each step scores a candidate set C = the batch's answers plus S
words drawn from ``q`` = unigram^0.75. A word's chance of being drawn at least once is
``p_w = 1 - (1 - q_w)^S``, and every candidate's logit is lowered by ``log p_w`` before the softmax
over C; without that, frequent words (always drawn) would be pushed down far more often than rare
ones and the full softmax used afterwards (evaluation, ``fill_mask``) would be biased against them.
The head then costs N x |C| instead of N x V, and only the C rows of ``tok_emb`` get its gradient.

Data: ``fit`` cuts the corpus's id stream into rows of ``max_len`` tokens (across document
boundaries, as BERT packs text; ``cross_documents=False``: each document on rows of its own, padded)
and holds out the last rows. Texts given to ``encode`` (:mod:`~minembed.encoder.contextual`) that are
longer than ``max_len`` tokens are truncated with a warning; ``loss_and_grads`` refuses them.
"""
import json
import math

import numpy as np

from ..core.fileio import load_npz, save_npz
from ..nn.layers import ACTIVATIONS, add_rows, cross_entropy, layer_norm, layer_norm_backward, softmax, softmax_backward
from ..text.tokenize import Tokenizer
from ..text.vocab import MASK, PAD, UNK, Vocabulary
from . import contextual, mlm
from .batches import make_sequences, mask_tokens, sample_candidates  # noqa: F401 (re-exported)
from .mlm import TrainingDiverged  # noqa: F401 (re-exported)

PARAM_NAMES = ("tok_emb", "pos_emb", "W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o",
               "ln1_gain", "ln1_bias", "W_1", "b_1", "W_2", "b_2", "ln2_gain", "ln2_bias", "out_bias")
PAD_SCORE = -1e30      # added to the scores of padded keys: exp(-1e30 - max) == 0 exactly
ENCODER_ARRAYS = (["config", "vocab_tokens", "vocab_counts", "vocab_specials", "tokenizer"]
                  + [f"param/{name}" for name in PARAM_NAMES])          # what an encoder file holds
FILE_FORMAT = ("minembed encoder", 1)     # the stamp of save's file (a file of another version is refused)


def sinusoid_positions(max_len, dim):
    """Vaswani et al.'s position vectors, scaled to the token embeddings' size (rms ``1/sqrt(dim)``)::

        P[t, 2i] = sin(t / 10000^(2i/dim)),   P[t, 2i+1] = cos(t / 10000^(2i/dim))

    ``P[t] . P[t+k]`` depends on the offset k only (a sum of cosines of k times each frequency), so
    "look at the word just before me" is the same direction at every position: the one head can
    learn it once instead of once per position.

    >>> np.round(sinusoid_positions(2, 4) * np.sqrt(4 / 2), 3)     # undo the scaling: sin, cos, sin, cos
    array([[0.   , 1.   , 0.   , 1.   ],
           [0.841, 0.54 , 0.01 , 1.   ]])
    """
    frequencies = 10000.0 ** (-np.arange(0, dim, 2) / dim)                 # (ceil(d/2),)
    angles = np.arange(max_len)[:, None] * frequencies[None, :]            # (L, ceil(d/2))
    table = np.zeros((max_len, dim))
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, :dim // 2])
    return table * np.sqrt(2.0 / dim)


# ---------------------------------------------------------------------------- the model
class AttentionEncoder:
    """One-block, one-head Transformer encoder with hand-written backprop (see the module docstring).

    The model is here: parameters, forward, loss and gradients, save and load. Its training (``fit``,
    ``evaluate_batches``) is :mod:`minembed.encoder.mlm`'s, what a trained one gives (``encode``,
    ``target_vectors``, ``fill_mask``...) :mod:`minembed.encoder.contextual`'s: plain functions of the
    encoder, which the methods below hand it to.

    Parameters
    ----------
    vocab : Vocabulary with ``<pad>``, ``<unk>`` and ``<mask>`` (``vocab.with_specials()`` adds them).
    dim, ff_dim : width of the token vectors and of the feed-forward layer.
    max_len : longest sequence (rows of ``pos_emb``). Longer texts given to :meth:`encode` are
        **truncated to max_len tokens with a warning**; ``loss_and_grads`` raises instead.
    activation : ``"gelu"`` (exact erf form) or ``"relu"``.
    ln_eps : epsilon inside LayerNorm's square root.
    seed : seeds initialization and training (batches, masks).
    tokenizer : how :meth:`encode` splits text (default ``Tokenizer()``, as ``train.py``).
    position_init : how ``pos_emb`` starts: ``"sinusoid"`` (default; Vaswani et al.'s
        sines and cosines, see :func:`sinusoid_positions`) or ``"random"`` (normal); learned either way.
    """

    def __init__(self, vocab, dim=64, ff_dim=256, max_len=64, activation="gelu", ln_eps=1e-5, seed=1,
                 tokenizer=None, position_init="sinusoid"):
        missing = [token for token in (PAD, UNK, MASK) if token not in vocab]
        if missing:
            raise ValueError(f"the encoder's vocabulary needs the special tokens {missing}; build it with "
                             "specials=(PAD, UNK, MASK) or call vocab.with_specials()")
        if list(vocab.itos[:len(vocab.specials)]) != list(vocab.specials) or len(vocab) <= len(vocab.specials):
            raise ValueError("the vocabulary must have its special tokens first and at least one word")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        for name, value in (("dim", dim), ("ff_dim", ff_dim), ("max_len", max_len)):
            if not (isinstance(value, (int, np.integer)) and value > 0):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not (isinstance(seed, (int, np.integer)) and seed >= 0):
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        if position_init not in ("random", "sinusoid"):
            raise ValueError(f"position_init must be 'random' or 'sinusoid', got {position_init!r}")
        self.vocab = vocab
        self.tokenizer = tokenizer or Tokenizer()
        self.config = {"dim": int(dim), "ff_dim": int(ff_dim), "max_len": int(max_len),
                       "activation": activation, "ln_eps": float(ln_eps), "seed": int(seed),
                       "vocab_size": len(vocab), "position_init": position_init}
        self.params = self._init_params(np.random.default_rng(seed))
        self.history = {"loss": [], "eval": []}
        self._workspace = None

    def _init_params(self, rng):
        """Embeddings and weight matrices ~ N(0, 1/fan_in) (embeddings: 1/d); ``pos_emb``:
        :func:`sinusoid_positions` unless ``position_init="random"``; biases 0; gains 1;
        ``out_bias`` = log of the add-one-smoothed unigram frequencies.

        Two choices measured on enwiki (held-out masked-token accuracy after 700 steps):
        BERT's N(0, 0.02^2) embeddings leave x, hence q.k, near 0 here, where no LayerNorm
        follows the embeddings, and the attention stays uniform for hundreds of steps (13.5%
        vs 16.0% with 1/d). The unigram ``out_bias`` makes the untrained model predict word
        frequencies: Adam moves a weight by about lr per step, so learning biases near -10 from
        0 takes thousands of steps (about 12.5% -> 13.5%)."""
        d, f, V, L = self.config["dim"], self.config["ff_dim"], len(self.vocab), self.config["max_len"]

        def normal(shape, std):
            return (rng.standard_normal(shape) * std).astype(np.float32)

        zeros, ones = (lambda n: np.zeros(n, np.float32)), (lambda n: np.ones(n, np.float32))
        params = {"tok_emb": normal((V, d), d ** -0.5), "pos_emb": normal((L, d), d ** -0.5)}
        if self.config["position_init"] == "sinusoid":
            params["pos_emb"] = sinusoid_positions(L, d).astype(np.float32)
        for name in ("q", "k", "v", "o"):
            params[f"W_{name}"], params[f"b_{name}"] = normal((d, d), d ** -0.5), zeros(d)
        params.update(ln1_gain=ones(d), ln1_bias=zeros(d), W_1=normal((d, f), d ** -0.5), b_1=zeros(f),
                      W_2=normal((f, d), f ** -0.5), b_2=zeros(d), ln2_gain=ones(d), ln2_bias=zeros(d),
                      out_bias=np.log((self.vocab.counts + 1.0) / (self.vocab.total + V)).astype(np.float32))
        return {name: params[name] for name in PARAM_NAMES}

    def init_embeddings(self, vectors):
        """Start ``tok_emb`` from static word vectors (a ``KeyedVectors``, e.g. ``word2vec.wv``).

        CoVe and ELMo built contextual models on top of static vectors; here word2vec, trained on
        the same vocabulary, gives the encoder a head start: the rows of words it knows are copied,
        scaled so that their root-mean-square entry is the random init's ``1/sqrt(dim)``; special
        tokens and words it lacks keep their random rows. Returns the number of rows copied.
        """
        d = self.config["dim"]
        if vectors.vectors.shape[1] != d:
            raise ValueError(f"the vectors have dim {vectors.vectors.shape[1]} but the encoder has dim={d}; "
                             "train them with the same dim")
        rows = [(i, vectors.index(word)) for i, word in enumerate(self.vocab.itos)
                if i >= len(self.vocab.specials) and word in vectors]
        if not rows:
            raise ValueError("no word of the encoder's vocabulary has a vector; were they trained on another corpus?")
        ours, theirs = np.array(rows).T                                       # (n,), (n,)
        copied = vectors.vectors[theirs].astype(np.float64)                   # (n, d)
        scale = d ** -0.5 / max(np.sqrt(np.mean(copied ** 2)), 1e-12)
        self.params["tok_emb"][ours] = (copied * scale).astype(self.params["tok_emb"].dtype)
        return len(rows)

    # ------------------------------------------------------------------ training and use: other modules' functions
    # A function named in a class body is a method: ``enc.fit(corpus, steps=...)`` calls
    # ``mlm.train(enc, corpus, steps=...)``, with that function's own signature and docstring.
    fit = mlm.train                               # masked-token training (mlm.py)
    evaluate_batches = mlm.evaluate_batches       # held-out accuracy and perplexity of masked batches
    encode = contextual.encode                    # (B, T, d) contextual vectors of texts (contextual.py)
    sentence_vectors = contextual.sentence_vectors
    target_vectors = contextual.target_vectors
    fill_mask = contextual.fill_mask
    attention = contextual.attention
    keyed_vectors = contextual.keyed_vectors

    # ------------------------------------------------------------------ forward
    def _forward(self, ids):
        """ids (B, T) -> contextual vectors y (B*T, d) and everything the backward pass needs."""
        p, (B, T), d = self.params, ids.shape, self.config["dim"]
        act = ACTIVATIONS[self.config["activation"]][0]
        eps = self.config["ln_eps"]
        x = (p["tok_emb"][ids] + p["pos_emb"][:T]).reshape(B * T, d)      # (B*T, d)
        q = (x @ p["W_q"] + p["b_q"]).reshape(B, T, d)                     # (B, T, d)
        k = (x @ p["W_k"] + p["b_k"]).reshape(B, T, d)
        v = (x @ p["W_v"] + p["b_v"]).reshape(B, T, d)
        scores = q @ k.transpose(0, 2, 1)                                   # (B, T, T)
        scores *= 1.0 / math.sqrt(d)
        scores += np.where(ids == self.vocab.pad_id, PAD_SCORE, 0.0).astype(x.dtype)[:, None, :]
        attn = softmax(scores)                                              # (B, T, T), rows sum to 1
        context = (attn @ v).reshape(B * T, d)                              # (B*T, d)
        h, ln1 = layer_norm(x + context @ p["W_o"] + p["b_o"], p["ln1_gain"], p["ln1_bias"], eps)
        hidden, act_cache = act(h @ p["W_1"] + p["b_1"])                    # (B*T, f)
        y, ln2 = layer_norm(h + hidden @ p["W_2"] + p["b_2"], p["ln2_gain"], p["ln2_bias"], eps)
        cache = dict(ids=ids, x=x, q=q, k=k, v=v, attn=attn, context=context, h=h, ln1=ln1,
                     hidden=hidden, act=act_cache, ln2=ln2)
        return y, cache                                                     # y: (B*T, d)

    # ------------------------------------------------------------------ loss and backward
    def loss_and_grads(self, ids, targets, sampled=None):
        """Masked-token cross-entropy of a batch and the gradient of every parameter.

        ``ids`` (B, T): already-masked input ids; ``targets`` (B, T): the id to predict, or -1
        where nothing is scored. Computes in the dtype of ``params`` (a float64 copy gives a
        float64 check). Returns ``(loss: float, grads: {name: array like params[name]})``.

        ``sampled``: ``None`` for the full softmax over V, or ``(sampled_ids, log_inclusion)`` from
        :func:`sample_candidates` for the sampled softmax (see the module docstring).
        """
        ids, targets = self._check_batch(ids, targets)
        p = self.params
        y, c = self._forward(ids)
        grads = {}

        # tied head + cross-entropy, at the N scored rows only, over all V words or a candidate set
        rows = np.flatnonzero(targets.reshape(-1) >= 0)                    # (N,)
        answers = targets.reshape(-1)[rows]                                 # (N,) ids
        y_rows = y[rows]                                                    # (N, d)
        if sampled is None:
            logits = np.matmul(y_rows, p["tok_emb"].T, out=self._logits_buffer(len(rows), y.dtype))  # (N, V)
            logits += p["out_bias"]
            loss, dlogits = cross_entropy(logits, answers)                  # dlogits: (N, V)
            grads["out_bias"] = dlogits.sum(axis=0)
            d_tok_emb = dlogits.T @ y_rows                                  # (V, d): the head's share
            head_rows = p["tok_emb"]
        else:
            sampled_ids, log_inclusion = sampled
            candidates = np.union1d(answers, sampled_ids)                   # (C,) unique, sorted
            head_rows = p["tok_emb"][candidates]                            # (C, d)
            logits = y_rows @ head_rows.T                                   # (N, C)
            logits += (p["out_bias"][candidates] - log_inclusion[candidates]).astype(y.dtype)
            loss, dlogits = cross_entropy(logits, np.searchsorted(candidates, answers))
            grads["out_bias"] = np.zeros_like(p["out_bias"])
            grads["out_bias"][candidates] = dlogits.sum(axis=0)            # candidates are unique:
            d_tok_emb = np.zeros_like(p["tok_emb"])                        # no scatter needed
            d_tok_emb[candidates] = dlogits.T @ y_rows                     # (C, d)
        dy = np.zeros_like(y)                                               # (B*T, d)
        dy[rows] = dlogits @ head_rows
        grads.update(self.backward(dy, c, d_tok_emb))
        return loss, {name: grads[name] for name in PARAM_NAMES}

    def backward(self, dy, cache, d_tok_emb=None):
        """Backprop ``dy`` (B*T, d), the loss's gradient at the block's output y, through the block.

        ``cache`` is ``_forward``'s; ``d_tok_emb`` (V, d), if given, already holds the tied head's
        share and the lookup's share is added to it. Returns the gradient of every parameter but
        ``out_bias`` (the head's own). The masked-token loss and :class:`~minembed.tasks.classify.EncoderClassifier`
        (a task loss on pooled outputs) both end here.
        """
        p, c, d = self.params, cache, self.config["dim"]
        B, T = c["ids"].shape
        act_backward = ACTIVATIONS[self.config["activation"]][1]
        grads = {}

        # y = LN2(h + act(h W_1 + b_1) W_2 + b_2)
        dr2, grads["ln2_gain"], grads["ln2_bias"] = layer_norm_backward(dy, c["ln2"])
        grads["W_2"], grads["b_2"] = c["hidden"].T @ dr2, dr2.sum(axis=0)
        du = act_backward(dr2 @ p["W_2"].T, c["act"])                      # (B*T, f)
        grads["W_1"], grads["b_1"] = c["h"].T @ du, du.sum(axis=0)
        dh = dr2 + du @ p["W_1"].T                                          # residual + branch

        # h = LN1(x + context W_o + b_o)
        dr1, grads["ln1_gain"], grads["ln1_bias"] = layer_norm_backward(dh, c["ln1"])
        grads["W_o"], grads["b_o"] = c["context"].T @ dr1, dr1.sum(axis=0)
        d_context = (dr1 @ p["W_o"].T).reshape(B, T, d)                     # (B, T, d)

        # context = A v;  A = softmax(q k^T / sqrt(d) + mask)
        attn = c["attn"]
        d_attn = d_context @ c["v"].transpose(0, 2, 1)                      # (B, T, T)
        dv = attn.transpose(0, 2, 1) @ d_context                            # (B, T, d)
        d_scores = softmax_backward(d_attn, attn)
        d_scores *= 1.0 / math.sqrt(d)
        dq = (d_scores @ c["k"]).reshape(B * T, d)                          # dS K
        dk = (d_scores.transpose(0, 2, 1) @ c["q"]).reshape(B * T, d)       # dS^T Q
        dv = dv.reshape(B * T, d)
        dx = dr1.copy()                                                     # residual path
        for name, dz in (("q", dq), ("k", dk), ("v", dv)):
            grads[f"W_{name}"], grads[f"b_{name}"] = c["x"].T @ dz, dz.sum(axis=0)
            dx += dz @ p[f"W_{name}"].T

        # x = tok_emb[ids] + pos_emb[:T]
        grads["pos_emb"] = np.zeros_like(p["pos_emb"])
        grads["pos_emb"][:T] = dx.reshape(B, T, d).sum(axis=0)
        if d_tok_emb is None:
            d_tok_emb = np.zeros_like(p["tok_emb"])
        add_rows(d_tok_emb, c["ids"].reshape(-1), dx)                       # the lookup's share (np.add.at)
        grads["tok_emb"] = d_tok_emb
        return grads

    def _logits_buffer(self, n, dtype):
        """A reused (n, V) array for the logits: allocating ~40 MB afresh every step costs
        page faults worth a third of the time it takes to fill it."""
        buffer = self._workspace
        if buffer is None or buffer.shape[0] < n or buffer.dtype != dtype:
            buffer = self._workspace = np.empty((max(n, 256), len(self.vocab)), dtype=dtype)
        return buffer[:n]

    def _check_batch(self, ids, targets):
        ids, targets = np.asarray(ids), np.asarray(targets)
        if ids.ndim != 2 or targets.shape != ids.shape:
            raise ValueError(f"ids and targets must both be (batch, tokens) arrays, got {ids.shape} "
                             f"and {targets.shape}")
        if not (np.issubdtype(ids.dtype, np.integer) and np.issubdtype(targets.dtype, np.integer)):
            raise TypeError("ids and targets must be integer arrays")
        if ids.shape[1] > self.config["max_len"]:
            raise ValueError(f"sequences of {ids.shape[1]} tokens are longer than max_len="
                             f"{self.config['max_len']}; cut them (make_sequences) or use a larger max_len")
        V = len(self.vocab)
        if ids.size and (ids.min() < 0 or ids.max() >= V or targets.max() >= V or targets.min() < -1):
            raise ValueError(f"ids must be in [0, {V}) and targets in [0, {V}) or -1")
        if not (targets >= 0).any():
            raise ValueError("no position is scored: every target is -1 (mask some tokens first)")
        return ids, targets

    # ------------------------------------------------------------------ save / load
    def save(self, path):
        """Write one self-contained ``.npz``: parameters, config, vocabulary and tokenizer, stamped
        :data:`FILE_FORMAT` (``load`` refuses a file of another version, naming both)."""
        save_npz(path, file_format=FILE_FORMAT, **self.to_arrays())

    def to_arrays(self):
        """Everything :meth:`save` writes, as ``{name: array}`` (a classifier file embeds it)."""
        return dict(**{f"param/{name}": value for name, value in self.params.items()},
                    config=np.array(json.dumps(self.config)),
                    tokenizer=np.array(json.dumps(self.tokenizer.config())),
                    vocab_tokens=np.array(self.vocab.itos), vocab_counts=self.vocab.counts,
                    vocab_specials=np.array(self.vocab.specials))

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save`."""
        return cls.from_arrays(load_npz(path, "a minembed encoder file (written by AttentionEncoder.save)",
                                        ENCODER_ARRAYS, file_format=FILE_FORMAT), path)

    @classmethod
    def from_arrays(cls, data, path):
        """The encoder held by :meth:`to_arrays`'s dict, read from the file ``path`` (named in errors)."""
        config = json.loads(str(data["config"]))
        specials = tuple(data["vocab_specials"].tolist())
        tokens, counts = data["vocab_tokens"].tolist(), data["vocab_counts"]
        vocab = Vocabulary(tokens[len(specials):], counts[len(specials):], specials=specials)
        encoder = cls(vocab, **{key: config[key] for key in
                                ("dim", "ff_dim", "max_len", "activation", "ln_eps", "seed")},
                      position_init=config["position_init"],
                      tokenizer=Tokenizer(**json.loads(str(data["tokenizer"]))))
        for name in PARAM_NAMES:                 # a file that lies about its arrays fails here, not later
            saved, expected = data[f"param/{name}"], encoder.params[name]
            if saved.shape != expected.shape or saved.dtype.kind != "f":
                raise ValueError(f"{path}: param/{name} is {saved.dtype} {saved.shape}, but the file's own config "
                                 f"and vocabulary need float {expected.shape}; the file is damaged or was edited")
            if not np.all(np.isfinite(saved)):
                raise ValueError(f"{path}: param/{name} contains NaN or inf; the file is damaged")
        encoder.params = {name: data[f"param/{name}"] for name in PARAM_NAMES}
        return encoder


