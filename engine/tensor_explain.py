"""Words for what each Tensor operation did: its formula and the grad it sends back.

The words are the formulas registered with each operation's backward rule in
`engine.tensor.RULES`; this module fills them in for one node, e.g.
`h = tanh(hpre)` and, for its input, `g * (1 - h²)`.
"""

from __future__ import annotations

from engine.tensor import RULES, Tensor

__all__ = ["forward_formula", "grad_formula"]


def forward_formula(node: Tensor, names: dict[Tensor, str]) -> str:
    """What the operation computed, in names: `h = tanh(hpre)` gives 'tanh(hpre)'. Empty for a leaf."""
    if not node._op:
        return ""
    return _fill(RULES[node._op].forward, node, names, 0)


def grad_formula(node: Tensor, i: int, names: dict[Tensor, str]) -> str:
    """∂L/∂(input i) in terms of g = ∂L/∂node, in names: 'g * (1 - h²)' for the input of h = tanh(hpre)."""
    grads = RULES[node._op].grads
    return _fill(grads[i] if i < len(grads) else grads[-1], node, names, i)


def _fill(template: str, node: Tensor, names: dict[Tensor, str], i: int) -> str:
    words = [names[c] for c in node._prev]
    return template.format(*words, out=names[node], all=", ".join(words), i=i)
