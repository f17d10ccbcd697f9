"""A scalar value that remembers how it was computed: the heart of backprop.

Every operation below does two things, written side by side:

    forward:  out = a * b
    local:    ∂out/∂a = b,   ∂out/∂b = a

`_prev` holds the inputs (children) of a node and `_local` the local
derivative of the node with respect to each of them, as plain numbers taken
when the forward pass runs. A product is the exception: its local derivatives
are its inputs' own values (∂(a*b)/∂a = b), so it reads them from its inputs
instead of keeping copies; products are half the nodes of a network, and the
copies would cost 56 bytes each. A node's own step of backprop, `_backward()`,
is then the chain rule for its inputs:

    child.grad += ∂out/∂child × out.grad

and `backward()` calls it for every node, the output first. Because the local
derivatives are numbers rather than closures, a graph holds no reference
cycles and is freed the moment the last name pointing at it goes away.

The lecture's way works too: assign a function to `out._backward` and
`backward()` calls it for that node (see `_backward` below). `OPS`, at the
end of this file, is the one table of what each operation means in words.

Where this engine differs from micrograd (its semantics are PyTorch's):

- A second `backward()`: micrograd adds to every grad again, interior nodes
  included. Here the grads of interior nodes (those computed from others) are
  recomputed from zero on each call, while the grads of leaves (inputs and
  parameters) accumulate across calls, as in PyTorch. Calling `_backward()`
  node by node, as the lecture does, accumulates exactly as micrograd does.
- Changing `.data` after the forward pass: most of micrograd's closures
  (those of `*`, `**`, relu and exp; not tanh's) read `.data` when backward
  runs. Here only a product does (it reads its inputs' data, as micrograd's
  `*` does); every other local derivative was taken when the forward pass
  ran, so backward gives the derivative at the old values. Run the forward
  pass again after changing data (PyTorch refuses such a backward).
- A grad that becomes NaN or infinite raises `FloatingPointError`, naming the
  node and its operation, where micrograd carries on with nan.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real
from operator import mul

from engine.graph import reversed_topological_order

__all__ = ["OPS", "Op", "Value"]


def _number(x: object, what: str) -> float:
    """Check that `x` is a finite real number and return it as a float."""
    if type(x) is not float:
        if isinstance(x, bool) or not isinstance(x, Real):
            raise TypeError(f"{what} must be a real number, got {type(x).__name__} {x!r}")
        x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


def _power(a: float, k: float, exponent_is_input: bool = False) -> tuple[float, float]:
    """a**k and its slope k·a**(k-1), or a clear error when either is not a finite real number.

    When k is an input too, ∂out/∂k = out·ln(a) needs a > 0.
    """
    if exponent_is_input and a <= 0:
        raise ValueError(f"{a} ** Value: the base must be positive when the exponent is a Value")
    if a < 0 and not k.is_integer():
        raise ValueError(f"{a} ** {k:g}: a negative base with a fractional exponent is not a real number")
    if a == 0 and k < 0:
        raise ZeroDivisionError(f"0 ** {k:g}: division by zero")
    if a == 0 and 0 < k < 1:
        raise ZeroDivisionError(f"0 ** {k:g}: the slope at zero is infinite")
    try:
        out = a**k
    except OverflowError:
        raise OverflowError(f"{a} ** {k:g} is too large for a float") from None
    try:
        slope = k * a ** (k - 1) if k != 0 else 0.0
    except OverflowError:
        slope = math.inf
    if not math.isfinite(slope):
        raise OverflowError(
            f"the derivative of {a} ** {k:g}, {k:g}·{a}**{k - 1:g}, is too large for a float"
            f" (the result {out:g} is not)"
        )
    return out, slope


# The `_slopes` of a product, a*b: its local derivatives are its inputs' values, (b.data, a.data), read when needed.
PRODUCT = "product"


class Value:
    """A scalar that records the operation that made it, for backprop."""

    # `__dict__` last: created only when a learner or a library sets an attribute of its own (`p.m = 0`)
    __slots__ = ("data", "grad", "_prev", "_slopes", "_op", "__dict__")  # noqa: RUF023 (in reading order)
    label = ""  # a name for the tree; set only on the few nodes that have one (it then lives in __dict__)

    def __init__(
        self, data: float, _children: tuple = (), _op: str = "", label: str = "", _local: tuple | str = ()
    ):
        if type(data) is not float or not math.isfinite(data):
            data = _number(data, f"the result of {_op!r}" if _op else "Value data")
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)  # the inputs this node was computed from
        # ∂self/∂input for each input, same order as _prev; PRODUCT: the inputs' data; None: a custom _backward
        self._slopes = _local
        self._op = _op  # the operation that produced this node ('' for a leaf)
        if label:
            self.label = label

    # -- arithmetic ------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # out = a + b                      ∂out/∂a = 1, ∂out/∂b = 1
        return Value(self.data + other.data, (self, other), "+", _local=(1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        # out = a * b                      ∂out/∂a = b, ∂out/∂b = a
        return Value(self.data * other.data, (self, other), "*", _local=PRODUCT)  # read when backward runs

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):  # the exponent is an input too
            result, slope = _power(self.data, other.data, exponent_is_input=True)
            # out = a**k                   ∂out/∂a = k * a**(k-1), ∂out/∂k = out * ln(a)
            return Value(result, (self, other), "**", _local=(slope, result * math.log(self.data)))
        k = _number(other, "exponent")
        result, slope = _power(self.data, k)
        # out = a**k                       ∂out/∂a = k * a**(k-1)
        out = Value(result, (self,), "**", _local=(slope,))
        out._exponent = k  # a number, not an input: kept beside the node (shown as a**2)
        return out

    def __rpow__(self, base: float) -> Value:  # base ** self
        return Value(_number(base, "base")) ** self

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

    @property
    def _local(self) -> tuple[float, ...] | None:
        """∂self/∂input for each input, in the order of `_prev` (None when a custom `_backward` was assigned)."""
        slopes = self._slopes
        if slopes is PRODUCT:
            a, b = self._prev
            return (b.data, a.data)  # out = a * b: ∂out/∂a = b, ∂out/∂b = a
        return slopes

    @_local.setter
    def _local(self, slopes: tuple[float, ...] | None) -> None:
        self._slopes = slopes

    def _chain_rule(self) -> None:
        """This node's own step of backprop: each input's grad += ∂self/∂input × self.grad."""
        for child, local in zip(self._prev, self._local):
            child.grad += local * self.grad

    def _get_backward(self) -> Callable[[], None]:
        if self._slopes is None:  # a function was assigned to this node's _backward
            return self.__dict__["_backward"]
        return self._chain_rule

    def _set_backward(self, fn: Callable[[], None]) -> None:
        self.__dict__["_backward"] = fn
        self._slopes = None  # from now on backward() calls fn for this node

    _backward = property(
        _get_backward,
        _set_backward,
        doc="""This node's step of backprop, as in micrograd: `o._backward()` adds to the grads of o's inputs.

        By default the chain rule with the local derivatives in `_local`. Assign a
        function of no arguments, the lecture's way (`out._backward = _backward`,
        a closure that adds to the inputs' grads), and `backward()` calls it instead.
        """,
    )

    def backward(self) -> None:
        """Fill in d(self)/d(node) as `.grad` of every node this value depends on.

        Semantics follow PyTorch: the grads of interior nodes (those computed
        from others) are recomputed from zero on each call, while the grads of
        leaves (inputs and parameters) accumulate across calls. Call
        `zero_grad()` on a model, or set `leaf.grad = 0`, between steps.
        Works on graphs of any depth: the order is found without recursion.
        Raises FloatingPointError, naming the node, if a grad becomes NaN or infinite.
        """
        order = reversed_topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad = 1.0 if self._prev else self.grad + 1.0
        total = 0.0  # the sum of every grad: nan or inf whenever one of them is (checked once, after the loop)
        for node in order:
            g = node.grad
            total += g
            slopes = node._slopes
            if slopes is None:  # an operation added the lecture's way
                node._backward()
            elif not g:  # a node with zero grad (say, behind a ReLU that is off) sends nothing back
                continue
            elif slopes is PRODUCT:  # out = a * b: ∂out/∂a = b, ∂out/∂b = a
                a, b = node._prev
                a.grad += b.data * g
                b.grad += a.data * g
            else:
                for child, d in zip(node._prev, slopes):
                    child.grad += d * g  # the chain rule: node._backward(), written out for speed
        if total - total != 0.0:  # nan or ±inf
            raise_bad_grad(self, order)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"


def raise_bad_grad(root: Value, order: list[Value]) -> None:
    """After a backward whose grads did not all stay finite, name the first node that made one so, and raise.

    Called only when the sum of all grads is not finite; if that sum merely
    overflowed while every grad is a float, nothing is wrong and nothing is raised.
    """
    from engine.explain import forward_formula, local_formula, node_names  # words, only when something went wrong

    names = node_names(root)
    for node in order:  # each node's inputs come after it, so the first bad step is met first
        g = node.grad
        if not math.isfinite(g):
            raise FloatingPointError(
                f"backward(): the grad of {names[node]} became {g}: the grads sent back to it add up to more than "
                "a float can hold"
            )
        if node._slopes is None:
            for child in node._prev:
                if not math.isfinite(child.grad):
                    raise FloatingPointError(
                        f"backward(): the grad of {names[child]} became {child.grad} in the _backward of "
                        f"{names[node]} ({node._op or 'no op'})"
                    )
            continue
        for i, (child, d) in enumerate(zip(node._prev, node._local)):
            if g and not math.isfinite(d * g):
                formula = forward_formula(node, names)
                through = f"{node.label} = {formula}" if node.label else formula
                where = f"the grad passed back through {through} to {names[child]}"
                if not math.isfinite(d) and abs(child.data) < 1e-100:
                    why = f"{names[child]} = {child.data!r} is too close to 0"
                elif not math.isfinite(d):
                    why = f"its local derivative {local_formula(node, i, names)} is {d}"
                else:
                    why = f"local derivative {d:g} × grad {g:g} is more than a float can hold"
                raise FloatingPointError(f"backward(): {where} became {d * g}: {why}")


# -- the operations in words ----------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One operation in words, in terms of its inputs {0}, {1}, ... and its result {out}."""

    forward: str  # the formula, e.g. "{0} * {1}"
    local: tuple[str, ...]  # ∂out/∂input for each input, e.g. ("{1}", "{0}")
    method: str  # the method of Value above that computes it: where the source viewer opens


# The one table of every op a Value can carry, read by engine/explain.py and the tutor's source viewer.
# For `**` with a number exponent, {1} is that number (the node keeps it as `_exponent`, not as an input).
# `dot` has any number of inputs: w₀..wₙ₋₁, x₀..xₙ₋₁ and maybe b; its formula is written out per node.
OPS: dict[str, Op] = {
    "+": Op("{0} + {1}", ("1", "1"), "__add__"),
    "*": Op("{0} * {1}", ("{1}", "{0}"), "__mul__"),
    "**": Op("{0}**{1}", ("{1}·{0}**({1}-1)", "{out}·ln({0})"), "__pow__"),
    "relu": Op("relu({0})", ("1 if {0} > 0 else 0",), "relu"),
    "tanh": Op("tanh({0})", ("1 - {out}²",), "tanh"),
    "sigmoid": Op("σ({0})", ("{out}·(1 - {out})",), "sigmoid"),
    "exp": Op("exp({0})", ("{out}",), "exp"),
    "log": Op("ln({0})", ("1/{0}",), "log"),
    "dot": Op("Σ wᵢ*xᵢ + b", ("xᵢ", "wᵢ", "1"), "dot"),
}
