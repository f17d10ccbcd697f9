"""What a lesson step shows that the lesson's own code computes, made off the UI thread.

A step's text, hint and figure may be functions (`lambda: f"loss {loss():.3f}"`),
and a training run's picture asks the model for hundreds of predictions: any
of them can take seconds, or fail. `view_of` computes them all in the step's
background job, so the screen only copies finished strings and numbers into
its widgets. A part that fails becomes a problem line naming the file and line,
and the rest of the step still shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rich.text import Text

from lessons.api import Figure, Series, render
from lessons.runner import LessonRun, TrainState, failure_site

T = TypeVar("T")


@dataclass
class StepView:
    """One step as it reads now: plain data, safe to hand from the job's thread to the UI."""

    index: int
    count: int
    kind: str
    text: str
    markdown: Any = None  # the text parsed, ready to draw
    hint: str = ""
    figure: Figure | None = None
    curves: list[Series] = field(default_factory=list)
    picture: Text | None = None  # a training run's decision boundary or loss surface
    drawn: bool = False  # its charts were built in the job (the plot widgets hold them)
    problems: list[str] = field(default_factory=list)  # parts of the step that failed, with file and line
    at_end: bool = False
    blocked: bool = False


def problem_text(what: str, exc: BaseException, run: LessonRun | None, lesson: Any) -> str:
    """`step 3 (lessons/x.py:42): ZeroDivisionError: division by zero`: one line for an error card."""
    step = run.step if run is not None else None
    source, line = failure_site(exc, lesson, step)
    return f"{what} ({source}:{line}): {type(exc).__name__}: {exc}"


def view_of(run: LessonRun, map_size: tuple[int, int] = (30, 12), picture: bool = True) -> StepView:
    """Compute everything the current step shows. `picture=False` leaves out a training run's map
    (while training, the run draws it itself)."""
    step = run.step
    problems: list[str] = []
    where = f"step {run.index + 1}"

    def safely(what: str, compute: Callable[[], T], fallback: T) -> T:
        try:
            return compute()
        except Exception as exc:  # the lesson's code: say where, show the rest
            problems.append(problem_text(f"{what} of {where}", exc, run, run.lesson))
            return fallback

    view = StepView(run.index, len(run.steps), step.kind, safely("the text", lambda: render(step.text), ""))
    from tutor.components.narration import markdown

    view.markdown = markdown(view.text)
    view.hint = safely("the hint", lambda: render(getattr(step, "hint", "")), "")
    if step.figure is not None:
        view.figure = step.figure
        view.curves = safely("the figure", step.figure.curves, [])
    state = run.state
    if picture and isinstance(state, TrainState) and state.history:
        from tutor.components.boundary_map import training_picture

        view.picture = safely("the picture", lambda: training_picture(state.trainer, *map_size), None)
    view.at_end = run.at_end
    view.blocked = run.blocked
    view.problems = problems
    return view
