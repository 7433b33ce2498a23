"""Finite-difference gradient checking: is a hand-written backward pass right?

For a scalar loss ``L(p)`` the central difference

    dL/dp_i  ~=  (L(p + eps e_i) - L(p - eps e_i)) / (2 eps)

has error ``O(eps^2)`` (the ``p_i^2`` terms cancel), plus round-off ``~ machine_eps * |L| / eps``.
In float64 with ``eps = 1e-6`` both are around 1e-10, far below any real bug, so comparing it
entry by entry with the analytic gradient proves (or disproves) the backward pass. Always check
in float64: in float32 the round-off term alone is ~1e-1.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> loss = lambda: float(np.sum(params["w"] ** 3))
    >>> check_gradients(loss, params, {"w": 3 * params["w"] ** 2})["w"] < 1e-6
    True
"""
import numpy as np


class GradientCheckError(AssertionError):
    """An analytic gradient disagrees with the finite difference."""


def check_gradients(f, params, grads, eps=1e-6, rtol=1e-5, atol=1e-8, max_entries=None, seed=0):
    """Compare ``grads`` with central differences of ``f`` for every parameter.

    Parameters
    ----------
    f : callable ``() -> float``
        Recomputes the loss from the *current* contents of ``params`` (which are perturbed
        in place and always restored).
    params, grads : dict name -> float64 array
        The parameters and their analytic gradients (same names and shapes).
    eps : float
        Step of the central difference.
    rtol, atol : float
        An entry passes when ``|analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|)``.
    max_entries : int or None
        Check at most this many randomly chosen entries per parameter (all when None).
    seed : int
        Seed of the Generator choosing those entries.

    Returns
    -------
    dict name -> float: the largest relative error ``|a - n| / (max(|a|, |n|) + atol / rtol)``
    of each parameter (the floor ``atol / rtol`` judges near-zero gradients absolutely); an
    entry passes exactly when this is ``<= rtol``. Raises :class:`GradientCheckError` naming the parameter, index and both values on failure.
    """
    rng = np.random.default_rng(seed)
    report = {}
    for name, param in params.items():
        if param.dtype != np.float64:
            raise TypeError(f"gradient checks need float64 parameters; {name!r} is {param.dtype}. "
                            "Check a float64 copy of the model.")
        if name not in grads or np.shape(grads[name]) != param.shape:
            raise GradientCheckError(f"no gradient of shape {param.shape} for parameter {name!r}")
        flat, grad = param.reshape(-1), np.asarray(grads[name], dtype=np.float64).reshape(-1)
        if not np.shares_memory(flat, param):
            raise ValueError(f"parameter {name!r} must be contiguous so it can be perturbed in place")
        entries = np.arange(flat.size)
        if max_entries is not None and flat.size > max_entries:
            entries = np.sort(rng.choice(flat.size, size=max_entries, replace=False))
        worst = 0.0
        for i in entries.tolist():
            numeric = _central_difference(f, flat, i, eps)
            analytic = grad[i]
            error = abs(analytic - numeric)
            scale = max(abs(analytic), abs(numeric))
            if error > atol + rtol * scale:
                raise GradientCheckError(
                    f"gradient of {name!r} at flat index {i} {np.unravel_index(i, param.shape)}: "
                    f"analytic {analytic:.10g}, finite difference {numeric:.10g} (|diff| {error:.3g})")
            worst = max(worst, error / (scale + atol / rtol))
        report[name] = float(worst)
    return report


def _central_difference(f, flat, i, eps):
    """``(f(p + eps e_i) - f(p - eps e_i)) / (2 eps)``, restoring ``p_i`` afterwards."""
    original = flat[i]
    try:
        flat[i] = original + eps
        plus = f()
        flat[i] = original - eps
        minus = f()
    finally:
        flat[i] = original
    return (plus - minus) / (2 * eps)
