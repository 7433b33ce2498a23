"""The classifier both bodies share: pooled token vectors, a softmax head, backprop by hand, early stopping.

The two classes users call, :class:`~minembed.classify.EncoderClassifier` and
:class:`~minembed.classify.WordVectorClassifier`, are in :mod:`minembed.classify`; each says only what
its token vectors are. Everything they have in common is here: the model below, its gradient, and the
training loop.

A pretrained model serves a task in one of two ways (BERT's paper: "feature-based" vs "fine-tuning";
Kim 2014, for word vectors: "static" vs "non-static"):

* **frozen** (``freeze=True``): the pretrained weights stay as they are; only a classification head
  on top learns. The vectors are features, exactly as in :mod:`minembed.probe`.
* **fine-tuned** (``freeze=False``): the task's loss is backpropagated into every pretrained weight
  too, so the vectors themselves move towards what the task needs.

The two differ in one argument, so their difference is what fine-tuning buys. The model, for a
batch of B texts, pooled width d and K classes::

    H      = the texts' token vectors                          (B, T, d)  word vectors E[ids], or encoder outputs y
    z      = pool(H): the mean over a text's tokens, or the max   (B, d)
    z~     = z * keep / (1 - p)   dropout while training (keep ~ Bernoulli(1 - p)); z~ = z otherwise
    logits = z~ W + b                                          (B, K)
    loss   = mean_i  logsumexp(logits_i) - logits_i[label_i]

and its gradient, the chain rule read backwards::

    dlogits = (softmax(logits) - onehot(labels)) / B           (B, K)
    dW = z~^T dlogits,   db = sum_i dlogits_i,   dz = (dlogits W^T) * keep / (1 - p)
    mean pool:   dH[i, t] = dz_i / n_i      at each of text i's n_i tokens (0 at padding)
    max pool:    dH[i, t, j] = dz_ij        at the token t that held dimension j's maximum, 0 elsewhere

``dH`` then goes into the pretrained weights: for word vectors a scatter-add into the rows of the
table (``nn.layers.add_rows``, an ``np.add.at``); for the encoder, :meth:`AttentionEncoder.backward`
through its whole block.

Training: Adam (AdamW decay on every 2-D array, the embedding tables included) in minibatches, with one learning rate for the new head
(``lr``) and a smaller one for the pretrained weights (``body_lr``), so fine-tuning adjusts them
instead of overwriting what pretraining put there. A stratified ``validation_fraction`` of the
training texts is held out; after each epoch its accuracy is measured, the weights of the best
epoch are kept, and training stops after ``patience`` epochs without a better one (early stopping).
The caller's model is never changed: the classifier trains its own copy.
"""
import json
import math
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from ..core.fileio import load_npz, save_npz
from ..nn.layers import cross_entropy, softmax
from ..nn.optim import Adam, clip_grad_norm, warmup_decay_lr

POOLINGS = ("mean", "max")
FILE_FORMAT = ("minembed classifier", 1)     # the stamp of save's file (both classes; ``kind`` says which)


# ---------------------------------------------------------------------------- pooling
def pool(H, real, how):
    """Pool token vectors H (B, T, d) over the real tokens (``real`` (B, T) bool) -> (z (B, d), cache).

    A text without any real token pools to 0."""
    n_real = real.sum(axis=1)                                           # (B,)
    if how == "mean":
        z = (H * real[..., None]).sum(axis=1) / np.maximum(n_real, 1).astype(H.dtype)[:, None]   # (stays float32)
        return z, (real, n_real, None)
    masked = np.where(real[..., None], H, -np.inf)                      # (B, T, d)
    winner = masked.argmax(axis=1)                                      # (B, d): the token of each maximum
    z = np.take_along_axis(H, winner[:, None, :], axis=1)[:, 0]        # (B, d)
    z[n_real == 0] = 0.0
    return z, (real, n_real, winner)


def pool_backward(dz, shape, cache):
    """dz (B, d) -> dH (B, T, d), the gradient at each token vector (see the module docstring)."""
    real, n_real, winner = cache
    if winner is None:                                                  # mean
        return real[..., None] * (dz / np.maximum(n_real, 1).astype(dz.dtype)[:, None])[:, None, :]
    dH = np.zeros(shape, dtype=dz.dtype)
    np.put_along_axis(dH, winner[:, None, :], dz[:, None, :], axis=1)
    dH[n_real == 0] = 0.0
    return dH


