"""04-gradcheck: central differences, relative error, a gradient check."""

from __future__ import annotations

import math
import re

from lessons.exercises.numbers import close, num

NAME = "04-gradcheck"
TITLE = "Numerical vs analytical gradients: a gradient check, and choosing h"
GRAPH = False
HINTS = (
    "Nudge one input at a time, up and down by h, keep the others fixed: (f(x+h) - f(x-h)) / 2h. "
    "The central difference is accurate to h², the one-sided (f(x+h) - f(x)) / h only to h.",
    "Too large an h and the h² error shows; too small and f(x+h) - f(x-h) loses its digits to rounding "
    "(about 1e-16 / h). Something around 1e-5 balances the two for functions of size 1.",
    "for i in range(len(xs)):\n    up, down = list(xs), list(xs)\n    up[i] += h; down[i] -= h\n"
    "    grads.append((f(up) - f(down)) / (2 * h))",
)

# name -> (f, exact gradient); the child evaluates f, the checker the exact gradient
FUNCTIONS = {
    "x0**3 * x1": (lambda x: x[0] ** 3 * x[1], lambda x: [3 * x[0] ** 2 * x[1], x[0] ** 3]),
    "sin(x0) * exp(x1)": (
        lambda x: math.sin(x[0]) * math.exp(x[1]),
        lambda x: [math.cos(x[0]) * math.exp(x[1]), math.sin(x[0]) * math.exp(x[1])],
    ),
    "log(x0**2 + 1) / x1 + x2": (
        lambda x: math.log(x[0] ** 2 + 1) / x[1] + x[2],
        lambda x: [2 * x[0] / (x[0] ** 2 + 1) / x[1], -math.log(x[0] ** 2 + 1) / x[1] ** 2, 1.0],
    ),
}
TOLERANCE = 1e-7  # a central difference with a good h does far better; a one-sided one does not


def inputs(rng) -> dict:
    points = {
        name: [round(rng.uniform(0.5, 1.5), 4) for _ in range(len(set(re.findall(r"x\d", name))))] for name in FUNCTIONS
    }
    pairs = [[rng.uniform(-3, 3), rng.uniform(-3, 3)], [0.0, 0.0], [rng.uniform(1, 2), 0.0]]
    return {"points": points, "pairs": pairs}


def probe(learner, inputs: dict) -> dict:
    out: dict[str, dict] = {"numerical": {}, "check_right": {}, "check_wrong": {}}
    for name, (f, grad) in FUNCTIONS.items():
        xs = inputs["points"][name]
        out["numerical"][name] = [float(g) for g in learner.numerical_grad(f, xs)]
        out["check_right"][name] = float(learner.grad_check(f, grad, xs))
        out["check_wrong"][name] = float(learner.grad_check(f, lambda x, g=grad: [2 * v for v in g(x)], xs))
    return {**out, "pairs": [float(learner.relative_error(a, b)) for a, b in inputs["pairs"]]}


def _relative(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def verdict(inputs: dict, obs: dict) -> list[str]:
    for name, (_, grad) in FUNCTIONS.items():
        xs = inputs["points"][name]
        exact = grad(xs)
        got = obs["numerical"][name]
        if len(got) != len(exact):
            return [f"numerical_grad of {name} gave {len(got)} partials, expected {len(exact)} (one per input)"]
        for i, (g, e) in enumerate(zip(got, exact)):
            if not _relative(g, e) <= TOLERANCE:
                return [
                    f"numerical_grad of {name} at {xs}: ∂f/∂x{i} is {num(g, e)}, exact {num(e, g)} "
                    f"(relative error {_relative(g, e):.1e} > {TOLERANCE:.0e}: central difference, and a good h?)"
                ]
    for (a, b), got in zip(inputs["pairs"], obs["pairs"]):
        want = _relative(a, b)
        if not close(got, want):
            return [f"relative_error({num(a)}, {num(b)}) is {num(got, want)}, expected {num(want, got)}"]
    for name in FUNCTIONS:
        if not obs["check_right"][name] <= 1e-6:
            return [f"grad_check of {name} with the right gradient is {obs['check_right'][name]:.2g}, expected ≤ 1e-6"]
        if not close(obs["check_wrong"][name], 0.5, rel=1e-3):
            return [
                f"grad_check of {name} with a gradient twice too big is {num(obs['check_wrong'][name])}, expected 0.5"
            ]
    return []
