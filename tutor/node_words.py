"""Words for a node of either engine: a scalar `Value` or a NumPy `Tensor`.

The scalar engine's nodes hold floats and their formulas come from
`engine.explain`; a tensor's hold arrays and its formulas come from the rule
table of `engine.tensor` (imported only when a tensor graph is shown, so
numpy stays out of start-up).
"""

from __future__ import annotations

from typing import Any

from engine import explain
from engine.value import Value


def is_tensor(node: Any) -> bool:
    return not isinstance(node, Value)


def formula(node: Any, names: dict[Any, str]) -> str:
    """The operation that made `node`, in names (`a * b`, `tanh(hpre)`); empty for a leaf."""
    if not is_tensor(node):
        return explain.forward_formula(node, names)
    from engine.tensor_explain import forward_formula  # numpy: only for a graph of Tensors

    return forward_formula(node, names)


def describe(x: Any, brief: bool = False) -> str:
    """A number in 4 significant digits; a small array in full; a large one by its shape and size.

    `brief` leaves out the largest magnitude (for one-line tree labels).
    """
    if isinstance(x, float | int):
        return explain.fmt(x)
    if x.ndim == 0:
        return explain.fmt(float(x))
    if x.size <= 4:
        return "[" + ", ".join(explain.fmt(float(v)) for v in x.ravel()) + "]"
    shape = "×".join(str(n) for n in x.shape)
    largest = float(abs(x).max())
    mean = float(x.mean())
    if abs(mean) <= 1e-12 * largest:  # zero but for round-off (a centred batch, say)
        mean = 0.0
    text = f"{shape} mean {explain.fmt(mean)}"
    return text if brief else text + f" max|·| {explain.fmt(largest)}"
