"""A computation graph as plain text: one short line per node, and the whole graph as a tree.

    L = n5 * n6   data -8   grad 1
    ├── n5 = n3 + n4   data 4   grad -2
    │   ├── n3 = a * b   data -6   grad -2
    │   │   ├── a   data 2   grad 6
    │   │   └── b   data -3   grad -4
    │   └── n4   data 10   grad -2
    └── n6   data -2   grad 4

A node reached a second time (`a * a`, a shared weight) is not expanded
again but shown as `↺ a`, so a graph with sharing stays as small as the
graph itself. Nothing here recurses: a chain 10,000 nodes deep is fine.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.explain import fmt, forward_formula, node_names
from engine.value import Value

__all__ = ["DEFAULT_MAX_DEPTH", "node_text", "render_tree"]

DEFAULT_MAX_DEPTH = 100  # deeper levels are summarised in one line


def node_text(node: Value, names: Mapping[Value, str]) -> str:
    """One line for a node: `L = d * f   data -8   grad 1`, or `a   data 2   grad 6` for a leaf.

    `names` must name the node and its inputs, e.g. `engine.explain.node_names(root)`.
    """
    formula = forward_formula(node, names) if node._prev else ""  # type: ignore[arg-type]
    head = f"{names[node]} = {formula}" if formula else names[node]
    return f"{head}   data {fmt(node.data)}   grad {fmt(node.grad)}"


def render_tree(
    root: Value, names: Mapping[Value, str] | None = None, max_depth: int | None = DEFAULT_MAX_DEPTH
) -> str:
    """The graph from `root` down, drawn with ├── └── │; a node seen before is one `↺ name` line.

    The inputs of a node deeper than `max_depth` levels are replaced by one
    `… not shown` line (None: no limit; the text then grows with depth²).
    """
    if names is None:
        names = node_names(root)
    lines = [node_text(root, names)]
    shown = {root}
    # (node, the prefix of its line, is it its parent's last input, its depth)
    todo = [(child, "", i == len(root._prev) - 1, 1) for i, child in enumerate(root._prev)]
    todo.reverse()
    while todo:
        node, prefix, last, depth = todo.pop()
        branch = "└── " if last else "├── "
        if node in shown:
            lines.append(f"{prefix}{branch}↺ {names[node]}")
            continue
        shown.add(node)
        lines.append(prefix + branch + node_text(node, names))
        inputs = node._prev
        if not inputs:
            continue
        inner = prefix + ("    " if last else "│   ")
        if max_depth is not None and depth >= max_depth:
            count = "1 input" if len(inputs) == 1 else f"{len(inputs)} inputs"
            lines.append(f"{inner}└── … {count} not shown (deeper than {max_depth} levels)")
            continue
        last_index = len(inputs) - 1
        todo.extend((child, inner, i == last_index, depth + 1) for i, child in reversed(list(enumerate(inputs))))
    return "\n".join(lines)
