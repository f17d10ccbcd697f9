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

import math
from collections.abc import Callable
from dataclasses import dataclass

from tutor.learner.walk import Number, Walk

__all__ = ["NOT_CHECKED", "RIGHT", "WRONG", "InputCheck", "NodeCheck", "check_walk", "local_derivatives"]

RIGHT, WRONG, NOT_CHECKED = "right", "wrong", "not checked"
BINARY = {"+", "*", "-", "/"}


@dataclass(frozen=True)
class InputCheck:
    child: int
    given: Number  # what the learner's _backward added to this input's grad
    expected: float | None  # ∂node/∂input × g, None when not checked
    ok: bool | None  # None when not checked


@dataclass(frozen=True)
class NodeCheck:
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
    op = op.strip()
    if op.startswith("**") and op[2:].strip():
        try:
            k = float(op[2:].strip())
        except ValueError:
            return None
        if len(xs) != 1:
            return None
        return [k * xs[0] ** (k - 1) if k != 0 else 0.0]
    rule = RULES.get(ALIASES.get(op, op.lower() if op.lower() in RULES else op))
    if rule is None:
        return None
    try:
        return rule(out, xs)
    except (ArithmeticError, ValueError, TypeError):
        return None


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
    grads: list[Number] = [0.0] * len(walk.nodes)
    if walk.nodes:
        grads[walk.root] = 1.0
    checks = []
    for index, step in enumerate(walk.steps):
        upstream = grads[step.node]
        added: dict[int, Number] = {}
        for change in step.changes:
            if isinstance(change.after, float) and isinstance(change.before, float):
                added[change.node] = change.after - change.before
            else:
                added[change.node] = change.after
            grads[change.node] = change.after
        checks.append(_check_step(walk, index, step.node, upstream, added, step.error))
    return checks


def _check_step(walk: Walk, index: int, node_id: int, g: Number, added: dict[int, Number], error: str | None):
    node = walk.nodes[node_id]
    children = list(dict.fromkeys(node.children))  # distinct, in order

    def result(status: str, note: str, inputs: list[InputCheck] | None = None) -> NodeCheck:
        if inputs is None:
            inputs = [InputCheck(c, added.get(c, 0.0), None, None) for c in children]
        return NodeCheck(index, node_id, node.op, status, g, tuple(inputs), note)

    if error is not None:
        return result(WRONG, f"its _backward() raised an error:\n{error}")
    if walk.whole:
        return result(NOT_CHECKED, "these Values have no _backward(): the walk is one root.backward() call")
    strays = [j for j in added if j not in children and j != node_id]
    occurrences = list(node.children)
    if node.op.strip() in BINARY and len(occurrences) == 1:
        occurrences *= 2  # a set _prev kept one `a` of `a op a`
    numbers = [walk.nodes[c].data for c in occurrences]
    if not isinstance(node.data, float) or not isinstance(g, float) or not all(isinstance(x, float) for x in numbers):
        return result(NOT_CHECKED, "its data or grad is not a number")
    locals_ = local_derivatives(node.op, node.data, numbers)  # type: ignore[arg-type]
    if locals_ is None:
        known = "unknown op" if node.op else "no op name"
        return result(NOT_CHECKED, f"{known} {node.op!r}: its derivative is not known to the checker")
    expected: dict[int, float] = dict.fromkeys(children, 0.0)
    for child, local in zip(occurrences, locals_):
        expected[child] += local * g
    inputs = []
    for child in children:
        given = added.get(child, 0.0)
        ok = isinstance(given, float) and _close(given, expected[child])
        inputs.append(InputCheck(child, given, expected[child], ok))
    notes = [
        f"{walk.nodes[i.child].name}.grad got {_fmt(i.given)} from this step, expected {_fmt(i.expected or 0.0)}"
        for i in inputs
        if not i.ok
    ]
    notes += [f"it changed {walk.nodes[j].name}.grad, which is not one of its inputs" for j in strays]
    if notes and not node.has_backward:
        notes.insert(0, "it has no _backward(), so nothing was sent back")
    return result(WRONG if notes else RIGHT, "; ".join(notes), inputs)
