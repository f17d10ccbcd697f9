"""Check a learner's backward, one `_backward()` call at a time: did each input get local derivative × grad?

For each step of a `Walk` the checker knows the grad the node had when its
`_backward()` was called (g), and what the call added to each input's grad.
For the ops micrograd-style code uses it computes the true local derivative
from the captured numbers and compares:

    given  = input.grad after − before          expected = ∂node/∂input × g

Ops it does not know, nodes whose numbers are not numbers, and operand
orders it cannot tell apart (a set `_prev` loses the order of `a - b`) are
"not checked", never wrong. A `_prev` that is a set also drops the second
`a` of `a + a`; a binary op with a single input is read as `a op a`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

from tutor.learner.walk import Number, Walk, gc_paused

__all__ = ["NOT_CHECKED", "RIGHT", "WRONG", "InputCheck", "NodeCheck", "check_walk", "local_derivatives"]

RIGHT, WRONG, NOT_CHECKED = "right", "wrong", "not checked"
BINARY = {"+", "*", "-", "/"}


class InputCheck(NamedTuple):
    child: int
    given: Number  # what the learner's _backward added to this input's grad
    expected: float | None  # ∂node/∂input × g, None when not checked
    ok: bool | None  # None when not checked


class NodeCheck(NamedTuple):
    step: int
    node: int
    op: str
    status: str  # RIGHT, WRONG or NOT_CHECKED
    upstream: Number  # the node's grad when its _backward() was called
    inputs: tuple[InputCheck, ...]
    note: str  # why not checked, or what is wrong, in words

    @property
    def wrong(self) -> bool:
        return self.status == WRONG


def _unary(rule: Callable[[float, float], float]) -> Callable[[float, list[float]], list[float] | None]:
    def local(out: float, xs: list[float]) -> list[float] | None:
        return [rule(out, xs[0])] if len(xs) == 1 else None

    return local


def _ordered(forward: Callable[[float, float], float], d: Callable[[float, float, float], tuple[float, float]]):
    """A binary op whose operands' order matters: find the order from the numbers (out = a op b)."""

    def local(out: float, xs: list[float]) -> list[float] | None:
        if len(xs) != 2:
            return None
        a, b = xs
        fits = []
        for first, second, swapped in ((a, b, False), (b, a, True)):
            try:
                if _close(forward(first, second), out):
                    fits.append(swapped)
            except (ArithmeticError, ValueError, TypeError):
                continue
        if len(fits) != 1:
            return None  # no order fits, or both do and their derivatives differ: cannot tell
        first, second = (b, a) if fits[0] else (a, b)
        da, db = d(out, first, second)
        return [db, da] if fits[0] else [da, db]

    return local


def _product_rule(out: float, xs: list[float]) -> list[float] | None:
    return [math.prod(xs[:i] + xs[i + 1 :]) for i in range(len(xs))] if xs else None


def _dot(out: float, xs: list[float]) -> list[float] | None:
    m = len(xs) // 2
    has_bias = len(xs) % 2 == 1
    total = sum(xs[i] * xs[m + i] for i in range(m)) + (xs[-1] if has_bias else 0.0)
    if not _close(total, out):
        return None
    return xs[m : 2 * m] + xs[:m] + ([1.0] if has_bias else [])


def _minus(out: float, xs: list[float]) -> list[float] | None:
    if len(xs) == 1 and _close(out, -xs[0]):
        return [-1.0]  # unary minus
    return _ordered(lambda a, b: a - b, lambda o, a, b: (1.0, -1.0))(out, xs)


RULES: dict[str, Callable[[float, list[float]], list[float] | None]] = {
    "+": lambda out, xs: [1.0] * len(xs) if xs else None,
    "*": _product_rule,
    "-": _minus,
    "/": _ordered(lambda a, b: a / b, lambda o, a, b: (1.0 / b, -a / (b * b))),
    "neg": _unary(lambda o, x: -1.0),
    "tanh": _unary(lambda o, x: 1.0 - o * o),
    "exp": _unary(lambda o, x: o),
    "log": _unary(lambda o, x: 1.0 / x),
    "relu": _unary(lambda o, x: 1.0 if o > 0 else 0.0),
    "sigmoid": _unary(lambda o, x: o * (1.0 - o)),
    "sin": _unary(lambda o, x: math.cos(x)),
    "cos": _unary(lambda o, x: -math.sin(x)),
    "sqrt": _unary(lambda o, x: 0.5 / o),
    "abs": _unary(lambda o, x: math.copysign(1.0, x) if x else 0.0),
    "dot": _dot,
    "**": _ordered(lambda a, b: a**b, lambda o, a, b: (b * a ** (b - 1), o * math.log(a))),
}
ALIASES = {"ReLU": "relu", "Relu": "relu", "σ": "sigmoid", "ln": "log", "e^": "exp", "u-": "neg", "sub": "-"}
ALIASES |= {"add": "+", "mul": "*", "div": "/", "pow": "**", "+=": "+"}


def local_derivatives(op: str, out: float, xs: list[float]) -> list[float] | None:
    """∂out/∂x for each input (in the given order, repeats included), or None when the op is not known."""
    rule = _rule(op)
    if rule is None:
        return None
    try:
        return rule(out, xs)
    except (ArithmeticError, ValueError, TypeError):
        return None


