"""SGD / Adam / AdamW updates by hand and against PyTorch; clipping; the learning-rate schedule;
optimizer checkpoints."""
import math

import numpy as np
import pytest

from minembed.nn.optim import SGD, Adam, clip_grad_norm, warmup_decay_lr


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


# ---------------------------------------------------------------------------- lazy (row-by-row) Adam
def test_lazy_adam_leaves_rows_without_gradient_alone_and_moves_the_others_as_dense_adam():
    start = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    lazy_params, dense_params = {"E": start.copy()}, {"E": start.copy()}
    lazy = Adam(lazy_params, lr=0.1, weight_decay=0.5, lazy=["E"])
    dense = Adam(dense_params, lr=0.1, weight_decay=0.5)
    first = np.array([[1.0, -1.0], [0.0, 0.0], [2.0, 0.0]])      # row 1: no gradient
    second = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])      # rows 0 and 1: none
    for grad in (first, second):
        lazy.step({"E": grad.copy()})
        dense.step({"E": grad.copy()})
    np.testing.assert_array_equal(lazy_params["E"][1], [3.0, 4.0])              # never touched: no decay
    np.testing.assert_array_equal(lazy.state["m/E"][1], [0.0, 0.0])
    np.testing.assert_array_equal(lazy_params["E"][2], dense_params["E"][2])     # touched both times: dense Adam's
    # row 0 had a gradient at step 1 only: after step 1 it is where dense Adam put it, and then it stays
    by_hand = start[0] * (1 - 0.1 * 0.5) - 0.1 * np.sign(first[0])               # first step: lr * sign(g)
    np.testing.assert_allclose(lazy_params["E"][0], by_hand, rtol=1e-7)
    assert not np.allclose(dense_params["E"][0], by_hand)                        # dense kept moving it


def test_lazy_adam_with_every_row_touched_is_dense_adam_bit_for_bit():
    rng = np.random.default_rng(2)
    start = rng.normal(size=(5, 3)).astype(np.float32)
    lazy_params, dense_params = {"E": start.copy()}, {"E": start.copy()}
    lazy = Adam(lazy_params, lr=0.01, weight_decay=0.1, lazy=["E"])
    dense = Adam(dense_params, lr=0.01, weight_decay=0.1)
    for _ in range(4):
        grad = rng.normal(size=(5, 3)).astype(np.float32)
        lazy.step({"E": grad.copy()})
        dense.step({"E": grad.copy()})
    np.testing.assert_array_equal(lazy_params["E"], dense_params["E"])


def test_lazy_adam_refuses_a_name_that_is_not_a_table():
    with pytest.raises(ValueError, match="not 2-D parameters"):
        Adam({"b": np.zeros(3)}, lazy=["b"])
    with pytest.raises(ValueError, match="not 2-D parameters"):
        Adam({"E": np.zeros((2, 2))}, lazy=["W"])


def test_lazy_adam_matches_pytorch_sparse_adam():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    start = rng.normal(size=(6, 4))
    ours = {"E": start.copy()}
    # SparseAdam puts eps beside sqrt(v) before the bias correction (and refuses 0): a tiny eps
    # makes that difference ~1e-12 of a step
    opt = Adam(ours, lr=0.01, eps=1e-12, lazy=["E"])
    table = torch.nn.Embedding(6, 4, sparse=True, dtype=torch.float64)
    table.weight.data = torch.tensor(start)
    ref = torch.optim.SparseAdam(table.parameters(), lr=0.01, eps=1e-12)
    for step in range(5):
        ids = rng.choice(6, size=3, replace=False)                   # different rows each step
        upstream = rng.normal(size=(3, 4))
        grad = np.zeros((6, 4))
        grad[ids] = upstream
        opt.step({"E": grad})
        ref.zero_grad()
        (table(torch.tensor(ids)) * torch.tensor(upstream)).sum().backward()
        ref.step()
    np.testing.assert_allclose(ours["E"], table.weight.detach().numpy(), rtol=1e-9, atol=1e-12)
