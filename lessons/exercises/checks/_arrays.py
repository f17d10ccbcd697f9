"""Shared by the NumPy checks: compare an array from the learner with the right one, in plain words."""

from __future__ import annotations

import numpy as np

from lessons.exercises.numbers import num


def mismatch(what: str, got, want, *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """None when `got` matches `want`, else one line naming the first difference."""
    want = np.asarray(want, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{what} is not an array of numbers"
    if got.shape != want.shape:
        hint = " (transposed?)" if got.shape == want.shape[::-1] and got.ndim == 2 else ""
        return f"{what} has shape {got.shape}, expected {want.shape}{hint}"
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        return f"{what} contains nan or inf, expected finite numbers"
    if np.allclose(got, want, rtol=rtol, atol=atol):
        return None
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got.T, want, rtol=rtol, atol=atol):
        return f"{what} is the transpose of the right one"
    index = np.unravel_index(int(np.argmax(np.abs(got - want) - atol - rtol * np.abs(want))), want.shape)
    at = f"[{', '.join(str(int(i)) for i in index)}]" if want.ndim else ""
    g, w = float(got[index]), float(want[index])
    return f"{what}{at} is {num(g, w)}, expected {num(w, g)}"


def rand(rng, *shape: int, scale: float = 1.0) -> list:
    """A random array as nested lists (JSON), from the checker's own random numbers."""
    gen = np.random.default_rng(rng.randint(0, 2**32 - 1))
    return (gen.standard_normal(shape) * scale).round(4).tolist()
