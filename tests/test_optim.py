"""SGD / Adam / AdamW updates by hand and against PyTorch; clipping; the learning-rate schedule;
optimizer checkpoints."""
import math

import numpy as np
import pytest

from minembed.optim import SGD, Adam, clip_grad_norm, warmup_decay_lr


def test_sgd_by_hand():
    params = {"w": np.array([1.0, -1.0])}
    opt = SGD(params, lr=0.1)
    opt.step({"w": np.array([2.0, 0.5])})
    np.testing.assert_allclose(params["w"], [0.8, -1.05])


def test_sgd_momentum_by_hand():
    params = {"w": np.array([0.0])}
    opt = SGD(params, lr=1.0, momentum=0.5)
    opt.step({"w": np.array([1.0])})          # b = 1            w = -1
    opt.step({"w": np.array([1.0])})          # b = 0.5 + 1      w = -2.5
    np.testing.assert_allclose(params["w"], [-2.5])


def test_adam_first_step_moves_each_weight_by_lr_times_sign():
    # m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps) = lr * sign(g)
    params = {"w": np.array([1.0, 1.0, 1.0])}
    Adam(params, lr=0.01, eps=0.0).step({"w": np.array([3.0, -0.001, 50.0])})
    np.testing.assert_allclose(params["w"], [0.99, 1.01, 0.99])


def test_adam_second_step_by_hand():
    params = {"w": np.array([0.0])}
    opt = Adam(params, lr=1.0, betas=(0.5, 0.5), eps=0.0)
    opt.step({"w": np.array([1.0])})                      # w = -1
    opt.step({"w": np.array([3.0])})
    m_hat = (0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.5 ** 2)     # m1 = 0.5 * 1, m2 = 0.5 m1 + 0.5 * 3
    v_hat = (0.5 * 0.5 * 1 + 0.5 * 9) / (1 - 0.5 ** 2)
    np.testing.assert_allclose(params["w"], [-1.0 - m_hat / math.sqrt(v_hat)])


def test_adamw_decay_is_decoupled_and_only_for_named_params():
    params = {"W": np.array([2.0]), "b": np.array([2.0])}
    Adam(params, lr=0.1, weight_decay=0.5, decay=["W"]).step({"W": np.array([0.0]), "b": np.array([0.0])})
    np.testing.assert_allclose(params["W"], [2.0 * (1 - 0.1 * 0.5)])   # zero gradient: decay only
    np.testing.assert_allclose(params["b"], [2.0])


def test_clip_grad_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert clip_grad_norm(grads, 10.0) == 5.0 and grads["a"][0] == 3.0     # below the limit: untouched
    assert clip_grad_norm(grads, 1.0) == 5.0
    np.testing.assert_allclose([grads["a"][0], grads["b"][0, 0]], [0.6, 0.8])


def test_warmup_then_linear_cosine_or_constant():
    lrs = [warmup_decay_lr(s, 10, 1.0, warmup_steps=2) for s in range(11)]
    np.testing.assert_allclose(lrs, [0.5, 1.0, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.0])
    assert warmup_decay_lr(6, 10, 1.0, 2, decay="cosine") == pytest.approx(0.5)
    assert warmup_decay_lr(4, 10, 1.0, 2, decay="cosine") == pytest.approx((1 + math.cos(math.pi / 4)) / 2)
    assert warmup_decay_lr(9, 10, 1.0, 2, decay="constant") == 1.0
    assert warmup_decay_lr(10, 10, 1.0, 0, min_lr=0.1) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="decay"):
        warmup_decay_lr(0, 10, 1.0, decay="step")


@pytest.mark.parametrize("make", [lambda p: Adam(p, lr=0.05, weight_decay=0.1),
                                  lambda p: SGD(p, lr=0.05, momentum=0.9)])
def test_state_dict_resumes_exactly(make):
    rng = np.random.default_rng(0)
    grads = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)} for _ in range(6)]
    straight = {"W": np.ones((3, 2)), "b": np.zeros(2)}
    opt = make(straight)
    for g in grads:
        opt.step(g)
    first = {"W": np.ones((3, 2)), "b": np.zeros(2)}
    opt = make(first)
    for g in grads[:3]:
        opt.step(g)
    state = opt.state_dict()
    second = {name: value.copy() for name, value in first.items()}
    opt = make(second)
    opt.load_state_dict(state)
    for g in grads[3:]:
        opt.step(g)
    for name in straight:
        np.testing.assert_array_equal(second[name], straight[name])


def test_bad_inputs():
    with pytest.raises(ValueError, match="learning rate"):
        Adam({"w": np.zeros(2)}, lr=0)
    with pytest.raises(TypeError, match="dict"):
        SGD([np.zeros(2)])
    opt = Adam({"w": np.zeros(2)})
    with pytest.raises(KeyError, match="'w'"):
        opt.step({})
    with pytest.raises(ValueError, match="shape"):
        opt.step({"w": np.zeros(3)})
    with pytest.raises(ValueError, match="does not match"):
        opt.load_state_dict({"t": np.array(1), "m/w": np.zeros(5)})
    with pytest.raises(ValueError, match="momentum"):
        SGD({"w": np.zeros(2)}, momentum=1.5)


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam", "adamw"])
def test_matches_pytorch(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    start = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    grads = [{name: rng.normal(size=value.shape) for name, value in start.items()} for _ in range(5)]
    ours = {name: value.copy() for name, value in start.items()}
    theirs = [torch.tensor(start[name], requires_grad=True) for name in ("W", "b")]
    opt, ref = {"sgd": (SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)),
                "momentum": (SGD(ours, lr=0.1, momentum=0.9), torch.optim.SGD(theirs, lr=0.1, momentum=0.9)),
                "adam": (Adam(ours, lr=0.01), torch.optim.Adam(theirs, lr=0.01)),
                "adamw": (Adam(ours, lr=0.01, weight_decay=0.1),
                          torch.optim.AdamW(theirs, lr=0.01, weight_decay=0.1))}[kind]
    for g in grads:
        opt.step(g)
        for tensor, name in zip(theirs, ("W", "b")):
            tensor.grad = torch.tensor(g[name])
        ref.step()
    for tensor, name in zip(theirs, ("W", "b")):
        np.testing.assert_allclose(ours[name], tensor.detach().numpy(), rtol=1e-12, atol=1e-14)
