"""Reference solution: cross-entropy with label smoothing (the exercise is docs/exercises/smoothing.py)."""
import numpy as np


def smoothed_targets(labels, n_classes, smoothing=0.1):
    """See docs/exercises/smoothing.py."""
    q = np.full((len(labels), n_classes), smoothing / n_classes)
    q[np.arange(len(labels)), labels] += 1.0 - smoothing
    return q


def smoothed_cross_entropy(logits, labels, smoothing=0.1):
    """See docs/exercises/smoothing.py."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))   # log softmax, (N, K)
    q = smoothed_targets(labels, logits.shape[1], smoothing)
    n = len(labels)
    return float(-(q * log_p).sum() / n), (np.exp(log_p) - q) / n
