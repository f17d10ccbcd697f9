"""The step panel's words: the chain rule in names and numbers, accumulation included."""

from engine import Value
from engine.explain import node_names
from engine.trace import backward_trace, forward_trace
from tutor.step_text import backward_lines, forward_lines, node_details


def test_a_reused_node_shows_its_grad_adding_up():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    names = node_names(b)
    steps = list(backward_trace(b))
    lines = backward_lines(steps[0], b, names, len(steps))
    assert lines[1] == "a.grad += b.grad × ∂b/∂a = 1 × 1 = 1 → a.grad = 1"
    assert lines[2] == "a.grad += b.grad × ∂b/∂a = 1 × 1 = 1 → a.grad = 1 + 1 = 2"
    assert a.grad == 2.0


def test_tanh_shows_its_local_derivative_formula_and_value():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    names = node_names(y)
    steps = list(backward_trace(y))
    line = backward_lines(steps[0], y, names, len(steps))[1]
    assert line.startswith("x.grad += y.grad × ∂y/∂x = 1 × 1 - y² = 1 × 0.7864 = 0.7864")
    leaf = backward_lines(steps[1], y, names, len(steps))
    assert "x is a leaf" in leaf[1]


def test_forward_lines_give_names_then_numbers():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    names = node_names(c)
    trace = forward_trace(c)
    assert forward_lines(trace[2], names, 3) == ["Step 3/3: c = a * b = 2 * (-3) = -6"]
    assert "input" in forward_lines(trace[0], names, 3)[0]
    assert node_details(c, names)[1] == "  ∂c/∂a = b = -3"


def test_an_op_added_the_lectures_way_is_shown_by_what_its_backward_changed():
    import math

    a = Value(0.5, label="a")
    s = Value(math.sin(a.data), (a,), "sin", label="s")

    def _backward():
        a.grad += math.cos(0.5) * s.grad

    s._backward = _backward
    out = s * 2.0
    out.label = "out"
    names = node_names(out)
    steps = list(backward_trace(out))
    step = next(st for st in steps if st.node is s)
    lines = backward_lines(step, out, names, len(steps))
    assert lines[0].startswith(f"Step {step.index + 1}/{len(steps)}: s = sin(a)")
    assert lines[1] == "a.grad: 0 → 1.755 by s's own _backward (custom, not shown in numbers)"
    details = node_details(s, names)
    assert details[0].startswith("s = sin(a) = sin(0.5)") and "custom, not shown in numbers" in details[1]
