"""Words for what each operation did: its formula and its local derivatives.

`value.py` stores numbers, and beside its operations the table `OPS` of their
formulas; this module fills that table in for one node, e.g.
`c = a * b = 2 * -3 = -6` and `∂c/∂a = b = -3`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.graph import topological_order
from engine.value import OPS

if TYPE_CHECKING:
    from engine.value import Value

__all__ = ["fmt", "forward_formula", "forward_numbers", "local_formula", "node_names", "op_label"]


def fmt(x: float) -> str:
    """A number in 4 significant digits, without a trailing `.0` on integers."""
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def node_names(root: Value) -> dict[Value, str]:
    """Each node's label, or `n<id>` for nodes without one."""
    return {node: node.label or f"n{i}" for i, node in enumerate(topological_order(root))}


def op_label(node: Value) -> str:
    """The op as a learner reads it: `**2` for a square (its exponent is data of the node), else `_op`."""
    exponent = _exponent(node)
    return node._op if exponent is None else f"{node._op}{fmt(exponent)}"


def _exponent(node: Value) -> float | None:
    """The number exponent of a `**` node, None for every other node (and for a Value exponent)."""
    return getattr(node, "_exponent", None) if node._op == "**" else None


def _templates(node: Value) -> tuple[str, tuple[str, ...]]:
    op = node._op
    if op == "dot":
        return _dot_templates(len(node._prev))
    if op in OPS:
        return OPS[op].forward, OPS[op].local
    return op + "(" + ", ".join(f"{{{i}}}" for i in range(len(node._prev))) + ")", ("?",) * len(node._prev)


def _dot_templates(n_inputs: int) -> tuple[str, tuple[str, ...]]:
    m = n_inputs // 2
    has_bias = n_inputs % 2 == 1
    terms = [f"{{{i}}}*{{{m + i}}}" for i in range(m)] + ([f"{{{2 * m}}}"] if has_bias else [])
    local = [f"{{{m + i}}}" for i in range(m)] + [f"{{{i}}}" for i in range(m)] + (["1"] if has_bias else [])
    return " + ".join(terms), tuple(local)


def _fill(template: str, words: list[str], out: str) -> str:
    return template.format(*words, out=out)


def _with_exponent(node: Value, words: list[str]) -> list[str]:
    """The inputs' words, and a number exponent after them: it fills {1} in `{0}**{1}`."""
    exponent = _exponent(node)
    return words if exponent is None else [*words, fmt(exponent)]


def forward_formula(node: Value, names: dict[Value, str]) -> str:
    """The operation in names: `a * b`. Empty for a leaf."""
    if not node._op:
        return ""
    template, _ = _templates(node)
    return _fill(template, _with_exponent(node, [names[c] for c in node._prev]), names[node])


def forward_numbers(node: Value) -> str:
    """The operation in numbers: `2 * (-3)`, `tanh(-2)`. Empty for a leaf."""
    if not node._op:
        return ""
    template, _ = _templates(node)
    called = template.endswith("({0})")  # tanh(-2) needs no brackets of its own; 2 * (-3) does
    words = [fmt(c.data) if called else _paren(c.data) for c in node._prev]
    return _fill(template, _with_exponent(node, words), _paren(node.data))


def local_formula(node: Value, i: int, names: dict[Value, str]) -> str:
    """∂node/∂(its i-th input) in names, e.g. `b` for the first input of `a * b`."""
    _, locals_ = _templates(node)
    return _fill(locals_[i], _with_exponent(node, [names[c] for c in node._prev]), names[node])


def _paren(x: float) -> str:
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text
