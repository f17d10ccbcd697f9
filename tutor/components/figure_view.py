"""A lesson's figure (curves, points or bars) drawn with plotext."""

from __future__ import annotations

from lessons.api import Figure
from tutor.components.plot import TutorPlot, log10_or_none


class FigureView(TutorPlot):
    """Draws a `lessons.api.Figure`; its series are computed when it is shown."""

    def show_figure(self, figure: Figure) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        xlog = ylog = False
        for series in figure.curves():
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
                plt.scatter(xs, ys, label=series.label, marker="dot")
            else:
                plt.plot(xs, ys, label=series.label, marker="braille")
        plt.title(figure.title)
        plt.xlabel(f"log10 {figure.xlabel}".strip() if xlog else figure.xlabel)
        plt.ylabel(f"log10 {figure.ylabel}".strip() if ylog else figure.ylabel)
        self.refresh()
