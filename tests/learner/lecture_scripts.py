"""Scripts a learner would write: the lecture's closure-based Value (with a bug switch) and graphs built with it."""

from __future__ import annotations

# The lecture's Value, as a learner types it. `{tanh_local}`, `{add_assign}` and `{mul_upstream}` let a test
# put in one of the three typical mistakes.
LECTURE_VALUE = """
import math


class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad {add_assign} 1.0 * out.grad
            other.grad {add_assign} 1.0 * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data{mul_upstream}
            other.grad += self.data{mul_upstream}

        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __pow__(self, other):
        out = Value(self.data**other, (self,), f"**{{other}}")

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other):
        return self * other**-1

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += ({tanh_local}) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out
"""

RIGHT = {"tanh_local": "1 - t**2", "add_assign": "+=", "mul_upstream": " * out.grad"}


def lecture_value(**mistakes: str) -> str:
    return LECTURE_VALUE.format(**(RIGHT | mistakes))


# The lecture's neuron, using whichever Value the import line brings, plus a reused value (a + a) and a division.
NEURON = """
{import_line}

x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x2w2 = x2 * w2
n = x1w1 + x2w2 + b
o = n.tanh()
a = Value(1.5, label="a")
r = a + a
L = o * r / Value(4.0, label="d")
"""

# NEURON's inputs, whose grads the tests compare with the engine's
LEAVES = ("x1", "x2", "w1", "w2", "b", "a", "d")
