"""engine.losses: values, gradients and numerical stability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Value
from engine.gradcheck import gradcheck
from engine.losses import accuracy, binary_cross_entropy, cross_entropy, hinge_loss, mse, softmax


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def test_mse():
    preds = [Value(1.0), Value(2.0), Value(4.0)]
    loss = mse(preds, [1.0, 3.0, 2.0])
    assert loss.data == pytest.approx((0 + 1 + 4) / 3)
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([0.0, -2 / 3, 4 / 3])
    assert mse(Value(3.0), 1.0).data == 4.0
    with pytest.raises(ValueError, match="3 outputs but 2 targets"):
        mse(preds, [1.0, 2.0])


def test_hinge_loss_is_the_demo_formula():
    w = [Value(0.5), Value(-2.0)]
    scores = [Value(0.3), Value(-2.0), Value(1.5)]
    labels = np.array([1, -1, -1])
    loss = hinge_loss(scores, labels, parameters=w, alpha=1e-4)
    expected = (max(0, 1 - 0.3) + max(0, 1 - 2.0) + max(0, 1 + 1.5)) / 3 + 1e-4 * (0.25 + 4.0)
    assert loss.data == pytest.approx(expected, rel=1e-15)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([-1 / 3, 0.0, 1 / 3])
    assert [p.grad for p in w] == pytest.approx([2e-4 * 0.5, 2e-4 * -2.0])
    assert hinge_loss(scores, labels).data == pytest.approx(expected - 1e-4 * 4.25)


def test_hinge_loss_rejects_zero_one_labels():
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        hinge_loss([Value(1.0)], [0])


@settings(max_examples=50, deadline=None)
@given(st.floats(-30, 30), st.sampled_from([0.0, 1.0, 0.3]))
def test_bce_from_logits_matches_the_definition_and_its_gradient(z, y):
    loss = binary_cross_entropy(Value(z), y)
    p = sigmoid(z)
    # the definition, -[y ln p + (1-y) ln(1-p)]; accurate in floats only while p is not near 0 or 1
    if abs(z) < 5:
        assert loss.data == pytest.approx(-(y * math.log(p) + (1 - y) * math.log(1 - p)), rel=1e-9)
    # the same in softplus form, accurate everywhere: ln(1 + e^z) - y·z
    softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    assert loss.data == pytest.approx(softplus - y * z, rel=1e-12, abs=1e-12)
    result = gradcheck(lambda v: binary_cross_entropy(v[0], y), [z])
    assert result.passed, result.report()
    x = Value(z)
    binary_cross_entropy(x, y).backward()
    assert x.grad == pytest.approx(p - y, abs=1e-12)  # the famous σ(z) - y


@pytest.mark.parametrize("z", [1000.0, -1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_from_logits_is_stable(z, y):
    x = Value(z)
    loss = binary_cross_entropy([x], [y])
    loss.backward()
    wrong = (z > 0) != (y > 0)
    assert loss.data == pytest.approx(1000.0 if wrong else 0.0)
    assert x.grad == pytest.approx(sigmoid(z) - y)


def test_bce_from_probabilities():
    p = Value(0.8)
    loss = binary_cross_entropy([p, Value(0.3)], [1, 0], from_logits=False)
    assert loss.data == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    loss.backward()
    assert p.grad == pytest.approx(-1 / 0.8 / 2)
    with pytest.raises(ValueError, match="infinite loss"):
        binary_cross_entropy(Value(1.0), 0, from_logits=False)
    with pytest.raises(ValueError, match="targets must be in"):
        binary_cross_entropy(Value(1.0), 2)


def test_softmax():
    probs = softmax([Value(1.0), Value(2.0), 3.0])
    e = [math.exp(1), math.exp(2), math.exp(3)]
    assert [p.data for p in probs] == pytest.approx([x / sum(e) for x in e])
    big = softmax([Value(1000.0), Value(1000.0), Value(0.0)])  # would overflow without the max trick
    assert [p.data for p in big] == pytest.approx([0.5, 0.5, 0.0])
    result = gradcheck(lambda v: softmax(v)[1] * 2 + softmax(v)[0], [0.1, -0.5, 0.7])
    assert result.passed, result.report()


def test_cross_entropy():
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    loss = cross_entropy(logits, 1)
    e = [math.exp(1.0), math.exp(2.0), math.exp(0.5)]
    probs = [x / sum(e) for x in e]
    assert loss.data == pytest.approx(-math.log(probs[1]))
    loss.backward()
    assert [z.grad for z in logits] == pytest.approx([probs[0], probs[1] - 1, probs[2]])  # softmax - one-hot
    huge = [Value(1000.0), Value(-1000.0), Value(999.0)]
    hl = cross_entropy(huge, 2)
    hl.backward()
    assert hl.data == pytest.approx(1 + math.log(1 + math.exp(-1)))
    assert all(math.isfinite(z.grad) for z in huge)
    assert gradcheck(lambda v: cross_entropy(v, 0), [0.3, -1.2, 2.0, 0.0]).passed
    for bad in (3, -1, True, 1.5):
        with pytest.raises(ValueError, match="not a class index"):
            cross_entropy(logits, bad)


def test_accuracy():
    assert accuracy([Value(0.5), Value(-1.0), Value(2.0)], [1, -1, -1]) == pytest.approx(2 / 3)
    assert accuracy([0.5, -1.0], np.array([1, 0])) == 1.0  # 0/1 labels
    assert accuracy([[Value(0.1), Value(2.0)], [3.0, 1.0]], [1, 1]) == 0.5  # one logit list per example
    assert isinstance(accuracy([1.0], [1]), float)
