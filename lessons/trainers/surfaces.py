"""A point (x, y) of two `Value`s rolling down a 2-D loss surface, for the optimisers lesson.

`SurfaceDescent` minimises a bowl or Rosenbrock's banana under SGD, momentum or
Adam from `engine.optim`; it offers `surface`, `path` and `predict`, so the
surface is drawn with the path over it. A run that blows up is stopped, not
crashed: see `SurfaceDescent.LIMIT`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.optim import SGD, Adam, Optimizer
from engine.value import Value

__all__ = ["OPTIMISERS", "SURFACES", "Surface", "SurfaceDescent", "bowl", "make_optimiser", "rosenbrock"]


def bowl(x, y):
    """A long, narrow bowl: f = x² + 10·y² (10 times steeper across than along). Floats or Values."""
    return x**2 + 10 * y**2


def rosenbrock(x, y):
    """Rosenbrock's banana: f = (1 - x)² + 100·(y - x²)², a curved valley with its floor at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


@dataclass(frozen=True)
class Surface:
    name: str
    f: Callable
    start: tuple[float, float]
    box: tuple[float, float, float, float]  # x0, x1, y0, y1: the part drawn
    minimum: tuple[float, float]
    formula: str

    def at(self, x: float, y: float) -> float:
        """The loss at a point as a float; infinite where a float overflows."""
        try:
            value = float(self.f(float(x), float(y)))
        except OverflowError:
            return math.inf
        return value if math.isfinite(value) else math.inf


SURFACES: dict[str, Surface] = {
    "bowl": Surface("bowl", bowl, (-4.0, 1.5), (-5.0, 5.0, -2.0, 2.0), (0.0, 0.0), "x² + 10·y²"),
    "rosenbrock": Surface(
        "rosenbrock", rosenbrock, (-1.2, 1.0), (-2.0, 2.0, -1.0, 3.0), (1.0, 1.0), "(1 − x)² + 100·(y − x²)²"
    ),
}

OPTIMISERS = ("sgd", "momentum", "adam")


def make_optimiser(name: str, params: list[Value], lr: float) -> Optimizer:
    """engine.optim's SGD, SGD with momentum 0.9, or Adam (betas 0.9, 0.999)."""
    if name == "sgd":
        return SGD(params, lr=lr)
    if name == "momentum":
        return SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return Adam(params, lr=lr)
    raise ValueError(f"unknown optimiser {name!r}; choose one of {', '.join(OPTIMISERS)}")


class SurfaceDescent:
    """Minimises a 2-D surface from its start point, one optimiser step per `step`.

    Each step builds the loss from the two Values, backprops and lets the
    optimiser move them. The metrics are the loss where the step began.
    Divergence: when a step lands where the loss is more than `LIMIT` times
    the starting loss (or a float overflows), the run has blown up; the point
    stops there, `diverged_at` records the step, and every later step reports
    that loss (capped at `CAP`), so the curve shows the blow-up instead of the
    app failing on an infinite number.
    """

    LIMIT = 1e4
    CAP = 1e12

    def __init__(self, surface: str | Surface, optimiser: str, lr: float) -> None:
        self.shape = SURFACES[surface] if isinstance(surface, str) else surface
        self.optimiser_name = optimiser
        self.lr = lr
        sx, sy = self.shape.start
        self.x = Value(sx, label="x")
        self.y = Value(sy, label="y")
        self.optimizer = make_optimiser(optimiser, [self.x, self.y], lr)
        self.path: list[tuple[float, float]] = [(sx, sy)]
        self.start_loss = self.shape.at(sx, sy)
        self.diverged_at: int | None = None
        self.blown_loss = math.nan  # the loss where it blew up
        self.history: list[dict[str, float]] = []

    @property
    def surface(self) -> tuple[float, float, float, float]:
        return self.shape.box

    def parameters(self) -> list[Value]:
        return [self.x, self.y]

    @property
    def point(self) -> tuple[float, float]:
        return self.x.data, self.y.data

    def predict(self, points: Sequence[Sequence[float]]) -> list[float]:
        """The loss at each point (for the picture)."""
        return [min(self.shape.at(px, py), self.CAP) for px, py in points]

    def step(self, k: int) -> dict[str, float]:
        if self.diverged_at is not None:
            metrics = {"loss": min(self.blown_loss, self.CAP)}
        else:
            loss = self.shape.f(self.x, self.y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.path.append(self.point)
            after = self.shape.at(*self.point)
            if after > self.LIMIT * self.start_loss:
                self.diverged_at = k
                self.blown_loss = after
            metrics = {"loss": loss.data}
        self.history.append(metrics)
        return metrics

    def distance_to_minimum(self) -> float:
        mx, my = self.shape.minimum
        return math.hypot(self.x.data - mx, self.y.data - my)
