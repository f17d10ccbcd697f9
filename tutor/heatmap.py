"""An array as text: its statistics, a shaded heatmap that reads without colour, or a table of its numbers.

Shades run from ' ' (lowest) to '@' (highest) over the array's own range, so
the picture needs no colour; a scale line says what the ends mean. Arrays of
more than two dimensions are shown as 2-D (leading dimensions folded into rows).
"""

from __future__ import annotations

from typing import Any

from engine.explain import fmt

SHADES = " .:-=+*#%@"  # low to high


def as_2d(array: Any) -> Any:
    import numpy as np

    a = np.asarray(array, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(-1, a.shape[-1])


def stats(array: Any) -> str:
    """`shape 5×27  min -0.3  max 0.9  mean 0  std 0.2`."""
    import numpy as np

    a = np.asarray(array, dtype=float)
    shape = "×".join(str(n) for n in a.shape) or "scalar"
    if not a.size:
        return f"shape {shape}  (empty)"
    return (
        f"shape {shape}  min {fmt(float(a.min()))}  max {fmt(float(a.max()))}  "
        f"mean {fmt(float(a.mean()))}  std {fmt(float(a.std()))}"
    )


def shade_rows(array: Any, cols: int, rows: int) -> list[str]:
    """The top-left `rows`×`cols` cells of the array in shades, one line per row."""
    a = as_2d(array)
    shown = a[:rows, :cols]
    low, high = float(a.min()), float(a.max())
    span = high - low
    top = len(SHADES) - 1
    lines = []
    for row in shown:
        cells = [SHADES[round((v - low) / span * top) if span else 0] for v in row]
        lines.append("".join(cells))
    return lines


def number_rows(array: Any, cols: int, rows: int) -> list[str]:
    """The top-left cells as a table of numbers (4 significant digits), columns aligned."""
    a = as_2d(array)
    shown = [[fmt(float(v)) for v in row[:cols]] for row in a[:rows]]
    width = max((len(cell) for row in shown for cell in row), default=1)
    return [" ".join(cell.rjust(width) for cell in row) for row in shown]


def picture(array: Any, width: int, height: int) -> list[str]:
    """Numbers when they fit in `width`×`height`, else the heatmap; a note when only part is shown."""
    a = as_2d(array)
    n_rows, n_cols = a.shape
    table = number_rows(a, n_cols, n_rows)
    if n_rows <= height and all(len(line) <= width for line in table):
        return table
    rows, cols = min(n_rows, height - 1), min(n_cols, width)
    lines = shade_rows(a, cols, rows)
    low, high = float(a.min()), float(a.max())
    note = f"'{SHADES[0]}' = {fmt(low)} … '{SHADES[-1]}' = {fmt(high)}"
    if rows < n_rows or cols < n_cols:
        note += f"   (rows 1–{rows} of {n_rows}, columns 1–{cols} of {n_cols})"
    return [*lines, note]
