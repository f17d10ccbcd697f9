"""Values and the computation graph: build L = (a*b + c) * f with the engine, look at it, run it forward."""

from engine import Value
from engine.graph import topological_order
from lessons.api import ChoiceQuiz, Explore, ForwardSteps, Narrate, NumberQuiz, ShowGraph, fmt, lesson

A, B, C, F = 2.0, -3.0, 10.0, -2.0  # the lecture's numbers


def build(a: float = A, b: float = B, c: float = C, f: float = F) -> dict[str, Value]:
    """The lecture's graph, every node labelled: e = a*b, d = e + c, L = d*f."""
    nodes = {"a": Value(a, label="a"), "b": Value(b, label="b"), "c": Value(c, label="c"), "f": Value(f, label="f")}
    nodes["e"] = nodes["a"] * nodes["b"]
    nodes["d"] = nodes["e"] + nodes["c"]
    nodes["L"] = nodes["d"] * nodes["f"]
    for name, node in nodes.items():
        node.label = name
    return nodes


@lesson(
    id="values-and-graphs",
    title="Values and the computation graph",
    summary="Build L = (a*b + c) * f from Values, read its graph, and run the forward pass node by node.",
    minutes=10,
    order=20,
)
def values_and_graphs():
    nodes = build()
    a, b, c, e, d, f, L = (nodes[k] for k in "abcedfL")
    order = ", ".join(node.label for node in topological_order(L))  # an order the engine computes in
    backwards = ", ".join(node.label for node in reversed(topological_order(L)))
    alphabetical = ", ".join(sorted("abcdef")) + ", L"  # puts d before e, which d needs

    yield Narrate(
        "# Values and the computation graph\n\n"
        "A neural network is one big expression: inputs and weights go in, a loss comes out. "
        "To backprop through it, every number must **remember how it was made**.\n\n"
        "micrograd's `Value` does that. It wraps one number, `data`, and keeps `_prev` (the Values "
        "it was computed from), `_op` (the operation) and `grad` (its slope, filled in later). "
        "`label` is just a name for drawing.\n\n"
        "`n` or → moves on, `p` or ← goes back."
    )
    yield Narrate(
        lambda: (
            "## A first operation\n\n"
            f"```python\na = Value({a.data!r}, label='a')\nb = Value({b.data!r}, label='b')\ne = a * b\n```\n\n"
            f"Python turns `a * b` into `a.__mul__(b)`, which returns a **new** Value: data {fmt(e.data)}, "
            f"`_prev` = (a, b), `_op` = '{e._op}'. a and b are **leaves**: nothing made them."
        ),
        graph=e,
    )
    yield ChoiceQuiz(
        lambda: f"## Keep going\n\n`c = Value({c.data!r})` and `d = e + c`. **What does d remember?**",
        choices=[
            "_op '+' and _prev (e, c)",
            "_op '+' and _prev (a, b, c)",
            "_op '*' and _prev (a, b)",
            "nothing: only leaves keep _prev",
        ],
        answer=0,
        hint="_prev holds the Values the operation was applied to directly, not where those came from.",
        explanation=lambda: f"d = e + c: _op '{d._op}', _prev ({', '.join(v.label for v in d._prev)}).",
    )
    yield NumberQuiz(
        lambda: (
            "## Predict\n\n"
            f"Last, `f = Value({f.data!r})` and `L = d * f`. Before the engine shows you: "
            "**what will L.data be?**"
        ),
        answer=lambda: L.data,
        hint=lambda: f"e = a·b = {fmt(a.data)}·({fmt(b.data)}); d = e + c; L = d·f with f = {fmt(f.data)}.",
        explanation=lambda: (
            f"e = {fmt(e.data)}, d = {fmt(e.data)} + {fmt(c.data)} = {fmt(d.data)}, "
            f"L = {fmt(d.data)}·({fmt(f.data)}) = {fmt(L.data)}."
        ),
    )
    yield ShowGraph(
        "## The graph\n\n"
        "Here is L's graph as a tree: the output on top, each node's inputs indented under it. "
        "Each line is a node: its name, the operation that made it, its **data** and its **grad** "
        "(0: not computed yet). The lecture draws the same graph left to right with graphviz "
        "(`draw_dot`); here `engine.graph.to_dot(L)` writes it for graphviz too.",
        graph=L,
    )
    yield ForwardSteps(
        "## Forward pass\n\n"
        "The forward pass computes each node **after its inputs**. Press `n` to compute one node at a time "
        "and watch the numbers fill in (`e` jumps to the end).",
        graph=L,
    )
    yield ChoiceQuiz(
        "## Order\n\nWhich of these orders could a forward pass use?",
        choices=[backwards, order, alphabetical],
        answer=1,
        hint="Every node must come after all of its inputs.",
        explanation=(
            "Any order with inputs before the nodes that use them works: a **topological order**. "
            "Backprop walks it in reverse."
        ),
        graph=L,
    )
    yield Explore(
        "## Explore\n\nMove through the graph with ↑/↓. For each node, the panel shows its formula "
        "and how it changes with each input (its **local derivatives**: the next lesson's topic). "
        "Press `n` when done.",
        graph=L,
    )
    yield ChoiceQuiz(
        "## Numbers too\n\n`a * 2` works: `__mul__` wraps the 2 in a Value. **What happens with `2 * a`?**",
        choices=[
            "a TypeError: an int cannot multiply a Value",
            f"the plain number {fmt(2 * A)}, not a Value",
            "Python asks int first, which gives up, then calls a.__rmul__(2): a Value",
        ],
        answer=2,
        hint="When the left operand cannot handle the operation, Python tries the right one's reflected method.",
        explanation=lambda: (
            f"2 * a gives a Value with data {fmt((2 * a).data)} and _op '{(2 * a)._op}'; "
            "that is why Value defines __rmul__."
        ),
    )

    def moved() -> dict[str, Value]:
        return build(a=A + 1)

    yield NumberQuiz(
        lambda: (
            "## What if?\n\n"
            f"Rebuild the graph with a = {fmt(A + 1)} instead of {fmt(A)}; everything else the same. "
            "**What is L now?**"
        ),
        answer=lambda: moved()["L"].data,
        hint="Run the forward pass again: e = a·b, d = e + c, L = d·f.",
        explanation=lambda: (
            f"e = {fmt(moved()['e'].data)}, d = {fmt(moved()['d'].data)}, L = {fmt(moved()['L'].data)}."
        ),
        graph=L,
    )

    def ending() -> str:
        h = 0.001
        nudged = build(a=A + h)["L"].data
        return (
            "## Towards backprop\n\n"
            f"a up by 1 moved L from {fmt(L.data)} to {fmt(moved()['L'].data)}. "
            f"Nudge a by only h = {h:g} and L moves by {nudged - L.data:.6f}: "
            f"a slope of {(nudged - L.data) / h:.4f}.\n\n"
            "That slope, ∂L/∂a, is what a.grad will hold. Nudging finds one slope per forward pass; "
            "the next lesson finds **every** grad in one pass backwards through this graph."
        )

    yield Narrate(ending, graph=L)
