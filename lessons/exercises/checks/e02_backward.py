"""02-backward: topological sort and backward(); a reused value accumulates with +=."""

from __future__ import annotations

from lessons.exercises.checks._scalar import build, compare, expected, leaves, observe

NAME = "02-backward"
TITLE = "Topological sort and backward(); reuse a value and get += right"
GRAPH = True
HINTS = (
    "backward() needs an order where every node comes after all of its inputs: a depth-first walk that appends "
    "a node after visiting its children gives exactly that. Then go through it backwards.",
    "When a value is used twice, its grad is the sum of both paths. With `self.grad = out.grad` in __add__, "
    "`a + a` keeps only one of them: use `+=` everywhere.",
    "topo, visited = [], set()\ndef build(v):\n    if v not in visited:\n        visited.add(v)\n"
    "        for child in v._prev:\n            build(child)\n        topo.append(v)\nbuild(self)\n"
    "self.grad = 1.0\nfor node in reversed(topo):\n    node._backward()",
)

RECIPES = {
    "L = (a + a) * a * x": [["b", "+", "a", "a"], ["c", "*", "b", "a"], ["L", "*", "c", "x"]],
    "L = (a*x + a) * (x + y)": [["d", "*", "a", "x"], ["e", "+", "d", "a"], ["s", "+", "x", "y"], ["L", "*", "e", "s"]],
    "L = (x*y)*(x*y) + y": [["p", "*", "x", "y"], ["q", "*", "p", "p"], ["L", "+", "q", "y"]],
}


def _leaves(inputs, recipe) -> dict:
    return {k: v for k, v in inputs["leaves"].items() if any(k in step[2:] for step in recipe)}


def inputs(rng) -> dict:
    return {"leaves": leaves(rng, "axy"), "recipes": RECIPES}


def probe(learner, inputs: dict) -> dict:
    out = {}
    for what, recipe in inputs["recipes"].items():
        env = build(learner.Value, _leaves(inputs, recipe), recipe)
        env[recipe[-1][0]].backward()  # the learner's own backward()
        out[what] = observe(env)
    recipe = inputs["recipes"]["L = (a + a) * a * x"]
    out["graph"] = build(learner.Value, _leaves(inputs, recipe), recipe)["L"]
    return out


def verdict(inputs: dict, obs: dict) -> list[str]:
    for what, recipe in inputs["recipes"].items():
        failures = compare(obs[what], expected(_leaves(inputs, recipe), recipe), what, {"a": "sum over every use of a"})
        if failures:
            return failures
    return []
