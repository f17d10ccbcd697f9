"""A grad that becomes NaN or infinite stops backward() with the node and its op named; overflow says what."""

from __future__ import annotations

import math

import pytest

from engine import Value
from engine.trace import backward_trace


def test_a_nan_grad_raises_naming_the_log_and_why():
    a = Value(5e-324, label="a")
    with pytest.raises(FloatingPointError, match=r"ln\(a\) to a became -?inf: a = 5e-324 is too close to 0"):
        (a.log() - a.log()).backward()


def test_the_step_trace_raises_as_backward_does():
    a = Value(5e-324, label="a")
    with pytest.raises(FloatingPointError, match="too close to 0"):
        list(backward_trace(a.log() * 2.0))


def test_a_grad_too_large_for_a_float_names_the_multiplication():
    x = Value(1e-300, label="x")
    y = x * 1e300  # 1: every value in the forward pass is a float
    y.label = "y"
    z = y * 1e300
    message = r"through y = x \* n\d to x became inf: local derivative 1e\+300 × grad 1e\+300"
    with pytest.raises(FloatingPointError, match=message):
        z.backward()  # but ∂z/∂x = 1e300 · 1e300 is not


def test_a_learners_backward_that_gives_nan_is_named():
    a = Value(1.0, label="a")
    out = Value(2.0, (a,), "bad")

    def _backward():
        a.grad += math.nan

    out._backward = _backward
    out.label = "out"
    with pytest.raises(FloatingPointError, match=r"grad of a became nan in the _backward of out \(bad\)"):
        out.backward()


def test_finite_grads_whose_sum_overflows_are_fine():
    a, b = Value(1.0), Value(1.0)
    out = a * 1e308 + b * 1e308 * 0.5  # both grads are floats; their sum with the others is not
    out.backward()
    assert (a.grad, b.grad) == (1e308, 5e307)


def test_overflow_says_whether_the_result_or_its_derivative_overflowed():
    with pytest.raises(OverflowError, match=r"the derivative of 1e-308 \*\* -1.*the result 1e\+308 is not"):
        Value(1e-308) ** -1
    with pytest.raises(OverflowError, match=r"^1e\+200 \*\* 2 is too large for a float"):
        Value(1e200) ** 2
    with pytest.raises(OverflowError, match="derivative"):
        Value(1e-200) ** Value(-1.5)
