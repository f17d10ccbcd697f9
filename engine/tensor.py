"""A tensor that remembers how it was computed: backprop for whole arrays at once.

    from engine.tensor import Tensor, cross_entropy
    W = Tensor(np.random.default_rng(0).standard_normal((30, 27)), label="W")
    logits = x @ W                       # x: a (32, 30) Tensor
    loss = cross_entropy(logits, y)      # y: 32 integer classes
    loss.backward()                      # W.grad: shape (30, 27)

`engine.value.Value` holds one number; a `Tensor` holds a NumPy array and does
the same bookkeeping for all of its numbers together. Every operation comes in
two parts, written side by side:

    forward:   out = a * b                       (NumPy does the arithmetic)
    backward:  ∂L/∂a = g * b,   ∂L/∂b = g * a    where g = ∂L/∂out, the upstream grad

For a scalar, the local derivative is one number that the node can keep
(`Value._local`). For arrays it is a Jacobian: for `tanh` of 6,400 numbers, a
6,400 × 6,400 matrix that is zero off its diagonal. Backprop never needs that
matrix, only the product of the upstream grad with it, the vector-Jacobian
product (VJP). So a node keeps what its VJP needs, as data: its inputs in
`_prev`, the name of its operation in `_op` and any extra numbers in `_saved`
(an axis, the picked indices, the softmax probabilities). The VJP of each
operation is a small function written right under the operation and
registered in the table `RULES`. Backward is then the same loop as for Value:

    for node in reversed topological order:
        for child, vjp in zip(node._prev, RULES[node._op].vjp(node, node.grad)):
            child.grad += vjp                    # the chain rule

There are no closures, so a graph holds no reference cycles and is freed the
moment the last name pointing at it goes away.

Broadcasting: `h + b` with h of shape (32, 200) and b of shape (200,) uses
each number of b 32 times, once per row, so b's grad is the sum of the 32
rows of g. `_unbroadcast` does that sum for every elementwise operation.

Tensors hold float64 numbers, so a tensor computation and the same
computation built from `Value`s agree to the last few bits.

Beside this file, as for Value: `engine.tensor_trace` runs backward one node
at a time as records to step through, `engine.tensor_explain` says what a
node computed and what it sends back in words, and `engine.tensor_check`
checks a grad by central differences. Layers built from these operations are
in `engine.tensor_nn`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from engine.graph import reversed_topological_order

__all__ = [
    "RULES",
    "MaxResult",
    "Rule",
    "Tensor",
    "cat",
    "cross_entropy",
    "embedding",
    "multinomial",
    "one_hot",
    "pad",
    "stack",
    "windows",
]

Axis = int | Sequence[int] | None


class MaxResult(NamedTuple):
    """What PyTorch's `t.max(dim)` gives: the largest values, and where along `dim` each one is."""

    values: Tensor
    indices: np.ndarray


class Rule(NamedTuple):
    """How one operation goes backward: its vector-Jacobian product, and both formulas in words.

    In the formulas `{0}`, `{1}` stand for the inputs, `{out}` for the output,
    `g` for the upstream grad ∂L/∂out, and `{all}` for all inputs of a
    variadic operation (`cat`, `stack`).
    """

    op: str
    forward: str  # e.g. "{0} * {1}"
    grads: tuple[str, ...]  # ∂L/∂input for each input, e.g. ("g * {1}", "g * {0}")
    vjp: Callable[[Tensor, np.ndarray], tuple[np.ndarray, ...]]


RULES: dict[str, Rule] = {}  # op -> its backward rule


def rule(op: str, forward: str, *grads: str) -> Callable:
    """Register the function below as the backward rule of `op`: (out, g) -> a grad for each input."""

    def register(vjp: Callable) -> Callable:
        RULES[op] = Rule(op, forward, grads, vjp)
        return vjp

    return register


