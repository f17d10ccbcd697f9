"""01-value: a Value with + and * and their _backward."""

from __future__ import annotations

from lessons.exercises.checks._scalar import build, compare, expected, leaves, lecture_backward, observe

NAME = "01-value"
TITLE = "Value with + and *, and their _backward"
GRAPH = True
HINTS = (
    "Each operation makes a new Value and gives it a function `_backward` that, when called, pushes "
    "out.grad back into the inputs' .grad. Use `+=`: an input can feed several nodes.",
    "Inside __mul__, define `def _backward(): self.grad += other.data * out.grad; other.grad += self.data * out.grad` "
    "and then `out._backward = _backward`. For +, the local derivative is 1 for both inputs.",
    "out = Value(self.data * other.data, (self, other), '*')\n"
    "def _backward():\n    self.grad += other.data * out.grad\n    other.grad += self.data * out.grad\n"
    "out._backward = _backward\nreturn out",
)

RECIPES = {
    "L = (a*b + c) * f": [["e", "*", "a", "b"], ["d", "+", "e", "c"], ["L", "*", "d", "f"]],
    "L = (a + 2) * (b * 3)": [["s", "+", "a", 2.0], ["t", "*", "b", 3.0], ["L", "*", "s", "t"]],
}


def inputs(rng) -> dict:
    return {"leaves": leaves(rng, "abcf"), "recipes": RECIPES}


def probe(learner, inputs: dict) -> dict:
    out = {}
    for what, recipe in inputs["recipes"].items():
        env = build(learner.Value, {k: v for k, v in inputs["leaves"].items() if _uses(recipe, k)}, recipe)
        lecture_backward(env[recipe[-1][0]])
        out[what] = observe(env)
        if what.startswith("L = (a*b"):
            out["graph"] = env[recipe[-1][0]]
    return out


def _uses(recipe, name) -> bool:
    return any(name in step[2:] for step in recipe)


def verdict(inputs: dict, obs: dict) -> list[str]:
    for what, recipe in inputs["recipes"].items():
        want = expected({k: v for k, v in inputs["leaves"].items() if _uses(recipe, k)}, recipe)
        failures = compare(obs[what], want, what, {"a": "b × out.grad", "c": "1 × out.grad"})
        if failures:
            return failures
    return []
