"""Check exercises: pick random inputs, run the learner's code in a child, judge here.

The verdict never comes from the child: it reports observations (numbers, a
captured backward walk) for inputs chosen in this process, and the exercise's
`verdict` compares them with this project's engine or NumPy.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lessons.exercises import Exercise
from lessons.exercises.walk_check import WrongNode, wrong_nodes
from tutor.exercises.runner import ProbeRun, run_probe

__all__ = ["Result", "check_exercise", "check_many"]


@dataclass(frozen=True)
class Result:
    exercise: Exercise
    passed: bool
    failures: list[str] = field(default_factory=list)  # plain words, the first is the one to fix
    walk: dict | None = None  # the learner's graph and backward walk, for graph exercises
    wrong: list[WrongNode] = field(default_factory=list)
    output: str = ""  # what the learner's code printed

    def line(self) -> str:
        if self.passed:
            return f"✓ {self.exercise.name}"
        return f"✗ {self.exercise.name}: {self.failures[0] if self.failures else 'failed'}"


def check_exercise(
    exercise: Exercise, folder: Path, *, sandbox: list[str] | None = None, seed: int | None = None
) -> Result:
    """Check one exercise's file in `folder`; never raises for anything the learner wrote."""
    path = Path(folder) / exercise.file_name
    if not path.is_file():
        return Result(exercise, False, [f"no file {path} (run `python -m tutor exercises init`)"])
    rng = random.Random(seed if seed is not None else random.SystemRandom().getrandbits(64))
    inputs = exercise.module.inputs(rng)
    run: ProbeRun = run_probe(exercise.module.__name__.rsplit(".", 1)[1], path.resolve(), inputs, sandbox=sandbox)
    if run.outcome != "ok" or run.data is None:
        return Result(exercise, False, [run.message], output=run.output)
    try:
        failures = list(exercise.module.verdict(inputs, run.data))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        failures = [f"your code returned something the check cannot read ({type(exc).__name__}: {exc})"]
    walk = run.data.get("walk") if isinstance(run.data, dict) else None
    wrong: list[WrongNode] = []
    if isinstance(walk, dict) and "error" not in walk:
        try:
            wrong = wrong_nodes(walk)
        except (KeyError, TypeError, ValueError, IndexError):
            wrong = []
        if wrong and failures:
            failures.insert(1, wrong[0].words(walk["nodes"]))
    return Result(exercise, not failures, failures, walk, wrong, run.output)


def check_many(
    exercises: list[Exercise], folder: Path, *, sandbox: list[str] | None = None, workers: int = 4
) -> list[Result]:
    """Check several exercises, in parallel children, results in the order given."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda e: check_exercise(e, folder, sandbox=sandbox), exercises))
