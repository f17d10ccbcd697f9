"""The Textual app: wires the catalog, the learner's progress and the screens together."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from lessons.catalog import Catalog
from tutor.exercises.messages import ExerciseChecked, HintShown
from tutor.messages import LessonFinished, OpenExercises, OpenLesson, OpenPlayground, QuizAnswered, StepReached
from tutor.progress import DONE, Progress
from tutor.screens import BREAKPOINTS
from tutor.screens.browser import LessonBrowser
from tutor.settings import remember_theme


def default_theme() -> str:
    """`ansi-dark` (the terminal's own 16 colours) unless the terminal says it has more."""
    term = os.environ.get("TERM", "")
    if "NO_COLOR" in os.environ or not ("256" in term or os.environ.get("COLORTERM") in ("truecolor", "24bit")):
        return "ansi-dark"
    return "textual-dark"


class TutorApp(App[None]):
    TITLE = "Backprop Tutor"
    CSS_PATH = ["tutor.tcss", "playground.tcss", "exercises/exercises.tcss"]
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]
    HORIZONTAL_BREAKPOINTS = BREAKPOINTS

    def __init__(
        self,
        catalog: Catalog,
        progress: Progress,
        *,
        lesson_id: str | None = None,
        theme: str | None = None,
        exercises: Path | None = None,
        code: str = "local",
    ) -> None:
        theme = theme or default_theme()
        # Under an ansi theme, let the terminal's own palette through; NO_COLOR then strips colour
        # (instead of mapping every colour to a grey, which makes plotext's default colours black).
        super().__init__(ansi_color=True if theme.startswith("ansi") else None)
        self.catalog = catalog
        self.progress = progress
        self._start_lesson = lesson_id
        self._theme_name = theme
        self._remembered: tuple[str, int] | None = None
        self.playground_history: list[str] = []  # the session's programs, kept across visits
        self.exercises_dir = exercises  # the learner's exercise folder (None: ./backprop-exercises)
        self.code = code  # learner code: "local" (a child process), "sandbox" (bubblewrap), "off" (classroom default)
        self._open_exercises_first = exercises is not None

    def watch_theme(self, theme: str) -> None:
        """A theme chosen in the command palette is remembered beside the progress for the next start."""
        if theme != self._theme_name:
            self._theme_name = theme
            if problem := remember_theme(self.progress.path.parent, theme):
                self.notify(problem, severity="warning")

    def on_mount(self) -> None:
        from tutor.classroom.child import report_first_frame

        self.call_after_refresh(report_first_frame)  # a classroom's zygote starts the next student then
        self.theme = self._theme_name
        self.push_screen(LessonBrowser(self.catalog, self.progress))
        if self._open_exercises_first:
            self.action_open_exercises()
            return
        if self.progress.notice:
            self.notify(self.progress.notice, title="Progress file", severity="warning", timeout=15)
        if self._start_lesson:
            if self.catalog.get(self._start_lesson) is None:
                self.notify(f"There is no lesson {self._start_lesson!r}.", severity="error")
            else:
                self.open_lesson(self._start_lesson)
            return
        resumable = self.progress.resumable()
        lesson = self.catalog.get(resumable) if resumable else None
        if lesson is not None:
            from tutor.screens.resume import ResumeScreen

            step = self.progress.step(lesson.id)

            def answered(resume: bool | None) -> None:
                if resume:
                    self.open_lesson(lesson.id, step)

            self.push_screen(ResumeScreen(lesson.title, step), answered)

    # -- lessons --

    def open_lesson(self, lesson_id: str, step: int = 0) -> None:
        """Open a lesson at a step; it builds in the background and shows an error card if its code fails."""
        from tutor.screens.lesson import LessonScreen

        lesson = self.catalog.get(lesson_id)
        if lesson is not None:
            self.push_screen(LessonScreen(lesson, start_step=step))

    @on(OpenLesson)
    def _open_lesson(self, event: OpenLesson) -> None:
        self.open_lesson(event.lesson_id, event.step)

    @on(StepReached)
    def _step_reached(self, event: StepReached) -> None:
        """Save the learner's place when it changes."""
        if self._remembered != (event.lesson_id, event.step):
            self._remembered = (event.lesson_id, event.step)
            self._save(self.progress.at_step, event.lesson_id, event.step)

    @on(QuizAnswered)
    def _quiz_answered(self, event: QuizAnswered) -> None:
        self._save(self.progress.quiz, event.lesson_id, event.step, event.tries, event.solved)

    @on(LessonFinished)
    def _lesson_finished(self, event: LessonFinished) -> None:
        if self.progress.status(event.lesson_id) != DONE:
            self._save(self.progress.done, event.lesson_id)

    @on(OpenPlayground)
    def _open_playground(self) -> None:
        self.action_open_playground()

    @on(OpenExercises)
    def _open_exercises(self) -> None:
        self.action_open_exercises()

    def _save(self, method, *args) -> None:
        try:
            method(*args)
        except OSError as exc:
            self.notify(f"Could not save progress: {exc}", severity="error")

    def action_open_playground(self) -> None:
        from tutor.screens.playground import PlaygroundScreen

        if not isinstance(self.screen, PlaygroundScreen):
            self.push_screen(PlaygroundScreen(history=self.playground_history))

    # -- exercises --

    def action_open_exercises(self) -> None:
        from tutor.exercises.screen import ExercisesScreen
        from tutor.exercises.workspace import DEFAULT_DIR

        if self.code == "off":
            self.notify("Exercises run your code: the teacher has not allowed that here (serve --allow-code).")
            return
        if not isinstance(self.screen, ExercisesScreen):
            hints = {name: entry.get("hints_used", 0) for name, entry in self.progress.exercises.items()}
            # in a classroom the workspace is the student's own data folder, the sandbox's only writable place
            folder = self.exercises_dir or (
                self.progress.path.parent / "exercises" if self.code == "sandbox" else DEFAULT_DIR
            )
            self.push_screen(
                ExercisesScreen(folder, sandbox=self.code == "sandbox", watch=self.code == "local", hints=hints)
            )

    @on(ExerciseChecked)
    def _exercise_checked(self, event: ExerciseChecked) -> None:
        if event.passed:
            self._save(partial(self.progress.exercise, passed=True), event.name)

    @on(HintShown)
    def _exercise_hint(self, event: HintShown) -> None:
        self._save(partial(self.progress.exercise, hints_used=event.count), event.name)

    # -- command palette --

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for lesson in self.catalog.lessons:
            yield SystemCommand(f"Lesson: {lesson.title}", lesson.summary, partial(self.open_lesson, lesson.id))
        yield SystemCommand(
            "Playground", "Type your own expression, see its graph, step its backward pass", self.action_open_playground
        )
        from tutor.screens.playground import PlaygroundScreen

        if isinstance(screen, PlaygroundScreen):
            yield from screen.get_system_commands()
        yield SystemCommand(
            "Exercises", "Build it yourself: Value, backward, an MLP, layers; checked", self.action_open_exercises
        )
        yield SystemCommand("Engine source", "Read engine/value.py, the autograd engine itself", self._source)
        yield SystemCommand("Help", "Every key of the tutor", self._help)

    def _source(self) -> None:
        from tutor.screens.source import SourceScreen

        self.push_screen(SourceScreen())

    def _help(self) -> None:
        from tutor.screens.help import HelpScreen

        self.push_screen(HelpScreen())
