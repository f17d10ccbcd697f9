"""One small network seen as a flat vector of numbers, trained three ways for the gradient-free lesson:
`GradientDescent` (backprop), `EvolutionStrategy` and `GeneticAlgorithm` (loss evaluations only).
Each reports the loss against the number of loss evaluations it has used (`"evaluations"` in every
step's metrics), so that they can be compared per evaluation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from engine.losses import accuracy, binary_cross_entropy
from engine.nn import Module
from engine.optim import SGD
from engine.value import Value

__all__ = ["EvolutionStrategy", "FlatModel", "GeneticAlgorithm", "GradientDescent", "evaluations_to_reach"]


class FlatModel:
    """A model and its data, with the parameters as one flat list of floats.

    `get()` reads the parameters' data into a list; `set(theta)` writes a list
    back into the model's Values; `evaluate(theta)` sets them and computes the
    loss (binary cross-entropy from the output logit; labels -1/+1) over all
    points, counting one evaluation.
    """

    def __init__(self, model: Module, X: Sequence[Sequence[float]], y: Sequence[int]) -> None:
        self.model = model
        self.params = model.parameters()
        self.X = [[float(a), float(b)] for a, b in X]
        self.y = [int(label) for label in y]
        if set(self.y) - {-1, 1}:
            raise ValueError("FlatModel needs labels -1 and +1")
        self.targets = [1.0 if label > 0 else 0.0 for label in self.y]
        self.inputs = [[Value(a), Value(b)] for a, b in self.X]
        self.evaluations = 0

    def __len__(self) -> int:
        return len(self.params)

    def get(self) -> list[float]:
        return [p.data for p in self.params]

    def set(self, theta: Sequence[float]) -> None:
        if len(theta) != len(self.params):
            raise ValueError(f"{len(theta)} numbers for {len(self.params)} parameters")
        for p, t in zip(self.params, theta):
            p.data = float(t)

    def evaluate(self, theta: Sequence[float] | None = None, count: bool = True) -> tuple[Value, float]:
        """The loss (a Value, so it can be backpropagated) and the accuracy at `theta` (default: as the model is)."""
        if theta is not None:
            self.set(theta)
        if count:
            self.evaluations += 1
        scores = [self.model(x) for x in self.inputs]
        return binary_cross_entropy(scores, self.targets), accuracy(scores, self.y)

    def predict(self, points: Sequence[Sequence[float]]) -> list[float]:
        return [self.model([Value(a), Value(b)]).data for a, b in points]


class _FlatSearch:
    """What the three searches share: the picture (points, predict), parameters and the metrics."""

    name = ""

    def __init__(self, net: FlatModel) -> None:
        self.net = net
        self.history: list[dict[str, float]] = []

    @property
    def points(self) -> tuple[list[list[float]], list[int]]:
        return self.net.X, self.net.y

    def parameters(self) -> list[Value]:
        return self.net.params

    def predict(self, points: Sequence[Sequence[float]]) -> list[float]:
        return self.net.predict(points)

    def _record(self, loss: float, acc: float) -> dict[str, float]:
        metrics = {"loss": loss, "accuracy": acc, "evaluations": float(self.net.evaluations)}
        self.history.append(metrics)
        return metrics

    def step(self, k: int) -> dict[str, float]:
        raise NotImplementedError


class GradientDescent(_FlatSearch):
    """`inner` plain SGD steps per `step`. Each costs 2 evaluations: the forward pass and the backward
    pass, which costs about as much as a forward pass and yields every parameter's slope at once."""

    name = "gradient descent"
    COST = 2  # evaluations per gradient step: forward + backward

    def __init__(self, net: FlatModel, lr: float = 1.0, inner: int = 10) -> None:
        super().__init__(net)
        self.inner = inner
        self.optimizer = SGD(net.params, lr=lr)

    def step(self, k: int) -> dict[str, float]:
        for _ in range(self.inner):
            loss, acc = self.net.evaluate()  # forward: 1 evaluation
            self.optimizer.zero_grad()
            loss.backward()
            self.net.evaluations += self.COST - 1  # backward: 1 more
            self.optimizer.step()
        return self._record(loss.data, acc)


