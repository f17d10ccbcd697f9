"""The learner's own graph as a tree, its backward stepped node by node, wrong nodes marked ✗ WRONG.

Shows a `tutor.learner.walk.Walk` (a captured graph and the grads each of the
learner's `_backward()` calls changed): the root at the top, each node's
inputs beneath it, every node once (a node reached again shows as `↺ name`).
Marks are words and symbols, never colour alone: `▶` the node whose
`_backward()` was just called, `✗ WRONG` a node the checker found wrong.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tutor.learner.check_walk import NodeCheck
from tutor.learner.walk import GradCursor, Walk
from tutor.learner.walk_text import change_lines, formula, num, verdict

__all__ = ["WalkTree", "step_text"]

OPEN_LIMIT = 80  # nodes expanded when a walk is first shown


class WalkTree(Tree[int]):
    """A captured walk; `step(+1)`/`step(-1)` move through the learner's `_backward()` calls."""

    def __init__(self, **kwargs) -> None:
        super().__init__("(no graph yet)", **kwargs)
        self.guide_depth = 3
        self.walk: Walk | None = None
        self.cursor_at: GradCursor | None = None
        self.wrong: dict[int, NodeCheck] = {}
        self._shown_at: dict[int, TreeNode[int]] = {}

    def show_walk(self, walk: Walk | None, checks: list[NodeCheck]) -> None:
        self.clear()
        self._shown_at = {}
        self.walk = walk
        self.wrong = {c.node: c for c in checks if c.wrong}
        self.cursor_at = GradCursor(walk) if walk is not None and walk.nodes else None
        if self.cursor_at is None:
            self.root.set_label("(no graph for this exercise yet)")
            return
        self.root.data = walk.root
        self._shown_at[walk.root] = self.root
        seen = {walk.root}
        budget = [OPEN_LIMIT]
        self._add(self.root, walk.root, seen, budget)
        self.root.expand_all()
        self.refresh_labels()

    def _add(self, tree_node: TreeNode[int], node_id: int, seen: set[int], budget: list[int]) -> None:
        assert self.walk is not None
        for child in dict.fromkeys(self.walk.nodes[node_id].children):
            if child in seen or budget[0] <= 0:
                tree_node.add_leaf(f"↺ {escape(self.walk.nodes[child].name)}", data=-1)
                continue
            seen.add(child)
            budget[0] -= 1
            if self.walk.nodes[child].children:
                branch = tree_node.add(self._label(child), data=child)
            else:
                branch = tree_node.add_leaf(self._label(child), data=child)
            self._shown_at[child] = branch
            self._add(branch, child, seen, budget)

    def _label(self, node_id: int) -> Text:
        assert self.walk is not None and self.cursor_at is not None
        node = self.walk.nodes[node_id]
        last = self.cursor_at.last
        text = Text()
        if last is not None and last.node == node_id:
            text.append("▶ ", "bold")
        if node_id in self.wrong:
            text.append("✗ WRONG ", "bold reverse")
        shown = formula(self.walk, node_id)
        text.append(node.name, "bold")
        if shown:
            text.append(f" = {shown}")
        text.append(f"   data {num(node.data)}  grad {num(self.cursor_at.grads[node_id])}")
        return text

    def refresh_labels(self) -> None:
        for node_id, tree_node in self._shown_at.items():
            tree_node.set_label(self._label(node_id))

    def step(self, delta: int) -> None:
        if self.cursor_at is None:
            return
        moved = self.cursor_at.forward() if delta > 0 else self.cursor_at.back()
        if moved is None:
            return
        self.refresh_labels()
        last = self.cursor_at.last
        if last is not None and last.node in self._shown_at:
            self.move_cursor(self._shown_at[last.node])
            self.scroll_to_node(self._shown_at[last.node])


def step_text(tree: WalkTree) -> str:
    """Where the walk is, what the last `_backward()` changed, and the checker's word on it."""
    walk, cursor = tree.walk, tree.cursor_at
    if walk is None or cursor is None:
        return ""
    total = len(walk.steps)
    if cursor.position == 0:
        wrong = len(tree.wrong)
        marked = f"; {wrong} node{'s' * (wrong != 1)} marked ✗ WRONG" if wrong else ""
        return f"backward: {total} _backward() calls to step (n next, p back){marked}"
    step = walk.steps[cursor.position - 1]
    lines = [f"step {cursor.position}/{total}: {walk.nodes[step.node].name}._backward()"]
    lines += [f"  {line}" for line in change_lines(walk, step)]
    check = tree.wrong.get(step.node)
    if check is not None:
        lines.append("  " + verdict(check).splitlines()[0])
    return "\n".join(lines)
