"""Asked at start-up: carry on with the lesson left unfinished?"""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ResumeScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Resume"),
        Binding("n,q", "answer(False)", "Not now"),
    ]

    def __init__(self, title: str, step: int) -> None:
        super().__init__()
        self.lesson_title = title
        self.step = step

    def compose(self) -> ComposeResult:
        with Vertical(id="resume-box"):
            yield Static(
                f"Welcome back! Resume [b]{escape(self.lesson_title)}[/b] at step {self.step + 1}?\n\n"
                "  y / Enter   resume\n  n           go to the lesson list"
            )

    def action_answer(self, resume: bool) -> None:
        self.dismiss(resume)
