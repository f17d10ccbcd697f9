"""Running a lesson: where the learner is, what each step has done, and going back.

`LessonRun` is the lesson's state machine, free of any user interface: the
app drives it with keys, `python -m tutor check` drives it headlessly, and
tests drive it directly. Moving forward from a step remembers the data and
grads of every Value the lesson uses; moving back restores them exactly.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from engine import trace as value_trace
from engine.graph import topological_order
from engine.trace import BackwardStep, Contribution, ForwardStep
from engine.value import Value
from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    Do,
    ExpressionQuiz,
    ForwardSteps,
    Lesson,
    NumberQuiz,
    Step,
    Train,
    Trainer,
    close_enough,
    render,
)

__all__ = [
    "BackwardState",
    "ForwardState",
    "LessonRun",
    "NotAStep",
    "QuizState",
    "StepState",
    "TrainState",
    "failure_site",
    "state_for",
]


def trace_module(graph: Any) -> ModuleType:
    """Where the forward_trace and backward_trace of a graph are: engine.trace for Values, else engine.tensor_trace."""
    if isinstance(graph, Value):
        return value_trace
    from engine import tensor_trace  # numpy: only when a lesson steps through a tensor graph

    return tensor_trace


def _copy(x: Any) -> Any:
    """Floats are immutable; arrays are copied so later in-place updates do not reach the snapshot."""
    return x.copy() if hasattr(x, "copy") else x


def parse_number(text: str) -> float | None:
    """A finite number the learner typed (a typographic minus is fine), or None."""
    try:
        value = float(text.strip().replace("−", "-"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class StepState:
    """What a step has done so far. Plain steps are done as soon as they are shown."""

    step: Step

    @property
    def done(self) -> bool:
        return True

    def advance(self) -> bool:
        """Move one sub-step on; False when there is none left."""
        return False

    def retreat(self) -> bool:
        """Move one sub-step back; False when at the start."""
        return False

    def finish(self) -> None:
        """Do everything this step asks for (`e`, and the headless check)."""


@dataclass
class ForwardState(StepState):
    trace: list[ForwardStep] = field(default_factory=list)
    position: int = 0  # nodes computed so far

    def __post_init__(self) -> None:
        self.trace = trace_module(self.step.graph).forward_trace(self.step.graph)

    @property
    def total(self) -> int:
        return len(self.trace)

    @property
    def current(self) -> ForwardStep | None:
        return self.trace[self.position - 1] if self.position else None

    @property
    def done(self) -> bool:
        return self.position == self.total

    def advance(self) -> bool:
        if self.done:
            return False
        self.position += 1
        return True

    def retreat(self) -> bool:
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def finish(self) -> None:
        self.position = self.total


@dataclass
class BackwardState(StepState):
    """Backprop from the step's graph, revealed one node at a time.

    Entering runs the whole backward pass to record it, then rewinds the
    grads to how they were just after seeding the root (root.grad = 1).
    With `predict`, each input's new grad is a question before it is shown:
    `asking` points at the contribution of the next node awaiting a guess.
    """

    trace: list[BackwardStep] = field(default_factory=list)
    position: int = 0  # nodes whose contributions have been applied
    asking: int | None = None  # which contribution of trace[position] the learner must predict
    tries: int = 0
    feedback: str = ""

    def __post_init__(self) -> None:
        self.trace = list(trace_module(self.step.graph).backward_trace(self.step.graph))
        for record in reversed(self.trace):
            record.undo()
        self._ask()

    def _ask(self) -> None:
        """Set up the question for the node at `position`, if there is one."""
        self.tries = 0
        self.asking = None
        if self.step.predict and not self.done and self.trace[self.position].contributions:
            self.asking = 0

    @property
    def question(self) -> tuple[BackwardStep, Contribution] | None:
        if self.asking is None:
            return None
        record = self.trace[self.position]
        return record, record.contributions[self.asking]

    def guess(self, text: str) -> bool:
        """Check a prediction of the asked input's grad; True if right."""
        if self.question is None:
            return False
        record, c = self.question
        given = parse_number(text)
        if given is None:
            self.feedback = "Please type a number, like -3 or 0.5."
            return False
        self.tries += 1
        right = close_enough(given, c.grad_after)
        if right:
            self.feedback = "Right!"
        elif self.tries < QuizState.REVEAL_AFTER:
            self.feedback = "Not quite, try again: the grad it has, plus this node's grad × the local derivative."
            return False
        else:
            self.feedback = f"Not quite: it is {c.grad_after:.4g}."
        c.child.grad = c.grad_after  # revealed
        self.asking += 1
        self.tries = 0
        if self.asking == len(record.contributions):
            record.apply()
            self.position += 1
            self._ask()
        return right

    @property
    def total(self) -> int:
        return len(self.trace)

    @property
    def current(self) -> BackwardStep | None:
        return self.trace[self.position - 1] if self.position else None

    @property
    def done(self) -> bool:
        return self.position == self.total

    def advance(self) -> bool:
        if self.done or self.asking is not None:
            return False
        self.trace[self.position].apply()
        self.position += 1
        self._ask()
        return True

    def retreat(self) -> bool:
        self.feedback = ""
        if self.asking:  # take back the predictions already revealed at this node
            for c in reversed(self.trace[self.position].contributions[: self.asking]):
                c.child.grad = c.grad_before
            self.asking = 0
            return True
        if self.position == 0:
            return False
        self.position -= 1
        self.trace[self.position].undo()
        self._ask()
        return True

    def finish(self) -> None:
        """Reveal everything that is left, predictions included."""
        self.feedback = ""
        while not self.done:
            self.trace[self.position].apply()
            self.position += 1
        self.asking = None


