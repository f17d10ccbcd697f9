"""Layers for `Tensor`s, written the way makemore writes them ("Zero to Hero", parts 3 to 5).

    from engine.tensor_nn import Embedding, FlattenConsecutive, Linear, BatchNorm1d, Tanh, Sequential
    model = Sequential(
        Embedding(27, 10), FlattenConsecutive(3),
        Linear(30, 200, bias=False), BatchNorm1d(200), Tanh(),
        Linear(200, 27),
    )
    logits = model(X[:32])            # X: integer contexts of shape (n, 3)
    loss = cross_entropy(logits, Y[:32])

Every layer keeps its last output as `.out`, as makemore's do, so the
activations of a whole network can be inspected after a forward pass.
`parameters()` lists the tensors to train, `zero_grad()` zeroes their grads,
`train()` and `eval()` switch BatchNorm between batch statistics and running
statistics. Shapes put channels last, as makemore does: (batch, features) or
(batch, time, features); convolutions and pooling take PyTorch's channels-first
images, (batch, channels, length) or (batch, channels, height, width).

Initialisation is seeded and reproducible: each layer draws from its own
`np.random.default_rng(seed)` unless it is given a shared generator `rng`
(`rng = np.random.default_rng(42)` then `Linear(30, 200, rng=rng)`, ...).
Weights are `randn / sqrt(fan_in)`, so a layer roughly keeps the size of its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.nn import DEFAULT_SEED
from engine.tensor import Tensor, embedding, pad, stack, windows

__all__ = [
    "RNN",
    "AvgPool2d",
    "BatchNorm1d",
    "Conv1d",
    "Conv2d",
    "Embedding",
    "Flatten",
    "FlattenConsecutive",
    "Linear",
    "MaxPool2d",
    "Module",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "conv1d",
    "conv2d",
]


def _rng(rng: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    if rng is not None:
        return rng
    return np.random.default_rng(DEFAULT_SEED if seed is None else seed)


def _pair(x: int | Sequence[int], n: int, what: str) -> tuple[int, ...]:
    """An int as the same size along every one of n axes, or n sizes as given."""
    sizes = (int(x),) * n if isinstance(x, int | np.integer) else tuple(int(v) for v in x)
    if len(sizes) != n:
        raise ValueError(f"{what} needs {n} size(s), got {x!r}")
    return sizes


class Module:
    """Anything with parameters. Layers inside a layer (its attributes) are its children."""

    training = True

    def parameters(self) -> list[Tensor]:
        return []

    def children(self) -> list[Module]:
        """The layers this one contains: its attributes that are modules, or lists of modules."""
        found: list[Module] = []
        for value in vars(self).values():
            if isinstance(value, Module):
                found.append(value)
            elif isinstance(value, list | tuple):
                found += [v for v in value if isinstance(v, Module)]
        return found

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)

    def train(self, mode: bool = True) -> Module:
        """Training mode (BatchNorm uses the batch's statistics), for this layer and all inside it."""
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (BatchNorm uses its running statistics)."""
        return self.train(False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Module):
    """`x @ W + b`: W of shape (fan_in, fan_out) drawn as randn / √fan_in, b zeros (or no bias)."""

    def __init__(
        self,
        fan_in: int,
        fan_out: int,
        bias: bool = True,
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ):
        rng = _rng(rng, seed)
        self.weight = Tensor(rng.standard_normal((fan_in, fan_out)) / math.sqrt(fan_in), label="W")
        self.bias = Tensor(np.zeros(fan_out), label="b") if bias else None

    def __call__(self, x: Tensor) -> Tensor:
        self.out = x @ self.weight
        if self.bias is not None:
            self.out = self.out + self.bias
        return self.out

    def parameters(self) -> list[Tensor]:
        return [self.weight] + ([] if self.bias is None else [self.bias])

    def __repr__(self) -> str:
        fan_in, fan_out = self.weight.shape
        return f"Linear({fan_in}, {fan_out}, bias={self.bias is not None})"


class Embedding(Module):
    """A table of `num` vectors of `dim` numbers (randn); called with integer indices, it looks them up."""

    def __init__(self, num: int, dim: int, *, rng: np.random.Generator | None = None, seed: int | None = None):
        self.weight = Tensor(_rng(rng, seed).standard_normal((num, dim)), label="C")

    def __call__(self, ix: Any) -> Tensor:
        self.out = embedding(self.weight, ix)
        return self.out

    def parameters(self) -> list[Tensor]:
        return [self.weight]

    def __repr__(self) -> str:
        return f"Embedding({self.weight.shape[0]}, {self.weight.shape[1]})"


class BatchNorm1d(Module):
    """Normalise each feature over the batch, then scale and shift: `gamma * (x - mean) / √(var + eps) + beta`.

    Features are the last axis; the mean and variance are over every other
    axis (the batch, and time for 3-D inputs, as in makemore part 5). In
    training, the batch's mean and (biased) variance are used, and the running
    statistics move towards them as in PyTorch:

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var · n/(n-1)   (unbiased)

    In evaluation (`eval()`), the running statistics are used instead, so a
    single example gives the same answer alone as in any batch.
    """

    def __init__(self, dim: int, eps: float = 1e-5, momentum: float = 0.1):
        self.eps, self.momentum = eps, momentum
        self.gamma = Tensor(np.ones(dim), label="gamma")
        self.beta = Tensor(np.zeros(dim), label="beta")
        self.running_mean = np.zeros(dim)  # buffers: updated by the forward pass, not trained
        self.running_var = np.ones(dim)

    def __call__(self, x: Tensor) -> Tensor:
        if x.ndim not in (2, 3) or x.shape[-1] != len(self.running_mean):
            raise ValueError(f"BatchNorm1d({len(self.running_mean)}) needs (batch, ..., features), got {x.shape}")
        if self.training:
            axes = tuple(range(x.ndim - 1))
            n = math.prod(x.shape[:-1])
            if n < 2:
                raise ValueError("BatchNorm1d in training needs more than one value per feature")
            mean = x.mean(axes, keepdims=True)
            var = x.var(axes, keepdims=True, correction=0)
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean.data.reshape(-1)
            self.running_var = (1 - m) * self.running_var + m * var.data.reshape(-1) * (n / (n - 1))
            xhat = (x - mean) / (var + self.eps) ** 0.5
        else:
            xhat = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        self.out = self.gamma * xhat + self.beta
        return self.out

    def parameters(self) -> list[Tensor]:
        return [self.gamma, self.beta]

    def __repr__(self) -> str:
        return f"BatchNorm1d({len(self.running_mean)}, eps={self.eps}, momentum={self.momentum})"


class Tanh(Module):
    def __call__(self, x: Tensor) -> Tensor:
        self.out = x.tanh()
        return self.out


class ReLU(Module):
    def __call__(self, x: Tensor) -> Tensor:
        self.out = x.relu()
        return self.out


class Sigmoid(Module):
    def __call__(self, x: Tensor) -> Tensor:
        self.out = x.sigmoid()
        return self.out


class FlattenConsecutive(Module):
    """(B, T, C) -> (B, T/n, C·n): n consecutive steps side by side (makemore part 5's WaveNet-style hierarchy).

    When a single step is left (T == n), the time axis is dropped: (B, C·n).
    """

    def __init__(self, n: int):
        self.n = n

    def __call__(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] % self.n:
            raise ValueError(f"FlattenConsecutive({self.n}) needs (batch, time, features) with time a multiple of n")
        B, T, C = x.shape
        shape = (B, C * self.n) if T // self.n == 1 else (B, T // self.n, C * self.n)
        self.out = x.view(shape)
        return self.out

    def __repr__(self) -> str:
        return f"FlattenConsecutive({self.n})"


class Flatten(Module):
    """(B, ...) -> (B, everything else): between convolutions and a Linear layer."""

    def __call__(self, x: Tensor) -> Tensor:
        self.out = x.reshape(x.shape[0], -1)
        return self.out


class Sequential(Module):
    """Layers applied one after the other."""

    def __init__(self, *layers: Module):
        self.layers = list(layers)

    def __call__(self, x: Any) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"


# -- convolution and pooling ------------------------------------------------------------------


def _conv(x: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple[int, ...], padding: tuple[int, ...]) -> Tensor:
    """A convolution over the last k axes of x (B, C, *spatial), as one matrix product (im2col).

    Every window of x becomes a row of C·kernel numbers; the kernels, one row
    each, are multiplied with all windows at once.
    """
    k = weight.ndim - 2
    out_channels, channels, *kernel = weight.shape
    if x.ndim != k + 2 or x.shape[1] != channels:
        raise ValueError(f"a {k}-D convolution with weight {weight.shape} needs input (batch, {channels}, ...)")
    if any(padding):
        x = pad(x, ((0, 0), (0, 0), *((p, p) for p in padding)))
    cols = windows(x, kernel, stride)  # (B, C, *out, *kernel)
    B, out = x.shape[0], cols.shape[2 : 2 + k]
    # (B, *out, C, *kernel): one window per row
    cols = cols.transpose(0, *range(2, 2 + k), 1, *range(2 + k, 2 + 2 * k)).reshape(B * math.prod(out), -1)
    y = cols @ weight.reshape(out_channels, -1).T  # (B·out, out_channels)
    if bias is not None:
        y = y + bias
    return y.reshape(B, *out, out_channels).transpose(0, k + 1, *range(1, k + 1))  # channels first again


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """x (B, C, L) with weight (O, C, k) -> (B, O, L_out), L_out = (L + 2·padding - k) // stride + 1."""
    return _conv(x, weight, bias, _pair(stride, 1, "stride"), _pair(padding, 1, "padding"))


def conv2d(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Sequence[int] = 1, padding: int = 0
) -> Tensor:
    """x (B, C, H, W) with weight (O, C, kh, kw) -> (B, O, H_out, W_out), as `torch.nn.functional.conv2d`."""
    return _conv(x, weight, bias, _pair(stride, 2, "stride"), _pair(padding, 2, "padding"))


class _ConvNd(Module):
    dims = 0

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        bias: bool = True,
        *,
        rng: np.random.Generator | None = None,
        seed: int | None = None,
    ):
        kernel = _pair(kernel_size, self.dims, "kernel_size")
        self.stride = _pair(stride, self.dims, "stride")
        self.padding = _pair(padding, self.dims, "padding")
        fan_in = in_channels * math.prod(kernel)
        w = _rng(rng, seed).standard_normal((out_channels, in_channels, *kernel)) / math.sqrt(fan_in)
        self.weight = Tensor(w, label="K")
        self.bias = Tensor(np.zeros(out_channels), label="b") if bias else None

    def __call__(self, x: Tensor) -> Tensor:
        self.out = _conv(x, self.weight, self.bias, self.stride, self.padding)
        return self.out

    def parameters(self) -> list[Tensor]:
        return [self.weight] + ([] if self.bias is None else [self.bias])

    def __repr__(self) -> str:
        out_channels, in_channels, *kernel = self.weight.shape
        return (
            f"{type(self).__name__}({in_channels}, {out_channels}, kernel_size={tuple(kernel)}, "
            f"stride={self.stride}, padding={self.padding})"
        )


class Conv1d(_ConvNd):
    """A 1-D convolution: input (B, C, L), weight (out_channels, C, k)."""

    dims = 1


class Conv2d(_ConvNd):
    """A 2-D convolution: input (B, C, H, W), weight (out_channels, C, kh, kw)."""

    dims = 2


class _Pool2d(Module):
    def __init__(self, kernel_size: int | Sequence[int], stride: int | Sequence[int] | None = None):
        self.kernel = _pair(kernel_size, 2, "kernel_size")
        self.stride = self.kernel if stride is None else _pair(stride, 2, "stride")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel}, stride={self.stride})"