class Tensor:
    """An array of numbers that records the operation that made it, for backprop.

    `data` holds the numbers (a float64 array), `grad` holds ∂L/∂data after
    `L.backward()`, in the same shape. `Tensor(data)` copies `data`.
    """

    __slots__ = ("data", "grad", "_prev", "_op", "_saved", "label", "__weakref__")  # noqa: RUF023 (in reading order)
    __array_ufunc__ = None  # `array * tensor` is then Tensor.__rmul__, not an array of tensors

    def __init__(self, data: Any, label: str = ""):
        if isinstance(data, Tensor):
            data = data.data
        data = np.array(data, dtype=np.float64)  # a copy: the tensor owns its numbers
        _check_finite(data, "Tensor data")
        self.data = data
        self.grad = np.zeros(data.shape)
        self._prev: tuple[Tensor, ...] = ()  # the inputs this tensor was computed from
        self._op = ""  # the operation that produced it ('' for a leaf)
        self._saved: tuple = ()  # what the operation's backward rule needs besides the inputs
        self.label = label

    # -- what it holds ---------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def nelement(self) -> int:
        """How many numbers the tensor holds (PyTorch's name for `size`)."""
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The one number of a tensor with a single element."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """A copy of the numbers as a NumPy array."""
        return self.data.copy()

    def detach(self) -> Tensor:
        """The same numbers as a new leaf, cut off from the graph."""
        return Tensor(self.data, label=self.label)

    # -- elementwise arithmetic, with NumPy broadcasting -------------------------------

    def __add__(self, other: Tensor | Any) -> Tensor:
        other = _as_tensor(other)
        return _node(self.data + other.data, (self, other), "+")

    @rule("+", "{0} + {1}", "g", "g")
    def _add_vjp(out, g):
        a, b = out._prev
        return _unbroadcast(g, a.shape), _unbroadcast(g, b.shape)

    def __sub__(self, other: Tensor | Any) -> Tensor:
        other = _as_tensor(other)
        return _node(self.data - other.data, (self, other), "-")

    @rule("-", "{0} - {1}", "g", "-g")
    def _sub_vjp(out, g):
        a, b = out._prev
        return _unbroadcast(g, a.shape), _unbroadcast(-g, b.shape)

    def __mul__(self, other: Tensor | Any) -> Tensor:
        other = _as_tensor(other)
        return _node(self.data * other.data, (self, other), "*")

    @rule("*", "{0} * {1}", "g * {1}", "g * {0}")
    def _mul_vjp(out, g):
        a, b = out._prev
        return _unbroadcast(g * b.data, a.shape), _unbroadcast(g * a.data, b.shape)

    def __truediv__(self, other: Tensor | Any) -> Tensor:
        other = _as_tensor(other)
        if not other.data.all():
            raise ZeroDivisionError(f"division by zero: the divisor (shape {other.shape}) contains 0")
        return _node(self.data / other.data, (self, other), "/")

    @rule("/", "{0} / {1}", "g / {1}", "-g * {0} / {1}²")
    def _div_vjp(out, g):
        a, b = out._prev
        return _unbroadcast(g / b.data, a.shape), _unbroadcast(-g * out.data / b.data, b.shape)  # a/b² = out/b

    def __pow__(self, k: float) -> Tensor:
        if not isinstance(k, Real) or isinstance(k, bool):
            raise TypeError(f"Tensor ** k needs a number k, got {type(k).__name__}")
        k, a = float(k), self.data
        if not float(k).is_integer() and (a < 0).any():
            raise ValueError(f"tensor ** {k:g}: a negative base with a fractional exponent is not a real number")
        if k < 1 and k != 0 and not a.all():
            raise ZeroDivisionError(
                f"tensor ** {k:g}: the tensor contains 0, where the result or its slope is infinite"
            )
        out = a**k
        _check_finite(out, f"tensor ** {k:g}")
        return _node(out, (self,), "**", (k,))

    @rule("**", "{0} ** k", "g * k * {0} ** (k-1)")
    def _pow_vjp(out, g):
        (a,), (k,) = out._prev, out._saved
        return (g * (k * a.data ** (k - 1)) if k != 0 else np.zeros_like(a.data),)

    def __neg__(self) -> Tensor:
        return _node(-self.data, (self,), "neg")

    @rule("neg", "-{0}", "-g")
    def _neg_vjp(out, g):
        return (-g,)

    def __radd__(self, other: Any) -> Tensor:  # other + self
        return _as_tensor(other) + self

    def __rsub__(self, other: Any) -> Tensor:  # other - self
        return _as_tensor(other) - self

    def __rmul__(self, other: Any) -> Tensor:  # other * self
        return _as_tensor(other) * self

    def __rtruediv__(self, other: Any) -> Tensor:  # other / self
        return _as_tensor(other) / self

    # -- matrix multiplication ---------------------------------------------------------

    def __matmul__(self, other: Tensor | Any) -> Tensor:
        other = _as_tensor(other)
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape}: both need at least one dimension")
        rows_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != rows_b:
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} do not fit: "
                f"the first has {a.shape[-1]} columns, the second {rows_b} rows"
            )
        try:
            out = a @ b
        except ValueError:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape}: the batch dimensions do not broadcast") from None
        return _node(out, (self, other), "@")

    def __rmatmul__(self, other: Any) -> Tensor:  # other @ self
        return _as_tensor(other) @ self

    @rule("@", "{0} @ {1}", "g @ {1}ᵀ", "{0}ᵀ @ g")
    def _matmul_vjp(out, g):
        a, b = out._prev
        A, B = a.data, b.data
        if B.ndim == 1:  # a vector on the right is a one-column matrix
            B, g = B[:, None], g[..., None]
        if A.ndim == 1:  # a vector on the left is a one-row matrix
            A, g = A[None, :], g[..., None, :]
        ga = g @ np.swapaxes(B, -1, -2)
        if B.ndim == 2 and A.ndim > 2:  # a batch of rows times one matrix: sum over the batch in one product
            gb = A.reshape(-1, A.shape[-1]).T @ g.reshape(-1, g.shape[-1])
        else:
            gb = np.swapaxes(A, -1, -2) @ g
        return _unbroadcast(ga, A.shape).reshape(a.shape), _unbroadcast(gb, B.shape).reshape(b.shape)

    # -- reductions over axes ------------------------------------------------------------

    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Σ over `axis` (all by default). PyTorch's `dim=` and `keepdim=` are accepted too, here and below."""
        axis, keepdims = _torch_names(axis, keepdims, dim, keepdim)
        axes = _axes(axis, self.shape)
        return _node(np.sum(self.data, axis=axes, keepdims=keepdims), (self,), "sum", (axes, keepdims))

    @rule("sum", "Σ {0}", "g, copied along the summed axes")
    def _sum_vjp(out, g):
        (a,), (axes, keepdims) = out._prev, out._saved
        return (np.broadcast_to(_keep(g, axes, keepdims), a.shape),)

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        axis, keepdims = _torch_names(axis, keepdims, dim, keepdim)
        axes = _axes(axis, self.shape)
        return _node(np.mean(self.data, axis=axes, keepdims=keepdims), (self,), "mean", (axes, keepdims))

    @rule("mean", "mean {0}", "g / n, copied along the averaged axes")
    def _mean_vjp(out, g):
        (a,), (axes, keepdims) = out._prev, out._saved
        return (np.broadcast_to(_keep(g, axes, keepdims) / _count(a.shape, axes), a.shape),)

    def max(
        self, axis: Axis = None, keepdims: bool = False, *, dim: int | None = None, keepdim: bool | None = None
    ) -> Tensor | MaxResult:
        """The largest numbers along `axis` (NumPy's way: a Tensor).

        PyTorch's way, `t.max(dim=1)` or `t.max(1, keepdim=True)`, gives `(values, indices)`: the values as a
        Tensor and, for each, the position of its maximum along `dim` (an integer array: tensors hold floats).
        """
        if self.size == 0:
            raise ValueError("max of an empty tensor")
        torch_style = dim is not None or keepdim is not None
        axis, keepdims = _torch_names(axis, keepdims, dim, keepdim)
        axes = _axes(axis, self.shape)
        values = _node(np.max(self.data, axis=axes, keepdims=keepdims), (self,), "max", (axes, keepdims))
        if not torch_style:
            return values
        if len(axes) != 1:
            raise ValueError(f"max(dim=...) gives indices along one axis; got the axes {axes}")
        return MaxResult(values, np.argmax(self.data, axis=axes[0], keepdims=keepdims))

    @rule("max", "max {0}", "g where {0} is the max, else 0 (tied maxima share g)")
    def _max_vjp(out, g):
        (a,), (axes, keepdims) = out._prev, out._saved
        winners = a.data == _keep(out.data, axes, keepdims)
        return (winners * (_keep(g, axes, keepdims) / winners.sum(axis=axes, keepdims=True)),)

    def var(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        correction: int = 1,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Variance, Σ(x - mean)² / (n - correction): correction=1 (the default, as in PyTorch) is Bessel's."""
        axis, keepdims = _torch_names(axis, keepdims, dim, keepdim)
        axes = _axes(axis, self.shape)
        n = _count(self.shape, axes)
        if n - correction <= 0:
            raise ValueError(f"var over {n} number(s) with correction={correction} divides by {n - correction}")
        d = self.data - self.data.mean(axis=axes, keepdims=True)
        out = np.sum(d * d, axis=axes, keepdims=keepdims) / (n - correction)
        return _node(out, (self,), "var", (axes, keepdims, correction, d))

    @rule("var", "Σ({0} - mean)² / (n - correction)", "g * 2({0} - mean) / (n - correction)")
    def _var_vjp(out, g):
        (a,), (axes, keepdims, correction, d) = out._prev, out._saved
        # the mean depends on a too, but its term is Σ(a - mean) = 0
        return (_keep(g, axes, keepdims) * d * (2.0 / (_count(a.shape, axes) - correction)),)

    def std(self, dim: Axis = None, keepdim: bool = False, unbiased: bool = True) -> Tensor:
        """Standard deviation, as PyTorch spells it: √var, with n - 1 below the line unless `unbiased=False`."""
        return self.var(dim, keepdim, correction=1 if unbiased else 0) ** 0.5

    # -- changing the shape ------------------------------------------------------------

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same numbers in a new shape: `x.reshape(32, -1)` or `x.reshape((32, -1))`."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot put {self.size} numbers (shape {self.shape}) in shape {shape}") from None
        return _node(out, (self,), "reshape")

    view = reshape  # PyTorch's name, used in makemore

    @rule("reshape", "{0} reshaped", "g reshaped back")
    def _reshape_vjp(out, g):
        return (g.reshape(out._prev[0].shape),)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Axes in a new order (reversed if none are given, as in NumPy)."""
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], Sequence) else axes
        axes = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        return _node(self.data.transpose(axes), (self,), "transpose", (axes,))

    @property
    def T(self) -> Tensor:
        return self.transpose()

    @rule("transpose", "{0}ᵀ", "gᵀ (the axes put back)")
    def _transpose_vjp(out, g):
        (axes,) = out._saved
        return (g.transpose(np.argsort(axes)),)

    # -- picking numbers out -----------------------------------------------------------

    def __getitem__(self, index: Any) -> Tensor:
        """Basic indexing (`x[0]`, `x[:, 1:3]`) and integer arrays (`x[[0, 0, 2]]`, `x[np.arange(n), y]`)."""
        index = _index(index)
        return _node(self.data[index], (self,), "index", (index,))

    @rule("index", "{0}[i]", "g added back at the picked positions (a position picked twice gets both)")
    def _index_vjp(out, g):
        (a,), (index,) = out._prev, out._saved
        grad = np.zeros_like(a.data)
        if _is_basic(index):
            grad[index] = g  # a slice picks each position once
        else:
            np.add.at(grad, index, g)  # unbuffered: repeated indices all add up
        return (grad,)

    # -- elementwise functions -------------------------------------------------------

    def tanh(self) -> Tensor:
        return _node(np.tanh(self.data), (self,), "tanh")

    @rule("tanh", "tanh({0})", "g * (1 - {out}²)")
    def _tanh_vjp(out, g):
        t = out.data
        return (g * (1.0 - t * t),)

    def relu(self) -> Tensor:
        return _node(np.maximum(self.data, 0.0), (self,), "relu")

    @rule("relu", "relu({0})", "g where {0} > 0, else 0")
    def _relu_vjp(out, g):
        return (g * (out._prev[0].data > 0),)

    def sigmoid(self) -> Tensor:
        return _node(0.5 * (1.0 + np.tanh(0.5 * self.data)), (self,), "sigmoid")  # = 1/(1+e^-x), never overflows

    @rule("sigmoid", "σ({0})", "g * {out} * (1 - {out})")
    def _sigmoid_vjp(out, g):
        s = out.data
        return (g * s * (1.0 - s),)

    def exp(self) -> Tensor:
        with np.errstate(over="ignore"):
            out = np.exp(self.data)
        if not np.isfinite(out).all():
            raise OverflowError(f"exp of {self.data.max():g} is too large for a float (exp(709.78) is the largest)")
        return _node(out, (self,), "exp")

    @rule("exp", "exp({0})", "g * {out}")
    def _exp_vjp(out, g):
        return (g * out.data,)

    def log(self) -> Tensor:
        a = self.data
        if not (a > 0).all():
            raise ValueError(f"log of {a.min():g}: the logarithm needs positive numbers")
        return _node(np.log(a), (self,), "log")

    @rule("log", "ln({0})", "g / {0}")
    def _log_vjp(out, g):
        return (g / out._prev[0].data,)

    # -- softmax -----------------------------------------------------------------------

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / Σ exp(x) along `axis`, computed as exp(x - max) / Σ exp(x - max) so that it never overflows."""
        e = np.exp(self.data - self.data.max(axis=axis, keepdims=True))
        return _node(e / e.sum(axis=axis, keepdims=True), (self,), "softmax", (axis,))

    @rule("softmax", "softmax({0})", "{out} * (g - Σ g * {out})")
    def _softmax_vjp(out, g):
        (axis,), p = out._saved, out.data
        return (p * (g - (g * p).sum(axis=axis, keepdims=True)),)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - log Σ exp(x) along `axis`: log-probabilities, stable for any size of x."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        return _node(shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), (self,), "log_softmax", (axis,))

    @rule("log_softmax", "log_softmax({0})", "g - softmax({0}) * Σ g")
    def _log_softmax_vjp(out, g):
        (axis,) = out._saved
        return (g - np.exp(out.data) * g.sum(axis=axis, keepdims=True),)

    # -- backprop ------------------------------------------------------------------------

    def backward(self, grad: Any = None) -> None:
        """Fill in ∂self/∂node as `.grad` of every tensor this one depends on.

        Semantics follow PyTorch and `Value.backward`: the grads of interior
        tensors are recomputed on each call, the grads of leaves (inputs and
        parameters) accumulate across calls; zero them between steps. A tensor
        with more than one number needs `grad`, the ∂L/∂self to start from.
        """
        for node in start_backward(self, grad):  # root first, every node before its inputs
            if node._prev:
                for child, vjp in zip(node._prev, RULES[node._op].vjp(node, node.grad)):
                    child.grad = child.grad + vjp  # the chain rule (a new array: grads are never changed in place)

    def __repr__(self) -> str:
        parts = [np.array2string(self.data, precision=4, separator=", ")] if self.size <= 8 else []
        parts.append(f"shape={self.shape}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op:
            parts.append(f"op={self._op!r}")
        return f"Tensor({', '.join(parts)})"


# -- operations on several tensors ---------------------------------------------------------


def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (`torch.cat`, `np.concatenate`)."""
    tensors = tuple(_as_tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("cat needs at least one tensor")
    try:
        out = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError:
        raise ValueError(f"cat along axis {axis}: shapes {[t.shape for t in tensors]} do not fit") from None
    return _node(out, tensors, "cat", (axis, [t.shape[axis] for t in tensors]))


@rule("cat", "[{all}] joined", "g cut back into its pieces")
def _cat_vjp(out, g):
    axis, sizes = out._saved
    return tuple(np.split(g, np.cumsum(sizes)[:-1], axis=axis))


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Put tensors of the same shape side by side along a new axis (`torch.stack`)."""
    tensors = tuple(_as_tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack needs tensors of one shape, got {sorted(shapes)}")
    return _node(np.stack([t.data for t in tensors], axis=axis), tensors, "stack", (axis,))


@rule("stack", "[{all}] stacked", "g sliced along the new axis")
def _stack_vjp(out, g):
    (axis,) = out._saved
    return tuple(np.moveaxis(g, axis, 0))


def one_hot(ix: Any, num_classes: int) -> Tensor:
    """`F.one_hot(ix, num_classes).float()`: a leaf of shape ix.shape + (num_classes,), 1.0 at each index."""
    ix = _int_array(ix, "one_hot indices")
    if ix.size and (ix.min() < 0 or ix.max() >= num_classes):
        raise IndexError(f"one_hot: index {ix.min() if ix.min() < 0 else ix.max()} is not a class 0..{num_classes - 1}")
    return Tensor(np.eye(num_classes)[ix])


def multinomial(
    probs: Tensor | Any, num_samples: int = 1, replacement: bool = False, generator: np.random.Generator | None = None
) -> np.ndarray:
    """`torch.multinomial`: `num_samples` class indices drawn from each row of `probs` (weights, any scale).

    Integers come back as a NumPy array (tensors hold floats). `generator` is a
    `np.random.default_rng(seed)`, as makemore passes a seeded torch.Generator.
    """
    p = np.asarray(probs.data if isinstance(probs, Tensor) else probs, dtype=np.float64)
    if p.ndim not in (1, 2) or (p < 0).any() or not np.isfinite(p).all() or not (p.sum(axis=-1) > 0).all():
        raise ValueError("multinomial needs one or two axes of weights >= 0, each row with a positive sum")
    if not replacement and num_samples > (p > 0).sum(axis=-1).min():
        raise ValueError(f"multinomial: {num_samples} samples without replacement need as many classes with weight > 0")
    rng = generator if generator is not None else np.random.default_rng()
    rows = p.reshape(-1, p.shape[-1])
    picks = [rng.choice(rows.shape[1], size=num_samples, replace=replacement, p=row / row.sum()) for row in rows]
    return np.array(picks).reshape(*p.shape[:-1], num_samples)


def embedding(weight: Tensor, ix: Any) -> Tensor:
    """Rows of `weight` picked by integer indices of any shape: `C[X]` in makemore, shape ix.shape + (dim,)."""
    ix = _int_array(ix, "embedding indices")
    rows = weight.shape[0]
    if ix.size and (ix.min() < 0 or ix.max() >= rows):
        bad = ix.min() if ix.min() < 0 else ix.max()
        raise IndexError(f"embedding: index {bad} is out of range for a table of {rows} rows")
    return _node(weight.data[ix], (weight,), "embed", (ix,))


@rule("embed", "{0}[ix]", "the rows of g added into the rows they were looked up from")
def _embed_vjp(out, g):
    (weight,), (ix,) = out._prev, out._saved
    rows = ix.ravel()
    per_row = g.reshape(ix.size, math.prod(weight.shape[1:]))  # one row of grads per lookup
    # A row looked up twice gets both: each column's grads summed by row, in lookup order (as np.add.at adds
    # them, bit for bit, many times faster on a whole dataset's lookups)
    sums = [np.bincount(rows, weights=column, minlength=weight.shape[0]) for column in per_row.T]
    grad = np.stack(sums, axis=1) if sums else np.zeros((weight.shape[0], 0))
    return (grad.reshape(weight.shape),)


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Mean of -log softmax(logits)[target] over the rows: `F.cross_entropy` in one node.

    `logits` has shape (..., C) and `targets` integer classes of shape (...).
    Fused: the forward pass never takes the log of a tiny probability, and the
    backward pass is one formula, (softmax - one_hot(targets)) / N.
    """
    z = logits.data
    t = _int_array(targets, "cross_entropy targets")
    if z.ndim == 0 or t.shape != z.shape[:-1]:
        raise ValueError(
            f"cross_entropy: logits of shape {z.shape} need targets of shape {z.shape[:-1]}, got {t.shape}"
        )
    classes = z.shape[-1]
    z, t = z.reshape(-1, classes), t.reshape(-1)
    if t.size == 0:
        raise ValueError("cross_entropy of an empty batch")
    if t.min() < 0 or t.max() >= classes:
        raise IndexError(f"cross_entropy: target {t.min() if t.min() < 0 else t.max()} is not a class 0..{classes - 1}")
    shifted = z - z.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = probs.sum(axis=1, keepdims=True)
    log_sum = np.log(total)
    rows = np.arange(t.size)
    loss = -(shifted[rows, t] - log_sum[:, 0]).mean()
    probs /= total  # softmax (each exp once), kept for backward
    return _node(np.asarray(loss), (logits,), "cross_entropy", (t, probs))


@rule("cross_entropy", "mean(-log softmax({0})[targets])", "g * (softmax({0}) - one_hot(targets)) / N")
def _cross_entropy_vjp(out, g):
    (logits,), (t, probs) = out._prev, out._saved
    grad = probs.copy()
    grad[np.arange(t.size), t] -= 1.0
    grad *= g / t.size
    return (grad.reshape(logits.shape),)


def pad(x: Tensor, widths: Sequence[tuple[int, int]]) -> Tensor:
    """Zeros around `x`: `widths` gives (before, after) for every axis, as in `np.pad`."""
    widths = tuple((int(b), int(a)) for b, a in widths)
    if len(widths) != x.ndim or any(b < 0 or a < 0 for b, a in widths):
        raise ValueError(f"pad: need one (before, after) pair of sizes >= 0 per axis of {x.shape}, got {widths}")
    return _node(np.pad(x.data, widths), (x,), "pad", (widths,))


@rule("pad", "{0} padded with zeros", "g with the padding cut off")
def _pad_vjp(out, g):
    (x,), (widths,) = out._prev, out._saved
    return (g[tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape))],)


def windows(x: Tensor, kernel: Sequence[int], stride: Sequence[int] | None = None) -> Tensor:
    """Every `kernel`-sized window over the last len(kernel) axes, moved `stride` at a time.

    For x of shape (B, C, H, W) and kernel (kh, kw) the result has shape
    (B, C, Ho, Wo, kh, kw): window (i, j) starts at row i·sh, column j·sw.
    A convolution is then a matrix product with the kernel (im2col), and a
    pooling layer a max or mean over the last two axes.
    """
    kernel = tuple(int(k) for k in kernel)
    stride = kernel if stride is None else tuple(int(s) for s in stride)
    k = len(kernel)
    if len(stride) != k or x.ndim < k or min(stride, default=1) < 1:
        raise ValueError(f"windows: kernel {kernel} and stride {stride} do not fit a tensor of shape {x.shape}")
    if any(n < kk for n, kk in zip(x.shape[-k:], kernel)):
        raise ValueError(f"windows: kernel {kernel} is larger than the last axes of shape {x.shape}")
    view = np.lib.stride_tricks.sliding_window_view(x.data, kernel, axis=tuple(range(x.ndim - k, x.ndim)))
    out = view[(..., *(slice(None, None, s) for s in stride), *(slice(None),) * k)]
    return _node(out, (x,), "windows", (kernel, stride))


@rule("windows", "windows of {0}", "each window's g added back where the window came from")
def _windows_vjp(out, g):
    (x,), (kernel, stride) = out._prev, out._saved
    k = len(kernel)
    sizes = out.shape[-2 * k : -k]  # how many windows along each axis
    grad = np.zeros_like(x.data)
    for offset in itertools.product(*(range(n) for n in kernel)):  # one kernel position at a time
        target = tuple(slice(o, o + s * (n - 1) + 1, s) for o, s, n in zip(offset, stride, sizes))
        grad[(..., *target)] += g[(..., *offset)]
    return (grad,)


# -- helpers ---------------------------------------------------------------------------------


def _node(data: Any, prev: tuple[Tensor, ...], op: str, saved: tuple = ()) -> Tensor:
    """The result of an operation: its numbers are fresh from NumPy, so no copy and no check."""
    out = object.__new__(Tensor)
    out.data = data = np.asarray(data)
    out.grad = np.zeros(data.shape)
    out._prev = prev
    out._op = op
    out._saved = saved
    out.label = ""
    return out


def _torch_names(axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None) -> tuple[Axis, bool]:
    """NumPy's `axis`/`keepdims` from either spelling; PyTorch's `dim`/`keepdim` when given."""
    if dim is not None:
        if axis is not None:
            raise TypeError("give the axis as axis= or as dim=, not both")
        axis = dim
    return axis, keepdims if keepdim is None else keepdim


def _as_tensor(x: Any) -> Tensor:
    """Tensors as they are; numbers and arrays become leaves (constants, as `Value` makes them)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_finite(data: np.ndarray, what: str) -> None:
    if not np.isfinite(data).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(data))[0])
        raise ValueError(f"{what} must be finite, got {data[where]} at index {where}")


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum g back to `shape`: over the axes broadcasting added in front and those stretched from size 1."""
    if g.shape == shape:
        return g
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True) if stretched else g


def _axes(axis: Axis, shape: tuple[int, ...]) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative axes (None: all of them)."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor of shape {shape}")
    return tuple(sorted(a % ndim for a in axes))


def _keep(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """A reduced array with the reduced axes put back as size 1, so it broadcasts against the input."""
    return g if keepdims else np.expand_dims(g, axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many numbers each result of a reduction over `axes` combines."""
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _int_array(x: Any, what: str) -> np.ndarray:
    if isinstance(x, Tensor):
        raise TypeError(f"{what} must be an integer array, not a Tensor (tensors hold floats)")
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got an array of {x.dtype}")
    return x


