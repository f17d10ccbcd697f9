"""A character-level vanilla RNN on the names, trained by backprop through time, with or without
gradient clipping: the RNN lesson's trainer. NumPy is imported with it: import this module inside a
lesson function."""

from __future__ import annotations

import math

import numpy as np

from engine.tensor import Tensor, cross_entropy, embedding
from engine.tensor_nn import RNN

__all__ = ["CharRNN", "text_windows"]


def text_windows(words: list[str], stoi: dict[str, int], length: int) -> tuple[np.ndarray, np.ndarray]:
    """The names joined by '.' (".emma.olivia...") cut into windows: X (n, length) and the next characters Y."""
    stream = np.array([stoi[ch] for ch in "." + ".".join(words) + "."])
    starts = np.arange(0, len(stream) - length - 1, length)
    X = np.stack([stream[s : s + length] for s in starts])
    Y = np.stack([stream[s + 1 : s + length + 1] for s in starts])
    return X, Y


class CharRNN:
    """Embedding → RNN → a Linear read-out at every step; minibatch SGD on the mean cross-entropy of every
    next character of each window (BPTT through all `length` steps). With `clip`, the whole gradient is
    scaled down whenever its norm passes `clip`. Each step reports the minibatch "loss" and "grad norm"
    (before clipping)."""

    settings: dict  # the lesson's settings that made this run, when a lesson keeps them to compare runs

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        hidden: int,
        dims: int,
        lr: float,
        clip: float | None,
        hh_scale: float = 1.0,
        batch: int = 32,
        seed: int = 0,
    ) -> None:
        rng = np.random.default_rng(seed)
        vocab = 27
        self.C = Tensor(rng.standard_normal((vocab, dims)), label="C")
        self.rnn = RNN(dims, hidden, rng=rng)
        self.rnn.cell.W_hh.data *= hh_scale  # above 1: grads that explode on the way back through time
        self.W = Tensor(rng.standard_normal((hidden, vocab)) / math.sqrt(hidden) * 0.1, label="W_hy")
        self.b = Tensor(np.zeros(vocab), label="b_y")
        self.X, self.Y, self.lr, self.clip, self.batch = X, Y, lr, clip, batch
        self.rng = rng
        self.history: list[dict[str, float]] = []

    def parameters(self) -> list[Tensor]:
        return [self.C, *self.rnn.parameters(), self.W, self.b]

    def loss(self, X: np.ndarray, Y: np.ndarray) -> Tensor:
        hs = self.rnn(embedding(self.C, X))  # (B, T, hidden)
        logits = hs @ self.W + self.b
        return cross_entropy(logits.view(-1, logits.shape[-1]), Y.reshape(-1))

    def step(self, k: int) -> dict[str, float]:
        ix = self.rng.integers(0, len(self.X), self.batch)
        loss = self.loss(self.X[ix], self.Y[ix])
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)
        loss.backward()
        norm = math.sqrt(sum(float((p.grad**2).sum()) for p in self.parameters()))
        scale = self.clip / norm if self.clip is not None and norm > self.clip else 1.0
        for p in self.parameters():
            p.data -= self.lr * scale * p.grad
        metrics = {"loss": loss.item(), "grad norm": norm}
        self.history.append(metrics)
        return metrics