class MaxPool2d(_Pool2d):
    """The largest number of each window over the last two axes (stride = kernel unless given)."""

    def __call__(self, x: Tensor) -> Tensor:
        self.out = windows(x, self.kernel, self.stride).max(axis=(-2, -1))
        return self.out


class AvgPool2d(_Pool2d):
    """The mean of each window over the last two axes (stride = kernel unless given)."""

    def __call__(self, x: Tensor) -> Tensor:
        self.out = windows(x, self.kernel, self.stride).mean(axis=(-2, -1))
        return self.out


# -- a vanilla recurrent network ------------------------------------------------------------------


class RNNCell(Module):
    """One step of a vanilla RNN: `h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b)`."""

    def __init__(
        self, input_size: int, hidden_size: int, *, rng: np.random.Generator | None = None, seed: int | None = None
    ):
        rng = _rng(rng, seed)
        self.W_xh = Tensor(rng.standard_normal((input_size, hidden_size)) / math.sqrt(input_size), label="W_xh")
        self.W_hh = Tensor(rng.standard_normal((hidden_size, hidden_size)) / math.sqrt(hidden_size), label="W_hh")
        self.b = Tensor(np.zeros(hidden_size), label="b_h")

    def __call__(self, x: Tensor, h: Tensor) -> Tensor:
        return (x @ self.W_xh + h @ self.W_hh + self.b).tanh()

    def parameters(self) -> list[Tensor]:
        return [self.W_xh, self.W_hh, self.b]

    def __repr__(self) -> str:
        return f"RNNCell({self.W_xh.shape[0]}, {self.W_xh.shape[1]})"