@dataclass
class QuizState(StepState):
    tries: int = 0
    solved: bool = False
    feedback: str = ""

    REVEAL_AFTER = 2  # wrong tries before the answer is shown

    @property
    def revealed(self) -> bool:
        return not self.solved and self.tries >= self.REVEAL_AFTER

    @property
    def done(self) -> bool:
        return self.solved or self.revealed

    def answer(self, text: str) -> bool:
        """Check the learner's answer (a number, or a choice's index as text); True if right."""
        step = self.step
        if isinstance(step, ExpressionQuiz):
            return self._answer_expression(step, text)
        if isinstance(step, NumberQuiz):
            given = parse_number(text)
        else:
            given = int(text) - 1 if text.strip().isdigit() else None
        if given is None:
            number = isinstance(step, NumberQuiz)
            self.feedback = "Please type a number, like -3 or 0.5." if number else "Pick a choice."
            return False
        if self.solved:
            return step.is_right(given)
        self.tries += 1
        if step.is_right(given):
            self.solved = True
            self.feedback = "Right! " + render(step.explanation)
            return True
        if self.revealed:
            self.feedback = f"Not quite. The answer is {self.solution_text()}. " + render(step.explanation)
        else:
            self.feedback = "Not quite, try again" + (" (h for a hint)." if render(step.hint) else ".")
        return False

    def _answer_expression(self, step: ExpressionQuiz, text: str) -> bool:
        from lessons.expressions import ExpressionError

        if not text.strip():
            self.feedback = "Type an expression, like (probs - onehot) / n."
            return False
        try:
            right, why = step.judge(text)
        except ExpressionError as exc:  # refused or failing: says why, costs no try
            self.feedback = f"Cannot use that: {exc}"
            return False
        if right and step.on_right is not None:
            step.on_right(text)  # the lesson keeps the learner's formula (a right one typed again replaces it)
        if self.solved:
            return right
        self.tries += 1
        if right:
            self.solved = True
            self.feedback = "Right! " + render(step.explanation)
        elif self.revealed:
            self.feedback = f"Not quite: {why} One answer: {step.solution}   " + render(step.explanation)
        else:
            self.feedback = f"Not quite: {why} Try again" + (" (h for a hint)." if render(step.hint) else ".")
        return right

    def solution_text(self) -> str:
        step = self.step
        if isinstance(step, NumberQuiz):
            return f"{step.solution():.4g}"
        return f"{step.solution() + 1}. {step.choices[step.solution()]}"

    def finish(self) -> None:
        """Answer with the solution, as the headless check does; a solved quiz keeps the learner's answer."""
        if self.solved:
            return
        step = self.step
        if isinstance(step, ExpressionQuiz):
            solution = step.solution
        elif isinstance(step, NumberQuiz):
            solution = f"{step.solution()!r}"
        else:
            solution = str(step.solution() + 1)
        if not self.answer(solution) and not self.solved:
            raise AssertionError(f"the quiz does not accept its own solution {solution}")


