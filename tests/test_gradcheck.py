"""check_gradients passes right gradients and catches wrong ones."""
import numpy as np
import pytest

from minembed.nn.gradcheck import GradientCheckError, check_gradients


def make_problem():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    x = rng.normal(size=(5, 3))

    def loss():                                      # sum(tanh(x W + b)^2)
        return float(np.sum(np.tanh(x @ params["W"] + params["b"]) ** 2))

    z = np.tanh(x @ params["W"] + params["b"])
    dz = 2 * z * (1 - z ** 2)
    return params, loss, {"W": x.T @ dz, "b": dz.sum(axis=0)}


def test_right_gradients_pass_and_params_are_restored():
    params, loss, grads = make_problem()
    before = {name: value.copy() for name, value in params.items()}
    report = check_gradients(loss, params, grads)
    assert set(report) == {"W", "b"} and max(report.values()) < 1e-8
    assert all(np.array_equal(params[n], before[n]) for n in params)


def test_a_wrong_entry_is_caught_and_named():
    params, loss, grads = make_problem()
    grads["W"][2, 1] *= 1.001
    with pytest.raises(GradientCheckError, match=r"'W' at flat index 5 \(.*2.*1.*\)"):
        check_gradients(loss, params, grads)


def test_max_entries_samples_and_float32_is_refused():
    params, loss, grads = make_problem()
    assert check_gradients(loss, params, grads, max_entries=2)["W"] < 1e-8
    with pytest.raises(TypeError, match="float64"):
        check_gradients(loss, {"W": params["W"].astype(np.float32)}, grads)
    with pytest.raises(GradientCheckError, match="no gradient"):
        check_gradients(loss, params, {"W": grads["W"]})
