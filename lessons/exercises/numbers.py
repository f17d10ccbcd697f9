"""Comparing and writing numbers the way the checks report them."""

from __future__ import annotations

import math


def close(got: float, want: float, rel: float = 1e-6, abs_: float = 1e-8) -> bool:
    try:
        return math.isclose(float(got), float(want), rel_tol=rel, abs_tol=abs_)
    except (TypeError, ValueError):
        return False


def num(x: float, other: float | None = None) -> str:
    """3 significant digits, more when needed to tell x from `other`."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return repr(x)
    for digits in (3, 6, 10):
        text = f"{x:.{digits}g}"
        if other is None or text != f"{float(other):.{digits}g}":
            return text
    return f"{x!r}"
