"""Numerical vs analytical gradients: a gradient check, the best h, and what goes wrong at a ReLU kink."""

import inspect
import math
import sys

from engine import Value
from engine.gradcheck import gradcheck, numerical_gradient
from lessons.api import BackwardSteps, ChoiceQuiz, Figure, Narrate, NumberQuiz, Series, fmt, lesson

# the lecture's neuron: o = tanh(x1*w1 + x2*w2 + b)
INPUTS = {"x1": 2.0, "w1": -3.0, "x2": 0.0, "w2": 1.0, "b": 6.8813735870195432}
NAMES = list(INPUTS)
SWEEP = [10 ** (-k / 2) for k in range(25)]  # h from 1 down to 1e-12, two points a decade
CHOICE_EXPONENTS = [2, 5, 8, 12]  # the h = 1e-k offered in the quiz
DEFAULT_H = inspect.signature(gradcheck).parameters["h"].default


def neuron(v: list[Value]) -> Value:
    """The neuron as a function of its five inputs, for gradcheck: x1, w1, x2, w2, b."""
    x1, w1, x2, w2, b = v
    return (x1 * w1 + x2 * w2 + b).tanh()


def relu(v: list[Value]) -> Value:
    return v[0].relu()


def sci(x: float) -> str:
    """A small number as 1.2e-07: the exponent is what matters on a log scale."""
    return f"{x:.1e}"


