"""A scalar value that remembers how it was computed: the heart of backprop.

Every operation below does two things, written side by side:

    forward:  out = a * b
    local:    ∂out/∂a = b,   ∂out/∂b = a

`_prev` holds the inputs (children) of a node and `_local` the local
derivative of the node with respect to each of them, as plain numbers taken
when the forward pass runs. Backward is then one loop, the chain rule:

    child.grad += ∂out/∂child × out.grad

There are no closures, so a graph holds no reference cycles and is freed the
moment the last name pointing at it goes away.
"""

from __future__ import annotations

import math
from numbers import Real
from operator import mul

from engine.graph import reversed_topological_order

__all__ = ["Value"]


def _number(x: object, what: str) -> float:
    """Check that `x` is a finite real number and return it as a float."""
    if type(x) is not float:
        if isinstance(x, bool) or not isinstance(x, Real):
            raise TypeError(f"{what} must be a real number, got {type(x).__name__} {x!r}")
        x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


class Value:
    """A scalar that records the operation that made it, for backprop."""

    __slots__ = ("data", "grad", "_prev", "_local", "_op", "label")  # noqa: RUF023 (in reading order)

    def __init__(self, data: float, _prev: tuple = (), _op: str = "", label: str = "", _local: tuple = ()):
        if type(data) is not float or not math.isfinite(data):
            data = _number(data, f"the result of {_op!r}" if _op else "Value data")
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_prev)  # the inputs this node was computed from
        self._local = _local  # ∂self/∂input for each input, same order as _prev
        self._op = _op  # the operation that produced this node ('' for a leaf)
        self.label = label

    # -- arithmetic ------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # out = a + b                      ∂out/∂a = 1, ∂out/∂b = 1
        return Value(self.data + other.data, (self, other), "+", _local=(1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # out = a * b                      ∂out/∂a = b, ∂out/∂b = a
        return Value(self.data * other.data, (self, other), "*", _local=(other.data, self.data))

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        k = _number(other, "exponent")
        a = self.data
        if a < 0 and not k.is_integer():
            raise ValueError(f"{a} ** {k:g}: a negative base with a fractional exponent is not a real number")
        if a == 0 and k < 0:
            raise ZeroDivisionError(f"0 ** {k:g}: division by zero")
        if a == 0 and 0 < k < 1:
            raise ZeroDivisionError(f"0 ** {k:g}: the slope at zero is infinite")
        try:
            out, slope = a**k, (k * a ** (k - 1) if k != 0 else 0.0)
        except OverflowError:
            raise OverflowError(f"{a} ** {k:g} is too large for a float") from None
        # out = a**k                       ∂out/∂a = k * a**(k-1)
        return Value(out, (self,), f"**{k:g}", _local=(slope,))

    def _pow_value(self, other: Value) -> Value:
        a, k = self.data, other.data
        if a <= 0:
            raise ValueError(f"{a} ** Value: the base must be positive when the exponent is a Value")
        try:
            out = a**k
            slope = k * a ** (k - 1)
        except OverflowError:
            raise OverflowError(f"{a} ** {k} is too large for a float") from None
        # out = a**k                       ∂out/∂a = k * a**(k-1), ∂out/∂k = out * ln(a)
        return Value(out, (self, other), "**", _local=(slope, out * math.log(a)))

    def __rpow__(self, base: float) -> Value:  # base ** self
        return Value(_number(base, "base"))._pow_value(self)

    def __neg__(self) -> Value:  # -a
        return self * -1.0

    def __radd__(self, other: float) -> Value:  # other + self
        return self + other

    def __sub__(self, other: Value | float) -> Value:  # self - other
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return other + (-self)

    def __rmul__(self, other: float) -> Value:  # other * self
        return self * other

    def __truediv__(self, other: Value | float) -> Value:  # self / other
        divisor = other.data if isinstance(other, Value) else _number(other, "divisor")
        if divisor == 0:
            raise ZeroDivisionError(f"{self.data} / 0: division by zero")
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return other * self**-1

    # -- functions ---------------------------------------------------------------

    def relu(self) -> Value:
        a = self.data
        # out = max(0, a)                  ∂out/∂a = 1 if a > 0 else 0
        return Value(a if a > 0 else 0.0, (self,), "relu", _local=(1.0,) if a > 0 else (0.0,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        # out = tanh(a)                    ∂out/∂a = 1 - out²
        return Value(t, (self,), "tanh", _local=(1.0 - t * t,))

    def sigmoid(self) -> Value:
        a = self.data
        s = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))  # never overflows
        # out = 1 / (1 + e^-a)             ∂out/∂a = out * (1 - out)
        return Value(s, (self,), "sigmoid", _local=(s * (1.0 - s),))

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data:g}) is too large for a float (exp(709.78) is the largest)") from None
        # out = e^a                        ∂out/∂a = e^a = out
        return Value(e, (self,), "exp", _local=(e,))

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log({self.data}): the logarithm needs a positive number")
        # out = ln(a)                      ∂out/∂a = 1 / a
        return Value(math.log(self.data), (self,), "log", _local=(1.0 / self.data,))

    @staticmethod
    def dot(ws: list[Value], xs: list[Value | float], b: Value | None = None) -> Value:
        """w·x + b as one node: a neuron's weighted sum without 2n intermediate nodes."""
        if len(ws) != len(xs):
            raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
        b = b if b is None or isinstance(b, Value) else Value(b)
        wd = [w.data for w in ws]
        try:  # the usual case: every input is a Value already
            xd = [x.data for x in xs]
            total = sum(map(mul, wd, xd), 0.0 if b is None else b.data)
        except (AttributeError, TypeError):  # some inputs are plain numbers: make them leaves
            xs = [x if isinstance(x, Value) else Value(x) for x in xs]
            xd = [x.data for x in xs]
            total = sum(map(mul, wd, xd), 0.0 if b is None else b.data)
        # out = Σ wᵢxᵢ + b                 ∂out/∂wᵢ = xᵢ, ∂out/∂xᵢ = wᵢ, ∂out/∂b = 1
        if b is None:
            return Value(total, (*ws, *xs), "dot", _local=(*xd, *wd))
        return Value(total, (*ws, *xs, b), "dot", _local=(*xd, *wd, 1.0))

    # -- backprop ------------------------------------------------------------------

    def backward(self) -> None:
        """Fill in d(self)/d(node) as `.grad` of every node this value depends on.

        Semantics follow PyTorch: the grads of interior nodes (those computed
        from others) are recomputed from zero on each call, while the grads of
        leaves (inputs and parameters) accumulate across calls. Call
        `zero_grad()` on a model, or set `leaf.grad = 0`, between steps.
        Works on graphs of any depth: the order is found without recursion.
        """
        order = reversed_topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0 if self._prev else self.grad + 1.0
        for node in order:
            g = node.grad
            if g:  # a node with zero grad (say, behind a ReLU that is off) sends nothing back
                for child, local in zip(node._prev, node._local):
                    child.grad += local * g  # the chain rule

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"
