"""The engine's own source, to read inside the tutor: `v` opens it at the operation on screen."""

from __future__ import annotations

import inspect

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.layout import DockArrangeResult
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


class RenderedOnce:
    """A renderable rendered once per width: measuring, scrolling to a line and painting share the lines."""

    def __init__(self, renderable: Syntax) -> None:
        self.renderable = renderable
        self._lines: dict[int, list[list[Segment]]] = {}

    def lines(self, console: Console, width: int) -> list[list[Segment]]:
        if width not in self._lines:
            self._lines[width] = console.render_lines(self.renderable, console.options.update_width(width), pad=False)
        return self._lines[width]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(console, options.max_width):
            yield from line
            yield Segment.line()


class SourceBody(VerticalScroll):
    """The scrolled source, whose first layout is already scrolled to a line: no frame shows the top, then jumps.

    Long lines wrap, so the row of a line depends on the width, known only when the body is laid out; the scroll
    offset is set right there, before the compositor places the code and paints the first frame.
    """

    def __init__(self, syntax: Syntax, line: int | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.syntax = RenderedOnce(syntax)  # Pygments over the whole file is the slow part: do it once
        self.line = line  # the file's line to open at; None once scrolled there

    def compose(self) -> ComposeResult:
        yield Static(self.syntax, id="source-code")

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        arrangement = super().arrange(size, optimal)
        if self.line is not None and size.width > 0:
            rows = self.syntax.lines(self.app.console, size.width)
            wanted, self.line = f"{self.line} ", None
            for row, segments in enumerate(rows):
                if "".join(segment.text for segment in segments).lstrip(" ❱").startswith(wanted):
                    top = max(0, min(row - 1, len(rows) - size.height))  # one line of context above
                    self.set_reactive(VerticalScroll.scroll_y, float(top))
                    self.set_reactive(VerticalScroll.scroll_target_y, float(top))
                    self.vertical_scrollbar.position = top
                    break
        return arrangement


class SourceScreen(ModalScreen[None]):
    """engine/value.py with line numbers, opened at the operation asked for."""

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
        method = lines_of(self.op)
        yield SourceBody(self._syntax(), method[0] if method else None, id="source-body")
        yield KeyFooter()

    def _syntax(self) -> Syntax:
        return Syntax(
            inspect.getsource(value_module),
            "python",
            line_numbers=True,
            theme="ansi_dark" if self.app.current_theme.dark else "ansi_light",  # the terminal's own colours
            word_wrap=True,
            highlight_lines=set(lines_of(self.op)),
        )

    def on_mount(self) -> None:
        self.query_one("#source-body", VerticalScroll).focus()

    def action_scroll(self, lines: int) -> None:
        body = self.query_one("#source-body", VerticalScroll)
        body.scroll_to(0, body.scroll_y + lines, animate=False)

    def action_close(self) -> None:
        self.dismiss()
