"""Models and a trainer for the makemore part 5 lesson (WaveNet); not a lesson: files starting with _ are not scanned.

Imported inside lesson functions, so NumPy loads when a lesson opens, not at start-up.

- `flat_mlp(block, hidden)`: every character of the context fused at once, as in makemore part 2 to 4;
- `wavenet(block, hidden)`: pairs fused level by level with `FlattenConsecutive(2)`, as in part 5;
- `LanguageModelTrainer`: Adam on random minibatches; the recent train loss and the dev loss as it trains.
"""

from __future__ import annotations

import math
import time

import numpy as np

from engine.optim import Adam
from engine.tensor import Tensor, cross_entropy
from engine.tensor_nn import BatchNorm1d, Embedding, FlattenConsecutive, Linear, Sequential, Tanh
from lessons.tensor._shared import VOCAB, contexts

DIMS = 10  # numbers per character embedding


def _last_layer_small(model: Sequential) -> Sequential:
    """Scale the output layer down so the first predictions are nearly uniform (makemore part 3)."""
    model.layers[-1].weight.data *= 0.1
    return model


def flat_mlp(block: int, hidden: int, seed: int = 1) -> Sequential:
    """Embedding, all `block` characters side by side, one hidden layer with BatchNorm and tanh, 27 logits."""
    rng = np.random.default_rng(seed)
    return _last_layer_small(
        Sequential(
            Embedding(VOCAB, DIMS, rng=rng),
            FlattenConsecutive(block),
            Linear(block * DIMS, hidden, bias=False, rng=rng),
            BatchNorm1d(hidden),
            Tanh(),
            Linear(hidden, VOCAB, rng=rng),
        )
    )


def wavenet(block: int, hidden: int, seed: int = 1) -> Sequential:
    """Embedding, then log2(block) levels that each fuse neighbouring pairs, then 27 logits."""
    levels = round(math.log2(block))
    if 2**levels != block:
        raise ValueError(f"the context must be a power of two, got {block}")
    rng = np.random.default_rng(seed)
    layers = [Embedding(VOCAB, DIMS, rng=rng)]
    width = DIMS
    for _ in range(levels):
        layers += [FlattenConsecutive(2), Linear(2 * width, hidden, bias=False, rng=rng), BatchNorm1d(hidden), Tanh()]
        width = hidden
    layers.append(Linear(hidden, VOCAB, rng=rng))
    return _last_layer_small(Sequential(*layers))


def parameter_count(model: Sequential) -> int:
    return sum(p.size for p in model.parameters())


class LanguageModelTrainer:
    """Adam on minibatches of `batch` random training contexts, seeded.

    Each step reports "loss", the mean loss of the last `window` minibatches
    (one minibatch alone is too noisy to read), and "dev loss", measured
    every `every` steps (and at the last) on a fixed sample of `sample` dev
    contexts with BatchNorm in evaluation mode (its running statistics).
    `measured` keeps each dev measurement with the number of steps done;
    `final_dev_loss()` is the loss on the whole dev set; `seconds` is the
    time spent in the training steps themselves.
    """

    def __init__(
        self,
        model: Sequential,
        block: int,
        steps: int,
        lr: float = 0.01,
        batch: int = 32,
        every: int = 10,
        window: int = 20,
        sample: int = 500,
        seed: int = 0,
    ) -> None:
        self.model, self.steps, self.batch, self.every, self.window = model, steps, batch, every, window
        self.rng = np.random.default_rng(seed)
        self.Xtr, self.Ytr = contexts("train", block)
        self.Xdev, self.Ydev = contexts("dev", block)
        pick = np.random.default_rng(seed + 1).choice(len(self.Xdev), size=min(sample, len(self.Xdev)), replace=False)
        self.Xsample, self.Ysample = self.Xdev[pick], self.Ydev[pick]
        self.optimizer = Adam(model.parameters(), lr=lr)
        self.seconds = 0.0
        self.losses: list[float] = []  # every minibatch's loss
        self.history: list[dict[str, float]] = []
        self.dev = self.evaluate(self.Xsample, self.Ysample)
        self.measured: list[tuple[int, float]] = [(0, self.dev)]  # (steps done, dev loss)

    def parameters(self) -> list[Tensor]:
        return self.model.parameters()

    def evaluate(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The mean loss on (X, Y), BatchNorm using its running statistics."""
        self.model.eval()
        try:
            return cross_entropy(self.model(X), Y).item()
        finally:
            self.model.train()

    def final_dev_loss(self) -> float:
        return self.evaluate(self.Xdev, self.Ydev)

    def step(self, k: int) -> dict[str, float]:
        start = time.perf_counter()
        ix = self.rng.integers(0, len(self.Xtr), self.batch)
        loss = cross_entropy(self.model(self.Xtr[ix]), self.Ytr[ix])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.seconds += time.perf_counter() - start
        self.losses.append(loss.item())
        if (k + 1) % self.every == 0 or k == self.steps - 1:
            self.dev = self.evaluate(self.Xsample, self.Ysample)
            self.measured.append((k + 1, self.dev))
        metrics = {"loss": float(np.mean(self.losses[-self.window :])), "dev loss": self.dev}
        self.history.append(metrics)
        return dict(metrics)

    def next_probs(self, context: list[int]) -> np.ndarray:
        """The 27 probabilities of the next character, BatchNorm in evaluation mode."""
        self.model.eval()
        try:
            return self.model(np.array([context])).softmax().data[0]
        finally:
            self.model.train()
