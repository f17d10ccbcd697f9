"""Check a Tensor's grad against the definition of a derivative, one number at a time.

    x.grad = None
    f().backward()
    assert np.allclose(x.grad, numerical_grad(lambda: f().item(), x), atol=1e-6)

Each number's slope is engine.gradcheck's `central_difference`, the one
numerical derivative of the project (its docstring says why central, and why
the step grows with |x|).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.gradcheck import central_difference
from engine.tensor import Tensor

__all__ = ["numerical_grad"]


def numerical_grad(f: Callable[[], Tensor | float], x: Tensor, h: float = 1e-6) -> np.ndarray:
    """∂f/∂x for every number of x by central differences.

    `f` takes no arguments and reads `x.data`, which is nudged in place one
    number at a time and put back afterwards. Compare the result with
    `x.grad` after `f().backward()`.
    """
    grad = np.zeros_like(x.data)
    for i in np.ndindex(x.shape):
        old = x.data[i]

        def f_at(v: float, i: tuple[int, ...] = i) -> float:
            x.data[i] = v
            y = f()
            return y.item() if isinstance(y, Tensor) else float(y)

        try:
            grad[i] = central_difference(f_at, old, h)
        finally:
            x.data[i] = old
    return grad
