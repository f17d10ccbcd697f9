"""Walking a computation graph: order, ids, sizes, and a Graphviz drawing.

A graph is given by its output node (the root); every function here works on
any object with `_prev` (its inputs), and never recurses, so a chain of a
million operations is as easy as a chain of three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.value import Value

__all__ = ["topological_order", "reversed_topological_order", "node_ids", "count_nodes", "count_edges", "to_dot"]


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    Kahn's algorithm, run from the root down: first count how many times each
    node is used as an input, then release a node once every node that uses
    it has been placed. No recursion, so graph depth does not matter, and the
    order is the same every time for the same graph.
    """
    return reversed_topological_order(root)[::-1]


def reversed_topological_order(root: Value) -> list[Value]:
    """`root` first, then every node after all the nodes that use it: backprop's order."""
    uses: dict[Value, int] = {}
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        for child in pop()._prev:
            if child in uses:
                uses[child] += 1
            else:
                uses[child] = 1
                push(child)
    order: list[Value] = []
    ready = [root]
    pop, push, place = ready.pop, ready.append, order.append
    while ready:
        node = pop()
        place(node)
        for child in node._prev:
            left = uses[child] - 1
            if left:
                uses[child] = left
            else:
                push(child)
    return order


def node_ids(root: Value) -> dict[Value, int]:
    """A stable id for each node: its position in `topological_order(root)`."""
    return {node: i for i, node in enumerate(topological_order(root))}


def count_nodes(root: Value) -> int:
    return len(topological_order(root))


def count_edges(root: Value) -> int:
    """Input edges; an input used twice by one node (`a * a`) counts twice."""
    return sum(len(node._prev) for node in topological_order(root))


def to_dot(root: Value) -> str:
    """The graph in Graphviz's DOT language: `dot -Tsvg graph.dot > graph.svg`."""
    ids = node_ids(root)
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=record, fontname="monospace"];']
    for node, i in ids.items():
        name = _dot_escape(node.label or f"n{i}")
        lines.append(f'  n{i} [label="{{ {name} | data {node.data:.4f} | grad {node.grad:.4f} }}"];')
        if node._op:
            lines.append(f'  n{i}op [label="{_dot_escape(node._op)}", shape=circle];')
            lines.append(f"  n{i}op -> n{i};")
            for child in node._prev:
                lines.append(f"  n{ids[child]} -> n{i}op;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    for ch in '\\"{}|<>':
        text = text.replace(ch, "\\" + ch)
    return text
