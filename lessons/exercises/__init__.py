"""Build it yourself: exercises where the learner writes the engine, the network and the layers.

Each exercise is two things:

- a source file `sources/NN-name.py`: the file the learner gets, with the
  reference solution inside marked blocks (see `split_source`), so the task and
  its solution are written once;
- a check module `checks/eNN_name.py`: its title, three hints, the random inputs
  the checker picks (`inputs`), what the child process observes by calling the
  learner's code on them (`probe`, run in the child only) and the verdict, which
  compares those observations with this project's engine or NumPy (`verdict`,
  run in the checking process only).

This package never runs learner code itself: `tutor.exercises` runs `probe` in a
child process (`python -m lessons.exercises.probe`) and calls `verdict` on what
came back.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

__all__ = ["EXERCISES", "Exercise", "by_name", "split_source"]

SOURCES = Path(__file__).resolve().parent / "sources"

CHECKS = Path(__file__).resolve().parent / "checks"


def _check_modules() -> list[str]:
    """The check modules, in order of their number: checks/e01_value.py, checks/e02_backward.py, ..."""
    return sorted(p.stem for p in CHECKS.glob("e[0-9]*.py"))


_TODO = re.compile(r"^(\s*)# TODO: (.*)$")
_ELSE = re.compile(r"^\s*# ELSE$")
_END = re.compile(r"^\s*# END$")


def split_source(text: str) -> tuple[str, str]:
    """(template, solution) from a source with marked blocks.

    # TODO: what to write here          <- kept in the template
    ...the reference solution...        <- solution only
    # ELSE                              <- optional
    ...what the template has instead... <- template only
    # END
    """
    template: list[str] = []
    solution: list[str] = []
    mode = ""  # "" outside a block, "solution" or "template" inside one
    for line in text.splitlines(keepends=True):
        todo = _TODO.match(line)
        if mode == "" and todo:
            template.append(line)
            mode = "solution"
        elif mode == "solution" and _ELSE.match(line):
            mode = "template"
        elif mode and _END.match(line):
            mode = ""
        elif mode == "solution":
            solution.append(line)
        elif mode == "template":
            template.append(line)
        else:
            template.append(line)
            solution.append(line)
    if mode:
        raise ValueError("a '# TODO:' block has no '# END'")
    return "".join(template), "".join(solution)


@dataclass(frozen=True)
class Exercise:
    """One exercise: its file name, task, hints, and the module holding its checks."""

    name: str  # "01-value": the file is 01-value.py
    title: str
    hints: tuple[str, str, str]
    graph: bool  # does its check capture the learner's own Value graph?
    module: ModuleType

    @property
    def file_name(self) -> str:
        return f"{self.name}.py"

    @property
    def source(self) -> str:
        return (SOURCES / self.file_name).read_text(encoding="utf-8")

    @property
    def template(self) -> str:
        return split_source(self.source)[0]

    @property
    def solution(self) -> str:
        return split_source(self.source)[1]

    @property
    def task(self) -> str:
        """The file's docstring: what to build."""
        match = re.search(r'"""(.*?)"""', self.template, re.S)
        return match.group(1).strip() if match else self.title


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def _load() -> tuple[Exercise, ...]:
    exercises = []
    for module_name in _check_modules():
        module = importlib.import_module(f"lessons.exercises.checks.{module_name}")
        exercises.append(Exercise(module.NAME, module.TITLE, tuple(module.HINTS), module.GRAPH, module))
    return tuple(exercises)


def __getattr__(name: str):
    if name == "EXERCISES":
        return _load()
    raise AttributeError(name)


def by_name(name: str) -> Exercise | None:
    """An exercise by its name ("03-ops") or number ("3", "03")."""
    for exercise in _load():
        if name in (exercise.name, exercise.name.split("-")[0], exercise.name.split("-")[0].lstrip("0")):
            return exercise
    return None
