"""Every operation's gradient against central differences, on inputs hypothesis picks within each op's domain."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Value
from engine.gradcheck import gradcheck

SETTINGS = settings(max_examples=60, deadline=None)


def real(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float, gap: float) -> st.SearchStrategy[float]:
    """Values in [lo, hi] with |x| >= gap: keeps kinks and poles out of the difference quotient."""
    return real(lo, hi).filter(lambda x: abs(x) >= gap)


def check(f, *xs: float, tolerance: float = 1e-5) -> None:
    result = gradcheck(f, list(xs), tolerance=tolerance)
    assert result.passed, result.report()


@SETTINGS
@given(real(-100, 100), real(-100, 100))
def test_add(a, b):
    check(lambda v: v[0] + v[1], a, b)
    check(lambda v: v[0] + 2.5, a)
    check(lambda v: 2.5 + v[0], a)


@SETTINGS
@given(real(-100, 100), real(-100, 100))
def test_mul(a, b):
    check(lambda v: v[0] * v[1], a, b)
    check(lambda v: v[0] * -1.5, a)
    check(lambda v: -1.5 * v[0], a)


@SETTINGS
@given(real(-100, 100), real(-100, 100))
def test_sub_and_neg(a, b):
    check(lambda v: v[0] - v[1], a, b)
    check(lambda v: 3.0 - v[0], a)
    check(lambda v: -v[0], a)


@SETTINGS
@given(real(-100, 100), away_from_zero(-100, 100, 0.1))
def test_div(a, b):
    check(lambda v: v[0] / v[1], a, b)
    check(lambda v: v[0] / 4.0, a)
    check(lambda v: 4.0 / v[0], b)


@SETTINGS
@given(real(0.1, 10), real(-3, 3))
def test_pow_number_exponent_positive_base(a, k):
    check(lambda v: v[0] ** k, a)


@SETTINGS
@given(away_from_zero(-10, 10, 0.1), st.integers(-3, 4))
def test_pow_integer_exponent_any_base(a, k):
    check(lambda v: v[0] ** k, a)


@SETTINGS
@given(real(0.1, 5), real(-3, 3))
def test_pow_value_exponent(a, k):
    check(lambda v: v[0] ** v[1], a, k)


@SETTINGS
@given(real(0.1, 5), real(-3, 3))
def test_number_to_the_value(base, k):
    check(lambda v: base ** v[0], k)


@SETTINGS
@given(away_from_zero(-100, 100, 1e-3))
def test_relu(a):
    check(lambda v: v[0].relu(), a)


@SETTINGS
@given(real(-8, 8))
def test_tanh(a):
    check(lambda v: v[0].tanh(), a)


@SETTINGS
@given(real(-20, 20))
def test_sigmoid(a):
    check(lambda v: v[0].sigmoid(), a)


@SETTINGS
@given(real(-20, 10))
def test_exp(a):
    check(lambda v: v[0].exp(), a)


@SETTINGS
@given(real(0.01, 1000))
def test_log(a):
    check(lambda v: v[0].log(), a)


@SETTINGS
@given(st.integers(1, 6).flatmap(lambda n: st.lists(real(-5, 5), min_size=2 * n + 1, max_size=2 * n + 1)))
def test_dot_with_and_without_bias(xs):
    n = len(xs) // 2
    check(lambda v: Value.dot(v[:n], v[n : 2 * n], v[2 * n]), *xs)
    check(lambda v: Value.dot(v[:n], v[n : 2 * n]), *xs[: 2 * n])


@SETTINGS
@given(real(-2, 2), real(-2, 2), real(0.5, 3))
def test_composite_expression(a, b, c):
    def f(v):
        x, y, z = v
        return ((x * y + z).tanh() * z.log() + (x - y) ** 2 / z + (y * 0.5).exp()).sigmoid() * (x + 3.0)

    check(f, a, b, c)


@SETTINGS
@given(real(-3, 3))
def test_reused_input(a):
    check(lambda v: v[0] * v[0] + v[0] + (v[0] * v[0]).tanh(), a)


def test_analytical_grads_equal_the_closed_forms():
    # a few exact identities, beyond the numerical check
    x = Value(0.7)
    y = x.tanh()
    y.backward()
    assert x.grad == 1 - math.tanh(0.7) ** 2
    x = Value(0.7)
    y = x.sigmoid()
    y.backward()
    s = 1 / (1 + math.exp(-0.7))
    assert math.isclose(x.grad, s * (1 - s), rel_tol=1e-15)
