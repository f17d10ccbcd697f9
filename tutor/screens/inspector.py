"""Looking inside a tensor: its data and its grad, as numbers or a shaded heatmap, with their statistics."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.heatmap import picture, stats


class TensorInspector(ModalScreen[None]):
    """`i` on a tensor node: what "mean 0" hides (a gradient whose rows cancel, a row that is all zero)."""

    BINDINGS = [Binding("q,i,escape,enter", "close", "Close")]

    def __init__(self, name: str, node: Any) -> None:
        super().__init__()
        self.node_name = name
        self.node = node

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="inspector-box"):
            yield Static(id="inspector-text")

    def on_mount(self) -> None:
        self.query_one("#inspector-text", Static).update(self.text(self.app.size.width - 6, self.app.size.height))

    def text(self, width: int, height: int) -> str:
        """Data, then grad: each with its statistics and a picture (the box scrolls)."""
        room = max(3, min(40, height))  # the box scrolls: a 27×27 matrix shows whole
        parts = [f"[b]{escape(self.node_name)}[/b]  ·  q closes"]
        for what, array in (("data", self.node.data), ("grad", self.node.grad)):
            parts.append(f"\n[b]{what}[/b]  {escape(stats(array))}")
            parts.extend(escape(line) for line in picture(array, width, room))
        return "\n".join(parts)

    def action_close(self) -> None:
        self.dismiss()
