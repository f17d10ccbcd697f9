"""What a derivative is: the slope of f(x) = 3x² - 4x + 5, found by nudging x, then by backprop."""

import math

from engine import Value
from lessons.api import BackwardSteps, ChoiceQuiz, Figure, Narrate, NumberQuiz, Series, fmt, lesson

X0 = 3.0  # where we first measure the slope, as in the lecture
X_LEFT = -3.0  # where the learner measures it
H = 0.001  # the first nudge
HS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]  # nudges shrinking towards zero


def f(x):
    """The lecture's function; works on floats and on Values alike."""
    return 3 * x**2 - 4 * x + 5


def nudge_slope(x: float, h: float) -> float:
    """Rise over run for a nudge of h: (f(x + h) - f(x)) / h."""
    return (f(x + h) - f(x)) / h


def build(x0: float) -> tuple[Value, dict[str, Value]]:
    """y = a·x² + b·x + c with a, b, c = 3, -4, 5, from the engine's Values, every node labelled."""
    x = Value(x0, label="x")
    a = Value(3.0, label="a")
    b = Value(-4.0, label="b")
    c = Value(5.0, label="c")
    s = x**2
    s.label = "s"
    p = a * s
    p.label = "p"
    q = b * x
    q.label = "q"
    r = p + q
    r.label = "r"
    y = r + c
    y.label = "y"
    return y, {"x": x, "a": a, "b": b, "c": c}


def slope(x0: float) -> float:
    """dy/dx at x0, exactly, by backprop through a fresh graph."""
    y, leaves = build(x0)
    y.backward()
    return leaves["x"].grad


def curve() -> Series:
    xs = [-5 + 0.25 * i for i in range(41)]
    return Series("f(x)", xs, [f(x) for x in xs])


def tangent(x0: float, half_width: float = 1.5) -> Series:
    """The straight line through (x0, f(x0)) with the slope there."""
    k = slope(x0)
    xs = [x0 - half_width, x0, x0 + half_width]
    return Series(f"tangent at {fmt(x0)}", xs, [f(x0) + k * (x - x0) for x in xs])


