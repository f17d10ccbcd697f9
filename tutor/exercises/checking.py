"""Check exercises: pick random inputs, run the learner's code in a child, judge here.

The verdict never comes from the child: it reports observations (numbers, a
captured backward walk) for inputs chosen in this process, and the exercise's
`verdict` compares them with this project's engine or NumPy.
"""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lessons.exercises import Exercise
from tutor.learner.check_walk import NodeCheck, check_walk
from tutor.learner.process import run_child
from tutor.learner.sandbox import Sandbox
from tutor.learner.walk import Walk

__all__ = ["Result", "check_exercise", "check_many"]

CHILD = "tutor.exercises.probe_child"


@dataclass(frozen=True)
class Result:
    exercise: Exercise
    passed: bool
    failures: list[str] = field(default_factory=list)  # plain words, the first is the one to fix
    walk: Walk | None = None  # the learner's graph and backward walk, for graph exercises
    checks: list[NodeCheck] = field(default_factory=list)  # one per step of the walk
    output: str = ""  # what the learner's code printed, kept apart

    @property
    def wrong(self) -> list[NodeCheck]:
        return [c for c in self.checks if c.wrong]

    def line(self) -> str:
        if self.passed:
            return f"✓ {self.exercise.name}"
        first = self.failures[0] if self.failures else "failed"
        return f"✗ {self.exercise.name}: {first}"


def _first_line(message: str) -> str:
    """A child's message in one line: the last line of a traceback (the error) and where it happened."""
    lines = [line for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "your code failed"
    if lines[0].startswith("Traceback"):
        where = next((ln.strip() for ln in reversed(lines) if ln.strip().startswith("File ")), "")
        at = ""
        if where:
            parts = where.split(", ")
            at = f" ({Path(parts[0][6:-1]).name}, {parts[1]})" if len(parts) > 1 else ""
        return f"{lines[-1].strip()}{at}"
    if len(lines) > 1 and any(ln.strip().startswith("File ") for ln in lines):  # a SyntaxError
        where = next(ln.strip() for ln in lines if ln.strip().startswith("File "))
        parts = where.split(", ")
        at = f" ({Path(parts[0][6:-1]).name}, {parts[1]})" if len(parts) > 1 else ""
        return f"{lines[-1].strip()}{at}"
    return " ".join(line.strip() for line in lines)


def check_exercise(exercise: Exercise, folder: Path, *, sandbox: bool = False, seed: int | None = None) -> Result:
    """Check one exercise's file in `folder`; never raises for anything the learner wrote."""
    folder = Path(folder).resolve()
    path = folder / exercise.file_name
    if not path.is_file():
        return Result(exercise, False, [f"no file {path} (run `python -m tutor exercises init`)"])
    rng = random.Random(seed if seed is not None else random.SystemRandom().getrandbits(64))
    inputs = exercise.module.inputs(rng)
    check = exercise.module.__name__.rsplit(".", 1)[1]
    child = run_child(
        CHILD, [check, str(path), json.dumps(inputs)], cwd=folder, sandbox=Sandbox(folder) if sandbox else None
    )
    output = child.stdout + child.stderr
    if not child.ok or not isinstance(child.result, dict):
        return Result(exercise, False, [_first_line(child.message)], output=output)
    try:
        failures = list(exercise.module.verdict(inputs, child.result["obs"]))
    except Exception as exc:  # learner data the verdict could not read: a failure in words, never a traceback
        failures = [f"your code returned something the check cannot read ({type(exc).__name__}: {exc})"]
    walk, checks = None, []
    if isinstance(child.result.get("walk"), dict):
        walk = Walk.from_json(child.result["walk"])
        checks = check_walk(walk)
        wrong = [c for c in checks if c.wrong]
        if wrong and failures:
            node = walk.nodes[wrong[0].node]
            failures.insert(1, f"node {node.name} ({node.op}): {wrong[0].note.splitlines()[0]}")
    return Result(exercise, not failures, failures, walk, checks, output)


def check_many(exercises: list[Exercise], folder: Path, *, sandbox: bool = False, workers: int = 4) -> list[Result]:
    """Check several exercises, in parallel children, results in the order given."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda e: check_exercise(e, folder, sandbox=sandbox), exercises))
