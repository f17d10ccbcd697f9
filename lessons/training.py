"""Ready-made trainers for `Train` steps (see `lessons.api.Trainer`).

`Classifier2D` is micrograd's demo loop, written out once: every step scores
all the points, takes the hinge loss plus an L2 penalty, backprops, and
moves every parameter against its grad with a decaying learning rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.losses import accuracy, hinge_loss
from engine.nn import Module
from engine.optim import SGD
from engine.value import Value

__all__ = ["Classifier2D"]


class Classifier2D:
    """Trains `model` to separate 2-D points labelled -1/+1, one full-batch SGD step at a time."""

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[int],
        lr: Callable[[int], float],
        alpha: float = 1e-4,
    ) -> None:
        self.model = model
        self.X = [[float(a), float(b)] for a, b in X]
        self.y = [int(label) for label in y]
        if set(self.y) - {-1, 1}:
            raise ValueError("Classifier2D needs labels -1 and +1 (engine.data.make_moons(..., signed=True))")
        self.lr = lr
        self.alpha = alpha
        self.optimizer = SGD(model.parameters(), lr=lr(0))
        self.history: list[dict[str, float]] = []  # the metrics of every step so far

    @property
    def points(self) -> tuple[list[list[float]], list[int]]:
        return self.X, self.y

    def parameters(self) -> list[Value]:
        return self.model.parameters()

    def step(self, k: int) -> dict[str, float]:
        scores = [self._score(a, b) for a, b in self.X]
        loss = hinge_loss(scores, self.y, self.model.parameters(), self.alpha)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.lr = self.lr(k)
        self.optimizer.step()
        metrics = {"loss": loss.data, "accuracy": accuracy(scores, self.y)}
        self.history.append(metrics)
        return metrics

    def predict(self, points: Sequence[Sequence[float]]) -> list[float]:
        """The model's score at each point: positive means class +1."""
        return [self._score(a, b).data for a, b in points]

    def _score(self, a: float, b: float) -> Value:
        """The model's one output at (a, b); a model returning a one-element list (Sequential) is fine too."""
        out = self.model([Value(a), Value(b)])
        return out[0] if isinstance(out, list) else out
