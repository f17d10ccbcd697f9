"""03-ops: tanh, exp, ** (number exponent), and / and - built from the others."""

from __future__ import annotations

from lessons.exercises.checks._scalar import build, compare, expected, leaves, observe

NAME = "03-ops"
TITLE = "tanh, exp, ** (number exponent); / and - built from the others"
GRAPH = True
HINTS = (
    "Each new operation is the same pattern as * in exercise 01: compute out, then a _backward that adds "
    "local derivative × out.grad to the input's grad. - and / need no _backward of their own.",
    "d tanh(x)/dx = 1 - tanh(x)², d eˣ/dx = eˣ (that is out.data), d xᵏ/dx = k·xᵏ⁻¹. "
    "Keep the `* out.grad`: the node is rarely the last one.",
    "def tanh(self):\n    t = math.tanh(self.data)\n    out = Value(t, (self,), 'tanh')\n"
    "    def _backward():\n        self.grad += (1 - t**2) * out.grad\n    out._backward = _backward\n    return out\n"
    "__truediv__: return self * other**-1;  __sub__: return self + (-other)",
)

RECIPES = {
    "L = tanh((x*w + b) / 4) * f": [
        ["n", "*", "x", "w"],
        ["m", "+", "n", "b"],
        ["k", "*", "m", 0.25],
        ["t", "tanh", "k", None],
        ["L", "*", "t", "f"],
    ],
    "L = exp(x) * f": [["e", "exp", "x", None], ["L", "*", "e", "f"]],
    "L = x**3 * f + x**-1": [["c", "**", "x", 3], ["d", "*", "c", "f"], ["r", "**", "x", -1], ["L", "+", "d", "r"]],
    "L = (x / w) * f": [["q", "/", "x", "w"], ["L", "*", "q", "f"]],
    "L = (x - w) * (2 - b) * -f": [
        ["s", "-", "x", "w"],
        ["u", "r-", "b", 2.0],
        ["v", "*", "s", "u"],
        ["g", "neg", "f", None],
        ["L", "*", "v", "g"],
    ],
    "L = (2 + x) * (3 * w) / 4": [
        ["s", "r+", "x", 2.0],
        ["t", "r*", "w", 3.0],
        ["p", "*", "s", "t"],
        ["L", "/", "p", 4.0],
    ],
}
RULES = {
    "L = tanh((x*w + b) / 4) * f": {"x": "w/4 · (1 - tanh²) · f", "b": "1/4 · (1 - tanh²) · f"},
    "L = exp(x) * f": {"x": "eˣ · f"},
    "L = x**3 * f + x**-1": {"x": "3x² · f - 1/x²"},
    "L = (x / w) * f": {"x": "f / w", "w": "-x·f / w²"},
}
WALKED = "L = tanh((x*w + b) / 4) * f"


def _leaves(inputs, recipe) -> dict:
    return {k: v for k, v in inputs["leaves"].items() if any(k in step[2:] for step in recipe)}


def inputs(rng) -> dict:
    return {"leaves": leaves(rng, "xwbf"), "recipes": RECIPES}


def probe(learner, inputs: dict) -> dict:
    out: dict[str, object] = {}
    for what, recipe in inputs["recipes"].items():
        try:
            env = build(learner.Value, _leaves(inputs, recipe), recipe)
            env[recipe[-1][0]].backward()
        except Exception as exc:  # one missing operation should not hide the others
            out[what] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        out[what] = observe(env)
    try:
        recipe = inputs["recipes"][WALKED]
        out["graph"] = build(learner.Value, _leaves(inputs, recipe), recipe)["L"]
    except Exception as exc:
        out["graph_error"] = f"{type(exc).__name__}: {exc}"
    return out


def verdict(inputs: dict, obs: dict) -> list[str]:
    for what, recipe in inputs["recipes"].items():
        if "error" in obs[what]:
            return [f"{what} failed: {obs[what]['error']}"]
        failures = compare(obs[what], expected(_leaves(inputs, recipe), recipe), what, RULES.get(what, {}))
        if failures:
            return failures
    return []
