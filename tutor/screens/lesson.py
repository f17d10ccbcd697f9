"""The lesson screen: narration, the graph tree, and a panel for the current step.

The screen holds a `LessonRun` (the lesson's state, no UI) and shows it.
Everything that runs the lesson's own code (building the lesson, entering a
step, answering a quiz, training) runs as a background `Job` that ends with a
fresh `StepView`; keys pressed meanwhile wait in a queue and run after it, and
the screen redraws from the run when the view arrives. What the learner does
is told to the app in messages (`StepReached`, `QuizAnswered`, `LessonFinished`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static, Tree
from textual.worker import Worker, WorkerState, get_current_worker

from engine.explain import node_names
from engine.value import Value
from lessons.api import ChoiceQuiz, ExpressionQuiz, Lesson, NumberQuiz
from lessons.runner import BackwardState, ForwardState, LessonRun, QuizState, TrainState
from tutor.background import QUICK, Job
from tutor.components.figure_view import FigureView
from tutor.components.footer import KeyFooter
from tutor.components.graph_tree import GraphTree
from tutor.components.narration import Narration
from tutor.components.plot import TutorPlot
from tutor.components.quiz_panel import QuizPanel
from tutor.components.training_panel import TrainingPanel
from tutor.messages import LessonFinished, QuizAnswered, StepReached
from tutor.node_words import is_tensor
from tutor.screens import BREAKPOINTS
from tutor.step_text import (
    backward_lines,
    expression_help,
    forward_lines,
    node_details,
    prediction_hint,
    prediction_lines,
)
from tutor.step_view import StepView, problem_text, view_of

KIND_NAMES = {
    "narrate": "Read",
    "graph": "The graph",
    "explore": "Explore the graph",
    "forward": "Forward pass",
    "backward": "Backward pass",
    "number-quiz": "Quiz",
    "choice-quiz": "Quiz",
    "expression-quiz": "Your formula",
    "train": "Training",
}

DIGIT_KEYS = "123456789"  # a quiz's choices, or a training run's settings (the first four)
MAP_SIZE = (30, 12)  # the decision map's columns and rows at 80x24
COMPUTING = "⧗ computing…  (keys you press now wait their turn; q leaves, ctrl+q quits)"

# The result of a job: a line for the message bar, and what to tell the app.
Outcome = tuple[str, list[Message]]


class StepComputed(Message):
    """A background job of the lesson screen finished (or failed)."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job


