"""Value: micrograd's published tests with PyTorch's numbers, backward semantics, deep graphs, bad input."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from engine import Value
from engine.explain import op_label
from engine.graph import count_nodes


def test_micrograd_sanity_check_matches_pytorch():
    # micrograd's test_engine.py::test_sanity_check. PyTorch gives y = -20.0 and dy/dx = 46.0
    # (worked by hand: z = 3x + 2 = -10, q = z·x = 40, h = z² = 100, y = h + q + q·x;
    #  dz/dx = 3, dq/dx = 3x + z = -22, dh/dx = 6z = -60, dy/dx = -60 - 22 + (-22·x + q) = 46).
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20.0
    assert x.grad == 46.0


def test_micrograd_more_ops_matches_pytorch():
    # micrograd's test_engine.py::test_more_ops, with the values PyTorch computes for it.
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    tol = 1e-6
    assert abs(g.data - 24.70408163265306) < tol
    assert abs(a.grad - 138.83381924198252) < tol
    assert abs(b.grad - 645.5772594752186) < tol


def test_each_op_forward_and_local_derivative():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert (c.data, c._op, c._prev, c._local) == (-6.0, "*", (a, b), (-3.0, 2.0))
    s = a + b
    assert (s.data, s._local) == (-1.0, (1.0, 1.0))
    p = a**3
    assert (p.data, p._op, p._local, p._exponent, op_label(p)) == (8.0, "**", (12.0,), 3.0, "**3")
    t = Value(0.5).tanh()
    assert t.data == math.tanh(0.5) and t._local == (1 - math.tanh(0.5) ** 2,)
    e = Value(1.0).exp()
    assert e.data == math.e and e._local == (math.e,)
    lg = Value(4.0).log()
    assert lg.data == math.log(4.0) and lg._local == (0.25,)
    r1, r0 = Value(3.0).relu(), Value(-3.0).relu()
    assert (r1.data, r1._local, r0.data, r0._local) == (3.0, (1.0,), 0.0, (0.0,))
    sg = Value(0.0).sigmoid()
    assert sg.data == 0.5 and sg._local == (0.25,)


def test_numbers_on_either_side():
    a = Value(3.0)
    assert (a + 1).data == (1 + a).data == 4.0
    assert (a - 1).data == 2.0 and (1 - a).data == -2.0
    assert (a * 2).data == (2 * a).data == 6.0
    assert (a / 2).data == 1.5 and (6 / a).data == 2.0
    assert (-a).data == -3.0
    assert (2**a).data == 8.0
    assert (a ** Value(2.0)).data == 9.0
    assert (a + np.float64(1.5)).data == 4.5 and (np.int64(2) * a).data == 6.0


def test_number_and_value_exponents_have_the_right_grads():
    x = Value(3.0)
    y = 2**x  # d/dx 2^x = 2^x ln 2
    y.backward()
    assert y.data == 8.0
    assert x.grad == pytest.approx(8.0 * math.log(2.0))
    a, k = Value(2.0), Value(3.0)
    z = a**k  # ∂/∂a = k a^(k-1) = 12, ∂/∂k = a^k ln a = 8 ln 2
    z.backward()
    assert a.grad == pytest.approx(12.0)
    assert k.grad == pytest.approx(8.0 * math.log(2.0))


def test_reused_node_gets_both_contributions():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a.grad = 0.0
    c = a * a
    c.backward()
    assert a.grad == 6.0


def test_diamond_graph():
    a = Value(2.0)
    b, c = a * 3, a.tanh()
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(3 * math.tanh(2.0) + 6.0 * (1 - math.tanh(2.0) ** 2))


def test_backward_twice_recomputes_interior_and_accumulates_leaves():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.backward()
    assert (a.grad, b.grad, c.grad, d.grad) == (4.0, 2.0, 1.0, 1.0)
    d.backward()
    assert (c.grad, d.grad) == (1.0, 1.0)  # interior: recomputed, like PyTorch
    assert (a.grad, b.grad) == (8.0, 4.0)  # leaves: accumulated, like PyTorch
    a.grad = b.grad = 0.0  # what zero_grad() does
    d.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)


def test_backward_on_a_leaf_accumulates_like_pytorch():
    a = Value(5.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_a_chain_far_deeper_than_the_recursion_limit():
    """200 times the default recursion limit; the million-op chain's speed is benchmarks/engine_vs_micrograd.py's."""
    limit = sys.getrecursionlimit()
    depth = 200 * limit
    x = Value(0.5)
    v = x
    for _ in range(depth):
        v = v + 1.0
    v.backward()
    assert sys.getrecursionlimit() == limit
    assert v.data == 0.5 + depth
    assert x.grad == 1.0
    del v  # freeing a graph this deep must not recurse either


def test_deep_tanh_chain_grad_matches_product_of_slopes():
    x = Value(0.3)
    v, expected = x, 1.0
    for _ in range(5000):
        expected *= 1 - math.tanh(v.data) ** 2
        v = v.tanh()
    v.backward()
    assert x.grad == pytest.approx(expected, rel=1e-9)
    assert count_nodes(v) == 5001


def test_dot_is_one_node_equal_to_the_sum_of_products():
    ws = [Value(0.5), Value(-1.0), Value(2.0)]
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    b = Value(0.25)
    out = Value.dot(ws, xs, b)
    assert out.data == 0.5 - 2.0 + 6.0 + 0.25
    assert out._op == "dot" and len(out._prev) == 7
    out.backward()
    assert [w.grad for w in ws] == [1.0, 2.0, 3.0]
    assert [x.grad for x in xs] == [0.5, -1.0, 2.0]
    assert b.grad == 1.0
    no_bias = Value.dot(ws, [1.0, 2, np.float64(3.0)])  # numbers become leaves
    assert no_bias.data == 4.5 and len(no_bias._prev) == 6
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        Value.dot(ws, xs[:2])
    assert Value.dot(ws, xs, 0.25).data == out.data  # a number bias becomes a leaf too
    with pytest.raises(TypeError, match="must be a real number"):
        Value.dot(ws, [1.0, "2", 3.0])


def test_repr_and_label():
    v = Value(2.0, label="w")
    assert repr(v) == "Value(data=2.0, grad=0.0, label='w')"
    assert repr(Value(-0.125)) == "Value(data=-0.125, grad=0.0)"  # micrograd's form


def test_graph_has_no_reference_cycles():
    import gc

    gc.collect()
    gc.disable()
    try:
        a = Value(1.0)
        out = (a * 2 + 3).tanh()
        out.backward()
        del a, out
        assert gc.collect() == 0  # everything was freed by reference counting
    finally:
        gc.enable()


# -- bad input: a clear error, never a silent wrong answer -----------------------------


@pytest.mark.parametrize("bad", ["abc", None, [1.0], 1 + 2j, True])
def test_non_numeric_data_is_a_type_error(bad):
    with pytest.raises(TypeError, match="must be a real number"):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan")])
def test_nan_and_inf_are_rejected(bad):
    with pytest.raises(ValueError, match="must be finite"):
        Value(bad)
    with pytest.raises(ValueError, match="must be finite"):
        Value(1.0) + bad


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300])
def test_log_of_non_positive_number(x):
    with pytest.raises(ValueError, match=r"log\(.*positive"):
        Value(x).log()


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        1.0 / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -2


def test_negative_base_with_fractional_exponent():
    with pytest.raises(ValueError, match="negative base with a fractional exponent"):
        Value(-2.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer exponents are fine
    with pytest.raises(ValueError, match="base must be positive"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="base must be positive"):
        (-2) ** Value(0.5)


def test_bad_exponent_and_base_types():
    with pytest.raises(TypeError, match="exponent must be a real number"):
        Value(2.0) ** "2"
    with pytest.raises(TypeError, match="must be a real number"):
        Value(2.0) + "2"


@pytest.mark.parametrize("x", [1000.0, -1000.0, 710.0, -710.0])
def test_tanh_and_sigmoid_stay_finite_with_finite_grads(x):
    for op in (Value.tanh, Value.sigmoid):
        a = Value(x)
        out = op(a)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(a.grad)
        assert 0.0 <= a.grad <= 1.0
    assert Value(1000.0).sigmoid().data == 1.0 and Value(-1000.0).sigmoid().data == 0.0
    assert Value(x).tanh().data == math.copysign(1.0, x)


def test_exp_overflow_is_a_clear_error():
    assert math.isfinite(Value(709.0).exp().data)
    assert Value(-1000.0).exp().data == 0.0
    with pytest.raises(OverflowError, match=r"exp\(1000\) is too large"):
        Value(1000.0).exp()


def test_overflowing_results_are_errors():
    with pytest.raises(OverflowError, match="too large"):
        Value(10.0) ** 400
    with pytest.raises(ValueError, match=r"result of '\*' must be finite"):
        Value(1e200) * Value(1e200)
    with pytest.raises(ValueError, match="result of 'dot' must be finite"):
        Value.dot([Value(1e200)], [Value(1e200)])


def test_power_at_zero():
    assert (Value(0.0) ** 2).data == 0.0
    z = Value(0.0) ** 0
    z.backward()
    assert z.data == 1.0
    with pytest.raises(ZeroDivisionError, match="slope at zero is infinite"):
        Value(0.0) ** 0.5
