"""The playground's program box: one line, Enter runs it, ↑/↓ bring back earlier programs.

The history is a plain list of strings owned by whoever creates the box, so
it can outlive the screen (the app keeps one list for the whole session).
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input

HISTORY_LIMIT = 100  # programs kept; the oldest go first


class ProgramInput(Input):
    """An `Input` with a shell-like history: ↑ older, ↓ newer, past the newest back to the draft."""

    BINDINGS = [
        Binding("enter", "submit", "Run"),
        Binding("up", "history(-1)", "Earlier", key_display="↑"),
        Binding("down", "history(1)", "Later", key_display="↓"),
        Binding("tab", "app.focus_next", "To the graph", key_display="Tab"),
    ]

    def __init__(self, history: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = history if history is not None else []
        self._index: int | None = None  # which entry is shown; None: the learner's own draft
        self._draft = ""

    def remember(self, text: str) -> None:
        """Add a program to the history (not twice in a row) and go back to the draft position."""
        text = text.strip()
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-HISTORY_LIMIT]
        self._index = None
        self._show_position()

    def action_history(self, delta: int) -> None:
        if not self.history:
            self._show_position()
            return
        if self._index is None:
            if delta > 0:
                return
            self._draft = self.value
            index = len(self.history) - 1
        else:
            index = max(0, self._index + delta)
        if index >= len(self.history):
            self._index = None
            self.value = self._draft
        else:
            self._index = index
            self.value = self.history[index]
        self.cursor_position = len(self.value)
        self._show_position()

    def _show_position(self) -> None:
        n = len(self.history)
        if not n:
            self.border_subtitle = ""
        elif self._index is None:
            self.border_subtitle = f"↑ {n} earlier"
        else:
            self.border_subtitle = f"earlier program {self._index + 1} of {n}  ↑↓"

    def on_mount(self) -> None:
        self._show_position()

    def _on_paste(self, event: events.Paste) -> None:
        """A pasted program of several lines becomes one line, its statements joined with `; `."""
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        if len(lines) > 1:
            event.prevent_default()
            event.stop()
            text = "; ".join(lines)
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
