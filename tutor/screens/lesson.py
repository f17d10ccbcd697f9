"""The lesson screen: narration, the graph tree, and a panel for the current step.

The screen holds a `LessonRun` (the lesson's state, no UI) and shows it:
every key calls the run, then `show()` redraws from the run's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static, Tree
from textual.worker import Worker, WorkerState, get_current_worker

from engine.explain import node_names
from engine.value import Value
from lessons.api import ChoiceQuiz, ExpressionQuiz, Lesson, NumberQuiz, render
from lessons.runner import BackwardState, ForwardState, LessonRun, QuizState, TrainState
from tutor.components.figure_view import FigureView
from tutor.components.graph_tree import GraphTree
from tutor.components.quiz_panel import QuizPanel
from tutor.components.training_panel import TrainingPanel
from tutor.node_words import is_tensor
from tutor.step_text import (
    backward_lines,
    expression_help,
    forward_lines,
    node_details,
    prediction_hint,
    prediction_lines,
)

if TYPE_CHECKING:
    from tutor.app import TutorApp

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
MAP_COLS, MAP_ROWS = 30, 12


class LessonScreen(Screen):
    """One lesson, one step at a time."""

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
        Binding("question_mark", "help", "Help"),
        Binding("q", "leave", "Lessons"),
        Binding("tab", "answer_box", "Answer box", show=False),
    ]

    def __init__(self, lesson: Lesson, start_step: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.run = LessonRun(lesson)
        if start_step:
            self.run.go_to(start_step)
        self._graph: Value | None = None
        self._names: dict[Value, str] = {}
        self._train_worker: Worker | None = None

    @property
    def tutor(self) -> TutorApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("", id="lesson-title")
        with Vertical(id="lesson-body"):
            with Vertical(id="lesson-left"):
                yield Markdown("", id="narration")
                yield QuizPanel(id="quiz")
            with Vertical(id="lesson-right"):
                yield GraphTree(id="graph")
                yield FigureView(id="figure")
                yield Static("", id="detail")
                yield TrainingPanel(id="training")
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 110, "-wide")

    # -- showing the run --

    def show(self, *, message: str = "") -> None:
        run, step, state = self.run, self.run.step, self.run.state
        kind = KIND_NAMES.get(step.kind, step.kind)
        title = f" {escape(self.lesson.title)}  ·  step {run.index + 1}/{len(run.steps)}  ·  {kind}"
        self.query_one("#lesson-title", Static).update(title)
        self.query_one("#narration", Markdown).update(render(step.text))
        self._show_graph(step.graph, state)
        figure = self.query_one(FigureView)
        figure.display = step.figure is not None
        if step.figure is not None:
            figure.show_figure(step.figure)
        self._show_detail(state)
        self._show_quiz(state)
        self._show_training(state)
        right = self.query_one("#lesson-right")
        right.display = any(w.display for w in right.children)  # text alone gets the whole width
        self.query_one("#message", Static).update(message or self._hint_line())
        self._settle_focus(step.kind)
        self.tutor.remember(self.lesson.id, run)
        if run.at_end:
            self.tutor.lesson_done(self.lesson.id)
        self.refresh_bindings()

    def _settle_focus(self, kind: str) -> None:
        """Keys go to the screen, except in a quiz (the answer box) or while exploring (the graph)."""
        tree = self.query_one(GraphTree)
        tree.can_focus = kind == "explore"
        if kind == "explore":
            tree.focus()
        elif self.focused is not None and not (self.query_one(QuizPanel).display and self.focused.display):
            self.set_focus(None)

    def _hint_line(self) -> str:
        run = self.run
        if run.at_end:
            return "[b]Lesson complete![/b]  q: back to the lessons"
        if isinstance(run.state, BackwardState) and run.state.question is not None:
            return "Type your prediction, Enter.  h Enter: hint.  Tab, e: reveal all"
        if run.blocked:
            if isinstance(run.step, ExpressionQuiz):
                return "Type an expression and press Enter.  h then Enter: a hint.  Tab: leave the box"
            if isinstance(run.step, NumberQuiz):
                hint = "  h then Enter: a hint." if render(run.step.hint) else ""
                return "Type your answer and press Enter." + hint + "  Tab: leave the box"
            if isinstance(run.state, QuizState):
                return "Pick an answer: ↑/↓ and Enter, or its number." + ("  h: hint" if render(run.step.hint) else "")
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
        tree.current = None
        shown = None
        if isinstance(state, ForwardState):
            computed = {s.node for s in state.trace[: state.position]}
            tree.current = state.current.node if state.current else None
            shown = lambda v: (v in computed, "hidden")  # noqa: E731
        elif isinstance(state, BackwardState):
            visited = {s.node for s in state.trace[: state.position]}
            touched = visited | {c.child for s in state.trace[: state.position] for c in s.contributions}
            if state.question is not None:
                touched |= {c.child for c in state.question[0].contributions[: state.asking]}
            tree.current = state.current.node if state.current else graph
            if state.question is not None:
                tree.current = state.question[0].node
            shown = lambda v: (True, "final" if v in visited else "partial" if v in touched or v is graph else "hidden")  # noqa: E731
        tree.show_graph(graph, shown)
        if tree.current is not None:
            tree.reveal(tree.current)

    def _show_detail(self, state: Any) -> None:
        detail = self.query_one("#detail", Static)
        lines: list[str] = []
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
            quiz.ask_number((id(state), state.position, state.asking), escape(state.feedback))
            return
        if isinstance(state, BackwardState):
            quiz.display = bool(state.feedback)  # the verdict on the last prediction
            quiz.show_feedback(escape(state.feedback))
            quiz.query_one("#quiz-number").display = False
            quiz.query_one("#quiz-choices").display = False
        if not isinstance(state, QuizState):
            return
        step = state.step
        locked = state.done
        feedback = escape(state.feedback)
        if isinstance(step, ChoiceQuiz):
            quiz.ask_choice(state, list(step.choices), feedback, locked)
        elif isinstance(step, ExpressionQuiz):
            quiz.ask_number(state, feedback, locked, placeholder="type an expression, Enter to check")
        else:
            quiz.ask_number(state, feedback, locked)
        if locked:
            self.set_focus(None)

    def _show_training(self, state: Any) -> None:
        panel = self.query_one(TrainingPanel)
        panel.display = isinstance(state, TrainState)
        self.set_class(isinstance(state, TrainState), "-training")
        if isinstance(state, TrainState):
            boundary = self._boundary(state) if state.history and not self._training() else None
            self._training_progress(state, boundary)

    def _training_progress(self, state: TrainState, boundary: Any) -> None:
        panel = self.query_one(TrainingPanel)
        settings = [
            (DIGIT_KEYS[i], s.label, state.settings[s.name]) for i, s in enumerate(state.step.settings[:4])
        ]
        status = {"ready": "ready: t to train", "running": "training", "paused": "paused", "stopped": "stopped"}
        panel.show_status(status.get(state.status, state.status), settings, len(state.history), state.step.steps)
        panel.show_history(state.history, state.step.x_metric, state.step.log_loss)
        if boundary is not None or not state.history:
            panel.show_map(boundary)

    # -- keys --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self.run.state
        if action == "to_end":
            return isinstance(state, ForwardState | BackwardState)
        if action == "hint":
            if isinstance(state, BackwardState):
                return state.question is not None
            return isinstance(state, QuizState) and bool(render(self.run.step.hint))
        if action in ("train", "stop"):
            return isinstance(state, TrainState)
        if action == "source":  # shown beside a graph; the palette opens it anywhere
            return self.run.step.graph is not None
        if action == "digit":
            index = parameters[0]
            if isinstance(state, TrainState):
                return index < min(4, len(state.step.settings))  # type: ignore[operator]
            return isinstance(self.run.step, ChoiceQuiz) and index < len(self.run.step.choices)  # type: ignore[operator]
        return True

    def action_next(self) -> None:
        if self._training():
            self.show(message="Training is running: t pauses, s stops.")
            return
        if self.run.next() or not self.run.at_end:
            self.show()
        else:
            self.show(message="[b]Lesson complete![/b] Well done.  q: back to the lessons")

    def action_previous(self) -> None:
        self._stop_training()
        if self.run.previous():
            self.show()

    def action_answer_box(self) -> None:
        """Tab: leave the answer box (so n, p, e work), or go back into it."""
        quiz = self.query_one(QuizPanel)
        box = next((w for w in quiz.query("Input, OptionList") if w.display and not w.disabled), None)
        if self.focused is not None and self.focused is box:
            self.set_focus(None)
        elif box is not None and quiz.display:
            box.focus()
        elif self.run.step.kind == "explore":
            self.query_one(GraphTree).focus()

    def action_to_end(self) -> None:
        self.run.finish_step()
        self.show()

    def action_restart(self) -> None:
        self._stop_training()
        self.run.restart()
        self._graph = None
        self.show(message="Restarted from the first step.")

    def action_hint(self) -> None:
        state = self.run.state
        if isinstance(state, BackwardState) and state.question is not None:
            self.show(message="Hint: " + escape(prediction_hint(*state.question, self._names)))
            return
        self.show(message="Hint: " + escape(render(self.run.step.hint)))

    def action_help(self) -> None:
        from tutor.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_source(self) -> None:
        """The engine's source, at the operation of the node in focus (or the top of the file)."""
        from tutor.screens.source import SourceScreen

        node = self.query_one(GraphTree).current
        if node is None and self.run.step.kind == "explore":
            cursor = self.query_one(GraphTree).cursor_node
            node = cursor.data if cursor is not None else None
        op = node._op if node is not None and not is_tensor(node) else ""
        self.app.push_screen(SourceScreen(op))

    def action_leave(self) -> None:
        self._stop_training()
        self.dismiss()

    @on(QuizPanel.Answered)
    def _answered(self, event: QuizPanel.Answered) -> None:
        state = self.run.state
        if event.text.strip().lower() in ("h", "hint", "?"):
            self.action_hint()
            return
        if isinstance(state, BackwardState):
            state.guess(event.text)
            self.show()
            return
        if not isinstance(state, QuizState):
            return
        state.answer(event.text)
        self.tutor.quiz_answered(self.lesson.id, self.run.index, state.tries, state.solved)
        self.show()

    @on(Tree.NodeHighlighted)
    def _explored(self, event: Tree.NodeHighlighted) -> None:
        if self.run.step.kind == "explore":
            self._show_detail(self.run.state)

    # -- training --

    def _training(self) -> bool:
        return self._train_worker is not None and self._train_worker.state == WorkerState.RUNNING

    def action_train(self) -> None:
        state = self.run.state
        if not isinstance(state, TrainState):
            return
        if self._training():
            paused = state.status != "paused"
            state.pause(paused)
            self._training_progress(state, None)
            return
        self._train_worker = self._train(state)

    def action_stop(self) -> None:
        self._stop_training()

    def action_digit(self, index: int) -> None:
        """A number key: pick a choice of a quiz, or turn a training setting."""
        state = self.run.state
        if isinstance(state, QuizState):
            self.post_message(QuizPanel.Answered(str(index + 1)))
            return
        if not isinstance(state, TrainState) or self._training():
            return
        setting = state.step.settings[index]
        choices = setting.choices
        state.settings[setting.name] = choices[(choices.index(state.settings[setting.name]) + 1) % len(choices)]
        state.reset()
        self._training_progress(state, None)

    def _stop_training(self) -> None:
        state = self.run.state
        if isinstance(state, TrainState) and self._training():
            state.stop()

    @work(thread=True, exclusive=True, group="train")
    def _train(self, state: TrainState) -> None:
        worker = get_current_worker()

        def progress() -> None:
            boundary = self._boundary(state)
            if not worker.is_cancelled:
                self.app.call_from_thread(self._training_progress, state, boundary)

        state.run(on_progress=progress, every=0.3, cancelled=lambda: worker.is_cancelled)

    def _boundary(self, state: TrainState) -> Any:
        """The picture beside the curves: a loss surface with its path, or a decision boundary."""
        from tutor.components.boundary_map import grid_points, grid_points_in, render_map, render_surface

        trainer = state.trainer
        surface = getattr(trainer, "surface", None)
        if trainer is not None and surface is not None:
            values = trainer.predict(grid_points_in(surface, MAP_COLS, MAP_ROWS))
            return render_surface(values, MAP_COLS, MAP_ROWS, surface, list(trainer.path))
        points = getattr(trainer, "points", None)
        if trainer is None or points is None:
            return None
        xs, ys = points
        centres, box = grid_points(xs, MAP_COLS, MAP_ROWS)
        scores = trainer.predict(centres)
        return render_map(scores, MAP_COLS, MAP_ROWS, box, xs, ys, trainer.predict(xs))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._train_worker or event.state == WorkerState.RUNNING:
            return
        if event.state == WorkerState.ERROR:
            self.show(message=f"[b]Training failed:[/b] {escape(str(event.worker.error))}")
        else:
            self.show()

    def on_unmount(self) -> None:
        self._stop_training()
