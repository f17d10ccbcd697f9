"""Neurons, layers and networks built from `Value`s, as in micrograd, plus a tiny layer library.

    from engine.nn import MLP
    model = MLP(2, [16, 16, 1])       # micrograd's demo network
    score = model([Value(0.5), Value(-1.0)])   # one output: a Value, not a list

Two ways to build a network:

- micrograd's: `Neuron`, `Layer` and `MLP`. Hidden neurons apply an activation
  (ReLU unless you choose another); the last layer is linear. A layer with one
  neuron returns a single `Value`.
- a tiny PyTorch-like library: `Sequential(Linear(2, 16), ReLU(), Linear(16, 1))`.
  Layers take and return lists of `Value`s.

A neuron computes its weighted sum `w·x + b` with `Value.dot`: one node in the
graph instead of micrograd's 2n, which is most of why this engine is fast.

Initial weights come from Python's global `random`, as in micrograd:
`random.seed(1337)` then `MLP(2, [16, 16, 1])` gives micrograd's demo network
bit for bit, and two neurons built one after the other differ. Pass `seed=`
(a fresh `random.Random(seed)`) or `rng=` (a generator of your own) for
weights that do not depend on what ran before, as lessons do.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from types import ModuleType

from engine.value import Value

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_SEED",
    "MLP",
    "Dense",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
]

DEFAULT_SEED = 1337  # micrograd's demo seed; the default of engine.tensor_nn's layers

# name -> the function a neuron applies to its weighted sum (None: leave it as it is)
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}

RandomSource = random.Random | ModuleType  # a generator, or the `random` module itself (its global state)

_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}


def _rng(rng: RandomSource | None, seed: int | None) -> RandomSource:
    """Where weights are drawn from: `rng`, else a fresh `random.Random(seed)`, else the global `random`."""
    if rng is not None:
        return rng
    if seed is not None:
        return random.Random(seed)
    return random  # its functions draw from the global state, which random.seed(k) sets


def _values(x: Sequence[Value | float] | Value | float) -> list[Value]:
    """Inputs as a list of Values; plain numbers become leaves (once, shared by every neuron)."""
    if isinstance(x, Value) or not hasattr(x, "__len__"):
        x = [x]
    return [xi if isinstance(xi, Value) else Value(xi) for xi in x]


class Module:
    """Anything with parameters: `parameters()` lists them, `zero_grad()` resets their grads."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """`activation(w·x + b)`: weights uniform in [-1, 1], bias 0, as in micrograd.

    `nonlin=False` (or `activation="linear"`) gives a linear neuron.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str = "relu",
        *,
        rng: RandomSource | None = None,
        seed: int | None = None,
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        rng = _rng(rng, seed)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin and activation != "linear"
        self.activation = activation if self.nonlin else "linear"
        self._act = ACTIVATIONS[self.activation]

    def __call__(self, x: Sequence[Value | float]) -> Value:
        act = Value.dot(self.w, x, self.b)
        return self._act(act) if self._act else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{_NAMES[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons that all see the same inputs. One neuron: returns a `Value`, as in micrograd."""

    def __init__(self, nin: int, nout: int, *, rng: RandomSource | None = None, seed: int | None = None, **kwargs):
        rng = _rng(rng, seed)
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        x = _values(x)
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: `MLP(2, [16, 16, 1])` has two hidden ReLU layers and a linear output.

    `activation` is used by every hidden layer: "relu", "tanh", "sigmoid" or "linear".
    """

    def __init__(
        self,
        nin: int,
        nouts: list[int],
        activation: str = "relu",
        seed: int | None = None,
        *,
        rng: RandomSource | None = None,
    ):
        rng = _rng(rng, seed)
        sz = [nin, *nouts]
        self.layers = [
            Layer(sz[i], sz[i + 1], rng=rng, nonlin=i != len(nouts) - 1, activation=activation)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# -- a tiny layer library --------------------------------------------------------------


class Linear(Module):
    """A fully connected layer `y = W·x + b` (also called Dense): `nin` inputs, `nout` outputs, no activation.

    Weights are uniform in [-1/√nin, 1/√nin] and biases 0, so that deep stacks
    start with outputs of a sensible size. Always returns a list of `nout` Values.
    """

    def __init__(self, nin: int, nout: int, *, rng: RandomSource | None = None, seed: int | None = None):
        rng = _rng(rng, seed)
        bound = 1.0 / math.sqrt(nin)
        self.nin, self.nout = nin, nout
        self.weights = [[Value(rng.uniform(-bound, bound)) for _ in range(nin)] for _ in range(nout)]
        self.biases = [Value(0.0) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        x = _values(x)
        return [Value.dot(w, x, b) for w, b in zip(self.weights, self.biases)]

    def parameters(self) -> list[Value]:
        return [p for w, b in zip(self.weights, self.biases) for p in (*w, b)]

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout})"


Dense = Linear


class _Activation(Module):
    """Applies one function to every input; has no parameters."""

    fn: Callable[[Value], Value]

    def __call__(self, x: Sequence[Value | float] | Value) -> list[Value] | Value:
        if isinstance(x, Value):
            return self.fn(x)
        return [self.fn(xi) for xi in _values(x)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    fn = staticmethod(Value.relu)


class Tanh(_Activation):
    fn = staticmethod(Value.tanh)


class Sigmoid(_Activation):
    fn = staticmethod(Value.sigmoid)


class Sequential(Module):
    """Layers applied one after the other: `Sequential(Linear(2, 8), Tanh(), Linear(8, 1))`."""

    def __init__(self, *layers: Module):
        self.layers = list(layers)

    def __call__(self, x: Sequence[Value | float]) -> list[Value] | Value:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"
