"""engine.optim: SGD (momentum, weight decay), Adam, schedules; on Values and on numpy-array parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Value
from engine.optim import SGD, Adam, constant, exponential_decay, linear_decay, step_decay


class ArrayParam:
    """What a future tensor parameter looks like to an optimiser: `.data` and `.grad` arrays."""

    def __init__(self, data):
        self.data = np.array(data, dtype=float)
        self.grad = np.zeros_like(self.data)


def test_sgd_is_micrographs_update():
    p, q = Value(1.0), Value(-2.0)
    p.grad, q.grad = 0.5, -3.0
    opt = SGD([p, q], lr=0.1)
    opt.step()
    assert p.data == 1.0 - 0.1 * 0.5 and q.data == -2.0 - 0.1 * -3.0
    opt.zero_grad()
    assert p.grad == 0.0 and q.grad == 0.0


def test_sgd_momentum_and_weight_decay():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    expected, v = 1.0, 0.0
    for g in [1.0, 0.5, -0.25]:
        p.grad = g
        opt.step()
        v = 0.9 * v + (g + 0.01 * expected)
        expected -= 0.1 * v
        assert p.data == pytest.approx(expected, rel=1e-15)


def test_adam_matches_the_formula():
    p = Value(0.5)
    opt = Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    m = v = 0.0
    x = 0.5
    for t, g in enumerate([0.3, -0.1, 0.2, 0.05], start=1):
        p.grad = g
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        x -= 0.01 * (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
        assert p.data == pytest.approx(x, rel=1e-12)
    first = Value(0.0)
    first.grad = 123.0
    Adam([first], lr=0.01).step()
    assert first.data == pytest.approx(-0.01)  # the first step is lr·sign(g), whatever |g|


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.5), lambda ps: Adam(ps, lr=0.1)])
def test_optimisers_minimise_a_quadratic(make):
    x, y = Value(4.0), Value(-3.0)
    opt = make([x, y])
    for _ in range(300):
        loss = (x - 1.0) ** 2 + 2 * (y + 2.0) ** 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert x.data == pytest.approx(1.0, abs=1e-3) and y.data == pytest.approx(-2.0, abs=1e-3)


def test_optimisers_work_on_numpy_array_parameters():
    values = Value(1.0)
    arr = ArrayParam([1.0, -2.0, 3.0])
    for opt in (SGD([arr], lr=0.1, momentum=0.9, weight_decay=0.01), Adam([arr], lr=0.1)):
        grad = np.array([0.5, -1.0, 2.0])
        before = arr.data.copy()
        arr.grad[:] = grad
        opt.step()
        opt.step()
        assert arr.data.shape == (3,) and np.all(np.sign(before - arr.data) == np.sign(grad))
        grads = arr.grad
        opt.zero_grad()
        assert arr.grad is grads and not arr.grad.any()  # zeroed in place
    mixed = SGD([values, arr], lr=1.0)
    values.grad, arr.grad[:] = 2.0, 1.0
    mixed.step()
    assert values.data == -1.0


def test_learning_rate_is_settable_and_checked():
    opt = SGD([Value(1.0)], lr=0.5)
    opt.lr = 0.25
    assert opt.lr == 0.25
    with pytest.raises(ValueError, match="learning rate"):
        opt.lr = -1.0
    with pytest.raises(ValueError, match="learning rate"):
        SGD([Value(1.0)], lr=float("nan"))
    with pytest.raises(ValueError, match="empty list of parameters"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        SGD([Value(1.0)], lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="betas"):
        Adam([Value(1.0)], betas=(1.0, 0.9))


def test_linear_decay_is_the_demo_schedule():
    schedule = linear_decay(1.0, 0.1, 100)
    for k in range(100):
        assert schedule(k) == 1.0 - 0.9 * k / 100  # exactly the demo's arithmetic
    assert schedule(100) == pytest.approx(0.1) and schedule(500) == schedule(100)
    with pytest.raises(ValueError):
        linear_decay(1.0, 0.1, 0)


def test_other_schedules():
    assert [constant(0.3)(k) for k in (0, 10, 1000)] == [0.3, 0.3, 0.3]
    s = step_decay(0.1, 0.5, every=10)
    assert [s(0), s(9), s(10), s(25)] == [0.1, 0.1, 0.05, 0.025]
    e = exponential_decay(1.0, 0.9)
    assert e(0) == 1.0 and e(2) == pytest.approx(0.81)
    with pytest.raises(ValueError):
        step_decay(0.1, 0.5, every=0)
