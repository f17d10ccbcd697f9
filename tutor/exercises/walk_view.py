"""The learner's graph on the exercises screen: `tutor.components.walk_tree.WalkTree` plus its own grad cursor.

`SteppedWalk.step(+1)` calls nothing: the walk was captured in the child (each
of the learner's `_backward()` calls and the grads it changed); stepping moves
through those records and relabels the nodes they touched. Marks come from
`WalkTree`: `✗` a node whose `_backward()` is wrong, `»` the one that ran last.
"""

from __future__ import annotations

from tutor.components.walk_tree import WalkTree
from tutor.learner.check_walk import NodeCheck
from tutor.learner.walk import GradCursor, Walk
from tutor.learner.walk_text import change_lines, verdict

__all__ = ["SteppedWalk"]


class SteppedWalk(WalkTree):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cursor_at: GradCursor | None = None
        self.checks: list[NodeCheck] = []

    def show_result(self, walk: Walk | None, checks: list[NodeCheck]) -> None:
        self.checks = checks
        if walk is None or not walk.nodes:
            self.cursor_at = None
            self.walk = None
            self.clear()
            self.root.set_label("(no graph for this exercise yet)")
            return
        self.cursor_at = GradCursor(walk)
        self.show_walk(walk, checks, self.cursor_at.grads)

    def step(self, delta: int) -> None:
        """One `_backward()` call forward (+1) or back (-1)."""
        if self.cursor_at is None or self.walk is None:
            return
        step = self.cursor_at.forward() if delta > 0 else self.cursor_at.back()
        if step is None:
            return
        touched = {step.node, *(c.node for c in step.changes)}
        if self.current is not None:
            touched.add(self.current)
        (self.stepped.add if delta > 0 else self.stepped.discard)(step.node)
        last = self.cursor_at.last
        self.current = last.node if last is not None else None
        self.refresh_nodes(touched)
        if last is not None:
            self.reveal(last.node)

    def words(self) -> str:
        """Where the walk is, what the last `_backward()` changed, and the checker's word on it."""
        walk, cursor = self.walk, self.cursor_at
        if walk is None or cursor is None:
            return ""
        total = len(walk.steps)
        wrong = sum(c.wrong for c in self.checks)
        if cursor.position == 0:
            marked = f"; {wrong} node{'s' * (wrong != 1)} marked ✗" if wrong else ""
            return f"backward: {total} _backward() calls to step (n next, p back){marked}"
        step = walk.steps[cursor.position - 1]
        lines = [f"step {cursor.position}/{total}: {walk.nodes[step.node].name}._backward()"]
        lines += [f"  {line}" for line in change_lines(walk, step)]
        check = self.checks[cursor.position - 1] if cursor.position - 1 < len(self.checks) else None
        if check is not None and check.wrong:
            lines.append("  " + verdict(check).splitlines()[0])
        return "\n".join(lines)