@functools.cache
def _rule(op: str) -> Callable[[float, list[float]], list[float] | None] | None:
    """The rule for an op's text: `+`, `ReLU`, `**2` (a number exponent in the text) ..."""
    op = op.strip()
    if op.startswith("**") and op[2:].strip():
        try:
            k = float(op[2:].strip())
        except ValueError:
            return None
        return _unary(lambda o, x: k * x ** (k - 1) if k != 0 else 0.0)
    return RULES.get(ALIASES.get(op, op.lower() if op.lower() in RULES else op))


def _close(a: float, b: float) -> bool:
    if not isinstance(a, float | int) or not isinstance(b, float | int):
        return False  # a complex power of a negative base, say
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _fmt(x: Number) -> str:
    return f"{x:.6g}" if isinstance(x, float) else x


def check_walk(walk: Walk) -> list[NodeCheck]:
    """One NodeCheck per step, in step order."""
    with gc_paused():
        grads: list[Number] = [0.0] * len(walk.nodes)
        if walk.nodes:
            grads[walk.root] = 1.0
        checks = []
        for index, step in enumerate(walk.steps):
            upstream = grads[step.node]
            added: dict[int, Number] = {}
            for j, before, after in step.changes:
                added[j] = after - before if type(after) is float and type(before) is float else after
                grads[j] = after
            checks.append(_check_step(walk, index, step.node, upstream, added, step.error))
        return checks


def _check_step(walk: Walk, index: int, node_id: int, g: Number, added: dict[int, Number], error: str | None):
    node = walk.nodes[node_id]
    quick = _right_sum_or_product(walk, index, node, g, added) if error is None and not walk.whole else None
    if quick is not None:
        return quick
    kids = node.children
    children = list(kids) if len(kids) == 2 and kids[0] != kids[1] else list(dict.fromkeys(kids))  # distinct
    if error is not None:
        return _unchecked(index, node, g, children, added, WRONG, f"its _backward() raised an error:\n{error}")
    if walk.whole:
        note = "these Values have no _backward(): the walk is one root.backward() call"
        return _unchecked(index, node, g, children, added, NOT_CHECKED, note)
    occurrences = list(node.children)
    if len(occurrences) == 1 and node.op.strip() in BINARY:
        occurrences *= 2  # a set _prev kept one `a` of `a op a`
    nodes = walk.nodes
    numbers = [nodes[c].data for c in occurrences]
    if type(node.data) is not float or type(g) is not float or any(type(x) is not float for x in numbers):
        return _unchecked(index, node, g, children, added, NOT_CHECKED, "its data or grad is not a number")
    locals_ = local_derivatives(node.op, node.data, numbers)  # type: ignore[arg-type]
    if locals_ is None:
        known = "unknown op" if node.op else "no op name"
        note = f"{known} {node.op!r}: its derivative is not known to the checker"
        return _unchecked(index, node, g, children, added, NOT_CHECKED, note)
    expected: dict[int, float] = dict.fromkeys(children, 0.0)
    for child, local in zip(occurrences, locals_):
        expected[child] += local * g
    inputs = []
    notes = []
    for child in children:
        given = added.get(child, 0.0)
        ok = type(given) is float and _close(given, expected[child])
        inputs.append(InputCheck(child, given, expected[child], ok))
        if not ok:
            notes.append(f"{nodes[child].name}.grad got {_fmt(given)} from this step, expected {_fmt(expected[child])}")
    if len(added) > len(children):
        strays = [j for j in added if j not in expected and j != node.id]
        notes += [f"it changed {nodes[j].name}.grad, which is not one of its inputs" for j in strays]
    if notes and not node.has_backward:
        notes.insert(0, "it has no _backward(), so nothing was sent back")
    return NodeCheck(index, node.id, node.op, WRONG if notes else RIGHT, g, tuple(inputs), "; ".join(notes))


def _right_sum_or_product(walk: Walk, index: int, node, g: Number, added: dict[int, Number]) -> NodeCheck | None:
    """The common case, made fast: a right `a + b` or `a * b` of two different inputs (else None: the long way)."""
    kids = node.children
    if len(kids) != 2 or kids[0] == kids[1] or node.op not in ("+", "*") or type(g) is not float:
        return None
    a, b = kids
    if node.op == "+":
        expect_a = expect_b = g
    else:
        da, db = walk.nodes[a].data, walk.nodes[b].data
        if type(da) is not float or type(db) is not float:
            return None
        expect_a, expect_b = db * g, da * g
    given_a, given_b = added.get(a, 0.0), added.get(b, 0.0)
    if len(added) - (node.id in added) > 2 or type(given_a) is not float or type(given_b) is not float:
        return None
    if not (_close(given_a, expect_a) and _close(given_b, expect_b)):
        return None
    inputs = (InputCheck(a, given_a, expect_a, True), InputCheck(b, given_b, expect_b, True))
    return NodeCheck(index, node.id, node.op, RIGHT, g, inputs, "")


def _unchecked(index: int, node, g: Number, children: list[int], added: dict[int, Number], status: str, note: str):
    inputs = tuple(InputCheck(c, added.get(c, 0.0), None, None) for c in children)
    return NodeCheck(index, node.id, node.op, status, g, inputs, note)
