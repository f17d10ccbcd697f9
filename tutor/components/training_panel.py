"""A training run on screen: its settings, the loss (and accuracy) curve, and the decision boundary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tutor.components.boundary_map import BoundaryMap
from tutor.components.plot import TutorPlot, log10_or_none, series_marker


class TrainingPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("", id="train-status")
        with Horizontal(id="train-views"):
            yield TutorPlot(id="train-plot")
            yield BoundaryMap("", id="train-map")

    def show_status(self, status: str, settings: Sequence[tuple[str, str, Any]], step: int, steps: int) -> None:
        """One line: the run's state and the settings with the keys that change them."""
        text = Text(overflow="fold")  # wraps on a narrow screen: every setting stays readable
        text.append(f"{status} {step}/{steps}", "bold")
        for key, label, value in settings:
            text.append("  ")
            text.append(f"[{key}] {label} {value}")
        self.query_one("#train-status", Static).update(text)

    def show_history(self, history: Sequence[dict[str, float]], x_metric: str = "", log_loss: bool = False) -> None:
        """The loss (and accuracy, on the right) against the step, or against `x_metric`."""
        self.draw_history(history, x_metric, log_loss)
        self.query_one(TutorPlot).replot()

    def draw_history(self, history: Sequence[dict[str, float]], x_metric: str = "", log_loss: bool = False) -> None:
        """The plotext calls for the curves (no redraw: see `show_history`, or `TutorPlot.build_now`)."""
        plt = self.query_one(TutorPlot).plt
        plt.clear_data()
        plt.clear_figure()
        xs = [h[x_metric] for h in history] if x_metric else list(range(1, len(history) + 1))
        seen = dict.fromkeys(name for h in history for name in h)  # a metric may be measured only now and then
        losses = [name for name in seen if "loss" in name and name != x_metric]
        logged = log_loss and all(log10_or_none([h[name] for h in history if name in h]) for name in losses)
        for i, name in enumerate(losses):  # the loss, and others such as "dev loss", on the left axis
            points = [(x, h[name]) for x, h in zip(xs, history) if name in h]
            ys = [y for _, y in points]
            plt.plot([x for x, _ in points], log10_or_none(ys) if logged else ys, label=name, marker=series_marker(i))
        if history and "accuracy" in history[0]:
            plt.plot(
                xs, [h["accuracy"] for h in history], label="accuracy", yside="right", marker=series_marker(len(losses))
            )
        title = "log10 loss" if logged else "loss"
        plt.title(title + (" and accuracy (right)" if history and "accuracy" in history[0] else ""))
        plt.xlabel(x_metric or "step")

    def show_map(self, text: Text | None) -> None:
        boundary = self.query_one(BoundaryMap)
        boundary.display = text is not None
        if text is not None:
            boundary.show_map(text)
