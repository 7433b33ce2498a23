"""Text classifiers on pretrained embeddings, frozen or fine-tuned: the encoder's, or word vectors.

A pretrained model serves a task in one of two ways (BERT's paper: "feature-based" vs "fine-tuning";
Kim 2014, for word vectors: "static" vs "non-static"): with ``freeze=True`` only a classification head
on top learns and the pretrained vectors are features; with ``freeze=False`` the task's loss is
backpropagated into every pretrained weight too. The two differ in one argument, so their difference
is what fine-tuning buys.

The two classes here differ only in what a text's token vectors are and how the gradient reaches the
pretrained weights:

* :class:`EncoderClassifier`: the encoder's contextual vectors ``y``; the gradient goes back through
  its whole block (:meth:`AttentionEncoder.backward`);
* :class:`WordVectorClassifier`: rows of a word-vector table ``E[ids]``; the gradient is a scatter-add
  into those rows (``nn.layers.add_rows``).

The pooling, the softmax head, its gradient and the training (Adam, early stopping) they share are in
:mod:`minembed.finetune` (:class:`~minembed.finetune.PooledClassifier`), with the math in its docstring.
"""
import json
import warnings

import numpy as np

from ..encoder import contextual
from ..encoder.model import ENCODER_ARRAYS, AttentionEncoder
from .finetune import POOLINGS, PooledClassifier, pool, pool_backward  # noqa: F401 (re-exported)
from ..nn.layers import add_rows
from ..text.tokenize import Tokenizer
from ..vectors.keyed import KeyedVectors
from ..text.vocab import Vocabulary


# ---------------------------------------------------------------------------- the two bodies
class EncoderClassifier(PooledClassifier):
    """A classifier on an :class:`AttentionEncoder`'s pooled contextual vectors, frozen or fine-tuned.

    ``encoder`` is copied (the caller's stays unchanged); texts longer than its ``max_len`` are
    truncated (one warning); words outside its vocabulary are read as ``<unk>``, except those that
    fine-tuning adds (``new_words``: they extend the copy's vocabulary). Other arguments: see
    :class:`~minembed.finetune.PooledClassifier` and the docstring of :mod:`minembed.finetune`.

    >>> clf = EncoderClassifier(encoder, freeze=False).fit(texts, labels)   # doctest: +SKIP
    >>> clf.predict(["a gripping, funny film"])                              # doctest: +SKIP
    array(['pos'], dtype='<U3')
    """

    def __init__(self, encoder, freeze=False, **settings):
        if not isinstance(encoder, AttentionEncoder):
            raise TypeError(f"EncoderClassifier needs an AttentionEncoder, got {type(encoder).__name__}")
        super().__init__(freeze=freeze, **settings)
        self._pretrained = encoder
        self._reset_body()
        self._pad_id = encoder.vocab.pad_id

    def _reset_body(self):
        """A fresh copy of the pretrained encoder (its arrays and config; the vocabulary object is shared
        until new words replace it), so that every ``fit`` starts from the pretrained weights."""
        source = self._pretrained
        self.encoder = AttentionEncoder.__new__(AttentionEncoder)
        self.encoder.__dict__.update(source.__dict__, _workspace=None, history={"loss": [], "eval": []},
                                     config=dict(source.config),
                                     params={name: value.copy() for name, value in source.params.items()})

    _embedding_name = "tok_emb"

    def _dim(self):
        return self.encoder.config["dim"]

    def _body_params(self):
        return self.encoder.params

    def _tokens(self, text, i):
        return contextual.tokens_of(self.encoder, text, i)

    def _knows(self, token):
        return token in self.encoder.vocab.stoi

    def _embedding_table(self):
        return self.encoder.params["tok_emb"]

    def _extend(self, words, counts, rows):
        """The encoder's vocabulary, ``tok_emb`` and ``out_bias`` grow by ``words`` (ids after the old ones;
        so the extended vocabulary is no longer ordered by corpus frequency, and its new counts are the task's)."""
        enc, vocab = self.encoder, self.encoder.vocab
        n = len(vocab.specials)
        enc.vocab = Vocabulary(vocab.itos[n:] + list(words), np.concatenate([vocab.counts[n:], counts]),
                               specials=vocab.specials)
        p = enc.params
        p["tok_emb"] = np.concatenate([p["tok_emb"], rows])
        p["out_bias"] = np.concatenate([p["out_bias"], np.full(len(words), p["out_bias"].min(), p["out_bias"].dtype)])
        enc.config["vocab_size"] = len(enc.vocab)

    def _token_ids(self, texts):
        max_len, too_long, rows = self.encoder.config["max_len"], 0, []
        for i, text in enumerate(texts):
            ids = self.encoder.vocab.encode(self._tokens(text, i))
            if len(ids) == 0:
                raise ValueError(f"text {i} ({str(text)[:40]!r}) has no tokens; give every text at least one word")
            too_long += len(ids) > max_len
            rows.append(ids[:max_len])
        if too_long:
            warnings.warn(f"{too_long} of {len(texts)} texts are longer than the encoder's max_len={max_len} "
                          "tokens; only their first max_len tokens are read", stacklevel=3)
        return rows

    def _token_vectors(self, ids):
        y, cache = self.encoder._forward(ids)                               # (B*T, d)
        return y.reshape(ids.shape + (-1,)), cache                          # (B, T, d)

    def _body_backward(self, dH, cache):
        grads = self.encoder.backward(dH.reshape(-1, dH.shape[-1]), cache)  # out_bias: not used here
        grads["out_bias"] = np.zeros_like(self.encoder.params["out_bias"])
        return grads

    def _body_arrays(self):
        return self.encoder.to_arrays()

    @staticmethod
    def _body_from_arrays(arrays, path):
        missing = [name for name in ENCODER_ARRAYS if name not in arrays]
        if missing:
            raise ValueError(f"{path} lacks the encoder arrays {missing[:3]}; the file is damaged")
        return {"encoder": AttentionEncoder.from_arrays(arrays, path)}