@dataclass
class TrainState(StepState):
    """A training run: settings, the trainer they made, and the metrics of every step so far.

    `status` is read, never written: it follows from the history and three thread-safe events.
    Only the run (the worker thread) sets and clears `_running`; the screen pauses and resumes
    (`_go` cleared or set) and stops (`_stop` set); a new run or a reset clears the stop.
    """

    settings: dict[str, Any] = field(default_factory=dict)
    trainer: Trainer | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    _running: threading.Event = field(default_factory=threading.Event)  # a run is under way
    _go: threading.Event = field(default_factory=threading.Event)  # set: not paused
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if not self.settings:
            self.settings = {s.name: s.default for s in self.step.settings}
        self._go.set()

    @property
    def status(self) -> str:
        """ready, running, paused, stopped or finished."""
        if self._running.is_set():
            return "running" if self._go.is_set() else "paused"
        if self.trainer is not None and len(self.history) >= self.step.steps:
            return "finished"
        return "stopped" if self._stop.is_set() else "ready"

    @property
    def done(self) -> bool:
        return self.status in ("stopped", "finished")

    def reset(self) -> None:
        """A fresh trainer from the current settings; history cleared."""
        self.trainer = self.step.setup(dict(self.settings))
        self.history = []
        self._stop.clear()

    def run(
        self,
        on_progress: Callable[[], None] | None = None,
        every: float = 0.25,
        cancelled: Callable[[], bool] = lambda: False,
        paced: bool = False,
    ) -> None:
        """Train for the step's configured number of steps; blocking (the app calls it in a thread).

        `on_progress` is called at most every `every` seconds, and once at the end.
        `cancelled()` is asked before each step: true stops the run (the app quitting).
        `paced`: wait the step's `pace` after each step, for the app's live run (`t`) whose picture should
        visibly move; finishing a step (`e`, the headless check, tests) never waits.
        """
        if self.trainer is None or self.status in ("finished", "stopped"):
            self.reset()
        self._stop.clear()
        self._go.set()
        pace = self.step.pace if paced else 0.0
        last = time.monotonic()
        self._running.set()
        try:
            for k in range(len(self.history), self.step.steps):
                while not self._go.wait(0.1):  # paused: wake on resume, stop, or the app quitting
                    if self._stop.is_set() or cancelled():
                        break
                if self._stop.is_set() or cancelled():
                    self._stop.set()
                    break
                metrics = self.trainer.step(k)
                for name, value in metrics.items():
                    if not math.isfinite(value):
                        raise FloatingPointError(f"training step {k}: {name} became {value}")
                self.history.append(metrics)
                if on_progress is not None and time.monotonic() - last >= every:
                    last = time.monotonic()
                    on_progress()
                if pace and self._stop.wait(pace):  # paced, but a stop ends the wait at once
                    break
        finally:
            self._running.clear()
        if on_progress is not None and not cancelled():
            on_progress()

    @property
    def paused(self) -> bool:
        """Asked to pause (the run waits before its next step until resumed)."""
        return not self._go.is_set()

    def pause(self, paused: bool) -> None:
        if paused:
            self._go.clear()
        else:
            self._go.set()

    def stop(self) -> None:
        self._stop.set()
        self._go.set()  # a paused run wakes to see it

    def finish(self) -> None:
        self.run()


class NotAStep(TypeError):
    """A lesson yielded something that is not a step; `line` is where the lesson file yielded it."""

    def __init__(self, thing: object, source: str, line: int) -> None:
        super().__init__(f"the lesson yielded {type(thing).__name__} {thing!r:.60}, which is not a step")
        self.source = source
        self.line = line


def build_steps(lesson: Lesson) -> list[Step]:
    """The lesson's steps, fresh; anything yielded that is not a `Step` fails, naming the line that yielded it."""
    steps: list[Step] = []
    made = lesson.build()
    for thing in made:
        if not isinstance(thing, Step):
            frame = getattr(made, "gi_frame", None)  # a generator stopped at the yield
            line = frame.f_lineno if frame is not None else lesson.line
            source = frame.f_code.co_filename if frame is not None else lesson.source
            raise NotAStep(thing, source, line)
        steps.append(thing)
    return steps


