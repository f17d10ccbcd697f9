"""The computation graph as a tree, from the output down to the inputs.

A graph is a DAG: `a * a`, or a weight used by every example, reaches the
same node along several paths. Each node is shown once, at the first place a
depth-first walk meets it (its "home"); anywhere else it appears as a
one-line `↺ name` reference. Children are added only when a node is
expanded, so a 66,000-node graph opens as fast as a small one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from engine.explain import node_names
from engine.value import Value
from tutor.node_words import describe, formula

# How a node's numbers are shown: "hidden" (not computed yet), "partial" (grad still filling in), "final".
Shown = Callable[[Value], tuple[bool, str]]


def _everything_known(node: Value) -> tuple[bool, str]:
    return True, "final"


def step_view(state: Any, root: Value) -> tuple[Value | None, Shown | None]:
    """What the graph shows during a step-through: (the current node, which numbers are known).

    Forward: only the nodes computed so far have data, and no grad is known. Backward: a visited
    node's grad is final, a node that has received part of its grad (or the output) is partial,
    the rest unknown; a pending prediction puts the cursor on the node that asks it. Any other
    state (or none) shows everything.
    """
    from lessons.runner import BackwardState, ForwardState

    if isinstance(state, ForwardState):
        computed = {s.node for s in state.trace[: state.position]}
        return (state.current.node if state.current else None), lambda v: (v in computed, "hidden")
    if isinstance(state, BackwardState):
        done = state.trace[: state.position]
        visited = {s.node for s in done}
        touched = visited | {c.child for s in done for c in s.contributions} | {root}
        current = state.current.node if state.current else root
        if state.question is not None:
            touched |= {c.child for c in state.question[0].contributions[: state.asking]}
            current = state.question[0].node
        return current, lambda v: (True, "final" if v in visited else "partial" if v in touched else "hidden")
    return None, None


class GraphTree(Tree[Value]):
    """A lazily expanded tree of `Value`s showing label, operation, data and grad."""

    OPEN_DEPTH = 4  # levels expanded when a graph is first shown
    OPEN_LIMIT = 60  # ...but no more than this many nodes

    def __init__(self, **kwargs) -> None:
        super().__init__("(no graph)", **kwargs)
        self.show_root = True
        self.guide_depth = 3
        self._root_value: Value | None = None
        self._names: dict[Value, str] = {}
        self._home: dict[Value, tuple[Value | None, int]] = {}
        self._value_nodes: dict[Value, TreeNode[Value]] = {}
        self.shown: Shown = _everything_known
        self.current: Value | None = None

    # -- building --

    def show_graph(self, root: Value | None, shown: Shown | None = None) -> None:
        """Show the graph of `root` (or nothing); keep the expansion if it is the same graph."""
        self.shown = shown or _everything_known
        if root is self._root_value and root is not None:
            self.refresh_all()
            return
        self._root_value = root
        self.clear()
        self._value_nodes = {}
        if root is None:
            self.root.set_label("(no graph)")
            self.root.data = None
            self._names, self._home = {}, {}
            return
        self._names = node_names(root)
        self._home = _homes(root)
        self.root.data = root
        self._value_nodes[root] = self.root
        self.root.set_label(self._label(root))
        self.root.allow_expand = bool(root._prev)
        self._open(self.root, self.OPEN_DEPTH, self.OPEN_LIMIT)

    def _open(self, tree_node: TreeNode[Value], depth: int, limit: int) -> None:
        """Expand `tree_node` and, breadth-first, its home children down to `depth` levels,
        until about `limit` nodes are shown."""
        shown = 0
        level = [tree_node]
        for _ in range(depth):
            below = []
            for t in level:
                if shown >= limit:
                    return
                self._add_children(t)
                t.expand()
                shown += len(t.children)
                below += [c for c in t.children if c.allow_expand]
            level = below

    def _add_children(self, tree_node: TreeNode[Value]) -> None:
        if tree_node.children or tree_node.data is None:
            return
        parent = tree_node.data
        for i, child in enumerate(parent._prev):
            if self._home.get(child) == (parent, i):
                added = tree_node.add(self._label(child), data=child, allow_expand=bool(child._prev))
                self._value_nodes[child] = added
            else:
                tree_node.add_leaf(Text.assemble(("↺ ", "dim"), (self._names[child], "italic")), data=child)

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[Value]) -> None:
        self._add_children(event.node)

    # -- updating --

    def _label(self, node: Value) -> Text:
        name = self._names.get(node, "?")
        computed, grad_state = self.shown(node)
        text = Text()
        is_current = node is self.current
        text.append(name, "bold reverse" if is_current else "bold")
        if node._op:
            text.append(f" = {formula(node, self._names)}")
        if computed:
            text.append("  data ", "dim")
            text.append(describe(node.data, brief=True))
        else:
            text.append("  data ?", "dim")
        if grad_state == "hidden":
            text.append("  grad ?", "dim")
        else:
            text.append("  grad ", "dim")
            style = "bold" if grad_state == "final" else "dim italic"
            grad = describe(node.grad, brief=True)
            if computed and getattr(node.grad, "shape", None) == getattr(node.data, "shape", ()) and "×" in grad:
                grad = grad.split(" ", 1)[1]  # the shape is the data's, just said: "grad mean 0.1" fits 80 columns
            text.append(grad, style)
        return text

    def show_step(self, root: Value, state: Any) -> None:
        """Show `root`'s graph as `state` (a forward or backward step-through, or anything else) sees it."""
        self.current, shown = step_view(state, root)
        self.show_graph(root, shown)
        if self.current is not None:
            self.reveal(self.current)

    def refresh_nodes(self, nodes: Iterable[Value]) -> None:
        for node in nodes:
            tree_node = self._value_nodes.get(node)
            if tree_node is not None:
                tree_node.set_label(self._label(node))

    def refresh_all(self) -> None:
        self.refresh_nodes(list(self._value_nodes))

    def reveal(self, node: Value) -> None:
        """Expand the path to `node`'s home, put the cursor on it and scroll it into view."""
        path = []
        walk: Value | None = node
        while walk is not None and walk not in self._value_nodes:
            path.append(walk)
            walk = self._home.get(walk, (None, 0))[0]
        for value in reversed(path):
            parent = self._home[value][0]
            parent_node = self._value_nodes[parent]
            self._add_children(parent_node)
            parent_node.expand()
        target = self._value_nodes.get(node)
        if target is None:
            return
        parent = target.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.move_cursor(target)
        self.call_after_refresh(self.scroll_to_node, target, animate=False)

    def node_count(self) -> int:
        return len(self._home)


def _homes(root: Value) -> dict[Value, tuple[Value | None, int]]:
    """For each node, the (parent, input position) where a depth-first walk from `root` first meets it."""
    home: dict[Value, tuple[Value | None, int]] = {root: (None, 0)}
    stack = [root]
    while stack:
        node = stack.pop()
        fresh = []
        for i, child in enumerate(node._prev):
            if child not in home:
                home[child] = (node, i)
                fresh.append(child)
        stack.extend(reversed(fresh))
    return home