class EvolutionStrategy(_FlatSearch):
    """OpenAI-style evolution strategy with antithetic sampling, one generation per `step`:

        for i in 1..pairs:  εᵢ ~ N(0, I);  Lᵢ⁺ = L(θ + σεᵢ),  Lᵢ⁻ = L(θ − σεᵢ)
        g = Σ (Lᵢ⁺ − Lᵢ⁻) / (2σ · pairs) · εᵢ        (an estimate of the gradient)
        θ ← θ − α · g

    2·pairs evaluations a generation. The loss reported is measured at the new θ
    for the plot only and is not counted: the strategy never uses it.
    """

    name = "evolution strategy"

    def __init__(
        self,
        net: FlatModel,
        pairs: int = 10,
        sigma: float = 0.05,
        alpha: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__(net)
        self.pairs, self.sigma, self.alpha = pairs, sigma, alpha
        self.rng = random.Random(seed)
        self.theta = net.get()

    def gradient_estimate(self) -> list[float]:
        n, sigma = len(self.theta), self.sigma
        g = [0.0] * n
        for _ in range(self.pairs):
            eps = [self.rng.gauss(0.0, 1.0) for _ in range(n)]
            plus, _ = self.net.evaluate([t + sigma * e for t, e in zip(self.theta, eps)])
            minus, _ = self.net.evaluate([t - sigma * e for t, e in zip(self.theta, eps)])
            c = (plus.data - minus.data) / (2 * sigma * self.pairs)
            g = [gi + c * e for gi, e in zip(g, eps)]
        return g

    def step(self, k: int) -> dict[str, float]:
        g = self.gradient_estimate()
        self.theta = [t - self.alpha * gi for t, gi in zip(self.theta, g)]
        loss, acc = self.net.evaluate(self.theta, count=False)
        return self._record(loss.data, acc)


class GeneticAlgorithm(_FlatSearch):
    """A genetic algorithm over flat parameter vectors, one generation per `step`:

    - the population (`population` vectors; the model's own start and mutated copies of it) is ranked by loss;
    - the best `elites` survive unchanged (their losses are known: no new evaluation);
    - every other child has two parents, each the best of `tournament` picked at random (selection),
      takes each number from one parent or the other (uniform crossover), and each number moves by
      N(0, `mutation`²) with probability `rate` (mutation); each child costs one evaluation.

    The loss reported is the best individual's; the model holds the best vector after each step.
    """

    name = "genetic algorithm"

    def __init__(
        self,
        net: FlatModel,
        population: int = 24,
        elites: int = 4,
        tournament: int = 3,
        rate: float = 0.2,
        mutation: float = 0.3,
        seed: int = 0,
    ) -> None:
        super().__init__(net)
        if not 0 < elites < population:
            raise ValueError("need 0 < elites < population")
        self.size, self.elites, self.tournament = population, elites, tournament
        self.rate, self.mutation = rate, mutation
        self.rng = random.Random(seed)
        start = net.get()
        self.population = [start] + [self._mutate(start, 3.0) for _ in range(population - 1)]
        self.scores: list[tuple[float, float]] = []  # (loss, accuracy) of each individual, once evaluated

    def _mutate(self, genes: list[float], scale: float = 1.0) -> list[float]:
        rng = self.rng
        return [g + rng.gauss(0.0, self.mutation * scale) if rng.random() < self.rate else g for g in genes]

    def _evaluate(self, genes: list[float]) -> tuple[float, float]:
        loss, acc = self.net.evaluate(genes)
        return loss.data, acc

    def _pick(self) -> list[float]:
        """Tournament selection: the best of a few picked at random (the population is sorted, best first)."""
        return self.population[min(self.rng.randrange(self.size) for _ in range(self.tournament))]

    def _rank(self) -> None:
        order = sorted(range(len(self.population)), key=lambda i: self.scores[i][0])
        self.population = [self.population[i] for i in order]
        self.scores = [self.scores[i] for i in order]

    def step(self, k: int) -> dict[str, float]:
        if not self.scores:  # the first generation must be evaluated once
            self.scores = [self._evaluate(genes) for genes in self.population]
        self._rank()
        children = []
        for _ in range(self.size - self.elites):
            a, b = self._pick(), self._pick()
            child = [x if self.rng.random() < 0.5 else y for x, y in zip(a, b)]
            children.append(self._mutate(child))
        self.population = self.population[: self.elites] + children
        self.scores = self.scores[: self.elites] + [self._evaluate(c) for c in children]
        self._rank()
        self.net.set(self.population[0])
        return self._record(*self.scores[0])


def evaluations_to_reach(history: Sequence[dict[str, float]], loss: float) -> float | None:
    """The evaluations used when a run's loss first got to `loss` or below, or None if it never did."""
    for metrics in history:
        if metrics["loss"] <= loss:
            return metrics["evaluations"]
    return None