class RNN(Module):
    """A vanilla RNN unrolled over time: x (B, T, input_size) -> hidden states (B, T, hidden_size).

    The same cell (the same weights) is applied at every step, each step
    taking the hidden state of the one before (zeros before the first, unless
    `h0` is given). The hidden state of every step is kept in `.hs`, a list
    of T tensors of shape (B, hidden_size), so their grads can be inspected
    after backward: backprop through time is plain backprop through this
    unrolled graph.
    """

    def __init__(
        self, input_size: int, hidden_size: int, *, rng: np.random.Generator | None = None, seed: int | None = None
    ):
        self.cell = RNNCell(input_size, hidden_size, rng=rng, seed=seed)
        self.hidden_size = hidden_size

    def __call__(self, x: Tensor, h0: Tensor | None = None) -> Tensor:
        if x.ndim != 3:
            raise ValueError(f"RNN needs input of shape (batch, time, features), got {x.shape}")
        h = Tensor(np.zeros((x.shape[0], self.hidden_size)), label="h0") if h0 is None else h0
        self.hs: list[Tensor] = []
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
            h.label = f"h{t + 1}"
            self.hs.append(h)
        self.out = stack(self.hs, axis=1)
        return self.out

    def parameters(self) -> list[Tensor]:
        return self.cell.parameters()

    def __repr__(self) -> str:
        return f"RNN({self.cell.W_xh.shape[0]}, {self.hidden_size})"
