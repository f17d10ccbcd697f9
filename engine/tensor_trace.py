"""The forward and backward passes of a Tensor graph, one node at a time, as records to step through.

As `engine.trace` does for Values: `backward_trace(root)` runs exactly the
loop of `Tensor.backward()` and yields one immutable `TensorBackwardStep` per
node, with what it sent back to each input (read-only copies of the arrays);
`replay` applies the records again and `step.undo()` takes one back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.graph import topological_order
from engine.tensor import RULES, Tensor, start_backward

__all__ = ["TensorBackwardStep", "TensorContribution", "TensorForwardStep", "backward_trace", "forward_trace", "replay"]


@dataclass(frozen=True, slots=True)
class TensorForwardStep:
    index: int
    node: Tensor
    value: np.ndarray  # a read-only copy of node.data when the trace was taken


@dataclass(frozen=True, slots=True)
class TensorContribution:
    """What one node sends back to one of its inputs: `child.grad += added` (arrays are read-only copies)."""

    child: Tensor
    position: int  # which input of the node this is
    added: np.ndarray  # the VJP: the upstream grad pulled back through the operation
    grad_before: np.ndarray
    grad_after: np.ndarray


@dataclass(frozen=True, slots=True)
class TensorBackwardStep:
    index: int
    node: Tensor
    upstream: np.ndarray  # ∂root/∂node, complete by the time the node is visited
    contributions: tuple[TensorContribution, ...]  # empty for a leaf

    def apply(self) -> None:
        """Put the grads of the node and its inputs as they are after this step."""
        self.node.grad = self.upstream.copy()
        for c in self.contributions:
            c.child.grad = c.grad_after.copy()

    def undo(self) -> None:
        """Put the grads of the node's inputs back as they were before this step."""
        for c in reversed(self.contributions):
            c.child.grad = c.grad_before.copy()


def forward_trace(root: Tensor) -> list[TensorForwardStep]:
    """Every node in an order it can be computed in: inputs first, root last."""
    return [TensorForwardStep(i, node, _frozen(node.data)) for i, node in enumerate(topological_order(root))]


def backward_trace(root: Tensor, grad: Any = None) -> Iterator[TensorBackwardStep]:
    """Run `root.backward(grad)`, yielding a record for each node as it is visited.

    The grads are updated as the iterator advances, by exactly the arithmetic
    of `backward()`: consume it fully and every grad is what backward() gives.
    """
    order = start_backward(root, grad)
    for index, node in enumerate(order):
        upstream = node.grad
        contributions = []
        if node._prev:
            for position, (child, vjp) in enumerate(zip(node._prev, RULES[node._op].vjp(node, upstream))):
                before = child.grad
                child.grad = before + vjp  # the chain rule
                contributions.append(TensorContribution(child, position, *map(_frozen, (vjp, before, child.grad))))
        yield TensorBackwardStep(index, node, _frozen(upstream), tuple(contributions))


def replay(root: Tensor, steps: Sequence[TensorBackwardStep], grad: Any = None) -> None:
    """Apply recorded steps from the start, adding each contribution again, as backward() does."""
    start_backward(root, grad)
    for step in steps:
        for c in step.contributions:
            c.child.grad = c.child.grad + c.added


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64)  # a copy
    a.flags.writeable = False
    return a
