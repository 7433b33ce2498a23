"""Exercise (docs/07-fine-tuning.md): cross-entropy with label smoothing.

A classifier trained on one-hot targets is pushed to make its logits ever larger (the loss only
reaches 0 at infinite confidence). Label smoothing (Szegedy et al. 2016) trains on a softened target
instead: with K classes and smoothing eps,

    q_ik   = (1 - eps) * [k == label_i] + eps / K
    loss   = mean_i  - sum_k q_ik log p_ik,           p_i = softmax(logits_i)
    dloss / dlogits = (p - q) / N

(eps = 0 is the plain cross-entropy of minembed.nn.layers.cross_entropy and minembed/tasks/finetune.py.)
Check with

    python -m pytest docs/exercises/test_smoothing.py
"""


def smoothed_targets(labels, n_classes, smoothing=0.1):
    """(N, n_classes) float64 q as above, from (N,) int labels. Each row sums to 1."""
    raise NotImplementedError("docs/exercises/smoothing.py: smoothed_targets")


def smoothed_cross_entropy(logits, labels, smoothing=0.1):
    """``logits`` (N, K), ``labels`` (N,) int -> ``(loss: float, dlogits: (N, K) float64)``.

    Compute log p stably: subtract each row's maximum before ``exp`` (logits of 1000 must work).
    """
    raise NotImplementedError("docs/exercises/smoothing.py: smoothed_cross_entropy")
