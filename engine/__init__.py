"""A scalar autograd engine and a small neural-network library, written to be read.

    from engine import Value
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.backward()          # a.grad == -3.0, b.grad == 2.0
"""

from engine.value import Value

__all__ = ["Value"]
