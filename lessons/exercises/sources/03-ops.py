"""Exercise 03: tanh, exp, ** (a number exponent), and / and - built from the others.

Add to `Value`:
    tanh()          out = tanh(x)        x.grad += (1 - out²) * out.grad
    exp()           out = e^x            x.grad += out * out.grad
    x ** k          k a plain number     x.grad += k * x^(k-1) * out.grad
    -x, x - y       from * and +:        -x == x * -1,  x - y == x + (-y)
    x / y           from * and **:       x / y == x * y**-1
and the reflected forms, so a number can come first: 2 + x, 2 * x, 2 - x.

Usage:
    x = Value(0.5)
    y = (x * 2).tanh()
    y.backward()          # x.grad == 2 * (1 - tanh(1)**2) == 0.8399...

Check it with `python -m tutor exercises check . 03`.
"""

import math

class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):  # other + self
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only a number exponent"
        # TODO: out = self.data ** k, op f"**{k}"; _backward: self.grad += k * self.data ** (k - 1) * out.grad
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out
        # ELSE
        raise NotImplementedError("Value ** k")
        # END

    def tanh(self):
        # TODO: out = tanh(self.data), op "tanh"; _backward: self.grad += (1 - t**2) * out.grad
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out
        # ELSE
        raise NotImplementedError("tanh")
        # END

    def exp(self):
        # TODO: out = e ** self.data, op "exp"; _backward: self.grad += out.data * out.grad
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out
        # ELSE
        raise NotImplementedError("exp")
        # END

    def __neg__(self):  # -self
        # TODO: build it from *: self * -1
        return self * -1
        # ELSE
        raise NotImplementedError("-x")
        # END

    def __sub__(self, other):  # self - other
        # TODO: build it from + and negation
        return self + (-other)
        # ELSE
        raise NotImplementedError("x - y")
        # END

    def __rsub__(self, other):  # other - self
        # TODO: other - self, from + and negation
        return other + (-self)
        # ELSE
        raise NotImplementedError("2 - x")
        # END

    def __truediv__(self, other):  # self / other
        # TODO: build it from * and **: self * other**-1
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1
        # ELSE
        raise NotImplementedError("x / y")
        # END

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
