"""Optimisers that move parameters against their gradients, and learning-rate schedules.

    opt = SGD(model.parameters(), lr=1.0)
    schedule = linear_decay(1.0, 0.1, 100)   # micrograd's demo: lr = 1.0 - 0.9*k/100
    for k in range(100):
        loss = ...
        opt.zero_grad()
        loss.backward()
        opt.lr = schedule(k)
        opt.step()

A parameter is anything with `.data` and `.grad`: a `Value` (floats) or, later,
a tensor whose `.data` and `.grad` are numpy arrays. The updates use only
`+ - * / **`, which work for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "SGD",
    "Adam",
    "Optimizer",
    "constant",
    "exponential_decay",
    "linear_decay",
    "step_decay",
]


class Optimizer:
    """Holds the parameters and the learning rate `lr` (set it between steps to follow a schedule)."""

    def __init__(self, params: Iterable[Any], lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got an empty list of parameters")
        self.lr = lr

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        if not value >= 0:
            raise ValueError(f"the learning rate must be a number >= 0, got {value!r}")
        self._lr = value

    def zero_grad(self) -> None:
        """Set every parameter's grad to zero: grads of leaves add up across `backward()` calls."""
        for p in self.params:
            if isinstance(p.grad, int | float):
                p.grad = 0.0
            else:  # an array: zero it in place
                p.grad.fill(0.0)

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as PyTorch defines it:

        g = grad + weight_decay * p           (L2 penalty, if weight_decay > 0)
        v = momentum * v + g                  (velocity, if momentum > 0)
        p = p - lr * v

    With neither, this is micrograd's update `p.data -= lr * p.grad`.
    """

    def __init__(self, params: Iterable[Any], lr: float = 0.1, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity: list[Any] = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            if mu:
                g = self.velocity[i] = mu * self.velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): a step per parameter scaled by running averages of its gradient.

    m = β1·m + (1-β1)·g                  (mean of the gradient)
    v = β2·v + (1-β2)·g²                 (mean of its square)
    p = p - lr · m̂ / (√v̂ + eps)          where m̂ = m/(1-β1ᵗ), v̂ = v/(1-β2ᵗ) undo the zero start
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must be in [0, 1), got {betas!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        self.betas = (b1, b2)
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0  # steps taken
        self.m: list[Any] = [0.0] * len(self.params)
        self.v: list[Any] = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        (b1, b2), lr, eps, wd = self.betas, self.lr, self.eps, self.weight_decay
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            m = self.m[i] = b1 * self.m[i] + (1 - b1) * g
            v = self.v[i] = b2 * self.v[i] + (1 - b2) * (g * g)
            p.data -= lr * (m / c1) / ((v / c2) ** 0.5 + eps)


# -- learning-rate schedules: step number k (from 0) -> learning rate ----------------------


def constant(lr: float) -> Callable[[int], float]:
    """The same learning rate at every step."""
    return lambda k: lr


def linear_decay(start: float, end: float, steps: int) -> Callable[[int], float]:
    """From `start` at step 0 straight down to `end` at step `steps`, then `end`.

    micrograd's demo, `lr = 1.0 - 0.9*k/100`, is `linear_decay(1.0, 0.1, 100)`.
    """
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps!r}")
    return lambda k: start - (start - end) * min(k, steps) / steps


def step_decay(start: float, factor: float, every: int) -> Callable[[int], float]:
    """`start`, multiplied by `factor` every `every` steps: 0.1, 0.1, ..., 0.05, 0.05, ..."""
    if every <= 0:
        raise ValueError(f"every must be positive, got {every!r}")
    return lambda k: start * factor ** (k // every)


def exponential_decay(start: float, rate: float) -> Callable[[int], float]:
    """`start * rate**k`: a little smaller at every step (rate just below 1, e.g. 0.99)."""
    return lambda k: start * rate**k
