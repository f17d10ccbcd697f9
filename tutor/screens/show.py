"""`python -m tutor show FILE.py`: the learner's own graph, their backward stepped one `_backward()` at a time.

The graph was captured in a child process (`tutor.learner.walk`); this
screen only shows the captured numbers: the tree with the grads after the
steps taken so far, a panel saying what the last `_backward()` changed and
whether it was right, and the script's own output apart. Keys: n next, p
back, e to the end, w to the next wrong node, o the script's output, q quit.

A walk of more than BACKGROUND_CHECK steps is checked in a worker thread
after the first frame; until then the marks and counts say "checking".
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.components.walk_tree import WalkTree
from tutor.learner.check_walk import NodeCheck, check_walk
from tutor.learner.walk import GradCursor, Walk
from tutor.learner.walk_text import change_lines, counts, heading, step_lines

BACKGROUND_CHECK = 20_000  # steps: a larger walk is checked after the first frame


class ShowScreen(Screen):
    """Step a captured graph's backward; wrong nodes are marked ✗."""

    BINDINGS = [
        Binding("n,right", "next", "Next"),
        Binding("p,left", "previous", "Back"),
        Binding("e", "to_end", "End"),
        Binding("w", "next_wrong", "Next wrong"),
        Binding("o", "toggle_output", "Output"),
        Binding("q", "leave", "Quit"),
    ]

    position: reactive[int] = reactive(0, bindings=True)

    class Leave(Message):
        """The learner is done with the graph."""

    class Checked(Message):
        """The background check of a large walk is done."""

        def __init__(self, checks: list[NodeCheck]) -> None:
            super().__init__()
            self.checks = checks

    def __init__(self, title: str, walk: Walk, output: str, checks: list[NodeCheck] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.walk = walk
        if checks is None and len(walk.steps) <= BACKGROUND_CHECK:
            checks = check_walk(walk)
        self.checks: list[NodeCheck] | None = checks  # None while a large walk is being checked
        self.cursor = GradCursor(walk)
        self.output = output

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), id="show-title")
        yield Static("", id="show-status")
        yield WalkTree(id="graph")
        yield Static("", id="detail")
        output = Static(Text(self.output or "(your script printed nothing)"), id="show-output")
        output.border_title = "your script's output (o hides it)"
        output.display = bool(self.output)
        yield output
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one(WalkTree)
        tree.show_walk(self.walk, self.checks or [], self.cursor.grads)
        tree.border_title = f"graph: {self.walk.found}"
        tree.focus()
        self._show()
        if self.checks is None:
            self._check_in_background()

    @work(thread=True, exclusive=True)
    def _check_in_background(self) -> None:
        self.post_message(self.Checked(check_walk(self.walk)))

    @on(Checked)
    def _checked(self, event: Checked) -> None:
        self.checks = event.checks
        self.query_one(WalkTree).set_checks(event.checks)
        self._show()
        self.refresh_bindings()

    # -- keys --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        at_end = self.position >= len(self.walk.steps)
        if action in ("next", "to_end"):
            return not at_end
        if action == "previous":
            return self.position > 0
        if action == "next_wrong":
            return self.checks is not None and any(c.wrong for c in self.checks[self.position :])
        return True

    def action_next(self) -> None:
        self._go(self.cursor.forward)

    def action_previous(self) -> None:
        self._go(self.cursor.back)

    def action_to_end(self) -> None:
        self._go(self.cursor.to_end)

    def action_next_wrong(self) -> None:
        checks = self.checks or []

        def to_wrong() -> None:
            while self.cursor.forward() is not None and not checks[self.cursor.position - 1].wrong:
                pass

        self._go(to_wrong)

    def action_toggle_output(self) -> None:
        output = self.query_one("#show-output")
        output.display = not output.display

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    # -- showing --

    def _go(self, move) -> None:
        """Move the cursor with `move()`, then refresh the labels of the nodes the steps passed over touched."""
        before = self.cursor.position
        move()
        tree = self.query_one(WalkTree)
        after = self.cursor.position
        steps = self.walk.steps[min(before, after) : max(before, after)]
        touched = {tree.current} if tree.current is not None else set()
        for step in steps:
            touched.add(step.node)
            touched.update(c.node for c in step.changes)
            if after > before:
                tree.stepped.add(step.node)
            else:
                tree.stepped.discard(step.node)
        last = self.cursor.last
        tree.current = last.node if last is not None else None
        tree.refresh_nodes(touched)
        if last is not None:
            tree.reveal(last.node)
        self._show()

    def _show(self) -> None:
        self.position = self.cursor.position
        total = len(self.walk.steps)
        if self.checks is None:
            status = f"{self.position:,}/{total:,} _backward() calls · checking each one…"
            self.query_one("#show-status", Static).update(Text(status))
            self.query_one("#detail", Static).update(Text("\n".join(self._detail())))
            return
        wrong = [c for c in self.checks if c.wrong]
        status = f"{self.position:,}/{total:,} _backward() calls · {counts(self.checks)}"
        if wrong:
            status += f" · first ✗ {heading(self.walk, wrong[0].node)}"
        self.query_one("#show-status", Static).update(Text(status))
        self.query_one("#detail", Static).update(Text("\n".join(self._detail())))

    def _detail(self) -> list[str]:
        root = self.walk.nodes[self.walk.root]
        if self.position == 0:
            if not self.walk.steps:
                return [f"{root.name} is a single Value: there is no _backward() to call."]
            first = heading(self.walk, self.walk.steps[0].node)
            return [
                f"All grads are 0 and {root.name}.grad = 1. Press n to call the first _backward(): {first}.",
                "Each press calls one node's own _backward() (your code), in reversed topological order.",
            ]
        if self.checks is None:
            step = self.walk.steps[self.position - 1]
            lines = [f"step {self.position}: {heading(self.walk, step.node)}   (checking…)"]
            return lines + [f"    {line}" for line in change_lines(self.walk, step)]
        lines = step_lines(self.walk, self.checks[self.position - 1])
        if self.position == len(self.walk.steps):
            lines.append(f"That was the last one: {counts(self.checks)}.")
        return lines
