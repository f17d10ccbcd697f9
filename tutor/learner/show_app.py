"""The small app `python -m tutor show FILE.py` opens: one `ShowScreen`, nothing else (no lessons, no shell)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App
from textual.binding import Binding

from tutor.app import default_theme
from tutor.learner.walk import Shown
from tutor.screens.show import ShowScreen


def output_text(shown: Shown) -> str:
    """The script's stdout, then its stderr under a heading, as one text for the output panel."""
    out, err = shown.child.stdout.rstrip("\n"), shown.child.stderr.rstrip("\n")
    return out + (("\n" if out else "") + "stderr:\n" + err if err else "")


HERE = Path(__file__).resolve().parent


class ShowApp(App[int]):
    TITLE = "Backprop Tutor: show"
    CSS_PATH = [str(HERE.parent / "tutor.tcss"), str(HERE / "show.tcss")]  # absolute: subclasses live elsewhere
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(self, script: Path, shown: Shown, theme: str | None = None) -> None:
        theme = theme or default_theme()
        super().__init__(ansi_color=True if theme.startswith("ansi") else None)
        assert shown.walk is not None
        self._theme_name = theme
        self.screen_to_show = ShowScreen(f" {script.name}: your graph, your backward", shown.walk, output_text(shown))

    def on_mount(self) -> None:
        self.theme = self._theme_name
        self.push_screen(self.screen_to_show)

    @on(ShowScreen.Leave)
    def _leave(self) -> None:
        self.exit(0)
