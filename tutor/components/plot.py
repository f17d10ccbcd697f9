"""The tutor's plotext plot: readable in 16 colours, and log axes that survive redraws."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from textual_plotext import PlotextPlot

MARKERS = ("braille", "x", "o", "+", "*", "#")  # series told apart by shape, not colour alone (NO_COLOR)


def series_marker(index: int) -> str:
    """The marker of a plot's `index`-th series: the first in fine braille dots, the others in letters."""
    return MARKERS[index % len(MARKERS)]


def log10_or_none(values: Sequence[float]) -> list[float] | None:
    """The base-10 logarithms, or None when a value is not positive (no log axis then)."""
    if not values or min(values) <= 0:
        return None
    return [math.log10(v) for v in values]


class TutorPlot(PlotextPlot):
    """A `PlotextPlot` that follows the app's theme, using the terminal's own colours under ansi themes.

    textual-plotext derives its colours from the theme's surface and foreground, which under the
    `ansi-*` themes come out black on black; plotext's "clear" theme uses the terminal's colours.
    Log axes are drawn by plotting log10 of the data (plotext's own log scale takes the log again
    on every redraw).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._drawn: tuple[object, Any] | None = None  # (size and theme, the chart plotext built for them)

    def on_mount(self) -> None:
        self._follow_theme(self.app.theme)
        self.app.theme_changed_signal.subscribe(self, lambda theme: self._follow_theme(theme.name))

    def _follow_theme(self, name: str) -> None:
        self.theme = "clear" if name.startswith("ansi") else "auto"
        self.replot()

    def replot(self) -> None:
        """Draw again: call after changing the plot's data (a plain refresh reuses the last drawing)."""
        self._drawn = None
        self.refresh()

    def build_now(self, draw: Callable[[], None]) -> None:
        """Run `draw` (plotext calls on `plt`) and build the chart at the plot's current size, so that the
        next render only shows it: call this in a worker thread, then `refresh()` on the UI thread."""
        draw()
        self._drawn = ((self.size, self.app.theme), super().render()) if self.size.area else None

    def render(self) -> Any:  # what PlotextPlot.render gives (a Rich renderable or a Textual visual)
        """Plotext builds the whole chart on every render: build it only when the data, theme or size changed."""
        key = (self.size, self.app.theme)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, super().render())
        return self._drawn[1]
