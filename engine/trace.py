"""The forward and backward passes, one node at a time, as records to step through.

`forward_trace(root)` lists the nodes in the order they are computed.
`backward_trace(root)` runs exactly the loop of `Value.backward()` and yields
one immutable `BackwardStep` per node as it goes: the node's upstream grad
and, for each of its inputs, the local derivative, the amount added to the
input's grad and that grad before and after. A node whose `_backward` is a
function of the learner's (the lecture's way) is run as it is and recorded by
what it changed: its step is `custom`, with no local derivatives to show.
`replay(root, steps)` applies
the records again, and `step.undo()` takes one back, which is how the tutor
steps backwards and forwards through backprop.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from engine.graph import reversed_topological_order, topological_order
from engine.value import Value, raise_bad_grad

__all__ = ["BackwardStep", "Contribution", "ForwardStep", "backward_trace", "forward_trace", "replay"]


@dataclass(frozen=True, slots=True)
class ForwardStep:
    index: int
    node: Value
    value: float  # node.data when the trace was taken


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one node sends back to one of its inputs: `child.grad += local × upstream`."""

    child: Value
    position: int  # which input of the node this is (0 for `a` in `a * b`)
    local: float  # ∂node/∂child (nan for a custom _backward: not known in numbers)
    added: float  # local × upstream
    grad_before: float
    grad_after: float


@dataclass(frozen=True, slots=True)
class BackwardStep:
    index: int
    node: Value
    upstream: float  # ∂root/∂node, complete by the time the node is visited
    contributions: tuple[Contribution, ...]  # empty for a leaf
    custom: bool = False  # the node's _backward is a function of the learner's, run as it is

    def apply(self) -> None:
        """Put the grads of the node's inputs as they are after this step."""
        self.node.grad = self.upstream
        for c in self.contributions:
            c.child.grad = c.grad_after

    def undo(self) -> None:
        """Put the grads of the node's inputs back as they were before this step."""
        for c in reversed(self.contributions):
            c.child.grad = c.grad_before


def forward_trace(root: Value) -> list[ForwardStep]:
    """Every node in an order it can be computed in: inputs first, root last."""
    return [ForwardStep(i, node, node.data) for i, node in enumerate(topological_order(root))]


def _start_backward(root: Value, order: list[Value]) -> None:
    """What `backward()` does before its loop: zero interior grads, seed the root."""
    for node in order:
        if node._prev:
            node.grad = 0.0
    root.grad = 1.0 if root._prev else root.grad + 1.0


def backward_trace(root: Value) -> Iterator[BackwardStep]:
    """Run backprop from `root`, yielding a record for each node as it is visited.

    The grads are updated as the iterator advances; consume it fully and every
    grad equals what `root.backward()` would have given.
    """
    order = reversed_topological_order(root)
    _start_backward(root, order)
    total = 0.0  # as in backward(): nan or inf whenever one of the grads is
    for index, node in enumerate(order):
        upstream = node.grad
        total += upstream
        if node._local is None:
            yield _custom_step(index, node, upstream)
            continue
        contributions = []
        for position, (child, local) in enumerate(zip(node._prev, node._local)):
            before = child.grad
            added = local * upstream
            if upstream:  # as in backward(): a node with zero grad sends nothing back
                child.grad = before + added  # the chain rule
            contributions.append(Contribution(child, position, local, added, before, child.grad))
        yield BackwardStep(index, node, upstream, tuple(contributions))
    if total - total != 0.0:
        raise_bad_grad(root, order)


def _custom_step(index: int, node: Value, upstream: float) -> BackwardStep:
    """Run a learner's own `_backward` and record, for each distinct input, its grad before and after."""
    children = list(dict.fromkeys(node._prev))  # `a * a`: one input, changed once
    before = [child.grad for child in children]
    node._backward()
    contributions = tuple(
        Contribution(child, node._prev.index(child), math.nan, child.grad - b, b, child.grad)
        for child, b in zip(children, before)
    )
    return BackwardStep(index, node, upstream, contributions, custom=True)


def replay(root: Value, steps: list[BackwardStep]) -> None:
    """Apply recorded steps from the start, adding each contribution again."""
    _start_backward(root, reversed_topological_order(root))
    for step in steps:
        if step.upstream:
            for c in step.contributions:
                c.child.grad += c.added
