"""The answer box of a quiz: a number to type, or a choice to pick, with feedback and hint."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")


def inline_markdown(text: str) -> Text:
    """A line of a lesson's Markdown as styled text: **bold**, `code` (bold) and *italic*; no markup parsed."""
    out = Text()
    at = 0
    for match in INLINE.finditer(text):
        out.append(text[at : match.start()])
        bold, code, italic = match.groups()
        if bold is not None:
            out.append(bold, "bold")
        elif code is not None:
            out.append(code, "bold")
        else:
            out.append(italic, "italic")
        at = match.end()
    out.append(text[at:])
    return out


class QuizPanel(Vertical):
    """Posts `QuizPanel.Answered` with the learner's text ("2" for the second choice)."""

    class Answered(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._asked: object = None  # the quiz now shown: answers are kept while it stays

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type a number, Enter to check", id="quiz-number")
        yield OptionList(id="quiz-choices")
        yield Static("", id="quiz-feedback")

    def ask_number(
        self, quiz: object, feedback: str = "", locked: bool = False, placeholder: str = "type a number, Enter to check"
    ) -> None:
        """A one-line answer box (a number, or an expression with a wider box)."""
        number = self.query_one("#quiz-number", Input)
        self.query_one("#quiz-choices").display = False
        number.display = True
        number.placeholder = placeholder
        number.set_class(not placeholder.startswith("type a number"), "-wide")
        number.disabled = locked
        if quiz != self._asked:
            self._asked = quiz
            number.value = ""
        if not locked:
            number.focus()
        self.show_feedback(feedback)

    def ask_choice(self, quiz: object, choices: Sequence[str], feedback: str = "", locked: bool = False) -> None:
        options = self.query_one("#quiz-choices", OptionList)
        self.query_one("#quiz-number").display = False
        options.display = True
        if quiz != self._asked:
            self._asked = quiz
            options.clear_options()
            options.add_options([Option(f"{i + 1}. {choice}", id=str(i + 1)) for i, choice in enumerate(choices)])
            options.highlighted = 0
        options.disabled = locked
        if not locked:
            options.focus()
        self.show_feedback(feedback)

    def show_feedback(self, text: str) -> None:
        """The verdict on the last answer; the lesson's Markdown in it (`**explodes**`, backticks) is rendered."""
        feedback = self.query_one("#quiz-feedback", Static)
        feedback.update(inline_markdown(text))
        feedback.display = bool(text)

    @on(Input.Submitted, "#quiz-number")
    def _number(self, event: Input.Submitted) -> None:
        event.stop()
        event.input.value = ""
        self.post_message(self.Answered(event.value))

    @on(OptionList.OptionSelected, "#quiz-choices")
    def _choice(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Answered(event.option.id or ""))
