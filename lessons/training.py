"""Ready-made trainers for `Train` steps (see `lessons.api.Trainer`).

`Classifier2D` is micrograd's demo loop, written out once: every step scores
all the points (or, with `batch=`, a random mini-batch of them, as the demo's
`loss(batch_size)` does), takes the hinge loss plus an L2 penalty `alpha`,
backprops, and moves every parameter against its grad with a decaying
learning rate.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from engine.losses import accuracy, hinge_loss
from engine.nn import Module
from engine.optim import SGD
from engine.value import Value

__all__ = ["Classifier2D"]


class Classifier2D:
    """Trains `model` to separate 2-D points labelled -1/+1, one full-batch SGD step at a time."""

    settings: dict  # the lesson's settings that made this run, when a lesson keeps them to compare runs

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[int],
        lr: Callable[[int], float],
        alpha: float = 1e-4,
        batch: int | None = None,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.X = [[float(a), float(b)] for a, b in X]
        self.y = [int(label) for label in y]
        if set(self.y) - {-1, 1}:
            raise ValueError("Classifier2D needs labels -1 and +1 (engine.data.make_moons(..., signed=True))")
        self.lr = lr
        self.alpha = alpha
        self.batch = batch  # None: every point, every step
        self.rng = random.Random(seed)  # which points each mini-batch takes
        self.optimizer = SGD(model.parameters(), lr=lr(0))
        self.history: list[dict[str, float]] = []  # the metrics of every step so far

    @property
    def points(self) -> tuple[list[list[float]], list[int]]:
        return self.X, self.y

    def parameters(self) -> list[Value]:
        return self.model.parameters()

    def step(self, k: int) -> dict[str, float]:
        """One SGD step on all the points, or on a random mini-batch; the metrics are the batch's."""
        picked = range(len(self.X)) if self.batch is None else self.rng.sample(range(len(self.X)), self.batch)
        points, labels = [self.X[i] for i in picked], [self.y[i] for i in picked]
        scores = [self._score(a, b) for a, b in points]
        loss = hinge_loss(scores, labels, self.model.parameters(), self.alpha)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.lr = self.lr(k)
        self.optimizer.step()
        metrics = {"loss": loss.data, "accuracy": accuracy(scores, labels)}
        self.history.append(metrics)
        return metrics

    def predict(self, points: Sequence[Sequence[float]]) -> list[float]:
        """The model's score at each point: positive means class +1."""
        return [self._score(a, b).data for a, b in points]

    def accuracy_on_all(self) -> float:
        """The share of all the points on the right side of the boundary."""
        return sum((s > 0) == (label > 0) for s, label in zip(self.predict(self.X), self.y)) / len(self.y)

    def weights_squared(self) -> float:
        """Σ p² over every parameter: what the L2 penalty, times alpha, adds to the loss."""
        return sum(p.data * p.data for p in self.model.parameters())

    def _score(self, a: float, b: float) -> Value:
        """The model's one output at (a, b); a model returning a one-element list (Sequential) is fine too."""
        out = self.model([Value(a), Value(b)])
        return out[0] if isinstance(out, list) else out
