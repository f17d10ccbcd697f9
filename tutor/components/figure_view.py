"""A lesson's figure (curves, points or bars) drawn with plotext."""

from __future__ import annotations

from collections.abc import Sequence

from lessons.api import Figure, Series
from tutor.components.plot import TutorPlot, log10_or_none, series_marker


class FigureView(TutorPlot):
    """Draws a `lessons.api.Figure` with its series (computed by the caller: `figure.curves()` may take a while)."""

    def show_figure(self, figure: Figure, curves: Sequence[Series]) -> None:
        self.draw(figure, curves)
        self.replot()

    def draw(self, figure: Figure, curves: Sequence[Series]) -> None:
        """The plotext calls for a figure (no redraw: see `show_figure`, or `build_now` off the UI thread)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        xlog = ylog = False
        for i, series in enumerate(curves):
            ys = list(series.ys)
            if series.kind == "bar":
                plt.bar([str(x) for x in series.xs], ys, label=series.label)
                continue
            xs = list(series.xs)
            logged_x = log10_or_none(xs) if figure.xlog else None
            logged_y = log10_or_none(ys) if figure.ylog else None
            xlog, ylog = xlog or logged_x is not None, ylog or logged_y is not None
            xs, ys = logged_x or xs, logged_y or ys
            if series.kind == "scatter":
                plt.scatter(xs, ys, label=series.label, marker="dot" if i == 0 else series_marker(i))
            else:
                plt.plot(xs, ys, label=series.label, marker=series_marker(i))
        plt.title(figure.title)
        plt.xlabel(f"log10 {figure.xlabel}".strip() if xlog else figure.xlabel)
        plt.ylabel(f"log10 {figure.ylabel}".strip() if ylog else figure.ylabel)
