"""Words for what each operation did: its formula and its local derivatives.

`value.py` stores numbers only; this module turns a node into the text a
learner reads, e.g. `c = a * b = 2 * -3 = -6` and `∂c/∂a = b = -3`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.graph import topological_order

if TYPE_CHECKING:
    from engine.value import Value

__all__ = ["fmt", "forward_formula", "forward_numbers", "local_formula", "node_names"]

# op: (forward formula, [∂out/∂input for each input]) in terms of the inputs {0}, {1} and {out}
_FORMULAS: dict[str, tuple[str, list[str]]] = {
    "+": ("{0} + {1}", ["1", "1"]),
    "*": ("{0} * {1}", ["{1}", "{0}"]),
    "**": ("{0}**{1}", ["{1}·{0}**({1}-1)", "{out}·ln({0})"]),
    "relu": ("relu({0})", ["1 if {0} > 0 else 0"]),
    "tanh": ("tanh({0})", ["1 - {out}²"]),
    "sigmoid": ("σ({0})", ["{out}·(1 - {out})"]),
    "exp": ("exp({0})", ["{out}"]),
    "log": ("ln({0})", ["1/{0}"]),
}


def fmt(x: float) -> str:
    """A number in 4 significant digits, without a trailing `.0` on integers."""
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def node_names(root: Value) -> dict[Value, str]:
    """Each node's label, or `n<id>` for nodes without one."""
    return {node: node.label or f"n{i}" for i, node in enumerate(topological_order(root))}


def _templates(node: Value) -> tuple[str, list[str]]:
    op = node._op
    if op in _FORMULAS:
        return _FORMULAS[op]
    if op.startswith("**"):  # a number exponent, e.g. '**2' or '**-1'
        k = op[2:]
        return "{0}" + op, [f"{k}·{{0}}**({k}-1)" if k not in ("0", "1") else ("0" if k == "0" else "1")]
    if op == "dot":
        return _dot_templates(len(node._prev))
    return op + "(" + ", ".join(f"{{{i}}}" for i in range(len(node._prev))) + ")", ["?"] * len(node._prev)


def _dot_templates(n_inputs: int) -> tuple[str, list[str]]:
    m = n_inputs // 2
    has_bias = n_inputs % 2 == 1
    terms = [f"{{{i}}}*{{{m + i}}}" for i in range(m)] + ([f"{{{2 * m}}}"] if has_bias else [])
    local = [f"{{{m + i}}}" for i in range(m)] + [f"{{{i}}}" for i in range(m)] + (["1"] if has_bias else [])
    return " + ".join(terms), local


def _fill(template: str, node: Value, words: list[str], out: str) -> str:
    return template.format(*words, out=out)


def forward_formula(node: Value, names: dict[Value, str]) -> str:
    """The operation in names: `a * b`. Empty for a leaf."""
    if not node._op:
        return ""
    template, _ = _templates(node)
    return _fill(template, node, [names[c] for c in node._prev], names[node])


def forward_numbers(node: Value) -> str:
    """The operation in numbers: `2 * (-3)`, `tanh(-2)`. Empty for a leaf."""
    if not node._op:
        return ""
    template, _ = _templates(node)
    called = template.endswith("({0})")  # tanh(-2) needs no brackets of its own; 2 * (-3) does
    words = [fmt(c.data) if called else _paren(c.data) for c in node._prev]
    return _fill(template, node, words, _paren(node.data))


def local_formula(node: Value, i: int, names: dict[Value, str]) -> str:
    """∂node/∂(its i-th input) in names, e.g. `b` for the first input of `a * b`."""
    _, locals_ = _templates(node)
    return _fill(locals_[i], node, [names[c] for c in node._prev], names[node])


def _paren(x: float) -> str:
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text