def _index(index: Any) -> Any:
    """An index with lists turned into integer arrays; tensors and boolean masks refused."""
    parts = index if isinstance(index, tuple) else (index,)
    fixed = []
    for part in parts:
        if isinstance(part, Tensor):
            raise TypeError("index a tensor with ints, slices or integer arrays, not a Tensor (tensors hold floats)")
        if isinstance(part, list | np.ndarray):
            part = np.asarray(part)
            if part.dtype.kind == "b":
                raise TypeError("boolean masks are not supported: index with np.nonzero(mask) instead")
            part = _int_array(part, "index arrays")
        fixed.append(part)
    return tuple(fixed) if isinstance(index, tuple) else fixed[0]


def _is_basic(index: Any) -> bool:
    """Does `index` pick each position at most once (ints, slices, None, ...), with no integer arrays?"""
    parts = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(p, np.ndarray) for p in parts)


def _seed(root: Tensor, grad: Any) -> np.ndarray:
    """∂L/∂root to start backward from: 1 for a single number, else `grad` of root's shape."""
    if grad is None:
        if root.size != 1:
            raise ValueError(
                f"backward() of a tensor of shape {root.shape} needs grad= of that shape "
                "(or reduce it to one number first, e.g. with .sum() or .mean())"
            )
        return np.ones_like(root.data)
    grad = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=np.float64)
    if grad.shape != root.shape:
        raise ValueError(f"backward: grad of shape {grad.shape} for a tensor of shape {root.shape}")
    return grad


def start_backward(root: Tensor, grad: Any) -> list[Tensor]:
    """What `backward()` does before its loop: zero interior grads, seed the root; the order to visit nodes in."""
    order = reversed_topological_order(root)
    for node in order:
        if node._prev or node.grad is None:  # `t.grad = None`, as PyTorch zeroes a grad, starts from zero
            node.grad = np.zeros(node.data.shape)  # interior grads are recomputed from zero
    seed = _seed(root, grad)
    root.grad = seed if root._prev else root.grad + seed
    return order
