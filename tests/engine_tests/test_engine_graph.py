"""Graph helpers: order, ids, counts, DOT export; and the formula text of engine.explain."""

from __future__ import annotations

import re

from engine import Value
from engine.explain import fmt, forward_formula, forward_numbers, local_formula, node_names
from engine.graph import count_edges, count_nodes, node_ids, reversed_topological_order, to_dot, topological_order


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    return a, b, c, d


def test_counts():
    a, _, _, d = small_graph()
    assert count_nodes(d) == 4
    assert count_edges(d) == 4  # c <- a, b; d <- c, a
    sq = a * a
    assert count_nodes(sq) == 2 and count_edges(sq) == 2  # an input used twice counts twice
    assert count_nodes(a) == 1 and count_edges(a) == 0


def test_orders_are_reverses_of_each_other_and_stable():
    a, b, c, d = small_graph()
    order = topological_order(d)
    assert order == [a, b, c, d]
    assert reversed_topological_order(d) == order[::-1]
    assert topological_order(d) == order


def test_node_ids_are_stable_positions():
    _, _, _, d = small_graph()
    ids = node_ids(d)
    assert ids == node_ids(d)
    assert sorted(ids.values()) == list(range(4))
    assert ids[d] == 3


def test_wide_and_deep_graphs_need_no_recursion():
    xs = [Value(float(i)) for i in range(5000)]
    total = sum(xs)  # 5000 additions, each on top of the last
    assert count_nodes(total) == 5000 + 1 + 5000  # leaves, the 0 that sum() starts from, additions
    assert topological_order(total)[-1] is total


def test_dot_export_is_well_formed():
    _, b, _, d = small_graph()
    b.label = 'say "hi" {x|y} <z>'
    text = to_dot(d)
    assert text.startswith("digraph G {\n") and text.endswith("}\n")
    body = text.splitlines()[1:-1]
    declared = set()
    for line in body:
        assert line.endswith(";")
        node = re.match(r"\s+(n\d+(?:op)?) \[", line)
        if node:
            declared.add(node.group(1))
    edges = [re.match(r"\s+(n\d+(?:op)?) -> (n\d+(?:op)?);$", line) for line in body if "->" in line]
    assert edges and all(edges)
    for edge in edges:
        assert edge.group(1) in declared and edge.group(2) in declared
    assert len(edges) == count_edges(d) + 2  # plus one op -> node edge for each of the 2 op nodes
    # the quotes in the label are escaped, so every quoted string closes on its line
    for line in body:
        assert len(re.findall(r'(?<!\\)"', line)) % 2 == 0
    assert 'say \\"hi\\" \\{x\\|y\\} \\<z\\>' in text


def test_explain_words_for_a_node():
    a, _, c, d = small_graph()
    names = node_names(d)
    assert names[a] == "a" and names[c] == "c"
    assert forward_formula(c, names) == "a * b"
    assert forward_numbers(c) == "2 * (-3)"
    assert local_formula(c, 0, names) == "b"
    assert local_formula(c, 1, names) == "a"
    assert forward_formula(a, names) == "" and forward_numbers(a) == ""
    p = a**2
    p.label = "p"
    assert forward_formula(p, node_names(p)) == "a**2"
    assert local_formula(p, 0, node_names(p)) == "2·a**(2-1)"
    assert fmt(-0.0) == "0" and fmt(2.0) == "2" and fmt(1 / 3) == "0.3333"


def test_explain_a_dot_node():
    w1, w2, x1, x2, bias = (
        Value(v, label=n) for v, n in [(1.0, "w1"), (2.0, "w2"), (3.0, "x1"), (4.0, "x2"), (0.5, "b")]
    )
    out = Value.dot([w1, w2], [x1, x2], bias)
    out.label = "out"
    names = node_names(out)
    assert forward_formula(out, names) == "w1*x1 + w2*x2 + b"
    assert [local_formula(out, i, names) for i in range(5)] == ["x1", "x2", "w1", "w2", "1"]


def test_numbers_in_formulas_are_bracketed_only_where_an_operator_needs_it():
    from engine import Value
    from engine.explain import forward_numbers

    assert forward_numbers(Value(-2.0).tanh()) == "tanh(-2)"
    assert forward_numbers(Value(-2.0).relu()) == "relu(-2)"
    assert forward_numbers(Value(-2.0) * Value(3.0)) == "(-2) * 3"
    assert forward_numbers(Value(-2.0) ** 2) == "(-2)**2"
