"""`python -m tutor check`: run every step of every lesson with nobody watching.

Each step is shown (its text rendered), finished (step-throughs run to the
end, quizzes answered with their own solutions, training run for its
configured steps) and checked; any problem is reported with the lesson
file and line it comes from.
"""

from __future__ import annotations

import math
import re
import traceback
from collections.abc import Callable
from pathlib import Path

from lessons.api import ChoiceQuiz, ExpressionQuiz, Lesson, NumberQuiz, Step, Train, render
from lessons.catalog import Catalog, LessonError, load_catalog
from lessons.runner import LessonRun

__all__ = ["check_catalog", "check_lesson"]


def _where(exc: BaseException, lesson: Lesson, fallback: int) -> int:
    line = fallback
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == Path(lesson.source).resolve():
            line = frame.lineno
    return line


_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+|\d+(\.\d+)?e-?\d+")


def computed_numbers_problem(text: object) -> str | None:
    """Fixed text (a string, not a function) may not state decimals: they must come from the engine.

    Whole numbers ("16 neurons") and code in backticks are fine.
    """
    if not isinstance(text, str):
        return None
    found = _DECIMAL.search(_CODE.sub("", text))
    if found:
        return f"the number {found.group(0)} is typed into fixed text: compute it with the engine (text=lambda: ...)"
    return None


def _static_problems(step: Step) -> list[str]:
    problems = []
    number = computed_numbers_problem(step.text)
    if number:
        problems.append(number)
    if isinstance(step, ChoiceQuiz):
        if len(step.choices) < 2:
            problems.append("a choice quiz needs at least two choices")
        elif not 0 <= step.solution() < len(step.choices):
            problems.append(f"answer index {step.solution()} is not one of the {len(step.choices)} choices")
    if isinstance(step, ExpressionQuiz) and (step.names is None or step.answer is None or not step.solution):
        problems.append("an expression quiz needs names=..., answer=... and solution='...'")
    if isinstance(step, NumberQuiz | ChoiceQuiz | ExpressionQuiz) and not render(step.text).strip():
        problems.append("a quiz needs a question (its text)")
    if isinstance(step, NumberQuiz) and not math.isfinite(step.solution()):
        problems.append(f"the answer is not a finite number: {step.solution()}")
    if isinstance(step, Train) and (step.setup is None or step.steps < 1):
        problems.append("a Train step needs setup=... and steps >= 1")
    if step.kind in ("forward", "backward", "graph", "explore") and step.graph is None:
        problems.append(f"a {type(step).__name__} step needs graph=...")
    return problems


def check_lesson(lesson: Lesson) -> list[LessonError]:
    """Every problem found running `lesson` from its first step to its last."""
    problems: list[LessonError] = []
    try:
        run = LessonRun(lesson)
    except Exception as exc:
        return [LessonError(lesson.source, _where(exc, lesson, lesson.line), f"{type(exc).__name__}: {exc}")]
    if not any(step.gated for step in run.steps):
        problems.append(LessonError(lesson.source, lesson.line, "no quiz or training: the learner must do something"))
    while True:
        step = run.step
        try:
            render(step.text)
            if step.figure is not None:
                step.figure.curves()  # a figure's series are computed when shown: run them here too
            for problem in _static_problems(step):
                problems.append(LessonError(lesson.source, step.line, problem))
            run.finish_step()
        except Exception as exc:
            problems.append(LessonError(lesson.source, _where(exc, lesson, step.line), f"{type(exc).__name__}: {exc}"))
            return problems
        if not run.next():
            break
    return problems


def check_catalog(
    folders: list[Path] = (), shipped: bool = True, report: Callable[[str], None] = print
) -> list[LessonError]:
    """Load and check every lesson; report one line a lesson and one a problem."""
    catalog: Catalog = load_catalog(list(folders), shipped=shipped)
    problems = list(catalog.errors)
    for error in catalog.errors:
        report(f"error  {error}")
    for lesson in catalog.lessons:
        found = check_lesson(lesson)
        report(f"{'ok   ' if not found else 'FAIL '}  {lesson.id}  ({lesson.title})")
        for problem in found:
            report(f"       {problem}")
        problems += found
    count = len(catalog.lessons)
    found = len(problems)
    report(f"{count} lesson{'' if count == 1 else 's'} checked, {found} problem{'' if found == 1 else 's'}")
    return problems
