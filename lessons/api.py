"""The lesson API: everything a lesson author needs, and nothing of Textual.

A lesson is a Python module with one `@lesson(...)` function that yields the
lesson's steps in order. The function runs when the learner opens the
lesson, so every number it puts in the text comes from the engine then:

    from engine import Value
    from lessons.api import lesson, Narrate, BackwardSteps, NumberQuiz

    @lesson(id="tiny", title="A tiny graph", summary="c = a * b, backwards.", minutes=5, order=900)
    def tiny():
        a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        c = a * b
        c.label = "c"
        yield Narrate("Here is c = a * b.", graph=c)
        yield BackwardSteps("Step through backprop with n.", graph=c)
        yield NumberQuiz("What is a.grad?", answer=lambda: a.grad, hint="∂c/∂a = b.")

Text may be a string or a function returning one (`lambda: f"a.grad = {fmt(a.grad)}"`),
evaluated each time the step is shown. See docs/authoring-lessons.md.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from engine.explain import fmt

if TYPE_CHECKING:
    from engine.value import Value

__all__ = [
    "BackwardSteps",
    "ChoiceQuiz",
    "Do",
    "Explore",
    "ExpressionQuiz",
    "Figure",
    "ForwardSteps",
    "Lesson",
    "Narrate",
    "NumberQuiz",
    "Series",
    "Setting",
    "ShowGraph",
    "Step",
    "Text",
    "Train",
    "Trainer",
    "fmt",
    "lesson",
]

Text = str | Callable[[], str]


def close_enough(guess: float, expected: float, tolerance: float = 1e-2) -> bool:
    """Right within `tolerance`, relative to the answer: 1% by default, so that the 4 digits
    the tutor shows are always enough, and 0 is never "close" to 0.004. Answers that are zero
    but for round-off (below 1e-9) accept 0."""
    return abs(guess - expected) <= tolerance * abs(expected) + 1e-9


def render(text: Text) -> str:
    """The text of a step as it reads now (functions are called)."""
    return text() if callable(text) else text


# -- figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One curve of a figure: `kind` is "line", "scatter" or "bar" (bars use `xs` as their labels)."""

    label: str
    xs: Sequence[Any]
    ys: Sequence[float]
    kind: str = "line"


@dataclass(frozen=True)
class Figure:
    """A plot beside a step's text. `series` may be a function, called each time the step is shown."""

    series: Sequence[Series] | Callable[[], Sequence[Series]]
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xlog: bool = False
    ylog: bool = False

    def curves(self) -> list[Series]:
        return list(self.series() if callable(self.series) else self.series)


# -- steps -------------------------------------------------------------------------


@dataclass
class Step:
    """One screen of a lesson. `text` is Markdown; `graph` or `figure`, if given, is shown beside it.

    Every step is `Kind(text, field=..., ...)`: the text comes first, every other field by name, and a
    field a step cannot do without (a quiz's `answer`, a training's `setup`) has no default, so that
    forgetting it fails where the lesson makes the step, with a message naming the field.
    """

    text: Text
    _: KW_ONLY
    graph: Value | None = None
    figure: Figure | None = None
    line: int = field(default=0, init=False, repr=False)  # where the lesson file made this step

    def __post_init__(self) -> None:
        frame = inspect.currentframe()
        while frame is not None and (frame.f_code.co_filename == __file__ or frame.f_code.co_filename.startswith("<")):
            frame = frame.f_back
        self.line = frame.f_lineno if frame is not None else 0

    kind = "step"
    gated = False  # must the learner do something before moving on?


@dataclass(kw_only=True)
class Narrate(Step):
    """Text to read, optionally with a graph beside it."""

    kind = "narrate"


@dataclass(kw_only=True)
class Do(Step):
    """Text, and an action run each time the learner arrives at this step (say, `model.zero_grad()`).

    Going back undoes it: the tutor restores the data and grads of every Value
    the lesson shows (give the step `graph=` so the Values it changes are known).
    """

    action: Callable[[], object]

    kind = "narrate"


@dataclass(kw_only=True)
class ShowGraph(Step):
    """The graph of `graph`, to look at: labels, operations, data and grads."""

    kind = "graph"


@dataclass(kw_only=True)
class Explore(Step):
    """Free exploration: the learner moves through the graph and reads each node's formula and derivatives."""

    kind = "explore"


@dataclass(kw_only=True)
class ForwardSteps(Step):
    """The forward pass, one node at a time, with its formula in names and in numbers."""

    kind = "forward"


@dataclass(kw_only=True)
class BackwardSteps(Step):
    """The backward pass, one node at a time, with the chain rule in numbers.

    Entering this step runs backprop from `graph` (interior grads start at 0,
    the root's grad at 1) and reveals it node by node. With `predict=True`
    the learner types what each input's grad will be before it is revealed
    (two wrong tries show it); the step is then done only when every node has
    been visited.
    """

    predict: bool = False

    kind = "backward"

    @property
    def gated(self) -> bool:  # type: ignore[override]
        return self.predict


@dataclass(kw_only=True)
class NumberQuiz(Step):
    """The learner types a number; right within `tolerance`, relative to the answer (1% by default).

    `text` is the question; `answer` a number or a function computing it from the engine.
    """

    answer: float | Callable[[], float]
    hint: Text = ""
    explanation: Text = ""
    tolerance: float = 1e-2

    kind = "number-quiz"
    gated = True

    def solution(self) -> float:
        return float(self.answer() if callable(self.answer) else self.answer)

    def is_right(self, guess: float) -> bool:
        return close_enough(guess, self.solution(), self.tolerance)


