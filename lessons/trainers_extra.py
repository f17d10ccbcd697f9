"""More trainers for `Train` steps (see `lessons.api.Trainer`), used by the optimiser, loss and
gradient-free lessons:

- `SurfaceDescent`: a point (x, y) of two `Value`s rolling down a 2-D loss surface (a bowl or
  Rosenbrock's banana) under SGD, momentum or Adam from `engine.optim`; it offers `surface`,
  `path` and `predict`, so the surface is drawn with the path over it. A run that blows up is
  stopped, not crashed: see `SurfaceDescent.LIMIT`.
- `SoftmaxClassifier`: an MLP with one output per class, trained full batch with softmax +
  cross-entropy or with MSE between the softmax and a one-hot target.
- `GradientDescent`, `EvolutionStrategy`, `GeneticAlgorithm`: three ways to train the same small
  network, seen as one flat vector of numbers, that report the loss against the number of loss
  evaluations they have used (`"evaluations"` in every step's metrics).

Steps run in the app's worker thread; `pace` (seconds per step) slows a run there so the
picture moves, and is ignored anywhere else (the headless check and the tests never sleep).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.losses import accuracy, binary_cross_entropy, cross_entropy, mse, softmax
from engine.nn import Module
from engine.optim import SGD, Adam, Optimizer
from engine.value import Value

__all__ = [
    "OPTIMISERS",
    "SURFACES",
    "EvolutionStrategy",
    "FlatModel",
    "GeneticAlgorithm",
    "GradientDescent",
    "SoftmaxClassifier",
    "Surface",
    "SurfaceDescent",
    "bowl",
    "evaluations_to_reach",
    "finished_history",
    "make_optimiser",
    "rosenbrock",
]


def _pace(seconds: float) -> None:
    """Sleep in the app's training thread only: the headless check and tests run on the main thread."""
    if seconds > 0 and threading.current_thread() is not threading.main_thread():
        time.sleep(seconds)


# -- a point on a loss surface --------------------------------------------------------------


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

    def __init__(self, surface: str | Surface, optimiser: str, lr: float, pace: float = 0.0) -> None:
        self.shape = SURFACES[surface] if isinstance(surface, str) else surface
        self.optimiser_name = optimiser
        self.lr = lr
        self.pace = pace
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
        _pace(self.pace)
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

    def first_step_within(self, distance: float) -> int | None:
        """The first step after which the point was within `distance` of the minimum, or None."""
        mx, my = self.shape.minimum
        for i, (px, py) in enumerate(self.path[1:]):
            if math.hypot(px - mx, py - my) <= distance:
                return i
        return None

    def distance_to_minimum(self) -> float:
        mx, my = self.shape.minimum
        return math.hypot(self.x.data - mx, self.y.data - my)


# -- softmax classification ------------------------------------------------------------------


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
        pace: float = 0.0,
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
        self.pace = pace
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
        _pace(self.pace)
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


# -- one network as a flat vector, searched with or without gradients -------------------------------


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

    def __init__(self, net: FlatModel, pace: float = 0.0) -> None:
        self.net = net
        self.pace = pace
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
        _pace(self.pace)
        return self._step(k)

    def _step(self, k: int) -> dict[str, float]:
        raise NotImplementedError


class GradientDescent(_FlatSearch):
    """`inner` plain SGD steps per `step`. Each costs 2 evaluations: the forward pass and the backward
    pass, which costs about as much as a forward pass and yields every parameter's slope at once."""

    name = "gradient descent"
    COST = 2  # evaluations per gradient step: forward + backward

    def __init__(self, net: FlatModel, lr: float = 1.0, inner: int = 10, pace: float = 0.0) -> None:
        super().__init__(net, pace)
        self.inner = inner
        self.optimizer = SGD(net.params, lr=lr)

    def _step(self, k: int) -> dict[str, float]:
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
        pace: float = 0.0,
    ) -> None:
        super().__init__(net, pace)
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

    def _step(self, k: int) -> dict[str, float]:
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
        pace: float = 0.0,
    ) -> None:
        super().__init__(net, pace)
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

    def _step(self, k: int) -> dict[str, float]:
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


_finished: dict[tuple, list[dict[str, float]]] = {}  # full runs by settings: every trainer here is seeded


def finished_history(
    runs: Sequence[Any], make: Callable[[dict[str, Any]], Any], settings: dict[str, Any], steps: int
) -> list[dict[str, float]]:
    """The metrics of a full run with `settings`: the learner's own if they trained it, else one trained now.

    A quiz after a Train step can then quote the run even if the learner tried
    other settings; seeding makes both give the same numbers.
    """
    key = (getattr(make, "__qualname__", id(make)), steps, *sorted(settings.items()))
    for run in runs:
        if run.settings == settings and len(run.history) == steps:
            _finished[key] = run.history
    if key not in _finished:
        trainer = make(settings)
        for k in range(steps):
            trainer.step(k)
        _finished[key] = trainer.history
    return _finished[key]
