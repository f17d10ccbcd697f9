"""The micrograd lecture's own cells, run unchanged on this engine: `_backward()` by hand, the topological
loop, an operation added the lecture's way, extra attributes, micrograd's repr."""

from __future__ import annotations

import math

import pytest

from engine import Value
from engine.trace import backward_trace


def lecture_neuron() -> dict[str, Value]:
    # inputs x1,x2
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    # weights w1,w2
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    # bias of the neuron
    b = Value(6.8813735870195432, label="b")
    # x1*w1 + x2*w2 + b
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


def assert_lecture_grads(v: dict[str, Value]) -> None:
    assert v["o"].data == pytest.approx(0.7071, abs=1e-4)
    assert v["n"].grad == pytest.approx(0.5)
    assert v["x1"].grad == pytest.approx(-1.5)
    assert v["w1"].grad == pytest.approx(1.0)
    assert v["x2"].grad == pytest.approx(0.5)
    assert v["w2"].grad == pytest.approx(0.0)


def test_the_lectures_backward_by_hand_node_by_node():
    v = lecture_neuron()
    o, n, b, x1w1x2w2, x1w1, x2w2 = (v[k] for k in ("o", "n", "b", "x1w1x2w2", "x1w1", "x2w2"))
    o.grad = 1.0
    o._backward()
    assert n.grad == pytest.approx(0.5)  # 1 - o**2
    n._backward()
    assert b.grad == pytest.approx(0.5) and x1w1x2w2.grad == pytest.approx(0.5)
    b._backward()  # a leaf: nothing to do
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    assert_lecture_grads(v)


def test_the_lectures_topological_loop():
    v = lecture_neuron()
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(v["o"])
    v["o"].grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert_lecture_grads(v)
    fresh = lecture_neuron()
    fresh["o"].backward()
    assert [fresh[k].grad for k in ("x1", "w1", "x2", "w2")] == [v[k].grad for k in ("x1", "w1", "x2", "w2")]


def test_the_lectures_tanh_broken_into_exp_gives_the_same_grads():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert_lecture_grads({"o": o, "n": n, "x1": x1, "w1": w1, "x2": x2, "w2": w2})


def sin(self: Value) -> Value:
    """An operation added exactly as the lecture adds tanh: a closure assigned to out._backward."""
    x = self.data
    out = Value(math.sin(x), (self,), "sin")

    def _backward():
        self.grad += math.cos(x) * out.grad

    out._backward = _backward
    return out


def test_an_operation_added_the_lectures_way_is_called_by_backward():
    a = Value(0.5, label="a")
    out = sin(a * 3.0) * 2.0
    out.backward()
    assert a.grad == pytest.approx(2.0 * math.cos(1.5) * 3.0)
    out.backward()  # interior grads are recomputed; the leaf accumulates, as for every op
    assert a.grad == pytest.approx(2 * 2.0 * math.cos(1.5) * 3.0)


def test_a_custom_op_trains():
    w = Value(0.1)
    for _ in range(200):  # minimise (sin(w) - 0.5)², whose minimum is at w = π/6
        loss = (sin(w) - 0.5) ** 2
        w.grad = 0.0
        loss.backward()
        w.data -= 0.5 * w.grad
    assert w.data == pytest.approx(math.pi / 6, abs=1e-3)
    assert loss.data < 1e-6


def test_a_node_with_neither_local_derivatives_nor_a_backward_sends_nothing_back():
    a = Value(0.5)
    out = Value(math.sin(a.data), (a,), "sin") * 2.0  # the lecture's constructor, no _backward assigned
    out.backward()
    assert a.grad == 0.0
    assert out._prev[0]._backward() is None and a.grad == 0.0


def test_the_step_trace_runs_a_custom_backward_and_records_what_it_changed():
    a = Value(0.5, label="a")
    s = sin(a)
    out = s * 2.0
    steps = list(backward_trace(out))
    custom = next(step for step in steps if step.node is s)
    assert custom.custom and custom.upstream == 2.0
    (c,) = custom.contributions
    assert c.child is a and c.grad_before == 0.0 and c.grad_after == pytest.approx(2.0 * math.cos(0.5))
    assert math.isnan(c.local)  # not known in numbers: the learner's function computed it
    custom.undo()
    assert a.grad == 0.0


def test_learners_and_libraries_can_set_attributes_of_their_own():
    p = Value(1.0)
    p.m = 0.0  # an optimiser's moment, as AdamW keeps it
    a = Value(2.0)
    a.name = "x"
    assert (p.m, a.name) == (0.0, "x")
    assert vars(p) == {"m": 0.0}


def test_repr_is_micrograds():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="a")) == "Value(data=2.0, grad=0.0, label='a')"


def test_the_constructor_takes_micrograds_arguments():
    a = Value(1.0)
    out = Value(3.0, _children=(a,), _op="f", label="out")
    assert out._prev == (a,) and out._op == "f" and out.label == "out"


def test_where_backward_differs_from_micrograds_as_value_py_documents():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    a.data = 10.0  # changed after the forward pass
    c.backward()
    assert b.grad == 10.0  # a product reads its inputs' data when backward runs, as micrograd's `*` does
    c.backward()  # a second backward: leaves accumulate, the interior is recomputed
    assert (a.grad, b.grad, c.grad) == (6.0, 20.0, 1.0)
    x = Value(0.5)
    square = x**2
    x.data = 4.0
    square.backward()
    assert x.grad == 1.0  # 2·0.5, taken at the forward pass (micrograd's `**` closure would read 4.0 and give 8.0)
