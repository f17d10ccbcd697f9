"""Exercise 02: topological sort and backward(); reuse a value (a + a) and get += right.

Give `Value` a method `backward()` that fills in the grad of every node the
value depends on: sort the graph topologically (every node after all of its
inputs), set this value's grad to 1, then call each node's `_backward()` in
reversed order. A value used twice (`a + a`, or `a` feeding two nodes) must
collect both contributions: every `_backward` adds with `+=`, never `=`.

Usage:
    a = Value(3.0)
    b = a + a            # b.data == 6.0
    c = b * a            # c.data == 18.0
    c.backward()         # a.grad == 2*a + b == 12.0  (c = 2a², dc/da = 4a)

Check it with `python -m tutor exercises check . 02`.
"""


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
            # TODO: a + a has _prev == {a}: with `=` the second contribution overwrites the first. Accumulate.
            self.grad += out.grad
            other.grad += out.grad
            # ELSE
            self.grad = out.grad
            other.grad = out.grad
            # END

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

    def backward(self):
        # TODO: build `topo` (each node after its inputs), set self.grad = 1.0, call _backward in reversed order
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
        # ELSE
        pass
        # END
