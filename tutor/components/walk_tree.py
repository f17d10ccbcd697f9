"""A captured graph (a learner's own Values, seen through `tutor.learner.walk`) as a lazily expanded tree.

Like `GraphTree`, each node is shown once, at the first place a depth-first
walk from the output meets it; elsewhere it is a one-line `↺ name`. Children
are added only when a node is opened, so a 100,000-node graph opens as fast
as a small one. Marks work without colour: `✗` a node whose `_backward()` is
wrong, `✓` one stepped and right, `»` the node whose `_backward()` ran last.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tutor.learner.check_walk import RIGHT, WRONG, NodeCheck
from tutor.learner.walk import Number, Walk
from tutor.learner.walk_text import formula, num


class WalkTree(Tree[int]):
    """The nodes of a `Walk` (by id) with label, op, data and the grads of the current step."""

    OPEN_DEPTH = 4  # levels expanded when a graph is first shown
    OPEN_LIMIT = 60  # ...but no more than this many nodes

    def __init__(self, **kwargs) -> None:
        super().__init__("(no graph)", **kwargs)
        self.guide_depth = 3
        self.walk: Walk | None = None
        self.grads: list[Number] = []
        self.status: dict[int, str] = {}  # node id → RIGHT / WRONG / NOT_CHECKED
        self.stepped: set[int] = set()  # nodes whose _backward() has run
        self.current: int | None = None
        self._home: dict[int, tuple[int | None, int]] = {}
        self._shown_at: dict[int, TreeNode[int]] = {}

    def show_walk(self, walk: Walk, checks: Iterable[NodeCheck], grads: list[Number]) -> None:
        self.walk, self.grads = walk, grads
        self.status = {c.node: c.status for c in checks}
        self.stepped, self.current = set(), None
        self.clear()
        self._shown_at = {walk.root: self.root}
        self._home = _homes(walk)
        self.root.data = walk.root
        self.root.set_label(self._label(walk.root))
        self.root.allow_expand = bool(walk.nodes[walk.root].children)
        self._open(self.root)

    def set_checks(self, checks: Iterable[NodeCheck]) -> None:
        """The checker's verdicts arrived (a large walk is checked after the first frame): mark the nodes."""
        self.status = {c.node: c.status for c in checks}
        self.refresh_nodes(list(self._shown_at))

    def _open(self, tree_node: TreeNode[int]) -> None:
        """Expand `tree_node` and, breadth-first, its home children, OPEN_DEPTH levels or OPEN_LIMIT nodes."""
        level, budget = [tree_node], self.OPEN_LIMIT
        for _ in range(self.OPEN_DEPTH):
            below = []
            for t in level:
                if budget <= 0:
                    return
                self._add_tree_children(t)
                t.expand()
                budget -= len(t.children)
                below += [c for c in t.children if c.allow_expand]
            level = below

    def _add_tree_children(self, tree_node: TreeNode[int]) -> None:
        if tree_node.children or tree_node.data is None or self.walk is None:
            return
        parent = tree_node.data
        for i, child in enumerate(self.walk.nodes[parent].children):
            if self._home.get(child) == (parent, i):
                kids = bool(self.walk.nodes[child].children)
                self._shown_at[child] = tree_node.add(self._label(child), data=child, allow_expand=kids)
            else:
                name = self.walk.nodes[child].name
                tree_node.add_leaf(Text.assemble(("↺ ", "dim"), (name, "italic")), data=child)

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[int]) -> None:
        self._add_tree_children(event.node)

    def _label(self, node_id: int) -> Text:
        assert self.walk is not None
        node = self.walk.nodes[node_id]
        status = self.status.get(node_id)
        text = Text()
        if node_id == self.current:
            text.append("» ", "bold")
        if status == WRONG:
            text.append("✗ ", "bold")
        elif status == RIGHT and node_id in self.stepped:
            text.append("✓ ")
        text.append(node.name, "bold reverse" if node_id == self.current else "bold")
        shape = formula(self.walk, node_id)
        if shape:
            text.append(f" = {shape}")
        text.append("  data ", "dim")
        text.append(num(node.data))
        text.append("  grad ", "dim")
        text.append(num(self.grads[node_id]), "bold")
        return text

    def refresh_nodes(self, node_ids: Iterable[int]) -> None:
        for node_id in node_ids:
            tree_node = self._shown_at.get(node_id)
            if tree_node is not None:
                tree_node.set_label(self._label(node_id))

    def reveal(self, node_id: int) -> None:
        """Open the path to `node_id`'s home and the node itself, put the cursor on it, scroll it into view."""
        path = []
        walk: int | None = node_id
        while walk is not None and walk not in self._shown_at:
            path.append(walk)
            walk = self._home.get(walk, (None, 0))[0]
        for value in reversed(path):
            parent = self._home[value][0]
            assert parent is not None
            self._add_tree_children(self._shown_at[parent])
            self._shown_at[parent].expand()
        target = self._shown_at.get(node_id)
        if target is None:
            return
        self._add_tree_children(target)
        target.expand()
        parent_node = target.parent
        while parent_node is not None:
            parent_node.expand()
            parent_node = parent_node.parent
        self.move_cursor(target)
        self.call_after_refresh(self.scroll_to_node, target, animate=False)


def _homes(walk: Walk) -> dict[int, tuple[int | None, int]]:
    """For each node, the (parent, input position) where a depth-first walk from the root first meets it."""
    home: dict[int, tuple[int | None, int]] = {walk.root: (None, 0)}
    stack = [walk.root]
    nodes = walk.nodes
    while stack:
        node = stack.pop()
        fresh = []
        for i, child in enumerate(nodes[node].children):
            if child not in home:
                home[child] = (node, i)
                fresh.append(child)
        stack.extend(reversed(fresh))
    return home
