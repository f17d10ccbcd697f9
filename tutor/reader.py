"""`python -m tutor read LESSON`: a lesson as a plain, line-oriented conversation on stdin and stdout.

For screen readers, pipes, notes and scripts, where a full-screen app does not
fit. Everything the app shows is said in lines of text: each step's text, the
graph as an indented tree, each forward or backward step's arithmetic, quizzes
answered by typing a line, plots as a plotext chart (when the width allows)
and always as a sentence of numbers. Nothing is said by colour or position
alone, and there are no escape codes unless the output is a colour terminal.

Commands, one a line: n (or an empty line) next, p back, e do the rest of this
step, h hint, q quit; `set NAME VALUE` changes a training setting, t trains
again. Anything else answers the quiz on screen; start an answer with `=` when
it is also a command (`= h`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Iterator
from typing import IO, Any

from engine.explain import node_names
from engine.graph import topological_order
from lessons.api import ChoiceQuiz, Explore, ExpressionQuiz, Lesson, Train, render
from lessons.catalog import Catalog
from lessons.runner import BackwardState, ForwardState, LessonRun, QuizState, TrainState
from tutor.node_words import describe, formula
from tutor.step_text import backward_lines, expression_help, forward_lines, node_details, prediction_lines
from tutor.text_plot import chart, figure_sentences, history_series, series_sentence

__all__ = ["PlainReader", "plain_text", "run_read", "wants_colour"]

COMMANDS = "n next · p back · e rest of this step · h hint · q quit"
LARGE_GRAPH = 60  # nodes: a larger graph is printed a few levels deep, with its size


def plain_text(markdown: str) -> str:
    """Lesson Markdown as plain words: no `**`, backticks or `#` for a screen reader to read out."""
    text = re.sub(r"```[a-z]*\n?", "", markdown)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text, flags=re.S)
    text = re.sub(r"__(.+?)__", r"\1", text, flags=re.S)
    text = re.sub(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])", r"\1", text)
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)


def wants_colour(stream: IO[str]) -> bool:
    """Colour only on a colour terminal: never into a pipe, under NO_COLOR or TERM=dumb."""
    isatty = getattr(stream, "isatty", lambda: False)
    return bool(isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM", "") not in ("", "dumb")


def _node_line(node: Any, names: dict[Any, str]) -> str:
    head = f"{names[node]} = {formula(node, names)}" if node._op else names[node]
    return f"{head}   data {describe(node.data)}   grad {describe(node.grad)}"


def graph_lines(root: Any, names: dict[Any, str], max_depth: int | None = None) -> list[str]:
    """The graph as an indented tree, two spaces a level; a node seen before is `(again) name`."""
    lines = [_node_line(root, names)]
    shown = {root}
    todo = [(child, 1) for child in reversed(root._prev)]
    while todo:
        node, depth = todo.pop()
        indent = "  " * depth
        if node in shown:
            lines.append(f"{indent}(again) {names[node]}")
            continue
        shown.add(node)
        lines.append(indent + _node_line(node, names))
        if node._prev and max_depth is not None and depth >= max_depth:
            lines.append(f"{indent}  … {len(node._prev)} input(s) not shown")
            continue
        todo.extend((child, depth + 1) for child in reversed(node._prev))
    return lines


class PlainReader:
    """Drives a `LessonRun` from lines of input and says everything as lines of output."""

    def __init__(
        self,
        lesson: Lesson,
        out: IO[str],
        inp: IO[str],
        width: int = 80,
        colour: bool = False,
        progress: Any = None,
    ) -> None:
        self.lesson, self.out, self.inp = lesson, out, inp
        self.width, self.colour, self.progress = width, colour, progress
        self.prompt = bool(getattr(inp, "isatty", lambda: False)())

    # -- output --

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)
        self.out.flush()

    def prose(self, text: str) -> None:
        """Words, wrapped at the terminal's width when the output is a terminal (a pipe gets whole lines)."""
        if not getattr(self.out, "isatty", lambda: False)():
            self.say(text)
            return
        for line in text.splitlines() or [""]:
            indent = line[: len(line) - len(line.lstrip())]
            self.say(textwrap.fill(line, self.width - 1, subsequent_indent=indent) if line.strip() else "")

    def _names(self, graph: Any) -> dict[Any, str]:
        return node_names(graph)

    # -- the conversation --

    def run(self) -> int:
        lesson = self.lesson
        self.run_ = LessonRun(lesson)
        total = len(self.run_.steps)
        self.say(f"Lesson: {lesson.title} ({lesson.id}), {total} steps, about {lesson.minutes} minutes.")
        self.say(plain_text(lesson.summary), f"Commands: {COMMANDS}. An empty line is n.", "")
        self.show_step()
        for command in self._lines():
            if not self.handle(command):
                return 0
        self.say("", "Input ended.")
        return 0

    def _lines(self) -> Iterator[str]:
        while True:
            if self.prompt:
                print("> ", end="", file=self.out, flush=True)
            line = self.inp.readline()
            if not line:
                return
            yield line.strip()

    def handle(self, line: str) -> bool:
        """Act on one line; False when the conversation is over."""
        run, state = self.run_, self.run_.state
        command = line.lower()
        if line.startswith("="):
            return self.answer(line[1:].strip())
        if command in ("q", "quit"):
            self.say("Bye.")
            return False
        if command in ("h", "hint"):
            self.hint()
            return True
        if command in ("", "n", "next"):
            return self.next()
        if command in ("p", "prev", "back"):
            if run.previous():
                self.after_move()
            else:
                self.say("This is the first step.")
            return True
        if command in ("e", "end"):
            self.finish()
            return True
        if isinstance(state, TrainState) and (command in ("t", "train") or command.startswith("set ")):
            self.train_command(line)
            return True
        return self.answer(line)

    def next(self) -> bool:
        run, state = self.run_, self.run_.state
        if isinstance(state, TrainState) and not state.done:
            self.train()
            return True
        if isinstance(state, BackwardState) and state.asking is not None:
            self.say("Type your prediction, a number (h for a hint).")
            return True
        if isinstance(state, QuizState) and not state.done:
            self.say("Answer first: " + self.how_to_answer() + " (h for a hint).")
            return True
        if run.index == len(run.steps) - 1 and state.done and not state.advance():
            self.say("", f"End of the lesson “{self.lesson.title}”. Well done.")
            if self.progress is not None:
                self.progress.done(self.lesson.id)
                self.progress.save()
            return False
        if run.next():
            self.after_move()
        return True

    def after_move(self) -> None:
        """Say what moving (n or p) changed: a sub-step of a step-through, or a new step."""
        state = self.run_.state
        if getattr(self, "_shown", None) != self.run_.index:
            self.show_step()
        elif isinstance(state, ForwardState):
            self.say(*self.forward_now(state))
        elif isinstance(state, BackwardState):
            self.say(*self.backward_now(state))

    def show_step(self) -> None:
        run = self.run_
        step, state = run.step, run.state
        self._shown = run.index
        kind = "quiz" if isinstance(state, QuizState) else step.kind
        self.say("", f"— Step {run.index + 1} of {len(run.steps)} ({kind}) —")
        text = plain_text(render(step.text)).strip()
        if text:
            self.prose(text)
        if step.graph is not None and not isinstance(state, ForwardState | BackwardState):
            self.show_graph(step.graph)
        if step.figure is not None:
            self.show_figure()
        if isinstance(step, Explore):
            self.explore(step.graph)
        if isinstance(state, ForwardState):
            self.show_graph(step.graph)
            self.say(*self.forward_now(state))
        elif isinstance(state, BackwardState):
            self.show_graph(step.graph)
            self.say(*self.backward_now(state))
        elif isinstance(state, QuizState):
            self.show_quiz(state)
        elif isinstance(state, TrainState):
            self.show_settings(state)
        if self.progress is not None:
            self.progress.at_step(self.lesson.id, run.index)
            self.progress.save()

    def show_graph(self, graph: Any) -> None:
        names = self._names(graph)
        count = len(names)
        if count > LARGE_GRAPH:
            self.say(f"The graph ({count} nodes; the first levels):", *graph_lines(graph, names, max_depth=2))
        else:
            self.say("The graph (each input indented under the node it feeds):", *graph_lines(graph, names))

    def explore(self, graph: Any) -> None:
        if graph is None:
            return
        names = self._names(graph)
        nodes = list(reversed(topological_order(graph)))[:LARGE_GRAPH]
        self.say("Each node, from the output back:")
        for node in nodes:
            self.say(*node_details(node, names))

    def show_figure(self) -> None:
        figure = self.run_.step.figure
        assert figure is not None
        drawn = chart(
            figure.curves(),
            width=self.width,
            title=figure.title,
            xlabel=figure.xlabel,
            ylabel=figure.ylabel,
            xlog=figure.xlog,
            ylog=figure.ylog,
            colour=self.colour,
        )
        what = figure.title or "A figure"
        axes = f" ({figure.ylabel or 'y'} against {figure.xlabel or 'x'})" if figure.xlabel or figure.ylabel else ""
        self.say(f"{what}{axes}:")
        if drawn:
            self.say(drawn)
        self.say(*figure_sentences(figure))

    # -- step-throughs --

    def forward_now(self, state: ForwardState) -> list[str]:
        names = self._names(state.step.graph)
        return forward_lines(state.current, names, state.total)

    def backward_now(self, state: BackwardState) -> list[str]:
        graph = state.step.graph
        assert graph is not None
        names = self._names(graph)
        lines = backward_lines(state.current, graph, names, state.total)
        if state.question is not None:
            record, c = state.question
            lines = prediction_lines(record, c, names, state.current)
        elif state.done:
            lines.append("Every node has passed its grad back: the backward pass is complete.")
        return lines

    # -- quizzes --

    def how_to_answer(self) -> str:
        step = self.run_.step
        if isinstance(step, ChoiceQuiz):
            return "type the number of your choice"
        if isinstance(step, ExpressionQuiz):
            return "type an expression"
        return "type a number"

    def show_quiz(self, state: QuizState) -> None:
        step = state.step
        if isinstance(step, ChoiceQuiz):
            self.say(*(f"{k}. {plain_text(choice)}" for k, choice in enumerate(step.choices, 1)))
        if isinstance(step, ExpressionQuiz):
            self.say(*expression_help(step))
        self.say(self.how_to_answer().capitalize() + ".")

    def answer(self, text: str) -> bool:
        state = self.run_.state
        if isinstance(state, BackwardState) and state.asking is not None:
            state.guess(text)
            self.prose(plain_text(state.feedback))
            if not state.feedback.startswith(("Not quite, try", "Please")):  # revealed: on to the next
                self.say(*self.backward_now(state))
            return True
        if isinstance(state, QuizState):
            if state.done:
                self.say("This quiz is answered: n goes on.")
                return True
            right = state.answer(text)
            self.prose(plain_text(state.feedback))
            if self.progress is not None and state.tries:
                self.progress.quiz(self.lesson.id, self.run_.index, state.tries, right)
                self.progress.save()
            if state.done:
                self.say("n goes on.")
            return True
        self.say(f"Not a command: {text!r}. Commands: {COMMANDS}.")
        return True

    def hint(self) -> None:
        state = self.run_.state
        if isinstance(state, BackwardState) and state.question is not None:
            from tutor.step_text import prediction_hint

            record, c = state.question
            self.say("Hint: " + prediction_hint(record, c, self._names(state.step.graph)))
            return
        hint = getattr(self.run_.step, "hint", "")
        text = plain_text(render(hint)) if hint else ""
        self.prose("Hint: " + text if text else "No hint for this step.")

    def finish(self) -> None:
        state = self.run_.state
        if isinstance(state, QuizState):
            self.say("A quiz is yours to answer: " + self.how_to_answer() + ", or h for a hint.")
        elif isinstance(state, ForwardState):
            while state.advance():
                self.say(*self.forward_now(state))
        elif isinstance(state, BackwardState):
            if state.asking is not None:
                state.finish()
                self.say("Every grad revealed:")
                self.show_graph(state.step.graph)
            while state.advance():
                self.say(*self.backward_now(state))
        elif isinstance(state, TrainState):
            if not state.done:
                self.train()
        else:
            self.say("Nothing more to do here: n goes on.")

    # -- training --

    def show_settings(self, state: TrainState) -> None:
        step = state.step
        assert isinstance(step, Train)
        self.say(f"Training: {step.steps} steps. n trains.")
        for s in step.settings:
            choices = ", ".join(str(c) for c in s.choices)
            label = f" ({s.label})" if s.label != s.name else ""
            self.say(f"Setting {s.name}{label} = {state.settings[s.name]}; choices: {choices}.")
        if step.settings:
            self.say(
                "To change one: set NAME VALUE (for example: set "
                + step.settings[0].name
                + " "
                + str(step.settings[0].choices[-1])
                + "), then t to train again."
            )

    def train_command(self, line: str) -> None:
        state = self.run_.state
        assert isinstance(state, TrainState)
        if line.lower() in ("t", "train"):
            state.trainer = None
            self.train()
            return
        parts = line.split(maxsplit=2)
        step = state.step
        assert isinstance(step, Train)
        setting = next((s for s in step.settings if len(parts) == 3 and s.name == parts[1]), None)
        if setting is None:
            names = ", ".join(s.name for s in step.settings) or "none"
            self.say(f"No such setting. Settings: {names}.")
            return
        value = next((c for c in setting.choices if str(c) == parts[2]), None)
        if value is None:
            self.say(f"{setting.name} can be: " + ", ".join(str(c) for c in setting.choices) + ".")
            return
        state.settings[setting.name] = value
        state.trainer = None
        self.say(f"{setting.name} = {value}. t trains with it.")

    def train(self) -> None:
        state = self.run_.state
        assert isinstance(state, TrainState)
        step = state.step
        assert isinstance(step, Train)
        self.say(f"Training for {step.steps} steps…")
        try:
            state.run()
        except (ArithmeticError, ValueError) as exc:
            state.stop()
            self.say(f"Training failed: {exc}. Try another setting (set NAME VALUE), then t.")
            return
        series = history_series(state.history, step.x_metric)
        drawn = chart(
            series,
            width=self.width,
            title="training",
            xlabel=step.x_metric or "step",
            ylog=step.log_loss,
            colour=self.colour,
        )
        if drawn:
            self.say(drawn)
        self.say(*(series_sentence(s, lower_is_better="acc" not in s.label) for s in series))
        self.say("Done: n goes on, or set NAME VALUE and t to train again.")


def run_read(
    catalog: Catalog, lesson_id: str, *, data_dir: Any = None, inp: IO[str] | None = None, out: IO[str] | None = None
) -> int:
    """The `read` command: 0 at the end of the lesson or on q, 2 for an unknown lesson."""
    inp, out = inp or sys.stdin, out or sys.stdout
    lesson = catalog.get(lesson_id)
    if lesson is None:
        print(f"tutor read: no lesson {lesson_id!r}; `python -m tutor list` shows them", file=sys.stderr)
        return 2
    reconfigure = getattr(out, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    progress = None
    if data_dir is not None:
        from tutor.progress import Progress

        progress = Progress.load(data_dir)
    width = shutil.get_terminal_size((80, 24)).columns
    return PlainReader(lesson, out, inp, width=width, colour=wants_colour(out), progress=progress).run()
