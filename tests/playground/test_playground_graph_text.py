"""tutor.graph_text: one line per node, and the graph as a tree where shared nodes are not repeated."""

from __future__ import annotations

from engine.explain import node_names
from engine.graph import count_nodes
from engine.value import Value
from tutor.graph_text import node_text, render_tree
from tutor.playground.program import run


def test_node_text_for_operations_and_leaves() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    names = node_names(c)
    assert node_text(c, names) == "c = a * b   data -6   grad 1"
    assert node_text(a, names) == "a   data 2   grad -3"
    d = (a * b).tanh()
    names = node_names(d)
    assert node_text(d, names).startswith("n3 = tanh(n2)   data -1   grad 0")
    assert "\n" not in node_text(d, names)


def test_example_tree() -> None:
    built = run("a = 2; b = -3; L = (a*b + 10) * -2")
    assert render_tree(built.result) == "\n".join(
        [
            "L = n4 * n5   data -8   grad 1",
            "├── n4 = n2 + n3   data 4   grad -2",
            "│   ├── n2 = a * b   data -6   grad -2",
            "│   │   ├── a   data 2   grad 6",
            "│   │   └── b   data -3   grad -4",
            "│   └── n3   data 10   grad -2",
            "└── n5   data -2   grad 4",
        ]
    )


def test_a_times_a_refers_back() -> None:
    a = Value(3.0, label="a")
    sq = a * a
    sq.backward()
    assert render_tree(sq).splitlines() == ["n1 = a * a   data 9   grad 1", "├── a   data 3   grad 6", "└── ↺ a"]


def test_a_leaf_alone() -> None:
    assert render_tree(Value(1.5, label="x")) == "x   data 1.5   grad 0"


def test_shared_subgraphs_do_not_explode() -> None:
    x = Value(1.0, label="x")
    for _ in range(60):  # 2**60 paths from the top to x
        x = x + x
    text = render_tree(x)
    lines = text.splitlines()
    assert len(lines) == 1 + 2 * 60
    assert sum("↺" in line for line in lines) == 60


def test_shared_weights_in_a_program() -> None:
    built = run("w = 0.8; x1 = 1; x2 = -2; h = tanh(w*x1) + tanh(w*x2); L = (h - 1)**2")
    text = render_tree(built.result)
    assert text.count("w   data 0.8") == 1 and text.count("↺ w") == 1


def test_a_5000_deep_chain_renders_without_recursion() -> None:
    x = Value(0.1, label="x")
    v = x
    for _ in range(5_000):
        v = v * 1.0001 + 0.0001
    v.backward()
    assert count_nodes(v) > 10_000
    text = render_tree(v)  # default depth limit: summarised below 100 levels
    lines = text.splitlines()
    assert "not shown (deeper than 100 levels)" in lines[-1] or any("not shown" in line for line in lines)
    assert len(lines) < 400 and max(len(line) for line in lines) < 500


def test_a_deep_chain_without_limit() -> None:
    v = Value(0.5, label="x")
    for _ in range(1_000):
        v = v.tanh()
    lines = render_tree(v, max_depth=None).splitlines()
    assert len(lines) == 1_001
    assert lines[-1].strip() == "└── x   data 0.5   grad 0"


def test_custom_names() -> None:
    a = Value(2.0)
    b = a * 3
    names = {a: "in", b: "out", b._prev[1]: "three"}
    assert render_tree(b, names).splitlines()[0] == "out = in * three   data 6   grad 0"
