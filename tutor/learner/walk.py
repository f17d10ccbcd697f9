"""Parent side: a captured graph and its stepped backward, as plain data; and `capture_script` to get one.

    shown = capture_script(Path("loss.py"))        # runs the script in a child process
    if shown.walk is None: print(shown.message)    # could not run, no graph, cycle, timeout ...
    walk = shown.walk
    cursor = GradCursor(walk); cursor.forward()    # grads after the first node's _backward()

Nothing here imports Textual: the CLI's text walk, the show screen and the
exercises use the same objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tutor.learner.process import ChildResult, Limits, run_child
from tutor.learner.sandbox import Sandbox
from tutor.learner.wire import Number, unpack_ints, unpack_numbers

DEFAULT_LIMITS = Limits()

__all__ = ["Change", "GradCursor", "Node", "Shown", "Step", "Walk", "capture_script"]


class Node(NamedTuple):
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


class Change(NamedTuple):
    node: int
    before: Number
    after: Number


class Step(NamedTuple):
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
        """Read `tutor.learner.capture.capture_graph`'s result; ValueError (or KeyError...) when it is garbled."""
        with gc_paused():
            data, grad = unpack_numbers(raw["data"]), unpack_numbers(raw["grad"])
            n, root = len(data), int(raw["root"])
            ops, op = [str(o) for o in raw["ops"]], unpack_ints(raw["op"]).tolist()
            labels = {int(k): str(v) for k, v in raw["labels"].items()}
            start, kids = unpack_ints(raw["child_start"]).tolist(), unpack_ints(raw["children"]).tolist()
            has_bw = unpack_ints(raw["has_backward"]).tolist()
            if not (len(grad) == len(op) == len(has_bw) == n and len(start) == n + 1 and 0 <= root < max(n, 1)):
                raise ValueError("the capture's columns do not fit together")
            nodes = tuple(
                map(
                    Node,
                    range(n),
                    data,
                    grad,
                    [ops[k] for k in op],
                    [labels.get(i, "") for i in range(n)],
                    [tuple(kids[start[i] : start[i + 1]]) for i in range(n)],
                    map(bool, has_bw),
                )
            )
            steps = _replay(raw, n, root)
        return cls(nodes, steps, root, str(raw.get("found", "")), bool(raw.get("whole")))

    def parents(self) -> list[list[int]]:
        """For each node, the nodes that use it (computed on demand)."""
        users: list[list[int]] = [[] for _ in self.nodes]
        for node in self.nodes:
            for child in node.children:
                users[child].append(node.id)
        return users


def _replay(raw: dict, n: int, root: int) -> tuple[Step, ...]:
    """Each step's changes (before → after), replaying the watched grads from zeros (the root's 1)."""
    where = unpack_ints(raw["watch_start"]).tolist()
    watched, after = unpack_ints(raw["watch_node"]).tolist(), unpack_numbers(raw["watch_after"])
    errors = {int(k): str(v) for k, v in raw["errors"].items()}
    grads: list[Number] = [0.0] * n
    if n:
        grads[root] = 1.0
    steps = []
    for k, node in enumerate(unpack_ints(raw["step_node"]).tolist()):
        changes = []
        for j, now in zip(watched[where[k] : where[k + 1]], after[where[k] : where[k + 1]]):
            before = grads[j]
            if before != now and not (now != now and before != before):  # NaN stays NaN: no change
                changes.append(Change(j, before, now))
                grads[j] = now
        steps.append(Step(node, tuple(changes), errors.get(k)))
    return tuple(steps)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection while a large walk's many small objects are made (they hold no cycles)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


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
    try:
        walk = Walk.from_json(report["capture"])
    except (KeyError, TypeError, ValueError, IndexError) as exc:  # garbled: the learner's code wrote on the channel?
        return Shown(None, f"the capture could not be read ({type(exc).__name__}: {exc})", child)
    return Shown(walk, "", child)
