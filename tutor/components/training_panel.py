"""A training run on screen: its settings, the loss (and accuracy) curve, and the decision boundary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tutor.components.boundary_map import BoundaryMap


class TrainingPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("", id="train-status")
        with Horizontal(id="train-views"):
            yield PlotextPlot(id="train-plot")
            yield BoundaryMap("", id="train-map")

    def show_status(self, status: str, settings: Sequence[tuple[str, str, Any]], step: int, steps: int) -> None:
        """One line: the run's state and the settings with the keys that change them."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{status} {step}/{steps}", "bold")
        for key, label, value in settings:
            text.append(f"  [{key}] ", "dim")
            text.append(f"{label} {value}")
        self.query_one("#train-status", Static).update(text)

    def show_history(self, history: Sequence[dict[str, float]]) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        steps = list(range(1, len(history) + 1))
        if history:
            plt.plot(steps, [h["loss"] for h in history], label="loss", marker="braille")
            if "accuracy" in history[0]:
                plt.plot(steps, [h["accuracy"] for h in history], label="accuracy", yside="right", marker="braille")
        plt.title("loss" + (" and accuracy (right)" if history and "accuracy" in history[0] else ""))
        plt.xlabel("step")
        plot.refresh()

    def show_map(self, text: Text | None) -> None:
        boundary = self.query_one(BoundaryMap)
        boundary.display = text is not None
        if text is not None:
            boundary.show_map(text)
