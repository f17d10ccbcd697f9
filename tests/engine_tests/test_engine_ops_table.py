"""engine.value.OPS, the one table of operations in words: every op the engine makes is in it, and it says
each op's formula, local derivatives and method, which explain.py and the source viewer read."""

from __future__ import annotations

import inspect

from engine import Value
from engine.explain import forward_formula, forward_numbers, local_formula, node_names, op_label
from engine.graph import topological_order
from engine.value import OPS


def every_operation() -> Value:
    """One use of every public operation of Value, as one graph."""
    a, b, k = Value(2.0, label="a"), Value(0.5, label="b"), Value(1.5, label="k")
    parts = [
        a + b, a - b, 1 - a, a * b, 3 * a, -a, a / b, 1 / a, a**2, a**k, 2**b,
        a.relu(), a.tanh(), a.sigmoid(), a.exp(), a.log(), Value.dot([a, b], [b, k], a), Value.dot([a], [3.0]),
    ]  # fmt: skip
    return sum(parts[1:], parts[0])


def test_every_op_the_engine_makes_has_its_words_and_every_entry_is_made():
    root = every_operation()
    ops = {node._op for node in topological_order(root)} - {""}
    assert ops == set(OPS)
    names = node_names(root)
    for node in topological_order(root):
        if not node._op:
            continue
        assert "{" not in forward_formula(node, names) and "{" not in forward_numbers(node)
        for i in range(len(node._prev)):
            text = local_formula(node, i, names)
            assert text and "?" not in text and "{" not in text, (node._op, i)


def test_each_entry_names_the_method_that_computes_it_with_its_formula_beside():
    for op, entry in OPS.items():
        method = inspect.getattr_static(Value, entry.method)
        source = inspect.getsource(getattr(method, "__func__", method))
        assert "# out = " in source, op
        if op != "dot":
            assert len(entry.local) in (1, 2) and entry.forward.count("{0}") == 1


def test_a_number_exponent_is_data_of_the_node_not_parsed_from_its_name():
    a = Value(3.0, label="a")
    square, inverse = a**2, a**-1
    assert square._op == inverse._op == "**" and (square._exponent, inverse._exponent) == (2.0, -1.0)
    names = {a: "a", square: "s", inverse: "i"}
    assert (op_label(square), forward_formula(square, names), local_formula(square, 0, names)) == (
        "**2",
        "a**2",
        "2·a**(2-1)",
    )
    assert (op_label(inverse), forward_numbers(inverse)) == ("**-1", "3**-1")
    k = Value(2.0, label="k")
    power = a**k
    assert op_label(power) == "**" and forward_formula(power, {a: "a", k: "k", power: "p"}) == "a**k"
    assert local_formula(power, 1, {a: "a", k: "k", power: "p"}) == "p·ln(a)"