class WordVectorClassifier(PooledClassifier):
    """A classifier on the mean (or max) of a text's word vectors, frozen or fine-tuned.

    Kim (2014) calls the two "static" and "non-static". ``vectors`` is a :class:`KeyedVectors`
    (e.g. ``Word2Vec.wv``), copied; words without a vector are skipped (a text with none pools
    to 0), except those that fine-tuning adds (``new_words``). Other arguments: see
    :class:`~minembed.finetune.PooledClassifier` and the docstring of :mod:`minembed.finetune`.
    """

    def __init__(self, vectors, freeze=False, tokenizer=None, **settings):
        if not isinstance(vectors, KeyedVectors):
            raise TypeError(f"WordVectorClassifier needs KeyedVectors (e.g. word2vec.wv), got {type(vectors).__name__}")
        super().__init__(freeze=freeze, **settings)
        self.tokenizer = tokenizer or Tokenizer()
        self._pretrained = vectors
        self._reset_body()

    def _reset_body(self):
        """A fresh copy of the pretrained vectors, so that every ``fit`` starts from them."""
        self.words = list(self._pretrained.index_to_key)
        self.key_to_index = dict(self._pretrained.key_to_index)
        self.params = {"vectors": self._pretrained.vectors.copy()}          # (V, d) float32
        self._pad_id = len(self.words)                                      # one past the table: never looked up

    _embedding_name = "vectors"

    def _dim(self):
        return self.params["vectors"].shape[1]

    def _body_params(self):
        return self.params

    def _tokens(self, text, i):
        if isinstance(text, str):
            return self.tokenizer.tokenize(text)
        return [t.lower() for t in text] if self.tokenizer.lowercase else list(text)     # already tokenized

    def _knows(self, token):
        return token in self.key_to_index

    def _embedding_table(self):
        return self.params["vectors"]

    def _extend(self, words, counts, rows):
        """New rows after the old ones; the padding id moves one past the new end."""
        self.key_to_index.update({word: len(self.words) + i for i, word in enumerate(words)})
        self.words += list(words)
        self.params["vectors"] = np.concatenate([self.params["vectors"], rows])
        self._pad_id = len(self.words)

    def _token_ids(self, texts):
        lookup = self.key_to_index
        return [np.array([lookup[w] for w in self._tokens(text, i) if w in lookup], dtype=np.int32)
                for i, text in enumerate(texts)]

    def _token_vectors(self, ids):
        real = ids != self._pad_id
        H = self.params["vectors"][np.where(real, ids, 0)]                  # (B, T, d); padding rows are
        return H, ids                                                       # ignored by pool()

    def _body_backward(self, dH, ids):
        real = ids != self._pad_id                                          # (B, T)
        d_vectors = np.zeros_like(self.params["vectors"])
        add_rows(d_vectors, ids[real], dH[real])                            # repeated words add up
        return {"vectors": d_vectors}

    def keyed_vectors(self):
        """The (fine-tuned) word vectors as a KeyedVectors."""
        return KeyedVectors(self.words, self.params["vectors"])

    def _body_arrays(self):
        return {"words": np.array(self.words), "vectors": self.params["vectors"],
                "tokenizer": np.array(json.dumps(self.tokenizer.config()))}

    @staticmethod
    def _body_from_arrays(arrays, path):
        if not {"words", "vectors", "tokenizer"} <= set(arrays):
            raise ValueError(f"{path} lacks the word vectors; the file is damaged")
        return {"vectors": KeyedVectors(arrays["words"].tolist(), arrays["vectors"]),
                "tokenizer": Tokenizer(**json.loads(str(arrays["tokenizer"])))}
