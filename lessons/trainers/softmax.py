"""An MLP with one output per class, trained full batch with softmax + cross-entropy or with MSE
between the softmax and a one-hot target: the loss-functions lesson's trainer."""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.losses import accuracy, cross_entropy, mse, softmax
from engine.nn import Module
from engine.optim import SGD
from engine.value import Value

__all__ = ["SoftmaxClassifier"]


class SoftmaxClassifier:
    """Trains `model` (one output per class) on points `X` with integer labels `y`, full batch, plain SGD.

    `loss` is "cross-entropy" (softmax + cross-entropy, by engine.losses.cross_entropy,
    averaged over the points) or "mse" (engine.losses.mse between each point's softmax
    probabilities and its one-hot target, averaged over every class of every point).
    Each step's metrics add "gradient", the length of the whole gradient vector (√Σ grad²).
    """

    LOSSES = ("cross-entropy", "mse")

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[int],
        loss: str = "cross-entropy",
        lr: float = 1.0,
    ) -> None:
        if loss not in self.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(self.LOSSES)}")
        self.model = model
        self.X = [[float(a), float(b)] for a, b in X]
        self.y = [int(label) for label in y]
        self.classes = max(self.y) + 1
        self.inputs = [[Value(a), Value(b)] for a, b in self.X]
        self.loss_name = loss
        self.optimizer = SGD(model.parameters(), lr=lr)
        self.history: list[dict[str, float]] = []

    def parameters(self) -> list[Value]:
        return self.model.parameters()

    def loss_of(self, outputs: Sequence[Sequence[Value]]) -> Value:
        if self.loss_name == "cross-entropy":
            return sum(cross_entropy(z, c) for z, c in zip(outputs, self.y)) * (1.0 / len(self.y))
        probs = [p for z in outputs for p in softmax(z)]
        targets = [1.0 if i == c else 0.0 for c in self.y for i in range(self.classes)]
        return mse(probs, targets)

    def step(self, k: int) -> dict[str, float]:
        outputs = [self.model(x) for x in self.inputs]
        loss = self.loss_of(outputs)
        self.optimizer.zero_grad()
        loss.backward()
        gradient = math.sqrt(sum(p.grad * p.grad for p in self.optimizer.params))
        self.optimizer.step()
        metrics = {"loss": loss.data, "accuracy": accuracy(outputs, self.y), "gradient": gradient}
        self.history.append(metrics)
        return metrics

    def classify(self, points: Sequence[Sequence[float]]) -> list[int]:
        """The predicted class of each point: the index of the largest output."""
        out = []
        for a, b in points:
            z = [v.data for v in self.model([Value(a), Value(b)])]
            out.append(z.index(max(z)))
        return out
