"""The tutor's plotext plot: readable in 16 colours, and log axes that survive redraws."""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual_plotext import PlotextPlot


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

    def on_mount(self) -> None:
        self._follow_theme(self.app.theme)
        self.app.theme_changed_signal.subscribe(self, lambda theme: self._follow_theme(theme.name))

    def _follow_theme(self, name: str) -> None:
        self.theme = "clear" if name.startswith("ansi") else "auto"
