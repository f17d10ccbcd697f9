"""A captured walk in words: node formulas, one step's grad changes, and the whole walk as plain text.

The show screen and `python -m tutor show --steps` both use these, so the
words on screen and in a pipe are the same.
"""

from __future__ import annotations

from collections.abc import Iterator

from tutor.learner.check_walk import NOT_CHECKED, WRONG, NodeCheck
from tutor.learner.walk import Number, Step, Walk

INFIX = {"+", "*", "-", "/", "**"}
MARKS = {"right": "✓", "wrong": "✗", "not checked": "·"}
LEAVES_LISTED = 50


def num(x: Number) -> str:
    """4 significant digits (`-0` as `0`); a value that is not a number as its repr."""
    if not isinstance(x, float):
        return x
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def formula(walk: Walk, node_id: int) -> str:
    """`a * b`, `tanh(n4)`, `x**2`; empty for a leaf."""
    node = walk.nodes[node_id]
    names = [walk.nodes[c].name for c in node.children]
    op = node.op.strip()
    if not names:
        return ""
    if op.startswith("**") and op[2:].strip() and len(names) == 1:
        return f"{names[0]}{op}"
    if op in INFIX and len(names) >= 2:
        return f" {op} ".join(names)
    if op in INFIX and len(names) == 1:
        return f"{names[0]} {op} {names[0]}" if op != "-" or not node.data else f"-{names[0]}"
    return f"{op or '?'}({', '.join(names)})"


def heading(walk: Walk, node_id: int) -> str:
    """`n5 = a * b` or `a`."""
    node = walk.nodes[node_id]
    text = formula(walk, node_id)
    return f"{node.name} = {text}" if text else node.name


def change_lines(walk: Walk, step: Step) -> list[str]:
    """`b.grad  0 → -2` for each grad the step changed."""
    if not step.changes:
        return ["(no grad changed)"]
    return [f"{walk.nodes[c.node].name}.grad  {num(c.before)} → {num(c.after)}" for c in step.changes]


def verdict(check: NodeCheck) -> str:
    """`✓ right`, `✗ wrong: ...`, `· not checked: ...`."""
    mark = MARKS[check.status]
    if check.status == "right":
        return f"{mark} right"
    return f"{mark} {check.status}: {check.note}"


def step_lines(walk: Walk, check: NodeCheck) -> list[str]:
    """A step as the show screen's panel and `--steps` both say it: heading, grad changes, verdict."""
    step = walk.steps[check.step]
    grad = num(check.upstream)
    lines = [f"step {check.step + 1}: {heading(walk, step.node)}   (grad {grad})   {MARKS[check.status]}"]
    lines += [f"    {line}" for line in change_lines(walk, step)]
    if check.status != "right":
        lines += [f"    {line}" if i == 0 else f"      {line}" for i, line in enumerate(verdict(check).splitlines())]
    return lines


def walk_lines(walk: Walk, checks: list[NodeCheck]) -> Iterator[str]:
    root = walk.nodes[walk.root]
    yield f"graph: {walk.found} — {len(walk.nodes):,} nodes, {len(walk.steps):,} _backward() calls"
    yield f"backward, the lecture's way: all grads set to 0, {root.name}.grad = 1, then each node's _backward()"
    yield "in reversed topological order (the grad a node has when its turn comes is its upstream grad):"
    for check in checks:
        yield ""
        yield from step_lines(walk, check)


def counts(checks: list[NodeCheck]) -> str:
    """`9 right, 1 wrong, 0 not checked`."""
    wrong = sum(c.status == WRONG for c in checks)
    unchecked = sum(c.status == NOT_CHECKED for c in checks)
    return f"{len(checks) - wrong - unchecked:,} right, {wrong:,} wrong, {unchecked:,} not checked"


def summary_lines(walk: Walk, checks: list[NodeCheck]) -> Iterator[str]:
    leaves = [n for n in walk.nodes if not n.children]
    yield f"grads after the walk ({len(leaves):,} inputs):"
    for node in leaves[:LEAVES_LISTED]:
        yield f"    {node.name}.grad = {num(node.grad)}"
    if len(leaves) > LEAVES_LISTED:
        yield f"    … {len(leaves) - LEAVES_LISTED:,} more"
    yield counts(checks)
    for check in (c for c in checks if c.status == WRONG):
        first = check.note.splitlines()[0] if check.note else ""
        yield f"✗ {heading(walk, check.node)}  (op {check.op!r}): {first}"


def walk_text(walk: Walk, checks: list[NodeCheck]) -> str:
    return "\n".join([*walk_lines(walk, checks), "", *summary_lines(walk, checks)])
