"""The engine's own source, to read inside the tutor: `v` opens it at the operation on screen."""

from __future__ import annotations

import inspect

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from engine import value as value_module
from engine.value import OPS, Value
from tutor.components.footer import KeyFooter


def method_for(op: str) -> str | None:
    """The method of Value that holds the forward formula and local derivative of `op` (engine.value.OPS)."""
    return OPS[op].method if op in OPS else None


def lines_of(op: str) -> range:
    """The lines of the method that implements `op` in engine/value.py (empty if none)."""
    name = method_for(op)
    if name is None:
        return range(0)
    member = inspect.getattr_static(Value, name)
    member = getattr(member, "__func__", member)
    source, first = inspect.getsourcelines(member)
    while source and not source[-1].strip():
        source.pop()
    return range(first, first + len(source))


class SourceScreen(ModalScreen[None]):
    """engine/value.py with line numbers, scrolled to the operation asked for."""

    BINDINGS = [
        Binding("q,v,escape", "close", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("space,pagedown", "scroll(15)", "Page down", show=False),
        Binding("pageup", "scroll(-15)", "Page up", show=False),
    ]

    def __init__(self, op: str = "") -> None:
        super().__init__()
        self.op = op

    def compose(self) -> ComposeResult:
        title = "engine/value.py" + (f"  ·  the {self.op!r} operation" if self.op else "")
        yield Static(f" {title}  ·  ↑/↓ scroll, q closes", id="source-title")
        with VerticalScroll(id="source-body"):
            yield Static(self._syntax(), id="source-code")
        yield KeyFooter()

    def _syntax(self) -> Syntax:
        method = set(lines_of(self.op))
        return Syntax(
            inspect.getsource(value_module),
            "python",
            line_numbers=True,
            theme="ansi_dark" if self.app.current_theme.dark else "ansi_light",  # the terminal's own colours
            word_wrap=True,
            highlight_lines=method,
        )

    def on_mount(self) -> None:
        self.query_one("#source-body", VerticalScroll).focus()
        if lines_of(self.op):
            self.call_after_refresh(self._scroll_to_method)

    def _scroll_to_method(self) -> None:
        """Scroll so the method's first line is near the top (long lines wrap, so count rendered rows)."""
        body = self.query_one("#source-body", VerticalScroll)
        console = self.app.console
        lines = console.render_lines(self._syntax(), console.options.update_width(body.scrollable_content_region.width))
        wanted = f"{lines_of(self.op)[0]} "
        for row, segments in enumerate(lines):
            if "".join(segment.text for segment in segments).lstrip(" ❱").startswith(wanted):
                body.scroll_to(0, max(0, row - 1), animate=False)
                return

    def action_scroll(self, lines: int) -> None:
        body = self.query_one("#source-body", VerticalScroll)
        body.scroll_to(0, body.scroll_y + lines, animate=False)

    def action_close(self) -> None:
        self.dismiss()