class LessonScreen(Screen):
    """One lesson, one step at a time."""

    HORIZONTAL_BREAKPOINTS = BREAKPOINTS

    AUTO_FOCUS = ""  # focus follows the step: see _settle_focus
    BINDINGS = [
        Binding("n,space,right", "next", "Next"),
        Binding("p,left", "previous", "Back"),
        Binding("e", "to_end", "To end"),
        Binding("h", "hint", "Hint"),
        Binding("t", "train", "Train/pause"),
        Binding("s", "stop", "Stop"),
        *(Binding(key, f"digit({i})", f"Choice or setting {key}", show=False) for i, key in enumerate(DIGIT_KEYS)),
        Binding("r", "restart", "Restart"),
        Binding("v", "source", "Source"),
        Binding("i", "inspect", "Inspect"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "leave", "Lessons"),
        Binding("tab", "answer_box", "Answer box", show=False),
    ]

    busy: reactive[bool] = reactive(False)
    """A job is running the lesson's code; keys wait in `pending`."""
    view: reactive[StepView | None] = reactive(None, bindings=True, always_update=True)
    """The current step as last computed; None until the lesson is built (or if it failed to build)."""
    training: reactive[bool] = reactive(False)

    def __init__(self, lesson: Lesson, start_step: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.start_step = start_step
        self.run: LessonRun | None = None
        self.pending: deque[Callable[[LessonRun], Outcome]] = deque()
        self.problem = ""  # the error card: the last job that failed, with its file and line
        self._message = ""
        self._graph: Value | None = None
        self._names: dict[Value, str] = {}
        self._train_worker: Worker | None = None
        self._shown: tuple[Any, Any] = (None, None)  # the figure on screen

    def compose(self) -> ComposeResult:
        yield Static(f" {escape(self.lesson.title)}  ·  opening…", id="lesson-title")
        yield Static("", id="error-card")
        with Vertical(id="lesson-body"):
            with Vertical(id="lesson-left"):
                yield Narration(id="narration")
                yield QuizPanel(id="quiz")
            with Vertical(id="lesson-right"):
                yield GraphTree(id="graph")
                yield FigureView(id="figure")
                yield Static("", id="detail")
                yield TrainingPanel(id="training")
        yield Static("", id="message")
        yield KeyFooter()

    def on_mount(self) -> None:
        for widget in ("#graph", "#figure", "#detail", "#training", "#quiz", "#error-card"):
            self.query_one(widget).display = False
        self._submit(self._open)

    # -- jobs: the lesson's code, off the UI thread --

    def _open(self, _: LessonRun | None) -> Outcome:
        run = LessonRun(self.lesson)
        if self.start_step:
            run.go_to(self.start_step)
        self.run = run
        return "", [StepReached(self.lesson.id, run.index)] + ([LessonFinished(self.lesson.id)] if run.at_end else [])

    def _submit(self, work: Callable[[Any], Outcome]) -> None:
        """Run `work(run)` and then compute the step's view, in a job; queued while another job runs."""
        if self.busy:
            self.pending.append(work)
            return
        if self.run is None and work != self._open:
            return  # the lesson failed to open: nothing to drive
        run = self.run
        job = Job(lambda: self._work_then_view(work, run))
        if job.done.wait(QUICK):  # a quick step shows at once
            self._finish(job)
            return
        self.busy = True
        self._wait_for(job)

    def _work_then_view(self, work: Callable[[Any], Outcome], run: LessonRun | None) -> tuple[Outcome, StepView]:
        outcome = work(run)
        assert self.run is not None
        view = view_of(self.run, self._map_size(), picture=not self._training())
        self._draw_plots(view)
        return outcome, view

    def _draw_plots(self, view: StepView) -> None:
        """Build the step's charts here, in the job's thread (plotext takes tens of milliseconds a chart)."""
        assert self.run is not None
        if view.figure is not None:
            figure = self.query_one(FigureView)
            figure.build_now(lambda: figure.draw(view.figure, view.curves))  # type: ignore[arg-type]
            view.drawn = True
        state = self.run.state
        if isinstance(state, TrainState) and not self._training():
            panel = self.query_one(TrainingPanel)
            history = list(state.history)
            plot = panel.query_one("#train-plot", TutorPlot)
            plot.build_now(lambda: panel.draw_history(history, state.step.x_metric, state.step.log_loss))
            view.drawn = True

    @work(thread=True, exclusive=True, group="step")
    def _wait_for(self, job: Job) -> None:
        """Wait (off the UI thread) for a slow job; give up if cancelled, so quitting never waits on a step."""
        if job.wait_unless(get_current_worker().cancelled_event):
            self.post_message(StepComputed(job))

    @on(StepComputed)
    def _computed(self, event: StepComputed) -> None:
        self.busy = False
        self._finish(event.job)

    def _finish(self, job: Job) -> None:
        if job.error is not None:
            self._failed(job.error)
        else:
            (message, notes), view = job.result
            self.problem = ""
            self._message = message
            self.view = view  # redraws: see watch_view
            for note in notes:
                self.post_message(note)
        if self.pending and not self.busy:
            self._submit(self.pending.popleft())

    def _failed(self, error: BaseException) -> None:
        """A job failed: an error card names the file and line; the lesson stays where it was."""
        if self.run is None:
            self.problem = problem_text("This lesson failed to open", error, None, self.lesson)
            self.notify(self.problem, title="This lesson failed", severity="error", timeout=15)
            self.pending.clear()
        else:
            index = self.run.index + 1
            self.problem = problem_text(f"Step {index} (or the step after it) failed", error, self.run, self.lesson)
        self._show_problem()
        self.refresh_bindings()

    def watch_busy(self, busy: bool) -> None:
        if busy:
            self.query_one("#message", Static).update(COMPUTING)
        elif self.view is not None:
            self.query_one("#message", Static).update(self._message or self._hint_line())

    def watch_view(self, view: StepView | None) -> None:
        if view is not None:
            self.show()

    def _map_size(self) -> tuple[int, int]:
        """The decision map's size: on a wide terminal it shares the right-hand pane with the curves."""
        cols, rows = MAP_SIZE
        width, height = self.app.size
        if width >= 110:  # the right pane is 3/5 of the width: give the map about half of it
            cols = max(cols, min(60, width * 3 // 10))
            rows = max(rows, min(height - 16, cols * 2 // 5))
        return cols, rows

    # -- showing the run --

    def show(self) -> None:
        """Redraw from the run and the last view (on the UI thread: nothing here runs the lesson's code)."""
        run, view = self.run, self.view
        if run is None or view is None:
            return
        state = run.state
        kind = KIND_NAMES.get(view.kind, view.kind)
        title = f" {escape(self.lesson.title)}  ·  step {view.index + 1}/{view.count}  ·  {kind}"
        self.query_one("#lesson-title", Static).update(title)
        self.query_one(Narration).show_text(view.text, view.markdown)
        self._show_graph(run.step.graph, state)
        figure = self.query_one(FigureView)
        figure.display = view.figure is not None
        if view.figure is not None and (view.figure, view.curves) != self._shown:
            figure.refresh() if view.drawn else figure.show_figure(view.figure, view.curves)
        self._shown = (view.figure, view.curves)
        self._show_detail(state)
        self._show_quiz(state)
        self._show_training(state, view)
        right = self.query_one("#lesson-right")
        right.display = any(w.display for w in right.children)  # text alone gets the whole width
        self._show_problem()
        self.query_one("#message", Static).update(COMPUTING if self.busy else self._message or self._hint_line())
        self._settle_focus(view.kind)

    def _show_problem(self) -> None:
        card = self.query_one("#error-card", Static)
        problems = ([self.problem] if self.problem else []) + (self.view.problems if self.view else [])
        card.display = bool(problems)
        hint = "p: back   r: restart   q: back to the lessons" if self.run else "q: back to the lessons"
        card.update("\n".join(f"[b]⚠ {escape(p)}[/b]" for p in problems) + f"\n{hint}")
        card.border_title = "This lesson's code failed" if problems else ""

    def _settle_focus(self, kind: str) -> None:
        """Keys go to the screen, except in a quiz (the answer box) or while exploring (the graph)."""
        tree = self.query_one(GraphTree)
        tree.can_focus = kind == "explore"
        if kind == "explore":
            tree.focus()
        elif self.focused is not None and not (self.query_one(QuizPanel).display and self.focused.display):
            self.set_focus(None)

    def _hint_line(self) -> str:
        run, view = self.run, self.view
        if run is None or view is None:
            return ""
        hint = bool(view.hint)
        if view.at_end:
            return "[b]Lesson complete![/b]  q: back to the lessons"
        if isinstance(run.state, BackwardState) and run.state.question is not None:
            return "Type your prediction, Enter.  h Enter: hint.  Tab, e: reveal all"
        if view.blocked:
            if isinstance(run.step, ExpressionQuiz):
                return "Type an expression and press Enter.  h then Enter: a hint.  Tab: leave the box"
            if isinstance(run.step, NumberQuiz):
                return (
                    "Type your answer and press Enter." + ("  h then Enter: a hint." if hint else "") + "  Tab: leave"
                )
            if isinstance(run.state, QuizState):
                return "Pick an answer: ↑/↓ and Enter, or its number." + ("  h: hint" if hint else "")
            if isinstance(run.state, BackwardState):
                return "n: visit the remaining nodes (leaves pass nothing back) to finish."
            return "Train the model to go on: press t."
        return "n/→/space: next   p/←: back   ?: all keys"

    def _show_graph(self, graph: Value | None, state: Any) -> None:
        tree = self.query_one(GraphTree)
        tree.display = graph is not None
        if graph is None:
            return
        if graph is not self._graph:
            self._graph = graph
            self._names = node_names(graph)
        tree.show_step(graph, state)

    def _show_detail(self, state: Any) -> None:
        detail = self.query_one("#detail", Static)
        lines: list[str] = []
        assert self.run is not None
        if isinstance(state, ForwardState):
            lines = forward_lines(state.current, self._names, state.total)
        elif isinstance(state, BackwardState) and state.question is not None:
            record, contribution = state.question
            lines = prediction_lines(record, contribution, self._names, state.current)
        elif isinstance(state, BackwardState):
            lines = backward_lines(state.current, state.step.graph, self._names, state.total)
        elif isinstance(self.run.step, ExpressionQuiz) and not state.done:
            lines = expression_help(self.run.step)
        elif self.run.step.kind == "explore":
            node = self.query_one(GraphTree).cursor_node
            value = node.data if node is not None else None
            lines = node_details(value, self._names) if value is not None else ["Move with ↑/↓ in the graph."]
            lines.append("↑/↓ move, space opens or closes a node; n goes on.")
        detail.update(escape("\n".join(lines)))
        detail.display = bool(lines)

    def _show_quiz(self, state: Any) -> None:
        quiz = self.query_one(QuizPanel)
        predicting = isinstance(state, BackwardState) and state.question is not None
        quiz.display = isinstance(state, QuizState) or predicting
        if predicting:
            quiz.ask_number((id(state), state.position, state.asking), state.feedback)
            return
        if isinstance(state, BackwardState):
            quiz.display = bool(state.feedback)  # the verdict on the last prediction
            quiz.show_feedback(state.feedback)
            quiz.query_one("#quiz-number").display = False
            quiz.query_one("#quiz-choices").display = False
        if not isinstance(state, QuizState):
            return
        step = state.step
        locked = state.done
        if isinstance(step, ChoiceQuiz):
            quiz.ask_choice(state, list(step.choices), state.feedback, locked)
        elif isinstance(step, ExpressionQuiz):
            quiz.ask_number(state, state.feedback, locked, placeholder="type an expression, Enter to check")
        else:
            quiz.ask_number(state, state.feedback, locked)
        if locked:
            self.set_focus(None)

    def _show_training(self, state: Any, view: StepView) -> None:
        panel = self.query_one(TrainingPanel)
        panel.display = isinstance(state, TrainState)
        self.set_class(isinstance(state, TrainState), "-training")
        if isinstance(state, TrainState):
            self._training_progress(state, view.picture, keep_picture=self._training(), drawn=view.drawn)

    def _training_progress(self, state: TrainState, picture: Any, keep_picture: bool = False, drawn=False) -> None:
        """The training panel: status and settings, the curves (already built if `drawn`), the map."""
        panel = self.query_one(TrainingPanel)
        settings = [(DIGIT_KEYS[i], s.label, state.settings[s.name]) for i, s in enumerate(state.step.settings[:4])]
        status = {"ready": "ready: t to train", "running": "training", "paused": "paused", "stopped": "stopped"}
        shown = "paused" if state.paused and self._training() else state.status
        panel.show_status(status.get(shown, shown), settings, len(state.history), state.step.steps)
        if drawn:
            panel.query_one("#train-plot", TutorPlot).refresh()
        else:
            panel.show_history(state.history, state.step.x_metric, state.step.log_loss)
        if picture is not None or not (keep_picture and state.history):
            panel.show_map(picture)

    # -- keys --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("leave", "help", "answer_box"):
            return True
        run, view = self.run, self.view
        if run is None or view is None:
            return False  # opening, or failed to open: only leaving and help
        state = run.state
        if action == "to_end":
            return isinstance(state, ForwardState | BackwardState)
        if action == "hint":
            if isinstance(state, BackwardState):
                return state.question is not None
            return isinstance(state, QuizState) and bool(view.hint)
        if action in ("train", "stop"):
            return isinstance(state, TrainState)
        if action == "source":  # shown beside a graph; the palette opens it anywhere
            return run.step.graph is not None
        if action == "inspect":  # a tensor graph's nodes
            return run.step.graph is not None and is_tensor(run.step.graph)
        if action == "digit":
            index = parameters[0]
            if isinstance(state, TrainState):
                return index < min(4, len(state.step.settings))  # type: ignore[operator]
            return isinstance(run.step, ChoiceQuiz) and index < len(run.step.choices)  # type: ignore[operator]
        return True

    def action_next(self) -> None:
        if self._training():
            self._message = "Training is running: t pauses, s stops."
            self.query_one("#message", Static).update(self._message)
            return
        self._submit(_next)

    def action_previous(self) -> None:
        self._stop_training()
        self._submit(_previous)

    def action_to_end(self) -> None:
        self._submit(_to_end)

    def action_restart(self) -> None:
        self._stop_training()
        self._graph = None
        self._submit(_restart)

    def action_answer_box(self) -> None:
        """Tab: leave the answer box (so n, p, e work), or go back into it."""
        quiz = self.query_one(QuizPanel)
        box = next((w for w in quiz.query("Input, OptionList") if w.display and not w.disabled), None)
        if self.focused is not None and self.focused is box:
            self.set_focus(None)
        elif box is not None and quiz.display:
            box.focus()
        elif self.run is not None and self.run.step.kind == "explore":
            self.query_one(GraphTree).focus()

    def action_hint(self) -> None:
        if self.run is None or self.view is None:
            return
        state = self.run.state
        if isinstance(state, BackwardState) and state.question is not None:
            self._say("Hint: " + escape(prediction_hint(*state.question, self._names)))
            return
        self._say("Hint: " + escape(self.view.hint))

    def _say(self, message: str) -> None:
        self._message = message
        if not self.busy:
            self.query_one("#message", Static).update(message)

    def action_help(self) -> None:
        from tutor.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_source(self) -> None:
        """The engine's source, at the operation of the node in focus (or the top of the file)."""
        from tutor.screens.source import SourceScreen

        node = self._focus_node()
        op = node._op if node is not None and not is_tensor(node) else ""
        self.app.push_screen(SourceScreen(op))

    def _focus_node(self) -> Any:
        """The node in focus: the step-through's current node, or the cursor's while exploring."""
        tree = self.query_one(GraphTree)
        node = tree.current
        if node is None and self.run is not None and self.run.step.kind == "explore":
            node = tree.cursor_node.data if tree.cursor_node is not None else None
        return node

    def action_inspect(self) -> None:
        """A tensor's data and grad in full: numbers, or a heatmap with their statistics."""
        from tutor.screens.inspector import TensorInspector

        node = self._focus_node()
        if node is not None and is_tensor(node):
            self.app.push_screen(TensorInspector(self._names.get(node, "?"), node))

    def action_leave(self) -> None:
        self._stop_training()
        self.pending.clear()
        self.dismiss()

    @on(QuizPanel.Answered)
    def _answered(self, event: QuizPanel.Answered) -> None:
        if event.text.strip().lower() in ("h", "hint", "?"):
            self.action_hint()
            return
        self._submit(lambda run: self._answer(run, event.text))

    def _answer(self, run: LessonRun, text: str) -> Outcome:
        state = run.state
        if isinstance(state, BackwardState):
            state.guess(text)
        elif isinstance(state, QuizState):
            state.answer(text)
            return "", [QuizAnswered(self.lesson.id, run.index, state.tries, state.solved)]
        return "", []

    @on(Tree.NodeHighlighted)
    def _explored(self, event: Tree.NodeHighlighted) -> None:
        if self.run is not None and self.run.step.kind == "explore" and not self.busy:
            self._show_detail(self.run.state)

    def action_digit(self, index: int) -> None:
        """A number key: pick a choice of a quiz, or turn a training setting."""
        if self.run is None:
            return
        state = self.run.state
        if isinstance(state, QuizState):
            self.post_message(QuizPanel.Answered(str(index + 1)))
        elif isinstance(state, TrainState) and not self._training():
            self._submit(lambda run: _turn_setting(run, index))

    # -- training --

    def _training(self) -> bool:
        return self._train_worker is not None and self._train_worker.state == WorkerState.RUNNING

    def action_train(self) -> None:
        if self.run is None or not isinstance(self.run.state, TrainState):
            return
        state = self.run.state
        if self._training():
            state.pause(not state.paused)
            self._training_progress(state, None, keep_picture=True)
        elif not self.busy:
            self._train_worker = self._train(state)
            self.training = True

    def action_stop(self) -> None:
        self._stop_training()

    def _stop_training(self) -> None:
        if self.run is not None and isinstance(self.run.state, TrainState) and self._training():
            self.run.state.stop()

    @work(thread=True, exclusive=True, group="train")
    def _train(self, state: TrainState) -> None:
        """Train in a job (quitting never waits on it); the curves and the map are redrawn a few times a second."""
        from tutor.components.boundary_map import training_picture

        worker = get_current_worker()
        size = self._map_size()

        panel = self.query_one(TrainingPanel)
        plot = panel.query_one("#train-plot", TutorPlot)

        def progress() -> None:
            picture = training_picture(state.trainer, *size)
            history = list(state.history)
            plot.build_now(lambda: panel.draw_history(history, state.step.x_metric, state.step.log_loss))
            if not worker.is_cancelled:
                self.app.call_from_thread(self._training_progress, state, picture, True, True)

        def train() -> tuple[Outcome, StepView]:
            message = ""
            try:
                state.run(on_progress=progress, every=0.3, cancelled=lambda: worker.is_cancelled, paced=True)
            except Exception as exc:  # a trainer's bug or a diverging run: say so, keep the lesson going
                state.stop()
                message = f"[b]Training failed:[/b] {escape(problem_text('the trainer', exc, self.run, self.lesson))}"
            assert self.run is not None
            return (message, []), view_of(self.run, size)

        job = Job(train, name="training")
        if job.wait_unless(worker.cancelled_event):
            self.post_message(StepComputed(job))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._train_worker and event.worker.is_finished:
            self.training = False

    def on_unmount(self) -> None:
        self._stop_training()


# What the keys do to the run: each runs in a job (it may run the lesson's code).


def _next(run: LessonRun) -> Outcome:
    moved = run.next()
    notes: list[Message] = [StepReached(run.lesson.id, run.index)]
    if run.at_end:
        notes.append(LessonFinished(run.lesson.id))
    if not moved and run.at_end:
        return "[b]Lesson complete![/b] Well done.  q: back to the lessons", notes
    return "", notes


def _previous(run: LessonRun) -> Outcome:
    run.previous()
    return "", [StepReached(run.lesson.id, run.index)]


def _to_end(run: LessonRun) -> Outcome:
    run.finish_step()
    return "", [LessonFinished(run.lesson.id)] if run.at_end else []


def _restart(run: LessonRun) -> Outcome:
    run.restart()
    return "Restarted from the first step.", [StepReached(run.lesson.id, 0)]


def _turn_setting(run: LessonRun, index: int) -> Outcome:
    """Turn a training setting to its next choice; a fresh trainer (set up off the UI thread)."""
    state = run.state
    if isinstance(state, TrainState):
        setting = state.step.settings[index]
        choices = setting.choices
        state.settings[setting.name] = choices[(choices.index(state.settings[setting.name]) + 1) % len(choices)]
        state.reset()
    return "", []
