"""Optimizers over a dict of named parameter arrays: SGD (with momentum) and Adam (with AdamW weight decay).

A model keeps its weights in a dict ``params = {"W_q": array, ...}`` and returns gradients in a
dict with the same names and shapes. An optimizer updates the arrays **in place**::

    opt = Adam(params, lr=1e-3)
    loss, grads = model.loss_and_grads(ids, targets)
    clip_grad_norm(grads, 1.0)                 # optional: rescale so ||g|| <= 1
    opt.lr = warmup_decay_lr(step, total_steps, 1e-3, warmup_steps=100)
    opt.step(grads)

**SGD with momentum** (PyTorch's form, ``mu = momentum``)::

    b <- mu * b + g          (b = g on the first step)
    p <- p - lr * b

**Adam** (Kingma & Ba 2015) with bias correction, and AdamW's *decoupled* weight decay
(Loshchilov & Hutter 2019: the decay shrinks the weight directly and never enters m or v)::

    p <- p - lr * wd * p                          (only for names in ``decay``)
    m <- b1 m + (1 - b1) g,      v <- b2 v + (1 - b2) g^2
    p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

These are PyTorch's ``torch.optim.SGD`` / ``Adam`` / ``AdamW`` update rules step for step (the
tests compare them when PyTorch is installed). ``state_dict()`` returns flat arrays, so a
checkpoint is one ``.npz`` file.
"""
import math

import numpy as np


class Optimizer:
    """Shared plumbing: the parameter dict, the step counter, named state buffers, (de)serialization."""

    def __init__(self, params, lr):
        if not isinstance(params, dict) or not params:
            raise TypeError("an optimizer needs a non-empty dict {name: array} of parameters")
        if not lr > 0:
            raise ValueError(f"the learning rate must be > 0, got {lr}")
        self.params = params
        self.lr = lr
        self.t = 0                 # number of steps taken
        self.state = {}            # {"m/W_q": array, ...}: per-parameter buffers
        self._scratch_arrays = {}  # reused temporaries (not state: never saved)

    def _buffer(self, kind, name):
        """The zero-initialised buffer ``kind/name`` (e.g. Adam's ``m/W_q``)."""
        key = f"{kind}/{name}"
        if key not in self.state:
            self.state[key] = np.zeros_like(self.params[name])
        return self.state[key]

    def _check_grads(self, grads):
        for name, param in self.params.items():
            if name not in grads:
                raise KeyError(f"no gradient for parameter {name!r}")
            if grads[name].shape != param.shape:
                raise ValueError(f"gradient of {name!r} has shape {grads[name].shape}, "
                                 f"the parameter has {param.shape}")

    def step(self, grads):
        """Update every parameter in place from ``grads`` (same names and shapes)."""
        self._check_grads(grads)
        self.t += 1
        for name, param in self.params.items():
            self._update(name, param, grads[name])

    def state_dict(self):
        """Flat ``{key: array}``: the step counter and every buffer (for ``save_npz``)."""
        return {"t": np.array(self.t, dtype=np.int64), **{k: v.copy() for k, v in self.state.items()}}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned (buffers must match the parameters)."""
        state = dict(state)
        self.t = int(state.pop("t"))
        for key, value in state.items():
            name = key.partition("/")[2]
            if name not in self.params or value.shape != self.params[name].shape:
                raise ValueError(f"optimizer state {key!r} {value.shape} does not match the parameters; "
                                 "was it saved for another model configuration?")
        self.state = {key: np.array(value, dtype=self.params[key.partition("/")[2]].dtype)
                      for key, value in state.items()}


class SGD(Optimizer):
    """Plain or momentum SGD: ``b <- momentum * b + g; p <- p - lr * b``."""

    def __init__(self, params, lr=0.1, momentum=0.0):
        super().__init__(params, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum

    def _update(self, name, param, grad):
        if self.momentum:
            buf = self._buffer("momentum", name)
            if self.t == 1:
                buf[...] = grad
            else:
                buf *= self.momentum
                buf += grad
            grad = buf
        param -= self.lr * grad


class Adam(Optimizer):
    """Adam; ``weight_decay > 0`` gives AdamW's decoupled decay on the names in ``decay``
    (default: every parameter; models usually pass only their weight matrices).

    ``lazy``: names of embedding tables updated **row by row** (TensorFlow's LazyAdam; PyTorch's
    SparseAdam, with AdamW's decay added): a row whose gradient is all zero this step is left
    exactly as it is, its m and v too, instead of drifting on its momentum and decaying. A step
    that touches 4,000 rows of a 30,000-row table then costs 4,000 rows of arithmetic, not 30,000.
    When every row has a gradient (a full softmax head) the update is the dense one, bit for bit.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decay=None, lazy=()):
        super().__init__(params, lr)
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"Adam betas must be in [0, 1), got {betas}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        unknown = [name for name in lazy if name not in params or params[name].ndim != 2]
        if unknown:
            raise ValueError(f"lazy names {unknown} are not 2-D parameters (embedding tables) of this model")
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.decay = set(params) if decay is None else set(decay)
        self.lazy = set(lazy)

    def _update(self, name, param, grad):
        m, v = self._buffer("m", name), self._buffer("v", name)
        if name in self.lazy:
            rows = np.flatnonzero(grad.any(axis=1))                     # rows with a gradient this step
            if len(rows) < len(param):
                row_param, row_m, row_v = param[rows], m[rows], v[rows]  # (R, d) copies
                self._adam(name, row_param, grad[rows], row_m, row_v, np.empty_like(row_param))
                param[rows], m[rows], v[rows] = row_param, row_m, row_v
                return
        self._adam(name, param, grad, m, v, self._scratch(name))      # no 8 MB temporaries per step

    def _adam(self, name, param, grad, m, v, scratch):
        """The update above, in place on ``param``, ``m`` and ``v``."""
        if self.weight_decay and name in self.decay:
            param *= 1.0 - self.lr * self.weight_decay       # p <- p - lr * wd * p
        m *= self.beta1
        m += np.multiply(grad, 1.0 - self.beta1, out=scratch)          # m <- b1 m + (1 - b1) g
        v *= self.beta2
        np.multiply(grad, grad, out=scratch)
        v += np.multiply(scratch, 1.0 - self.beta2, out=scratch)       # v <- b2 v + (1 - b2) g^2
        np.sqrt(v, out=scratch)
        scratch *= 1.0 / math.sqrt(1.0 - self.beta2 ** self.t)
        scratch += self.eps                                            # sqrt(v_hat) + eps
        np.divide(m, scratch, out=scratch)
        scratch *= self.lr / (1.0 - self.beta1 ** self.t)
        param -= scratch                                     # p <- p - lr/(1-b1^t) * m / (sqrt(v_hat) + eps)

    def _scratch(self, name):
        if name not in self._scratch_arrays:
            self._scratch_arrays[name] = np.empty_like(self.params[name])
        return self._scratch_arrays[name]


