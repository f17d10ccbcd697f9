"""A step's text: Markdown drawn by Rich in one piece.

Textual's `Markdown` widget mounts a widget per paragraph, list item and code
block, which costs the UI thread tens of milliseconds on every step; this is
one widget whose text is re-rendered, and it scrolls when the text is long.
"""

from __future__ import annotations

from rich.markdown import Markdown
from textual.widgets import Static


def markdown(text: str) -> Markdown:
    """The Rich Markdown of a step's text. Parsing (and, for code, loading a syntax lexer) takes time:
    the lesson screen does it in the step's background job."""
    if "```" in text:
        from pygments.lexers import get_lexer_by_name

        get_lexer_by_name("python")  # compiles the lexer's rules once per process, here rather than in a redraw
    return Markdown(text, code_theme="ansi_dark")


class Narration(Static):
    """Shows Markdown; `source` is the text shown."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.source = ""

    def show_text(self, text: str, rendered: Markdown | None = None) -> None:
        """Show `text`; `rendered` is its `markdown(text)` if already made."""
        if text != self.source:
            self.source = text
            self.update(rendered or markdown(text))
