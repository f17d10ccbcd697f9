"""Judge a captured backward walk node by node (runs in the checking process, on JSON only).

For each node whose op is known, what its `_backward()` added to each input's
grad is compared with the true local derivative × the node's grad. Unknown ops
are "not checked", never wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lessons.exercises.numbers import close, num

# op -> (the rule in words, local derivatives from (out, inputs) in the order of _prev)
_RULES = {
    "+": ("1", lambda out, xs: [1.0] * len(xs)),
    "*": ("the other factor", lambda out, xs: [math.prod(xs[:i] + xs[i + 1 :]) for i in range(len(xs))]),
    "tanh": ("1 - tanh²", lambda out, xs: [1 - out * out]),
    "exp": ("exp(x)", lambda out, xs: [out]),
    "log": ("1/x", lambda out, xs: [1 / xs[0]]),
    "relu": ("1 if x > 0 else 0", lambda out, xs: [1.0 if out > 0 else 0.0]),
    "sigmoid": ("σ(1 - σ)", lambda out, xs: [out * (1 - out)]),
    "neg": ("-1", lambda out, xs: [-1.0]),
}
_ALIASES = {"ReLU": "relu", "Relu": "relu", "σ": "sigmoid"}
_REUSED = {"+": 2.0}  # a + a with _prev a set: one input, counted twice


@dataclass(frozen=True)
class WrongNode:
    node: int
    op: str
    input: int
    given: float
    expected: float
    rule: str
    error: str | None = None

    def words(self, nodes: list[dict]) -> str:
        if self.error:
            return f"node {_name(nodes, self.node)} ({self.op}): its _backward raised {self.error}"
        return (
            f"node {_name(nodes, self.node)} ({self.op}): its _backward added {num(self.given, self.expected)} "
            f"to {_name(nodes, self.input)}.grad, expected {num(self.expected, self.given)} ({self.rule} × out.grad)"
        )


def _name(nodes: list[dict], i: int) -> str:
    node = nodes[i]
    return node["label"] or f"#{i} = {num(node['data'])}"


def _rule(op: str, out: float, xs: list[float]) -> tuple[str, list[float]] | None:
    op = _ALIASES.get(op, op)
    if op.startswith("**"):
        try:
            k = float(op[2:])
        except ValueError:
            return None
        return f"{op[2:]}·x^{num(k - 1)}", [k * xs[0] ** (k - 1)]
    if op == "-" and len(xs) == 1:
        op = "neg"
    if op not in _RULES:
        return None
    words, local = _RULES[op]
    if len(xs) == 1 and op in ("+", "*"):  # the same input twice (a + a, a * a) kept in a set
        return words, [_REUSED.get(op, 2 * xs[0])]
    return words, local(out, xs)


def wrong_nodes(walk: dict) -> list[WrongNode]:
    """Every node whose own backward step sent the wrong grad to an input (or raised)."""
    nodes = walk["nodes"]
    wrong = []
    for step in walk["steps"]:
        i = step["node"]
        node = nodes[i]
        if step.get("error"):
            wrong.append(WrongNode(i, node["op"], i, math.nan, math.nan, "", step["error"]))
            continue
        prev = node["prev"]
        if not prev or step.get("unchecked"):
            continue
        rule = _rule(node["op"], node["data"], [nodes[j]["data"] for j in prev])
        if rule is None:
            continue
        words, local = rule
        g = _grad_at(walk, i, step)
        expected: dict[int, float] = {}
        for j, d in zip(prev, local):
            expected[j] = expected.get(j, 0.0) + d * g
        for j, want in expected.items():
            before, after = step["changes"].get(str(j), [0.0, 0.0])
            given = after - before
            if not close(given, want):
                wrong.append(WrongNode(i, node["op"], j, given, want, words))
                break
    return wrong


def _grad_at(walk: dict, i: int, upto: dict) -> float:
    """Node i's grad just before step `upto`: the root starts at 1, every change before adds up."""
    grad = 1.0 if walk["steps"] and walk["steps"][0]["node"] == i else 0.0
    for step in walk["steps"]:
        if step is upto:
            break
        change = step["changes"].get(str(i))
        if change:
            grad = change[1]
    return grad