@dataclass(kw_only=True)
class ChoiceQuiz(Step):
    """The learner picks one of `choices`; `text` is the question, `answer` the index of the right choice
    (or a function computing it from the engine, like `lambda: 0 if a.grad > 0 else 1`)."""

    choices: Sequence[str]
    answer: int | Callable[[], int]
    hint: Text = ""
    explanation: Text = ""

    kind = "choice-quiz"
    gated = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.choices) < 2:
            raise ValueError(f"ChoiceQuiz needs at least 2 choices, got {len(self.choices)}")
        if not callable(self.answer) and not 0 <= self.answer < len(self.choices):
            raise ValueError(f"ChoiceQuiz answer {self.answer} is not an index of its {len(self.choices)} choices")

    def solution(self) -> int:
        """The index of the right choice (a function is asked when the quiz is answered)."""
        return int(self.answer() if callable(self.answer) else self.answer)

    def is_right(self, choice: int) -> bool:
        return choice == self.solution()


@dataclass(kw_only=True)
class ExpressionQuiz(Step):
    """The learner types an array expression (`(probs - onehot) / n`) over the arrays in `names`.

    It is read by a whitelist (`lessons.expressions`), never run as Python,
    and is right when its result has the shape of `answer()` and matches it
    within `tolerance`. `solution` is an expression that is right: shown after
    two wrong tries, and checked by `python -m tutor check`. `on_right(text)`,
    when given, is told the expression that solved the quiz (the learner's own,
    or `solution` when the step was finished for them), so that a later step
    can use the formula the learner wrote.
    """

    names: Callable[[], dict[str, Any]]
    answer: Callable[[], Any]
    solution: str
    hint: Text = ""
    explanation: Text = ""
    tolerance: float = 1e-6
    on_right: Callable[[str], None] | None = None

    kind = "expression-quiz"
    gated = True

    def judge(self, text: str) -> tuple[bool, str]:
        """(right?, what to tell the learner); raises lessons.expressions.ExpressionError for a refused text."""
        import numpy as np

        from lessons.expressions import evaluate

        got = np.asarray(evaluate(text, self.names()), dtype=float)
        expected = np.asarray(self.answer(), dtype=float)
        if got.shape != expected.shape:
            return False, f"your result has shape {got.shape}; the answer has shape {expected.shape}."
        gap = float(np.max(np.abs(got - expected))) if got.size else 0.0
        scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
        if gap <= self.tolerance * scale:
            return True, ""
        return False, f"the shape is right, but the numbers differ by up to {gap:.3g}."


class Trainer(Protocol):
    """What a `Train` step drives: one optimisation step at a time.

    `step(k)` runs step k (0-based) and returns its metrics, at least
    {"loss": ...}; "accuracy" is plotted too when present (right axis), and
    so is any other metric whose name contains "loss" ("dev loss"), which a
    step may leave out when it was not measured. Optionally, for a
    picture beside the curves:

    - a 2-D classifier offers `points` (X, y as lists, labels -1/+1) and
      `predict(xs)`, which scores points: the decision boundary is drawn;
    - a search over two parameters offers `surface` (x0, x1, y0, y1), `path`
      (the points visited so far) and `predict(xs)`, the loss at points: the
      loss surface is drawn in shades with the path over it.
    """

    def step(self, k: int) -> dict[str, float]: ...

    def parameters(self) -> list[Value]: ...


@dataclass(frozen=True)
class Setting:
    """A knob the learner can turn before training again: one of `choices`."""

    name: str
    label: str
    choices: tuple[Any, ...]
    default: Any

    def __post_init__(self) -> None:
        if self.default not in self.choices:
            raise ValueError(f"setting {self.name!r}: default {self.default!r} is not one of {self.choices!r}")


@dataclass(kw_only=True)
class Train(Step):
    """Train a model live: `setup(settings)` returns a fresh `Trainer`, run for `steps` steps.

    `settings` are the knobs offered to the learner (depth, width, activation,
    learning rate...); `setup` receives a dict of their current values.
    `pace` (seconds a step) slows the app's live run so that a picture visibly moves; the
    headless check, `e` (finish the step) and tests never wait for it. Trainers themselves never sleep.
    """

    setup: Callable[[dict[str, Any]], Trainer]
    steps: int = 100
    settings: Sequence[Setting] = ()
    x_metric: str = ""  # plot against this metric (e.g. "evaluations") instead of the step number
    log_loss: bool = False  # plot the loss on a log scale
    pace: float = 0.0  # seconds a step in the app's live run (0: as fast as it goes)

    kind = "train"
    gated = True


# -- lessons --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson:
    """A lesson's metadata and the function that yields its steps."""

    id: str
    title: str
    summary: str
    minutes: int
    order: int
    build: Callable[[], Iterable[Step]]
    track: str = "micrograd"
    source: str = ""  # the file it was defined in
    line: int = 0

    def steps(self) -> list[Step]:
        """A fresh list of steps, with fresh Values: opening a lesson twice starts clean."""
        return list(self.build())


def lesson(
    *, id: str, title: str, summary: str, minutes: int, order: int, track: str = "micrograd"
) -> Callable[[Callable[[], Iterable[Step]]], Lesson]:
    """Make a `Lesson` of a function that yields steps."""

    def wrap(build: Callable[[], Iterable[Step]]) -> Lesson:
        code = build.__code__
        return Lesson(id, title, summary, minutes, order, build, track, code.co_filename, code.co_firstlineno)

    return wrap
