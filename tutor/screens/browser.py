"""The lesson browser: every lesson in order with its progress mark and summary."""

from __future__ import annotations

import textwrap

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from lessons.api import Lesson
from lessons.catalog import Catalog
from tutor.components.footer import KeyFooter
from tutor.messages import OpenExercises, OpenLesson, OpenPlayground
from tutor.progress import DONE, IN_PROGRESS, Progress

MARKS = {DONE: ("✓", "green"), IN_PROGRESS: ("…", "yellow")}


class LessonBrowser(Screen):
    BINDINGS = [
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("enter", "open", "Open", show=False),
        Binding("g", "playground", "Playground"),
        Binding("x", "exercises", "Exercises"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, catalog: Catalog, progress: Progress) -> None:
        super().__init__()
        self.catalog = catalog
        self.progress = progress
        self._listed_for_width = -1  # the width the lesson summaries were last wrapped for

    def compose(self) -> ComposeResult:
        yield Static(" Backprop Tutor · pick a lesson: ↑/↓ j/k, Enter", id="browser-title")
        yield OptionList(id="lesson-list")
        yield Static("", id="lesson-errors")
        yield KeyFooter()

    def on_screen_resume(self) -> None:  # shown: first pushed, or back from a lesson (new progress marks)
        self.refresh_list()

    def _prompt(self, lesson: Lesson, current: bool = False) -> Text:
        """Mark, title and minutes on one line; the summary below, indented, wrapped to the screen.

        The highlighted lesson's line ends with ◀, so the cursor shows without colour (NO_COLOR) too.
        """
        mark, colour = MARKS.get(self.progress.status(lesson.id), ("·", "dim"))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{mark} ", f"bold {colour}")
        text.append(lesson.title, "bold")
        text.append(f"  {lesson.minutes} min", "dim")
        if current:
            text.append("  ◀", "bold")
        for line in textwrap.wrap(lesson.summary, self._summary_width()):
            text.append(f"\n  {line}", "dim")
        return text

    def _summary_width(self) -> int:
        return max(30, self.size.width - 6)

    def on_resize(self) -> None:
        if self._summary_width() != self._listed_for_width:  # the summaries wrap anew only when the width changed
            self.refresh_list()

    def refresh_list(self) -> None:
        self._listed_for_width = self._summary_width()
        options = self.query_one("#lesson-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        entries: list[Option | None] = []
        track = None
        current = highlighted if highlighted is not None else 0
        for index, lesson in enumerate(self.catalog.lessons):
            if lesson.track != track and track is not None:
                entries.append(None)  # a separator line between tracks
            track = lesson.track
            entries.append(Option(self._prompt(lesson, index == current), id=lesson.id))
        options.add_options(entries)
        if self.catalog.lessons:
            options.highlighted = current
        errors = self.catalog.errors
        panel = self.query_one("#lesson-errors", Static)
        panel.display = bool(errors)
        panel.update(
            "\n".join(f"[b]⚠ lesson not loaded:[/b] {escape(str(error))}" for error in errors[:5])
            + (f"\n… and {len(errors) - 5} more (python -m tutor check)" if len(errors) > 5 else "")
        )
        options.focus()

    @on(OptionList.OptionHighlighted, "#lesson-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        options = event.option_list
        for option in options.options:
            lesson = self.catalog.get(option.id or "")
            current = option.id == event.option.id
            if lesson is not None and option.id and current != ("◀" in str(option.prompt)):  # only those that change
                options.replace_option_prompt(option.id, self._prompt(lesson, current))

    def action_move(self, delta: int) -> None:
        options = self.query_one("#lesson-list", OptionList)
        options.action_cursor_down() if delta > 0 else options.action_cursor_up()

    def action_open(self) -> None:
        options = self.query_one("#lesson-list", OptionList)
        if options.highlighted is not None:
            self.post_message(OpenLesson(options.get_option_at_index(options.highlighted).id or ""))

    def action_help(self) -> None:
        from tutor.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    @on(OptionList.OptionSelected, "#lesson-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.post_message(OpenLesson(event.option.id or ""))

    def action_playground(self) -> None:
        self.post_message(OpenPlayground())

    def action_exercises(self) -> None:
        self.post_message(OpenExercises())
