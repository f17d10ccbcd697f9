"""The chain rule, node by node: backprop through L = (a*b + c) * f by hand."""

from engine import Value
from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    Explore,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    fmt,
    lesson,
)


@lesson(
    id="chain-rule",
    title="The chain rule, node by node",
    summary="Backprop through L = (a*b + c) * f one node at a time, with the numbers.",
    minutes=10,
    order=30,
)
def chain_rule():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"

    yield Narrate(
        "# The chain rule, node by node\n\n"
        "Backprop answers one question for every number in a calculation: *if I nudge "
        "this number, how much does the output move?* That rate is its **grad**.\n\n"
        "Here is a small calculation, **L = (a·b + c)·f**, as a graph of Values: each "
        "node is a number and the operation that made it. `n` or → moves on, `p` or ← goes back.",
        graph=L,
    )
    yield ForwardSteps(
        "## Forward pass\n\nFirst the numbers flow **forward**, inputs first. Press `n` to compute each node.",
        graph=L,
    )
    yield NumberQuiz(
        lambda: (
            "## Warm-up\n\nL = d · f, and right now d = "
            f"{fmt(d.data)} and f = {fmt(f.data)}. If d goes up by a tiny amount h, "
            "L goes up by about (∂L/∂d)·h. **What is ∂L/∂d?**"
        ),
        answer=lambda: f.data,
        hint="For a product d·f, nudging d by h changes the product by f·h.",
        explanation=lambda: f"∂(d·f)/∂d = f = {fmt(f.data)}.",
        graph=L,
    )
    yield BackwardSteps(
        "## Backward pass\n\nNow backprop, from L back to the inputs. Each node passes its grad to "
        "its inputs, multiplied by the **local derivative** of its operation: the chain rule. "
        "Press `n` to visit each node; the panel shows the arithmetic. `e` runs to the end.",
        graph=L,
    )
    yield NumberQuiz(
        "## Your turn\n\nFrom the steps you just saw: **what is a.grad**, the rate at which L changes as a changes?",
        answer=lambda: a.grad,
        hint=lambda: (
            f"a.grad = e.grad × ∂e/∂a, and e = a·b, so ∂e/∂a = b = {fmt(b.data)}; e.grad was {fmt(e.grad)}."
        ),
        explanation=lambda: f"a.grad = e.grad × b = {fmt(e.grad)} × {fmt(b.data)} = {fmt(a.grad)}.",
        graph=L,
    )
    yield ChoiceQuiz(
        lambda: (
            f"## Which way?\n\na.grad = {fmt(a.grad)}. We want L (now {fmt(L.data)}) to be **larger**. "
            "Which way should we nudge a?"
        ),
        choices=["increase a", "decrease a", "it makes no difference"],
        answer=lambda: 0 if a.grad > 0 else 1,
        hint="A positive grad means L rises when a rises; a negative one, that L falls.",
        explanation="Gradient ascent: step each input in the direction of its grad.",
        graph=L,
    )

    def nudged() -> str:
        step = 0.01
        inputs = [a, b, c, f]
        new = [Value(v.data + step * v.grad) for v in inputs]
        new_L = (new[0] * new[1] + new[2]) * new[3]
        return (
            "## One step of gradient ascent\n\n"
            f"Move every input by 0.01 × its grad: a {fmt(a.data)} → {fmt(new[0].data)}, "
            f"b {fmt(b.data)} → {fmt(new[1].data)}, c {fmt(c.data)} → {fmt(new[2].data)}, "
            f"f {fmt(f.data)} → {fmt(new[3].data)}.\n\n"
            f"Recomputed, L goes from {fmt(L.data)} to **{new_L.data:.5g}**: up, as the grads promised. "
            "Training a neural network is this step, repeated, on a loss we want *smaller*."
        )

    yield Narrate(nudged)

    x = Value(-1.5, label="x")
    y = Value(4.0, label="y")
    z = Value(3.0, label="z")
    w = Value(0.5, label="w")
    g = x * y
    g.label = "g"
    h = g + z
    h.label = "h"
    M = h * w
    M.label = "M"
    yield BackwardSteps(
        "## Now you\n\nA new graph, M = (x·y + z)·w. This time **you** do backprop: at each node, "
        "type the grad each input will have once the node has passed its grad back, then Enter. "
        "Leaves have nothing to pass back: `n` moves past them.",
        graph=M,
        predict=True,
    )
    yield Explore(
        "## Explore\n\nMove through the graph with ↑/↓: each node shows "
        "its formula and its local derivatives in numbers. Press `n` to finish.",
        graph=M,
    )