def failure_site(exc: BaseException, lesson: Lesson, step: Step | None = None) -> tuple[str, int]:
    """Where in the lesson's files a failure happened: (file, line).

    The deepest frame of the traceback in the lesson's folder (its file or a helper beside it),
    else the line that made the step, else the lesson's own line.
    """
    if isinstance(exc, NotAStep):
        return exc.source, exc.line
    import os
    import traceback

    folder = os.path.dirname(os.path.abspath(lesson.source)) if lesson.source else None
    site = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if folder and os.path.dirname(os.path.abspath(frame.filename)) == folder:
            site = (frame.filename, frame.lineno or 0)
    if site is not None:
        return site
    if step is not None and step.line:
        return lesson.source, step.line
    return lesson.source, lesson.line


def state_for(step: Step) -> StepState:
    """The state object that runs a step of this kind."""
    if isinstance(step, ForwardSteps):
        return ForwardState(step)
    if isinstance(step, BackwardSteps):
        return BackwardState(step)
    if isinstance(step, NumberQuiz | ChoiceQuiz | ExpressionQuiz):
        return QuizState(step)
    if isinstance(step, Train):
        return TrainState(step)
    if isinstance(step, Do) and step.action is not None:
        step.action()
    return StepState(step)


class LessonRun:
    """A learner's way through one lesson: the current step and every step's state.

    `next()` and `previous()` move one sub-step (a node of a step-through)
    or one step; they return False when they cannot move. Moving on from a
    gated step (a quiz, a training run) is refused until it is done.
    """

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.restart()

    def restart(self) -> None:
        self.steps: list[Step] = build_steps(self.lesson)
        if not self.steps:
            raise ValueError(f"lesson {self.lesson.id!r} has no steps")
        self.states: list[StepState | None] = [None] * len(self.steps)
        self._saved: dict[int, dict[Value, tuple[Any, Any]]] = {}  # values as they were on leaving step i
        self.index = 0
        self._enter(0)

    # -- where we are --

    @property
    def step(self) -> Step:
        return self.steps[self.index]

    @property
    def state(self) -> StepState:
        state = self.states[self.index]
        assert state is not None
        return state

    @property
    def at_end(self) -> bool:
        return self.index == len(self.steps) - 1 and self.state.done

    @property
    def blocked(self) -> bool:
        """True if the current step must be done before moving on."""
        return self.step.gated and not self.state.done

    # -- moving --

    def next(self) -> bool:
        if self.state.advance():
            return True
        if self.blocked or self.index == len(self.steps) - 1:
            return False
        self._saved[self.index] = self._snapshot()
        try:  # entering may run the lesson's code: if it fails, stay where we were, values as they were
            state = state_for(self.steps[self.index + 1])
        except BaseException:
            self._restore(self._saved[self.index])
            raise
        self.index += 1
        self.states[self.index] = state
        return True

    def previous(self) -> bool:
        if self.state.retreat():
            return True
        if self.index == 0:
            return False
        if isinstance(self.state, TrainState):
            self.state.stop()
        self.index -= 1
        self._restore(self._saved[self.index])
        return True

    def finish_step(self) -> None:
        self.state.finish()

    def go_to(self, index: int) -> None:
        """Fast-forward from the start to step `index`, finishing every step before it."""
        self.restart()
        while self.index < min(index, len(self.steps) - 1):
            self.finish_step()
            self.next()

    def _enter(self, index: int) -> None:
        self.states[index] = state_for(self.steps[index])

    # -- remembering values --

    def _values(self) -> list[Value]:
        seen: dict[Value, None] = {}
        for step, state in zip(self.steps, self.states):
            if step.graph is not None:
                seen.update(dict.fromkeys(topological_order(step.graph)))
            if isinstance(state, TrainState) and state.trainer is not None:
                seen.update(dict.fromkeys(state.trainer.parameters()))
        return list(seen)

    def _snapshot(self) -> dict[Value, tuple[Any, Any]]:
        return {v: (_copy(v.data), _copy(v.grad)) for v in self._values()}

    @staticmethod
    def _restore(saved: dict[Value, tuple[Any, Any]]) -> None:
        for v, (data, grad) in saved.items():
            v.data, v.grad = _copy(data), _copy(grad)
