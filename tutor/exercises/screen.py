"""The exercises screen: the list with status, the task, the check's verdict, hints, the learner's graph, an editor.

Checks run in a worker thread (each in its own child process); the screen
posts `ExerciseChecked` and `HintShown` for the app to record in the progress file.
Locally the folder is watched (`watchfiles`) and a saved file is rechecked;
over SSH or the web, the editor (`e`, save with ctrl+s) is the way to write code.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from lessons.exercises import EXERCISES, Exercise
from tutor.exercises.checking import Result, check_exercise
from tutor.exercises.messages import ExerciseChecked, HintShown
from tutor.exercises.walk_view import SteppedWalk
from tutor.exercises.workspace import lay_out, status

NOT_STARTED, CHECKING, FAILING, PASSING, UNCHECKED = "not started", "checking…", "failing", "passing", "not checked"
MARKS = {NOT_STARTED: "·", CHECKING: "…", FAILING: "✗", PASSING: "✓", UNCHECKED: "?"}


def reflow(text: str) -> str:
    """A docstring's prose joined into paragraphs, so the screen wraps it at its own width;
    indented lines (code, tables) are kept as they are."""
    out: list[str] = []
    for line in text.splitlines():
        prose = line.strip() and not line.startswith((" ", "\t"))
        if prose and out and out[-1].strip() and not out[-1].startswith((" ", "\t")):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


class ExercisesScreen(Screen):
    """One folder of exercises; `passed` names exercises passed before (from the progress file)."""

    BINDINGS = [
        Binding("c", "check", "Check"),
        Binding("h", "hint", "Hint"),
        Binding("n", "step(1)", "Next node"),
        Binding("p", "step(-1)", "Back"),
        Binding("e", "edit", "Edit"),
        Binding("ctrl+s", "save", "Save+check", priority=True),
        Binding("ctrl+x", "close_editor", "Close editor", priority=True),
        Binding("s", "solution", "Solution", show=False),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("q", "leave", "Back"),
    ]

    current: reactive[str] = reactive("", bindings=True, init=False)
    editing: reactive[bool] = reactive(False, bindings=True, init=False)

    def __init__(self, folder: Path, *, sandbox: bool = False, watch: bool = True, hints: dict | None = None) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.sandbox = sandbox
        self.watch_folder = watch
        self.statuses: dict[str, str] = {}
        self.results: dict[str, Result] = {}
        self.hints_shown: dict[str, int] = dict(hints or {})
        self.showing_solution: set[str] = set()
        self._stop = threading.Event()
        self.watching = threading.Event()  # set once the folder is being watched

    # -- layout --

    def compose(self) -> ComposeResult:
        yield Static("", id="exercises-title")
        with Horizontal(id="exercises-body"):
            yield OptionList(id="exercise-list")
            with Vertical(id="exercise-right"):
                with VerticalScroll(id="exercise-task-box"):
                    yield Static("", id="exercise-task")
                yield SteppedWalk(id="exercise-walk")
                yield Static("", id="exercise-step")
                yield TextArea.code_editor("", language="python", id="exercise-editor")
        yield Footer()

    def on_mount(self) -> None:
        if not self.folder.is_dir() or not any(self.folder.glob("*.py")):
            lay_out(self.folder)
        for exercise in EXERCISES:
            self.statuses[exercise.name] = NOT_STARTED if status(exercise, self.folder) == NOT_STARTED else UNCHECKED
        self.query_one("#exercise-editor", TextArea).display = False
        self._refresh_list()
        self.current = EXERCISES[0].name
        self.query_one("#exercise-list", OptionList).focus()
        edited = [e for e in EXERCISES if self.statuses[e.name] == UNCHECKED]
        if edited:
            self.run_checks(edited)
        if self.watch_folder:
            self.watch_files()

    def on_unmount(self) -> None:
        self._stop.set()

    # -- state --

    @property
    def exercise(self) -> Exercise:
        return next(e for e in EXERCISES if e.name == self.current)

    def watch_current(self) -> None:
        self._show()

    def watch_editing(self, editing: bool) -> None:
        editor = self.query_one("#exercise-editor", TextArea)
        editor.display = editing
        self.query_one("#exercise-list").display = not editing  # the editor gets the whole width
        for widget in ("#exercise-walk", "#exercise-step"):
            self.query_one(widget).display = not editing
        if editing:
            path = self.folder / self.exercise.file_name
            editor.load_text(path.read_text(encoding="utf-8") if path.exists() else self.exercise.template)
            editor.focus()
        else:
            self.query_one("#exercise-list", OptionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "close_editor"):
            return self.editing
        if action in ("step",):
            result = self.results.get(self.current)
            return not self.editing and result is not None and result.walk is not None
        if action == "solution":
            return self.statuses.get(self.current) == PASSING
        if action in ("check", "hint", "edit", "leave", "move"):
            return not self.editing
        return True

    # -- showing --

    def _refresh_list(self) -> None:
        options = self.query_one("#exercise-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(f"{MARKS[self.statuses[e.name]]} {e.name}", id=e.name) for e in EXERCISES])
        options.highlighted = highlighted if highlighted is not None else 0
        passing = sum(s == PASSING for s in self.statuses.values())
        self.query_one("#exercises-title", Static).update(
            f" Exercises in {escape(str(self.folder))} · {passing} of {len(EXERCISES)} passing"
        )

    def _show(self) -> None:
        if not self.current:
            return
        exercise = self.exercise
        state = self.statuses.get(exercise.name, NOT_STARTED)
        result = self.results.get(exercise.name)
        lines = [f"[b]{escape(exercise.name)}: {escape(exercise.title)}[/b]", f"{MARKS[state]} {state}"]
        if result is not None and not result.passed:
            lines += [f"✗ {escape(line)}" for line in result.failures[:2]]
        elif result is not None:
            lines.append("✓ every check passes" + (" (s shows the reference solution)" if state == PASSING else ""))
        shown = self.hints_shown.get(exercise.name, 0)
        for i, hint in enumerate(exercise.hints[:shown], start=1):
            lines.append(f"[b]Hint {i}/3:[/b] {escape(hint)}")
        if exercise.name in self.showing_solution:
            lines.append("[b]Reference solution:[/b]\n" + escape(exercise.solution))
        lines.append(f"[dim]{escape(str(self.folder / exercise.file_name))}[/dim]\n{escape(reflow(exercise.task))}")
        self.query_one("#exercise-task", Static).update("\n".join(lines))
        tree = self.query_one("#exercise-walk", SteppedWalk)
        walk = exercise.graph and not self.editing and result is not None and result.walk is not None
        self.query_one("#exercise-right").set_class(not walk, "-no-walk")  # the task takes the room
        tree.display = walk
        tree.show_result(result.walk if result else None, result.checks if result else [])
        step = self.query_one("#exercise-step", Static)
        step.display = walk
        step.update(escape(tree.words()))
        self.refresh_bindings()

    # -- checking --

    @work(thread=True, group="checks")
    def run_checks(self, exercises: list[Exercise]) -> None:
        for exercise in exercises:
            self.app.call_from_thread(self._set_status, exercise.name, CHECKING)
            result = check_exercise(exercise, self.folder, sandbox=self.sandbox)
            self.app.call_from_thread(self._checked, result)

    def _set_status(self, name: str, state: str) -> None:
        self.statuses[name] = state
        self._refresh_list()
        if name == self.current:
            self._show()

    def _checked(self, result: Result) -> None:
        name = result.exercise.name
        self.results[name] = result
        self.post_message(ExerciseChecked(name, result.passed))
        self._set_status(name, PASSING if result.passed else FAILING)

    @work(thread=True, group="watch")
    def watch_files(self) -> None:
        from watchfiles import watch

        names = {e.file_name: e for e in EXERCISES}
        for changes in watch(
            self.folder, stop_event=self._stop, debounce=100, step=20, rust_timeout=500, yield_on_timeout=True
        ):
            self.watching.set()
            changed = {names[Path(p).name] for _, p in changes if Path(p).name in names}
            if changed:
                self.app.call_from_thread(self.run_checks, [e for e in EXERCISES if e in changed])

    # -- actions --

    @on(OptionList.OptionHighlighted, "#exercise-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.current = event.option.id

    def action_move(self, delta: int) -> None:
        options = self.query_one("#exercise-list", OptionList)
        options.action_cursor_down() if delta > 0 else options.action_cursor_up()

    def action_check(self) -> None:
        self.run_checks([self.exercise])

    def action_hint(self) -> None:
        name = self.exercise.name
        shown = self.hints_shown.get(name, 0)
        if shown >= len(self.exercise.hints):
            self.notify("That was the last hint: the reference solution opens once the checks pass.")
            return
        self.hints_shown[name] = shown + 1
        self.post_message(HintShown(name, shown + 1))
        self._show()

    def action_step(self, delta: int) -> None:
        tree = self.query_one("#exercise-walk", SteppedWalk)
        tree.step(delta)
        self.query_one("#exercise-step", Static).update(escape(tree.words()))

    def action_solution(self) -> None:
        self.showing_solution ^= {self.current}
        self._show()

    def action_edit(self) -> None:
        self.editing = True

    def action_close_editor(self) -> None:
        self.editing = False
        self._show()

    def action_save(self) -> None:
        text = self.query_one("#exercise-editor", TextArea).text
        path = self.folder / self.exercise.file_name
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save {path}: {exc}", severity="error")
            return
        self.notify(f"Saved {path.name}; checking…")
        if not self.watch_folder:  # locally the watcher sees the save and rechecks
            self.run_checks([self.exercise])

    def action_leave(self) -> None:
        self._stop.set()
        self.dismiss()