@lesson(
    id="derivative",
    title="What a derivative is",
    summary="The slope of f(x) = 3x² - 4x + 5 by nudging x, its tangent, and backprop doing it exactly.",
    minutes=12,
    order=10,
)
def derivative():
    y, leaves = build(X0)
    x, a, b, c = leaves["x"], leaves["a"], leaves["b"], leaves["c"]

    def slope_of_coefficient(name: str) -> float:
        fresh, fresh_leaves = build(X0)
        fresh.backward()
        return fresh_leaves[name].grad

    plain = Figure([curve()], title="f(x) = 3x² - 4x + 5", xlabel="x")

    yield Narrate(
        lambda: (
            "# What a derivative is\n\n"
            "Backprop is built on one idea: **how much does the output move when I nudge an input?** "
            "Take the lecture's function, in code `def f(x): return 3*x**2 - 4*x + 5`, plotted below: "
            f"a bowl. At x = {fmt(X0)} it gives f = {fmt(f(X0))}.\n\n"
            "`n` or → moves on, `p` or ← goes back."
        ),
        figure=plain,
    )
    yield NumberQuiz(
        lambda: (
            "## Nudge x\n\n"
            f"Nudge x from {fmt(X0)} by a tiny h = {H:g}: f({X0 + H:g}) = {f(X0 + H):.6f}, "
            f"up from {fmt(f(X0))}.\n\n"
            "**How much did f rise per unit of x?** That is (f(x + h) - f(x)) / h."
        ),
        answer=lambda: nudge_slope(X0, H),
        hint=lambda: f"The rise is {f(X0 + H):.6f} - {fmt(f(X0))} = {f(X0 + H) - f(X0):.6f}; divide it by h = {H:g}.",
        explanation=lambda: (
            f"{f(X0 + H) - f(X0):.6f} / {H:g} = {nudge_slope(X0, H):.4f}: the slope near x = {fmt(X0)}."
        ),
        figure=plain,
    )

    def shrinking() -> str:
        lines = "\n".join(f"- h = {h:g}: slope ≈ {nudge_slope(X0, h):.7f}" for h in HS[2:])
        return (
            "## Shrink the nudge\n\n"
            f"The smaller h, the closer the estimate gets to one number, **{fmt(slope(X0))}**:\n\n"
            f"{lines}\n\n"
            "Each overshoots by exactly 3h. The limit as h goes to 0 is the **derivative** f'(x): "
            "the slope of f at x."
        )

    yield Narrate(
        shrinking,
        figure=Figure(
            # x is log10(h), worked out here: Figure(xlog=True) crashes the app when the plot is redrawn
            lambda: [Series("(f(x+h) - f(x))/h", [math.log10(h) for h in HS], [nudge_slope(X0, h) for h in HS])],
            title=f"slope estimates at x = {fmt(X0)}",
            xlabel="log10(h): h shrinks to the left",
        ),
    )

    def tiny_h() -> str:
        h = 1e-15
        return (
            "## How small?\n\n"
            f"Why not take h = 0 at once? Then the rise is 0/0. And floats keep only about 16 digits: "
            f"with h = {h:g}, f(x + h) - f(x) is mostly rounding error and the estimate "
            f"comes out at {nudge_slope(X0, h):.4g}, not {fmt(slope(X0))}. (The lesson on gradient "
            "checks digs into that.)\n\n"
            f"Below: the **tangent** at x = {fmt(X0)}, the straight line with the slope of f there. "
            "Near x it hugs the curve."
        )

    yield Narrate(tiny_h, figure=Figure(lambda: [curve(), tangent(X0)], title="f and its tangent", xlabel="x"))
    yield NumberQuiz(
        lambda: (
            "## Your turn\n\n"
            f"At x = {fmt(X_LEFT)}: f({fmt(X_LEFT)}) = {fmt(f(X_LEFT))} and "
            f"f({X_LEFT + H:g}) = {f(X_LEFT + H):.6f}.\n\n"
            "**What is the slope of f at x = −3?** (Type − or - for minus.)"
        ),
        answer=lambda: slope(X_LEFT),
        hint=lambda: f"(f(x + h) - f(x)) / h with h = {H:g}. f went down, so the slope is negative.",
        explanation=lambda: (
            f"({f(X_LEFT + H):.6f} - {fmt(f(X_LEFT))}) / {H:g} ≈ {nudge_slope(X_LEFT, H):.3f}; "
            f"the exact slope is {fmt(slope(X_LEFT))}."
        ),
        figure=plain,
    )
    yield NumberQuiz(
        "## Where is it flat?\n\n"
        "Left of the bottom of the bowl the slope is negative, right of it positive. "
        "**At which x is the slope exactly zero?** (A decimal is fine.)",
        answer=2 / 3,
        hint="The slope of 3x² is 6x, of -4x it is -4, of 5 it is 0: f'(x) = 6x - 4. Solve 6x - 4 = 0.",
        explanation=lambda: f"6x - 4 = 0 at x = 2/3 ≈ {2 / 3:.4f}: the bottom of the bowl.",
        figure=plain,
    )

    yield ChoiceQuiz(
        lambda: (
            "## Which way is down?\n\n"
            f"At x = {fmt(X0)} the slope is {fmt(slope(X0))}. You want f **smaller**. Which way should x move?"
        ),
        choices=["decrease x", "increase x", "either way: f goes down both ways"],
        answer=lambda: 0 if slope(X0) > 0 else 1,
        hint="A positive slope means f rises as x rises.",
        explanation="Step against the slope: a positive slope says downhill is to the left.",
        figure=Figure(lambda: [curve(), tangent(X0)], title="f and its tangent", xlabel="x"),
    )

    def flat() -> str:
        bottom = 2 / 3
        return (
            "## Downhill\n\n"
            f"The tangents at x = {fmt(X_LEFT)}, {fmt(bottom)} and {fmt(X0)} have slopes "
            f"{fmt(slope(X_LEFT))}, {fmt(slope(bottom))} and {fmt(slope(X0))}. "
            "The sign says which way is uphill; **step against the slope** and f goes down. "
            "At the bottom the slope is 0 and there is nowhere lower to go.\n\n"
            "That is gradient descent, the way networks learn."
        )

    yield Narrate(
        flat,
        figure=Figure(
            lambda: [curve(), tangent(X_LEFT), tangent(2 / 3), tangent(X0)], title="three tangents", xlabel="x"
        ),
    )
    yield Narrate(
        lambda: (
            "## Now with the engine\n\n"
            "Build f from `Value`s, naming the coefficients so we can ask about them too:\n\n"
            f"```python\nx = Value({x.data!r})\na, b, c = Value({a.data!r}), Value({b.data!r}), Value({c.data!r})\n"
            "y = a*x**2 + b*x + c\n```\n\n"
            "Each node in the tree is one operation (`s = x**2`, ...) with its **data** and its **grad**: "
            "the slope of y with respect to it, 0 until backprop runs."
        ),
        graph=y,
    )
    yield NumberQuiz(
        lambda: (
            "## Predict\n\n"
            f"y = a·x² + b·x + c with x = {fmt(x.data)}. If b (the {fmt(b.data)}) is nudged up by h, "
            "how fast does y change? **What will b.grad be?**"
        ),
        answer=lambda: slope_of_coefficient("b"),
        hint="Only the term b·x holds b. If b grows by h, b·x grows by h·x.",
        explanation=lambda: f"b.grad = x = {fmt(x.data)}.",
        graph=y,
    )

    yield BackwardSteps(
        "## Backprop\n\n"
        "Press `n` to let the engine go backwards from y, node by node (`e` jumps to the end). "
        "The panel shows each step's arithmetic; the next lessons explain it. "
        "Watch **x.grad**: x is used twice (in `x**2` and in `b*x`), and the two slopes add up.",
        graph=y,
    )

    def compare() -> str:
        rows = []
        for name, leaf in leaves.items():
            old = leaf.data
            base = y_of(leaves)
            leaf.data = old + H
            nudged = y_of(leaves)
            leaf.data = old
            rows.append(f"- {name}: nudge ≈ {(nudged - base) / H:.4f}, backprop {fmt(leaf.grad)}")
        return (
            f"## One pass, every slope\n\nNudging each input by h = {H:g} against the engine's grads:\n\n"
            + "\n".join(rows)
            + "\n\nNudging runs f once per input; one backward pass gave all four slopes, exactly. "
            "A network has thousands of inputs and weights: that is why we backprop."
        )

    yield Narrate(compare, graph=y)


def y_of(leaves: dict[str, Value]) -> float:
    """y for the leaves' current data, as plain floats."""
    x, a, b, c = (leaves[k].data for k in "xabc")
    return a * x**2 + b * x + c