# ---------------------------------------------------------------------------- helpers
def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together so their global L2 norm is at most ``max_norm``.

    Returns the norm *before* clipping (as ``torch.nn.utils.clip_grad_norm_`` does)::

        >>> g = {"a": np.array([3.0]), "b": np.array([4.0])}
        >>> clip_grad_norm(g, 1.0), g["a"], g["b"]
        (5.0, array([0.6]), array([0.8]))
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    if total > max_norm:
        scale = max_norm / total
        for g in grads.values():
            g *= scale
    return total


def warmup_decay_lr(step, total_steps, base_lr, warmup_steps=0, decay="linear", min_lr=0.0):
    """Learning rate at ``step`` (0-based): linear warm-up, then linear or cosine decay.

    ``lr`` rises from ``base_lr / warmup_steps`` to ``base_lr`` over the first ``warmup_steps``
    steps, then falls to ``min_lr`` at ``total_steps``:

        linear: min_lr + (base_lr - min_lr) * (1 - p)
        cosine: min_lr + (base_lr - min_lr) * (1 + cos(pi p)) / 2,   p = (step - warmup) / (total - warmup)

    ``decay="constant"`` keeps ``base_lr`` after the warm-up.

    >>> [warmup_decay_lr(s, 10, 1.0, warmup_steps=2) for s in (0, 1, 2, 6)]
    [0.5, 1.0, 1.0, 0.5]
    """
    if decay not in ("linear", "cosine", "constant"):
        raise ValueError(f"decay must be 'linear', 'cosine' or 'constant', got {decay!r}")
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    if decay == "constant" or total_steps <= warmup_steps:
        return base_lr
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    if decay == "linear":
        return min_lr + (base_lr - min_lr) * (1.0 - progress)
    return min_lr + (base_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))
