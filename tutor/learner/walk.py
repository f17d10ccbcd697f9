"""Parent side: a captured graph and its stepped backward, as plain data; and `capture_script` to get one.

    shown = capture_script(Path("loss.py"))        # runs the script in a child process
    if shown.walk is None: print(shown.message)    # could not run, no graph, cycle, timeout ...
    walk = shown.walk
    cursor = GradCursor(walk); cursor.forward()    # grads after the first node's _backward()

Nothing here imports Textual: the CLI's text walk, the show screen and the
exercises use the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.learner.process import ChildResult, Limits, run_child
from tutor.learner.sandbox import Sandbox

DEFAULT_LIMITS = Limits()
Number = float | str  # a float, or the repr of something that is not a number

__all__ = ["Change", "GradCursor", "Node", "Shown", "Step", "Walk", "capture_script"]


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    data: Number
    grad: Number  # after the whole walk
    op: str
    label: str
    children: tuple[int, ...]
    has_backward: bool

    @property
    def name(self) -> str:
        return self.label or f"n{self.id}"


@dataclass(frozen=True, slots=True)
class Change:
    node: int
    before: Number
    after: Number


@dataclass(frozen=True, slots=True)
class Step:
    node: int  # whose _backward() was called
    changes: tuple[Change, ...]
    error: str | None  # the learner's traceback when _backward() raised


@dataclass(frozen=True)
class Walk:
    nodes: tuple[Node, ...]  # inputs first; a node's id is its position
    steps: tuple[Step, ...]  # in the order the _backward() calls were made
    root: int
    found: str  # how the root was chosen: "L", "loss", "out (the largest graph)", a --name
    whole: bool  # True: the nodes have no _backward, so one root.backward() was the only step

    @classmethod
    def from_json(cls, raw: dict) -> Walk:
        nodes = tuple(
            Node(i, data, grad, op, label, tuple(children), bool(has_bw))
            for i, (data, grad, op, label, children, has_bw) in enumerate(raw["nodes"])
        )
        steps = tuple(
            Step(node, tuple(Change(j, before, after) for j, before, after in changes), error)
            for node, changes, error in raw["steps"]
        )
        return cls(nodes, steps, raw["root"], raw.get("found", ""), bool(raw.get("whole")))

    def parents(self) -> list[list[int]]:
        """For each node, the nodes that use it (computed on demand)."""
        users: list[list[int]] = [[] for _ in self.nodes]
        for node in self.nodes:
            for child in node.children:
                users[child].append(node.id)
        return users


class GradCursor:
    """The grads after the first `position` steps; move with forward/back/to_end (each O(changes))."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk
        self.position = 0
        self.grads: list[Number] = [0.0] * len(walk.nodes)
        if walk.nodes:
            self.grads[walk.root] = 1.0

    def forward(self) -> Step | None:
        if self.position >= len(self.walk.steps):
            return None
        step = self.walk.steps[self.position]
        for change in step.changes:
            self.grads[change.node] = change.after
        self.position += 1
        return step

    def back(self) -> Step | None:
        if self.position == 0:
            return None
        self.position -= 1
        step = self.walk.steps[self.position]
        for change in reversed(step.changes):
            self.grads[change.node] = change.before
        return step

    def to_end(self) -> None:
        while self.forward() is not None:
            pass

    @property
    def last(self) -> Step | None:
        """The step just taken (None before the first)."""
        return self.walk.steps[self.position - 1] if self.position else None


@dataclass(frozen=True)
class Shown:
    """What `capture_script` got: a walk, or a message saying why there is none."""

    walk: Walk | None
    message: str  # empty when there is a walk
    child: ChildResult  # outcome, the script's stdout and stderr


def capture_script(
    script: Path,
    name: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    sandbox: Sandbox | None = None,
) -> Shown:
    """Run `script` in a child process and capture its graph (`tutor.learner.capture_child`)."""
    script = Path(script).resolve()
    if not script.is_file():
        message = f"no such file: {script}" if not script.exists() else f"not a file: {script}"
        return Shown(None, message, ChildResult("error", None, "", "", message))
    args = [str(script), *(["--name", name] if name else [])]
    child = run_child("tutor.learner.capture_child", args, cwd=script.parent, limits=limits, sandbox=sandbox)
    if not child.ok:
        return Shown(None, child.message, child)
    report = child.result if isinstance(child.result, dict) else {}
    if "problem" in report:
        return Shown(None, str(report["problem"]), child)
    return Shown(Walk.from_json(report["capture"]), "", child)
