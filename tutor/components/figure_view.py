"""A lesson's figure (curves, points or bars) drawn with plotext."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from lessons.api import Figure


class FigureView(PlotextPlot):
    """Draws a `lessons.api.Figure`; its series are computed when it is shown."""

    def show_figure(self, figure: Figure) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        for series in figure.curves():
            if series.kind == "bar":
                plt.bar([str(x) for x in series.xs], list(series.ys), label=series.label)
            elif series.kind == "scatter":
                plt.scatter(list(series.xs), list(series.ys), label=series.label, marker="dot")
            else:
                plt.plot(list(series.xs), list(series.ys), label=series.label, marker="braille")
        if figure.xlog:
            plt.xscale("log")
        if figure.ylog:
            plt.yscale("log")
        plt.title(figure.title)
        plt.xlabel(figure.xlabel)
        plt.ylabel(figure.ylabel)
        self.refresh()
