"""engine.gradcheck: it passes right gradients, catches wrong ones, and reports readably."""

from __future__ import annotations

import math

import pytest

from engine import Value
from engine.gradcheck import GradCheckResult, gradcheck, numerical_gradient, relative_error


def wrong_square(v: list[Value]) -> Value:
    """x² with a wrong local derivative (x instead of 2x): the kind of bug gradcheck is for."""
    x = v[0]
    return Value(x.data**2, (x,), "bad", _local=(x.data,))


def test_right_gradients_pass():
    result = gradcheck(lambda v: (v[0] * v[1]).tanh() + v[1].exp(), [0.5, -1.5])
    assert isinstance(result, GradCheckResult)
    assert result.passed and bool(result) and result.failures == []
    assert result.analytical[0] == pytest.approx(-1.5 * (1 - math.tanh(-0.75) ** 2))
    assert result.max_error < 1e-8


def test_wrong_gradient_fails_and_the_report_says_where():
    result = gradcheck(lambda v: wrong_square(v) + v[1], [3.0, 1.0])
    assert not result.passed and result.failures == [0]
    assert result.analytical[0] == 3.0 and result.numerical[0] == pytest.approx(6.0)
    report = result.report()
    assert "FAIL" in report.splitlines()[1] and "FAIL" not in report.splitlines()[2]
    assert "FAILED for input(s) 0" in report


def test_zero_gradient_is_not_a_relative_error_of_one():
    # x only enters through a term that cancels: the numerical estimate is rounding noise around 0
    result = gradcheck(lambda v: (v[0] * 1e-3 + v[1]) - v[0] * 1e-3, [0.7, 2.0])
    assert result.analytical[0] == 0.0
    assert result.passed, result.report()
    assert relative_error(0.0, 1e-11) == 1e-11
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(100.0, 101.0) == pytest.approx(1 / 101)


def test_step_scales_with_the_input():
    # at x = 1e8 a fixed h = 1e-6 would be lost in rounding; hᵢ = h·|x| is not
    g = numerical_gradient(lambda v: v[0] * v[0], [1e8])
    assert g[0] == pytest.approx(2e8, rel=1e-6)
    with pytest.raises(ValueError, match="h must be positive"):
        numerical_gradient(lambda v: v[0], [1.0], h=0)


def test_inputs_are_only_read_and_f_must_return_a_value():
    x = Value(2.0)
    gradcheck(lambda v: v[0] ** 2, [x])
    assert x.grad == 0.0 and x.data == 2.0
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda v: 1.0, [1.0])


def test_tolerance():
    result = gradcheck(lambda v: v[0] ** 3, [1.3], tolerance=1e-30)
    assert not result.passed  # nothing is that exact
    assert "tolerance 1e-30" in result.report()
