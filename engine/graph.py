"""Walking a computation graph: order, ids, sizes, and a Graphviz drawing.

A graph is given by its output node (the root); every function here works on
any object with `_prev` (its inputs), and never recurses, so a chain of a
million operations is as easy as a chain of three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from engine.value import Value

Node = TypeVar("Node")  # a Value, a Tensor, or anything else with `_prev`

__all__ = ["count_edges", "count_nodes", "node_ids", "reversed_topological_order", "to_dot", "topological_order"]


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    A node's inputs come in the order it lists them (`a * b`: a, b, then the
    product), the order is the same every time for the same graph, and it is
    found without recursion, so graph depth does not matter.
    """
    return reversed_topological_order(root)[::-1]


def reversed_topological_order(root: Node) -> list[Node]:
    """`root` first, then every node after all the nodes that use it: backprop's order.

    A depth-first search with its own stack instead of recursion. When a node
    is first reached it goes back on the stack under a `_DONE` marker, with
    its inputs on top; by the time the marker comes off again, every input
    (and everything below it) has been placed, so the node can be placed too.
    Placing each node after its inputs and reversing gives the order.
    """
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list = [root]
    pop, push, place, see = stack.pop, stack.append, order.append, seen.add
    while stack:
        node = pop()
        if node is _DONE:
            place(pop())  # all of its inputs are placed
        elif node not in seen:
            see(node)
            push(node)
            push(_DONE)
            for child in reversed(node._prev):  # so the first input comes off first
                if child not in seen:
                    push(child)
    order.reverse()
    return order


_DONE = object()  # stack marker: the node below it has all of its inputs placed


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
    from engine.explain import op_label  # explain walks graphs with this module: imported when drawing

    ids = node_ids(root)
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=record, fontname="monospace"];']
    for node, i in ids.items():
        name = _dot_escape(node.label or f"n{i}")
        lines.append(f'  n{i} [label="{{ {name} | data {node.data:.4f} | grad {node.grad:.4f} }}"];')
        if node._op:
            lines.append(f'  n{i}op [label="{_dot_escape(op_label(node))}", shape=circle];')
            lines.append(f"  n{i}op -> n{i};")
            for child in node._prev:
                lines.append(f"  n{ids[child]} -> n{i}op;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    for ch in '\\"{}|<>':
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")
