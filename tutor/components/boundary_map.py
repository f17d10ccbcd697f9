"""Text heatmaps: a 2-D classifier's decision boundary with its data, or a loss surface with a path.

Each cell is coloured by the sign of the model's score at its centre and
marked so that it reads without colour too: `·` where the model says the
negative class, blank where it says the positive one; points are `o`
(positive) and `x` (negative), bold where the model gets them wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


def grid_points(
    xs: Sequence[Sequence[float]], cols: int, rows: int, margin: float = 0.3
) -> tuple[list[tuple[float, float]], tuple[float, float, float, float]]:
    """Cell centres over the data's bounding box (row 0 at the top), and the box."""
    box = (
        min(p[0] for p in xs) - margin,
        max(p[0] for p in xs) + margin,
        min(p[1] for p in xs) - margin,
        max(p[1] for p in xs) + margin,
    )
    return grid_points_in(box, cols, rows), box


def render_map(
    scores: Sequence[float],
    cols: int,
    rows: int,
    box: tuple[float, float, float, float],
    points: Sequence[Sequence[float]],
    labels: Sequence[int],
    point_scores: Sequence[float] | None = None,
) -> Text:
    """The heatmap as Rich Text: `scores` are row-major over the grid of `grid_points`."""
    x0, x1, y0, y1 = box
    cells = [["·" if scores[r * cols + c] <= 0 else " " for c in range(cols)] for r in range(rows)]
    marks: dict[tuple[int, int], tuple[str, bool]] = {}
    for i, (p, label) in enumerate(zip(points, labels)):
        c = min(cols - 1, max(0, int((p[0] - x0) / (x1 - x0) * cols)))
        r = min(rows - 1, max(0, int((y1 - p[1]) / (y1 - y0) * rows)))
        wrong = point_scores is not None and (point_scores[i] > 0) != (label > 0)
        marks[(r, c)] = ("o" if label > 0 else "x", wrong)
    text = Text(no_wrap=True, overflow="crop")
    for r in range(rows):
        for c in range(cols):
            positive = scores[r * cols + c] > 0
            background = "on blue" if positive else "on red"
            if (r, c) in marks:
                glyph, wrong = marks[(r, c)]
                text.append(glyph, f"bold {'bright_white' if not wrong else 'yellow'} {background}")
            else:
                text.append(cells[r][c], f"white {background}")
        if r < rows - 1:
            text.append("\n")
    return text


class BoundaryMap(Static):
    """Shows a rendered decision-boundary heatmap; empty until the first one arrives."""

    def show_map(self, text: Text) -> None:
        self.update(text)


SHADES = " .:-=+*#%▒"  # low to high (no '@': that marks where the path is now)


def render_surface(
    values: Sequence[float],
    cols: int,
    rows: int,
    box: tuple[float, float, float, float],
    path: Sequence[Sequence[float]],
) -> Text:
    """A loss surface in shades (dark characters = high loss), with a path over it.

    `values` are row-major over the grid of `grid_points_in(box, ...)`. The
    path is drawn with `·` for the points visited, `S` where it started and
    `@` where it is now; shades follow the logarithm of the loss, so the
    floor of a valley stays visible.
    """
    import math

    low = min(values)
    logs = [math.log1p(v - low) for v in values]
    top = max(logs) or 1.0
    cells = [
        [SHADES[min(len(SHADES) - 1, int(logs[r * cols + c] / top * (len(SHADES) - 1) + 0.5))] for c in range(cols)]
        for r in range(rows)
    ]
    styles = [["dim" for _ in range(cols)] for _ in range(rows)]
    x0, x1, y0, y1 = box

    def cell(p: Sequence[float]) -> tuple[int, int] | None:
        if not (x0 <= p[0] <= x1 and y0 <= p[1] <= y1):
            return None
        c = min(cols - 1, int((p[0] - x0) / (x1 - x0) * cols))
        r = min(rows - 1, int((y1 - p[1]) / (y1 - y0) * rows))
        return r, c

    for i, p in enumerate(path):
        at = cell(p)
        if at is None:
            continue
        r, c = at
        mark = "S" if i == 0 else "@" if i == len(path) - 1 else "o"
        if cells[r][c] in ("S", "@") and mark == "o":
            continue
        cells[r][c] = mark
        styles[r][c] = "bold yellow" if mark != "o" else "bold cyan"
    text = Text(no_wrap=True, overflow="crop")
    for r in range(rows):
        for c in range(cols):
            text.append(cells[r][c], styles[r][c])
        if r < rows - 1:
            text.append("\n")
    return text


def grid_points_in(box: tuple[float, float, float, float], cols: int, rows: int) -> list[tuple[float, float]]:
    """Cell centres over `box` = (x0, x1, y0, y1), row 0 at the top."""
    x0, x1, y0, y1 = box
    return [
        (x0 + (c + 0.5) * (x1 - x0) / cols, y1 - (r + 0.5) * (y1 - y0) / rows) for r in range(rows) for c in range(cols)
    ]


def training_picture(trainer: object, cols: int, rows: int) -> Text | None:
    """The picture beside a training run's curves: a loss surface with its path, or a decision boundary.

    None when the trainer offers neither. It calls the model (`predict`) on a grid: run it off the UI thread.
    """
    if trainer is None:
        return None
    predict = getattr(trainer, "predict", None)
    surface = getattr(trainer, "surface", None)
    if surface is not None and predict is not None:
        values = predict(grid_points_in(surface, cols, rows))
        return render_surface(values, cols, rows, surface, list(getattr(trainer, "path", [])))
    points = getattr(trainer, "points", None)
    if points is None or predict is None:
        return None
    xs, ys = points
    centres, box = grid_points(xs, cols, rows)
    return render_map(predict(centres), cols, rows, box, xs, ys, predict(xs))
