"""Helpers shared by the tensor track's language-model lessons (not a lesson: files starting with _ are not scanned).

The lessons import this module inside their lesson functions, so NumPy is
loaded when a lesson opens, never when the app starts.

- `corpus()`: the names, their train/dev/test split and the vocabulary, loaded once.
- `bigram_counts`, `sample_names`: the counting model of makemore part 1, and sampling from any model.
- `MLPLanguageModel` and `MLPTrainer`: makemore part 2's model (C, W1, b1, W2, b2) and its training loop.
- `histogram`, `rows_text`: small text and figure helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from engine.explain import fmt
from engine.names import build_dataset, build_vocab, load_names, split_names
from engine.tensor import Tensor, cross_entropy, embedding

VOCAB = 27  # '.' and a to z


@dataclass(frozen=True)
class Corpus:
    words: list[str]
    train: list[str]
    dev: list[str]
    test: list[str]
    stoi: dict[str, int]
    itos: dict[int, str]


@cache
def corpus() -> Corpus:
    """Every name, split 80/10/10 with seed 42, and the 27-token vocabulary ('.' is 0)."""
    words = load_names()
    train, dev, test = split_names(words, seed=42)
    stoi, itos = build_vocab(words)
    return Corpus(words, train, dev, test, stoi, itos)


@cache
def contexts(split: str, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """X (n, block_size) and Y (n,) for the names of one split ("train", "dev" or "test")."""
    c = corpus()
    return build_dataset(getattr(c, split), block_size, c.stoi)


def bigram_counts(words: Sequence[str], stoi: dict[str, int]) -> np.ndarray:
    """N[i, j]: how often character j follows character i, '.' marking the start and the end of a name."""
    X, Y = build_dataset(words, 1, stoi)
    N = np.zeros((len(stoi), len(stoi)), dtype=np.int64)
    np.add.at(N, (X[:, 0], Y), 1)
    return N


def sample_names(
    next_probs: Callable[[list[int]], np.ndarray], itos: dict[int, str], n: int, seed: int, block_size: int = 1
) -> list[str]:
    """`n` names drawn one character at a time: `next_probs(context)` gives the 27 probabilities of the next one.

    The context is the last `block_size` indices ('.' = 0 before the start); a name ends at '.'.
    """
    rng = np.random.default_rng(seed)
    names = []
    for _ in range(n):
        context, out = [0] * block_size, []
        while len(out) < 30:
            p = next_probs(context)
            ix = int(rng.choice(len(p), p=p / p.sum()))
            if ix == 0:
                break
            out.append(itos[ix])
            context = [*context[1:], ix]
        names.append("".join(out))
    return names


def histogram(values: np.ndarray, lo: float, hi: float, bins: int) -> tuple[list[str], list[float]]:
    """Bar labels (bin centres) and the percentage of `values` in each of `bins` equal bins over [lo, hi]."""
    counts, edges = np.histogram(np.clip(values, lo, hi), bins=bins, range=(lo, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    return [f"{c:.1f}" for c in centres], [float(x) for x in 100 * counts / max(1, values.size)]


def density(values: np.ndarray, lo: float, hi: float, bins: int) -> tuple[list[float], list[float]]:
    """A histogram as a curve (bin centres, percentage per bin): one line per layer in a figure."""
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    return [float(c) for c in centres], [float(x) for x in 100 * counts / max(1, values.size)]


def row_text(values: np.ndarray) -> str:
    """`[0.1234, -0.5]`: a row of numbers in 4 significant digits."""
    return "[" + ", ".join(fmt(float(v)) for v in values) + "]"


# -- makemore part 2: the MLP language model ---------------------------------------------------------


class MLPLanguageModel:
    """Bengio et al. (2003) as in makemore part 2: embed `block` characters, tanh hidden layer, 27 logits.

        emb = C[X]                      (batch, block, dims)
        h   = tanh(emb.view(batch, block·dims) @ W1 + b1)
        logits = h @ W2 + b2            (batch, 27)

    W1 is drawn with the Kaiming gain for tanh, 5/3 / √fan_in; W2 is scaled down so the
    first predictions are nearly uniform (see the BatchNorm lesson for why).
    """

    def __init__(self, dims: int = 10, hidden: int = 100, block: int = 3, seed: int = 2147483647):
        rng = np.random.default_rng(seed)
        fan_in = block * dims
        self.block = block
        self.C = Tensor(rng.standard_normal((VOCAB, dims)), label="C")
        self.W1 = Tensor(rng.standard_normal((fan_in, hidden)) * (5 / 3) / math.sqrt(fan_in), label="W1")
        self.b1 = Tensor(rng.standard_normal(hidden) * 0.01, label="b1")
        self.W2 = Tensor(rng.standard_normal((hidden, VOCAB)) * 0.01, label="W2")
        self.b2 = Tensor(np.zeros(VOCAB), label="b2")

    def parameters(self) -> list[Tensor]:
        return [self.C, self.W1, self.b1, self.W2, self.b2]

    def logits(self, X: np.ndarray, labels: bool = False) -> Tensor:
        emb = embedding(self.C, X)
        flat = emb.view(len(X), -1)
        mixed = flat @ self.W1
        pre = mixed + self.b1
        h = pre.tanh()
        out = h @ self.W2
        logits = out + self.b2
        if labels:
            names = ("emb", "embcat", "embcat@W1", "hpre", "h", "h@W2", "logits")
            for t, name in zip((emb, flat, mixed, pre, h, out, logits), names):
                t.label = name
        return logits

    def loss(self, X: np.ndarray, Y: np.ndarray, labels: bool = False) -> Tensor:
        loss = cross_entropy(self.logits(X, labels), Y)
        if labels:
            loss.label = "loss"
        return loss

    def next_probs(self, context: list[int]) -> np.ndarray:
        return self.logits(np.array([context])).softmax().data[0]


class MLPTrainer:
    """Minibatch gradient descent on the MLP language model, seeded.

    Each step draws `batch` random training examples, backprops their mean
    cross-entropy and moves every parameter by -lr·grad (lr/10 for the last
    quarter of the steps, as makemore decays it). Every `every` steps (and at
    the last) the loss is measured on `sample` fixed training examples (the
    whole set is 14 times slower to score) and on the whole dev set; each step
    reports the latest of both, as "loss" and "dev loss".
    """

    def __init__(
        self,
        model: MLPLanguageModel,
        lr: float,
        steps: int,
        batch: int = 32,
        every: int = 20,
        sample: int = 2000,
        seed: int = 0,
    ):
        self.model, self.lr, self.steps, self.batch, self.every = model, lr, steps, batch, every
        self.rng = np.random.default_rng(seed)
        self.Xtr, self.Ytr = contexts("train", model.block)
        self.Xdev, self.Ydev = contexts("dev", model.block)
        pick = np.random.default_rng(seed + 1).choice(len(self.Xtr), size=min(sample, len(self.Xtr)), replace=False)
        self.Xeval, self.Yeval = self.Xtr[pick], self.Ytr[pick]
        self.history: list[dict[str, float]] = []
        self.last = self.evaluate()
        self.start = dict(self.last)

    def parameters(self) -> list[Tensor]:
        return self.model.parameters()

    def evaluate(self) -> dict[str, float]:
        return {
            "loss": self.model.loss(self.Xeval, self.Yeval).item(),
            "dev loss": self.model.loss(self.Xdev, self.Ydev).item(),
        }

    def step(self, k: int) -> dict[str, float]:
        ix = self.rng.integers(0, len(self.Xtr), self.batch)
        loss = self.model.loss(self.Xtr[ix], self.Ytr[ix])
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)
        loss.backward()
        lr = self.lr if k < self.steps * 3 // 4 else self.lr / 10
        for p in self.parameters():
            p.data -= lr * p.grad
        if (k + 1) % self.every == 0 or k == self.steps - 1:
            self.last = self.evaluate()
        self.history.append(dict(self.last))
        return dict(self.last)
