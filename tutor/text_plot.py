"""Plots for a line-oriented terminal: a plotext chart as text, and the same numbers in a sentence.

The chart is for eyes; the sentence (first, last and best of each series) is
for everyone, a screen reader included, so nothing is said by the picture alone.
Series are told apart by their marker, never by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.explain import fmt
from lessons.api import Figure, Series

__all__ = ["MARKERS", "chart", "figure_sentences", "history_series", "series_sentence"]

MARKERS = ("•", "x", "+", "o", "*", "#")  # one per series, so a chart without colour still tells them apart
MIN_CHART_WIDTH = 40


def series_sentence(series: Series, lower_is_better: bool = True) -> str:
    """`loss: 48 points, first 0.693 (at 1), last 0.021 (at 48), lowest 0.019 (at 45).`"""
    points = [(x, y) for x, y in zip(series.xs, series.ys) if isinstance(y, int | float) and math.isfinite(y)]
    if not points:
        return f"{series.label or 'series'}: no points."
    if series.kind == "bar":
        bars = ", ".join(f"{x} {fmt(float(y))}" for x, y in points)
        return f"{series.label or 'bars'}: {bars}."
    (x0, y0), (x1, y1) = points[0], points[-1]
    best_x, best_y = (min if lower_is_better else max)(points, key=lambda p: p[1])
    word = "lowest" if lower_is_better else "highest"
    count = f"{len(points)} points" if len(points) != 1 else "1 point"
    return (
        f"{series.label or 'series'}: {count}, first {fmt(float(y0))} (at {_x(x0)}), "
        f"last {fmt(float(y1))} (at {_x(x1)}), {word} {fmt(float(best_y))} (at {_x(best_x)})."
    )


def _x(x: object) -> str:
    return fmt(float(x)) if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


def figure_sentences(figure: Figure) -> list[str]:
    """One sentence per series of a lesson's figure."""
    return [series_sentence(s, lower_is_better="acc" not in s.label.lower()) for s in figure.curves()]


def history_series(history: Sequence[dict[str, float]], x_metric: str = "") -> list[Series]:
    """A training run's metrics as series against the step (or against `x_metric`)."""
    names = [n for n in dict.fromkeys(name for h in history for name in h) if n != x_metric]
    out = []
    for name in names:
        points = [(h[x_metric] if x_metric else k + 1, h[name]) for k, h in enumerate(history) if name in h]
        out.append(Series(name, [x for x, _ in points], [y for _, y in points]))
    return out


def chart(
    series: Sequence[Series],
    *,
    width: int,
    height: int = 15,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    xlog: bool = False,
    ylog: bool = False,
    colour: bool = False,
) -> str:
    """The series drawn by plotext as text ("" when `width` is too narrow for a useful chart).

    Without `colour` the text has no escape codes at all.
    """
    if width < MIN_CHART_WIDTH or not series:
        return ""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("pro" if colour else "clear")
    for k, s in enumerate(series):
        marker = MARKERS[k % len(MARKERS)]
        if s.kind == "bar":
            plt.bar([str(x) for x in s.xs], list(s.ys), label=s.label, marker=marker)
            continue
        xs, ys = [float(x) for x in s.xs], [float(y) for y in s.ys]
        if xlog and min(xs, default=0) > 0:
            xs = [math.log10(x) for x in xs]
        if ylog and min(ys, default=0) > 0:
            ys = [math.log10(y) for y in ys]
        if s.kind == "scatter":
            plt.scatter(xs, ys, label=s.label, marker=marker)
        else:
            plt.plot(xs, ys, label=s.label, marker=marker)
    plt.title(title)
    plt.xlabel(f"log10 {xlabel}".strip() if xlog else xlabel)
    plt.ylabel(f"log10 {ylabel}".strip() if ylog else ylabel)
    text = plt.build()
    if not colour:
        text = plt.uncolorize(text)
    return text.rstrip()