@lesson(
    id="gradient-check",
    title="Numerical vs analytical gradients",
    summary="Check backprop against nudging: the best h, truncation vs round-off, and the ReLU kink.",
    minutes=12,
    order=60,
)
def gradient_check():
    leaves = {name: Value(x, label=name) for name, x in INPUTS.items()}
    x1w1 = leaves["x1"] * leaves["w1"]
    x1w1.label = "x1*w1"
    x2w2 = leaves["x2"] * leaves["w2"]
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + leaves["b"]
    n._prev[0].label = "x1w1+x2w2"
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    w1 = leaves["w1"]

    def o_at(w: float) -> float:
        """The neuron's output with w1 = w and every other input as it is."""
        return neuron([Value(w if name == "w1" else x) for name, x in INPUTS.items()]).data

    # backprop's answer, computed apart from the graph the learner steps through
    exact = gradcheck(neuron, list(INPUTS.values()))
    exact_w1 = exact.analytical[NAMES.index("w1")]
    w = INPUTS["w1"]
    big_h = 0.1
    forward_big = (o_at(w + big_h) - o_at(w)) / big_h
    central_big = (o_at(w + big_h) - o_at(w - big_h)) / (2 * big_h)

    # the error of both estimates as h shrinks
    forward_err = [max(abs((o_at(w + h) - o_at(w)) / h - exact_w1), 1e-17) for h in SWEEP]
    central_err = [max(abs((o_at(w + h) - o_at(w - h)) / (2 * h) - exact_w1), 1e-17) for h in SWEEP]
    best_central = SWEEP[central_err.index(min(central_err))]
    best_forward = SWEEP[forward_err.index(min(forward_err))]

    def err_at(errors: list[float], exponent: int) -> float:
        return errors[SWEEP.index(10 ** (-exponent))]

    # plotted as exponents, h = 1e-x and error = 1e(y), so that the axes read as powers of ten
    exponents = [-math.log10(h) for h in SWEEP]
    sweep_figure = Figure(
        series=[
            Series("forward", exponents, [math.log10(e) for e in forward_err]),
            Series("central", exponents, [math.log10(e) for e in central_err]),
        ],
        title="error = 1e(y) of the estimate of ∂o/∂w1",
        xlabel="h = 1e-x",
    )

    yield Narrate(
        lambda: (
            "# Numerical vs analytical gradients\n\n"
            f"The neuron from the lecture: o = tanh(x1·w1 + x2·w2 + b) = {fmt(o.data)}.\n\n"
            "Backprop gives its grads by the chain rule (**analytical**). The definition of a "
            "derivative gives them too: nudge an input by h and watch o move (**numerical**). "
            "Comparing the two is a **gradient check**: how you test a backward pass you wrote."
        ),
        graph=o,
    )
    yield BackwardSteps(
        "## Backprop first\n\nPress `n` to step through the backward pass (`e` jumps to the end). "
        "Keep an eye on **w1.grad**: we will check it by nudging w1.",
        graph=o,
    )
    yield NumberQuiz(
        lambda: (
            f"## Nudge w1\n\nBackprop says w1.grad = {fmt(w1.grad)}. Now nudge w1 = {fmt(w)} "
            f"by h = {fmt(big_h)}:\n\n"
            f"o(w1) = {o_at(w):.6f}   and   o(w1 + h) = {o_at(w + big_h):.6f}\n\n"
            "What is the **forward difference** (o(w1 + h) − o(w1)) / h?"
        ),
        answer=lambda: forward_big,
        hint="Subtract the two outputs, then divide by h.",
        explanation=lambda: (
            f"({o_at(w + big_h):.6f} − {o_at(w):.6f}) / {fmt(big_h)} = {fmt(forward_big)}: "
            f"close to {fmt(exact_w1)}, but off by {fmt(abs(forward_big - exact_w1))}."
        ),
        tolerance=1e-2,
    )
    yield Narrate(
        lambda: (
            "## A better difference\n\n"
            "The forward difference measures the slope between w1 and w1 + h: not quite the slope "
            "*at* w1. The **central difference** looks both ways:\n\n"
            "(o(w1 + h) − o(w1 − h)) / 2h\n\n"
            f"With the same h = {fmt(big_h)}: forward {fmt(forward_big)} (error {fmt(abs(forward_big - exact_w1))}), "
            f"central {fmt(central_big)} (error {fmt(abs(central_big - exact_w1))}), "
            f"about {abs(forward_big - exact_w1) / abs(central_big - exact_w1):.0f} times closer to backprop's "
            f"{fmt(exact_w1)}.\n\n`engine.gradcheck` does this for each input in turn, with a much smaller h."
        )
    )

    def report() -> str:
        rows = [f"{'input':<6}{'backprop':>10}{'numerical':>12}{'error':>10}"]
        for name, a, num, e in zip(NAMES, exact.analytical, exact.numerical, exact.errors):
            rows.append(f"{name:<6}{fmt(a):>10}{num:>12.6g}{sci(e):>10}")
        verdict = "passed" if exact.passed else "FAILED"
        return f"## gradcheck, h = {sci(DEFAULT_H)}: {verdict}\n\n```\n" + "\n".join(rows) + "\n```"

    yield Narrate(report)
    yield Narrate(
        lambda: (
            "## How small should h be?\n\n"
            f"Shrinking h from {fmt(SWEEP[0])} to {sci(SWEEP[-1])}: the error first **falls**, then "
            f"**rises**. The central difference did best at h = {sci(best_central)}, the forward one "
            f"at h = {sci(best_forward)}.\n\nThe axes count powers of ten: x = 5 is h = {sci(1e-5)}, and y = −8 "
            f"an error of {sci(1e-8)}."
        ),
        figure=sweep_figure,
    )
    choices = [f"h = 1e-{k}" for k in CHOICE_EXPONENTS]
    yield ChoiceQuiz(
        "## Pick h\n\nFor the **central** difference, which of these h gives the smallest error?",
        choices=choices,
        answer=lambda: min(range(len(choices)), key=lambda i: err_at(central_err, CHOICE_EXPONENTS[i])),
        hint="Find the bottom of the central curve's V, then the choice nearest to it.",
        explanation=lambda: (
            "Errors: "
            + ", ".join(f"{c}: {sci(err_at(central_err, k))}" for c, k in zip(choices, CHOICE_EXPONENTS))
            + "."
        ),
        figure=sweep_figure,
    )
    yield ChoiceQuiz(
        "## Why does a tiny h go wrong?\n\nThe maths says a smaller h is always better. Why does the "
        "error climb again when h gets very small?",
        choices=[
            "o(w1 + h) and o(w1 − h) agree in almost all their digits: subtracting them leaves rounding "
            "noise, which is then divided by a tiny 2h",
            "Backprop becomes inaccurate when h is small",
            "The tanh function is not smooth at small scales",
        ],
        answer=0,
        hint="A float keeps about 16 significant digits. What is left after subtracting two nearly equal numbers?",
        explanation=lambda: (
            f"Round-off: each output is off by about {sci(sys.float_info.epsilon)}, and dividing that by a tiny 2h "
            "blows it up. Backprop never uses h at all."
        ),
        figure=sweep_figure,
    )
    yield Narrate(
        lambda: (
            "## Truncation vs round-off\n\n"
            "Left of the V (big h): **truncation** error, the difference is not the derivative. It shrinks like h "
            f"(forward) or h² (central): from h = {sci(1e-2)} to {sci(1e-3)}, forward went from "
            f"{sci(err_at(forward_err, 2))} to {sci(err_at(forward_err, 3))}, central from "
            f"{sci(err_at(central_err, 2))} to {sci(err_at(central_err, 3))}. Right of it (tiny h), "
            "**round-off** grows like 1/h. "
            f"gradcheck's default h = {sci(DEFAULT_H)} sits near the bottom."
        ),
        figure=sweep_figure,
    )

    # the ReLU kink
    kink = gradcheck(relu, [0.0])
    kink_numerical = numerical_gradient(relu, [0.0])[0]
    show_h = 0.5  # a visible h for the picture

    def relu_series() -> list[Series]:
        xs = [i / 10 for i in range(-10, 11)]
        secant = (max(show_h, 0.0) - max(-show_h, 0.0)) / (2 * show_h)
        middle = (max(show_h, 0.0) + max(-show_h, 0.0)) / 2
        return [
            Series("relu(x)", xs, [max(x, 0.0) for x in xs]),
            Series("central difference", xs, [middle + secant * x for x in xs]),
            Series("relu(±h)", [-show_h, show_h], [max(-show_h, 0.0), max(show_h, 0.0)], kind="scatter"),
        ]

    relu_figure = Figure(series=relu_series, title="relu near 0, and the line the central difference sees", xlabel="x")
    yield Narrate(
        lambda: (
            "## A kink\n\n"
            f"Now gradcheck relu(x) at x = 0. Backprop says {fmt(kink.analytical[0])}; the central "
            f"difference says {fmt(kink.numerical[0])}. gradcheck **{'passed' if kink.passed else 'FAILED'}**.\n\n"
            "Left of 0 the slope is 0, right of it 1: relu has a corner, and no single slope there."
        ),
        figure=relu_figure,
    )
    yield NumberQuiz(
        "## Where the number comes from\n\nWith any small h, relu(0 + h) = h and relu(0 − h) = 0. "
        "What is the central difference (relu(h) − relu(−h)) / 2h?",
        answer=lambda: kink_numerical,
        hint="The h's cancel: h / 2h.",
        explanation=lambda: f"h / 2h = {fmt(kink_numerical)}, whatever h is: the average of the slopes 0 and 1.",
        figure=relu_figure,
    )
    yield ChoiceQuiz(
        lambda: (
            f"## Who is right?\n\nBackprop says {fmt(kink.analytical[0])}, the central difference "
            f"{fmt(kink_numerical)}. Which is wrong?"
        ),
        choices=[
            "Neither: relu has no derivative at 0. Backprop picks one side's slope (0), the central "
            "difference averages both sides",
            "Backprop: it has a bug at 0",
            "The central difference: h is too large",
        ],
        answer=0,
        hint="Look at the picture: what is the slope of a corner?",
        explanation="At a kink any slope between the two sides is a fair choice; the engine uses 0, as PyTorch does.",
        figure=relu_figure,
    )

    near = 3e-7
    near_check = gradcheck(relu, [near])
    yield Narrate(
        lambda: (
            "## Near a kink\n\n"
            f"The same trap catches inputs *close* to a kink. At x = {sci(near)}, relu's slope is "
            f"{fmt(near_check.analytical[0])}, but x − h is past the corner: the central difference gives "
            f"{fmt(near_check.numerical[0])}, and gradcheck **{'passed' if near_check.passed else 'FAILED'}**.\n\n"
            f"**To remember:** check with the central difference and h near {sci(DEFAULT_H)}, compare by "
            "relative error, and distrust failures at inputs within h of a kink (relu, abs, max)."
        )
    )
