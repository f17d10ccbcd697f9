"""Exercise 01: a Value with + and *, and their _backward (the lecture's way, with closures).

Build a class `Value` that holds a number (`data`), its gradient (`grad`,
starting at 0), the Values it was computed from (`_prev`) and the operation
that made it (`_op`). `a + b` and `a * b` make a new Value whose `_backward()`
adds each input's share of the output's gradient to that input's `.grad`:

    out = a + b     ->  a.grad += 1 * out.grad       b.grad += 1 * out.grad
    out = a * b     ->  a.grad += b.data * out.grad  b.grad += a.data * out.grad

Usage:
    a, b = Value(2.0), Value(-3.0)
    c = a * b            # Value(data=-6.0)
    c.grad = 1.0
    c._backward()        # a.grad == -3.0, b.grad == 2.0

Plain numbers must work too: `a + 1` and `a * 2`.
Check it with `python -m tutor exercises check . 01`.
"""


class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None  # a leaf sends nothing back
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        # TODO: write out._backward: each input's grad += 1 * out.grad
        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        # END
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        # TODO: make out = a Value holding self.data * other.data, from (self, other), op "*"
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        # ELSE
        out = None
        # END
        return out