# ---------------------------------------------------------------------------- the shared classifier
class PooledClassifier:
    """A softmax head on pooled token vectors, and its training (see the module docstring).

    Parameters
    ----------
    freeze : train the head only (True) or every pretrained weight too (False).
    pooling : ``"mean"`` or ``"max"`` over a text's tokens.
    dropout : share of the pooled vector's entries zeroed while training.
    lr, body_lr : Adam learning rates of the head and of the pretrained weights.
    embedding_lr : the word-vector table's own learning rate (None: ``body_lr``). Word vectors are
        what a task changes most (and the new words start random), the encoder's block least.
        The defaults (dropout 0.3, embedding_lr 1e-2, body_lr 3e-4, a linear decay over 5 epochs)
        are the best of those tried on rt-polarity sentiment (README, "Fine-tuning versus frozen features").
    weight_decay, clip_norm : AdamW decay of the matrices; the global gradient-norm limit (0 = none).
    lr_schedule, warmup : every learning rate is scaled by :func:`minembed.optim.warmup_decay_lr` over
        the ``max_epochs`` epochs' steps: ``"constant"``, or a ``"linear"`` / ``"cosine"`` decay to 0
        (BERT fine-tunes with linear decay), after a warm-up over the ``warmup`` share of the steps.
    batch_size, max_epochs, patience, validation_fraction : see the module docstring.
    new_words : when fine-tuning, words of the training texts the pretrained model lacks and seen
        at least this often get vectors of their own (:meth:`_add_new_words`); 0 = none.
    seed : seeds the split, the batches, dropout and the new words' vectors.
    progress : show a tqdm bar with the live loss and validation accuracy.

    A subclass says what the token vectors are: ``_tokens(text, i)``, ``_token_ids(texts)`` (one id
    array per text), ``_pad_id``, ``_body_params()`` (the pretrained arrays), ``_token_vectors(ids)``
    -> (H, cache), ``_body_backward(dH, cache)`` -> the pretrained arrays' gradients, ``_dim()``,
    ``_reset_body()`` (a fresh copy of the pretrained model), for new words ``_knows(token)``,
    ``_embedding_name``, ``_embedding_table()``, ``_extend(words, counts, rows)``, and for files
    ``_body_arrays()`` / ``_body_from_arrays(arrays, path)``.
    """

    def __init__(self, freeze=False, pooling="mean", dropout=0.3, lr=3e-3, body_lr=3e-4, embedding_lr=1e-2,
                 weight_decay=0.01, batch_size=32, max_epochs=5, patience=2, validation_fraction=0.1, clip_norm=1.0, new_words=2,
                 lr_schedule="linear", warmup=0.0, seed=1, progress=True):
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {list(POOLINGS)}, got {pooling!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if lr_schedule not in ("constant", "linear", "cosine"):
            raise ValueError(f"lr_schedule must be 'constant', 'linear' or 'cosine', got {lr_schedule!r}")
        if not 0 <= warmup < 1:
            raise ValueError(f"warmup is a share of the steps, in [0, 1); got {warmup}")
        if not 0 <= validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {validation_fraction}")
        if not (isinstance(new_words, (int, np.integer)) and new_words >= 0):
            raise ValueError(f"new_words must be an integer >= 0 (0 = none), got {new_words!r}")
        for name, value in (("batch_size", batch_size), ("max_epochs", max_epochs), ("patience", patience)):
            if not (isinstance(value, (int, np.integer)) and value > 0):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name, value in (("lr", lr), ("body_lr", body_lr), ("embedding_lr", body_lr if embedding_lr is None else embedding_lr)):
            if not value > 0:
                raise ValueError(f"{name} must be > 0, got {value}")
        self.freeze, self.pooling, self.dropout = bool(freeze), pooling, float(dropout)
        self.lr, self.body_lr, self.embedding_lr = lr, body_lr, embedding_lr
        self.weight_decay, self.clip_norm = weight_decay, clip_norm
        self.batch_size, self.max_epochs, self.patience = int(batch_size), int(max_epochs), int(patience)
        self.validation_fraction, self.seed, self.progress = float(validation_fraction), seed, progress
        self.new_words = int(new_words)
        self.lr_schedule, self.warmup = lr_schedule, float(warmup)
        self.added_words = []                # words given a vector of their own by fit (see new_words)
        self.head = None                     # {"W": (d, K), "b": (K,)} once fitted
        self.classes_ = None
        self.history = []                    # one {"epoch", "loss", "val_accuracy"} per epoch

    # ------------------------------------------------------------------ the math
    def _head_loss(self, z, label_ids, keep=None):
        """Head forward and backward: z (B, d) -> (loss, {"W", "b"} grads, dz (B, d))."""
        W, b = self.head["W"], self.head["b"]
        scale = 1.0 if keep is None else keep.astype(z.dtype) / z.dtype.type(1.0 - self.dropout)   # (B, d) or 1
        z_dropped = z * scale
        logits = z_dropped @ W + b                                           # (B, K)
        loss, dlogits = cross_entropy(logits, label_ids)                    # dlogits: (B, K), mean over B
        grads = {"W": z_dropped.T @ dlogits, "b": dlogits.sum(axis=0)}
        return loss, grads, (dlogits @ W.T) * scale

    def loss_and_grads(self, ids, label_ids, keep=None):
        """The loss of a batch and the gradient of every trained array.

        ``ids`` (B, T) padded token ids, ``label_ids`` (B,) class indices into ``classes_``, ``keep``
        (B, d) the dropout mask or None (no dropout). Returns ``(loss, {"head/W", "head/b",
        "body/<name>"...})``; with ``freeze=True`` the body's gradients are left out."""
        H, cache = self._token_vectors(ids)                                 # (B, T, d)
        real = ids != self._pad_id                                          # (B, T)
        z, pool_cache = pool(H, real, self.pooling)                         # (B, d)
        loss, head_grads, dz = self._head_loss(z, label_ids, keep)
        grads = {f"head/{name}": g for name, g in head_grads.items()}
        if not self.freeze:
            dH = pool_backward(dz, H.shape, pool_cache)                     # (B, T, d)
            for name, g in self._body_backward(dH, cache).items():
                grads[f"body/{name}"] = g
        return loss, grads

    def _pooled(self, token_ids):
        """Pooled vectors (n, d) of id arrays, without dropout, in batches."""
        chunks = []
        for start in range(0, len(token_ids), 256):
            ids = self._pad(token_ids[start:start + 256])
            H, _ = self._token_vectors(ids)
            chunks.append(pool(H, ids != self._pad_id, self.pooling)[0])
        return np.concatenate(chunks)

    def _pad(self, id_arrays):
        """A list of id arrays -> (B, T) padded with ``_pad_id``, T = the longest (at least 1)."""
        batch = np.full((len(id_arrays), max(1, max(map(len, id_arrays)))), self._pad_id, dtype=np.int32)
        for i, ids in enumerate(id_arrays):
            batch[i, :len(ids)] = ids
        return batch

    # ------------------------------------------------------------------ scikit-learn's verbs
    def fit(self, texts, labels):
        """Train on ``texts`` (str or token lists) with ``labels`` (any two or more classes)."""
        texts, labels = list(texts), np.asarray(labels)
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels; give one label per text")
        self.classes_, label_ids = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"the labels have {len(self.classes_)} class(es); a classifier needs at least two")
        rng = np.random.default_rng(self.seed)
        self._reset_body()                        # a second fit starts afresh, as in scikit-learn
        self.added_words = []
        if self.new_words and not self.freeze:
            self._add_new_words(texts, rng)
        token_ids = self._token_ids(texts)
        train, val = _stratified_holdout(label_ids, self.validation_fraction, rng)
        if not len(train) or (self.validation_fraction and not len(val)):
            raise ValueError(f"{len(texts)} texts are too few for validation_fraction={self.validation_fraction:g} "
                             f"({len(train)} left to train on, {len(val)} to validate on); give more texts or "
                             "set validation_fraction=0 (no early stopping)")
        dim = self._dim()
        dtype = self._embedding_table().dtype
        # the head starts at 0 (a convex softmax regression needs no random start); so the first step sends
        # no gradient into the pretrained weights (dz = dlogits W^T = 0), the following ones do
        self.head = {"W": np.zeros((dim, len(self.classes_)), dtype), "b": np.zeros(len(self.classes_), dtype)}
        head_opt = Adam(self.head, lr=self.lr, weight_decay=self.weight_decay, decay=["W"])
        body, table_name = self._body_params(), self._embedding_name
        table_lr = self.body_lr if self.embedding_lr is None else self.embedding_lr
        body_opts = []                                   # (optimizer, names): the table, then the rest
        for lr, names in ((table_lr, [table_name]), (self.body_lr, [n for n in body if n != table_name])):
            if names and not self.freeze:
                body_opts.append((Adam({n: body[n] for n in names}, lr=lr, weight_decay=self.weight_decay,
                                       decay=[n for n in names if body[n].ndim == 2]), names))
        base_lrs = [head_opt.lr] + [optimizer.lr for optimizer, _ in body_opts]
        features = self._pooled(token_ids) if self.freeze else None         # frozen: pool once
        best, best_accuracy, waited = None, -1.0, 0
        steps_per_epoch = math.ceil(len(train) / self.batch_size)
        total_steps, step = self.max_epochs * steps_per_epoch, 0
        warmup_steps = int(self.warmup * total_steps)
        bar = tqdm(total=self.max_epochs * steps_per_epoch, disable=not self.progress, unit="batch",
                   desc="frozen" if self.freeze else "fine-tune")
        self.history = []
        try:
            for epoch in range(1, self.max_epochs + 1):
                losses = []
                for batch in np.array_split(rng.permutation(train), steps_per_epoch):
                    keep = rng.random((len(batch), dim)) >= self.dropout if self.dropout else None
                    if self.freeze:
                        loss, head_grads, _ = self._head_loss(features[batch], label_ids[batch], keep)
                        grads = {f"head/{name}": g for name, g in head_grads.items()}
                    else:
                        loss, grads = self.loss_and_grads(self._pad([token_ids[i] for i in batch]),
                                                          label_ids[batch], keep)
                    if not math.isfinite(loss):
                        raise ValueError(f"the loss became {loss} in epoch {epoch}: training diverged; "
                                         f"lower lr={self.lr:g} / body_lr={self.body_lr:g}")
                    if self.clip_norm:
                        clip_grad_norm(grads, self.clip_norm)
                    # every learning rate follows the schedule over max_epochs (BERT: warm-up, linear decay)
                    scale = warmup_decay_lr(step, total_steps, 1.0, warmup_steps, self.lr_schedule)
                    for optimizer, base_lr in zip([head_opt] + [o for o, _ in body_opts], base_lrs):
                        optimizer.lr = base_lr * scale
                    step += 1
                    head_opt.step({name: grads[f"head/{name}"] for name in self.head})
                    for optimizer, names in body_opts:
                        optimizer.step({name: grads[f"body/{name}"] for name in names})
                    losses.append(loss)
                    bar.update(1)
                    bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}", refresh=False)
                if len(val):
                    val_features = features[val] if self.freeze else self._pooled([token_ids[i] for i in val])
                    accuracy = float(np.mean(self._scores(val_features).argmax(axis=1) == label_ids[val]))
                else:
                    accuracy = None                                 # (no validation split: no early stopping)
                self.history.append({"epoch": epoch, "loss": float(np.mean(losses)), "val_accuracy": accuracy})
                bar.set_postfix(loss=f"{np.mean(losses):.3f}", val_acc="-" if accuracy is None else f"{accuracy:.3f}")
                if not len(val) or accuracy > best_accuracy:
                    best, best_accuracy, waited = self._snapshot(), accuracy, 0
                else:
                    waited += 1
                    if waited >= self.patience:
                        break
        finally:
            bar.close()
        self._restore(best)
        return self

    def _add_new_words(self, texts, rng):
        """Give every word of ``texts`` that the pretrained model lacks, seen at least ``new_words``
        times, a vector of its own: random (the size of the table's rows), then learned by fine-tuning.

        Kim (2014) does this for the words word2vec lacks. It matters: a model pretrained on
        Wikipedia misses much of a review's vocabulary (on rt-polarity, 8% of the tokens, among
        them 'hilarious', 'terrific', 'pretentious', 'bland', 'unfunny'), and those are the words
        that carry the sentiment. ``freeze=True`` adds none: frozen vectors cannot learn."""
        counts = Counter(token for i, text in enumerate(texts) for token in self._tokens(text, i)
                         if not self._knows(token))                        # once per fit, not per step
        new = sorted((word for word, n in counts.items() if n >= self.new_words), key=lambda w: (-counts[w], w))
        if new:
            table = self._embedding_table()
            scale = float(np.sqrt(np.mean(table.astype(np.float64) ** 2)))
            rows = (rng.standard_normal((len(new), table.shape[1])) * scale).astype(table.dtype)   # (n_new, d)
            self._extend(new, np.array([counts[w] for w in new]), rows)
        self.added_words += new

    def _snapshot(self):
        arrays = {f"head/{name}": value.copy() for name, value in self.head.items()}
        if not self.freeze:
            arrays.update({f"body/{name}": value.copy() for name, value in self._body_params().items()})
        return arrays

    def _restore(self, snapshot):
        body = self._body_params()
        for key, value in snapshot.items():
            part, name = key.split("/", 1)
            (self.head if part == "head" else body)[name][...] = value

    def _scores(self, z):
        return z @ self.head["W"] + self.head["b"]                          # (n, K)

    def _check_fitted(self):
        if self.head is None:
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(texts, labels) first")

    def decision_function(self, texts):
        """The head's logits (n, K), one column per class of ``classes_``."""
        self._check_fitted()
        return self._scores(self._pooled(self._token_ids(list(texts))))

    def predict_proba(self, texts):
        """Class probabilities (n, K), columns in the order of ``classes_``."""
        return softmax(self.decision_function(texts).astype(np.float64))

    def predict(self, texts):
        """The most probable class of each text."""
        return self.classes_[self.decision_function(texts).argmax(axis=1)]

    def score(self, texts, labels):
        """Accuracy on ``texts`` against ``labels``."""
        return float(np.mean(self.predict(texts) == np.asarray(labels)))

    # ------------------------------------------------------------------ save / load
    def _settings(self):
        return {name: getattr(self, name) for name in
                ("freeze", "pooling", "dropout", "lr", "body_lr", "embedding_lr", "weight_decay", "batch_size", "max_epochs",
                 "patience", "validation_fraction", "clip_norm", "new_words", "lr_schedule", "warmup", "seed")}

    def save(self, path):
        """One ``.npz``: the head, the classes, the settings and the (fine-tuned) pretrained model, stamped
        :data:`FILE_FORMAT` (``load`` refuses a file of another version, naming both)."""
        self._check_fitted()
        save_npz(path, file_format=FILE_FORMAT,
                 kind=np.array(type(self).__name__), settings=np.array(json.dumps(self._settings())),
                 classes=np.array(json.dumps(self.classes_.tolist())),
                 fitted=np.array(json.dumps({"added_words": self.added_words, "history": self.history})),
                 **{f"head/{name}": value for name, value in self.head.items()},
                 **{f"body/{name}": value for name, value in self._body_arrays().items()})

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save` of the same class."""
        data = load_npz(path, f"a minembed {cls.__name__} file (written by {cls.__name__}.save)",
                        ["kind", "settings", "classes", "fitted", "head/W", "head/b"], file_format=FILE_FORMAT)
        if str(data["kind"]) != cls.__name__:
            raise ValueError(f"{path} holds a {data['kind']}, not a {cls.__name__}; load it with {data['kind']}.load")
        body = {key[5:]: value for key, value in data.items() if key.startswith("body/")}
        classifier = cls(**cls._body_from_arrays(body, path), **json.loads(str(data["settings"])), progress=False)
        classifier.classes_ = np.array(json.loads(str(data["classes"])))
        fitted = json.loads(str(data["fitted"]))
        classifier.added_words, classifier.history = fitted["added_words"], fitted["history"]
        classifier.head = {"W": data["head/W"], "b": data["head/b"]}
        if classifier.head["W"].shape != (classifier._dim(), len(classifier.classes_)):
            raise ValueError(f"{path}: head/W is {classifier.head['W'].shape}, but the model has dim "
                             f"{classifier._dim()} and {len(classifier.classes_)} classes; the file is damaged")
        return classifier


def _stratified_holdout(label_ids, fraction, rng):
    """(train, validation) index arrays; each class gives ``fraction`` of its texts (rounded, at least one
    when it has two or more) to validation."""
    train, val = [], []
    for c in range(label_ids.max() + 1):
        members = rng.permutation(np.flatnonzero(label_ids == c))
        n_val = int(round(fraction * len(members)))
        if fraction and n_val == 0 and len(members) >= 2:
            n_val = 1                                   # a small class still gets one validation text
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))
