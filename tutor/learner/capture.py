"""Child side: find a micrograd-style graph among a script's objects and step its backward the lecture's way.

This runs in the child process, next to the learner's objects; it imports
nothing but the standard library. "Value-like" is anything with `data`,
`grad` and `_prev` (a set, tuple or list); `_op`, `label` and `_backward` are
used when present. So micrograd's Value, the lecture's, this tutor's engine
and a learner's own all work.

`capture_graph(root)` zeroes every grad, sets the root's to 1, then calls
each computed node's own `_backward()` in reversed topological order (the
lecture's loop, in the learner's code), recording after each call which
grads changed. The result is plain JSON (see `tutor.learner.walk` for the
parent's reading of it):

    {"root": n-1, "found": "L",
     "nodes": [[data, grad, op, label, [child ids], has _backward], ...]   # id = position, inputs first
     "steps": [[node id, [[id, before, after], ...], error or null], ...]  # one per computed node
     "whole": false}       # true: no node has _backward, so root.backward() was called once instead

Numbers are floats; anything else (an array, a string, None) is sent as its
`repr` in a string, and the checker leaves such nodes unchecked.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

from tutor.learner.channel import learner_roots
from tutor.learner.tracebacks import learner_traceback

__all__ = ["CaptureProblem", "GraphCycle", "capture_graph", "find_root", "is_value_like", "topological_order"]

FULL_SCAN_NODES = 2000  # up to this size, every node's grad is compared after each step, not only the inputs'
ROOT_NAMES = ("L", "loss")


class CaptureProblem(Exception):
    """The script ran, but there is no graph to show (a clear message for the learner)."""


class GraphCycle(CaptureProblem):
    """`_prev` leads from a node back to itself: a graph must not have cycles."""


def is_value_like(obj: object) -> bool:
    if isinstance(obj, type):
        return False
    try:
        prev = obj._prev  # type: ignore[attr-defined]
        return isinstance(prev, set | frozenset | tuple | list) and hasattr(obj, "data") and hasattr(obj, "grad")
    except Exception:  # a property that raises is not a Value
        return False


def _children(node: object) -> list:
    return list(node._prev)  # type: ignore[attr-defined]


def _describe(node: object) -> str:
    label = getattr(node, "label", "") or ""
    op = getattr(node, "_op", "") or ""
    data = _number(getattr(node, "data", None))
    data_text = f"{data:.4g}" if isinstance(data, float) else data
    parts = [f"label {label!r}"] if label else []
    parts += [f"op {op!r}"] if op else []
    return f"{type(node).__name__}(data={data_text}{', ' if parts else ''}{', '.join(parts)})"


def topological_order(root: object) -> list:
    """Every node reachable through `_prev`, inputs before the nodes made from them (no recursion).

    Raises GraphCycle naming the nodes on the cycle, and CaptureProblem when
    something in `_prev` is not Value-like.
    """
    order: list = []
    state: dict[int, int] = {id(root): 1}  # 1: on the current path, 2: done
    path = [root]
    stack = [iter(_children(root))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            node = path.pop()
            state[id(node)] = 2
            order.append(node)
            continue
        seen = state.get(id(child))
        if seen == 2:
            continue
        if seen == 1:
            start = next(i for i, n in enumerate(path) if n is child)
            loop = [*path[start:], child]
            raise GraphCycle(
                "the graph has a cycle: following _prev from "
                + " → ".join(_describe(n) for n in loop)
                + " comes back to where it started. A node's _prev must only hold the values it was computed from."
            )
        if not is_value_like(child):
            raise CaptureProblem(
                f"{_describe(path[-1])} has {type(child).__name__} {child!r:.60} in its _prev; "
                "_prev must hold only Values (wrap plain numbers in Value(...))"
            )
        state[id(child)] = 1
        path.append(child)
        stack.append(iter(_children(child)))
    return order


def _graph_size(root: object, limit_seen: set[int]) -> int:
    seen = {id(root)}
    todo = [root]
    while todo:
        node = todo.pop()
        for child in _children(node):
            if id(child) not in seen and is_value_like(child):
                seen.add(id(child))
                todo.append(child)
    limit_seen |= seen
    return len(seen)


def find_root(scope: Mapping[str, object], name: str | None = None) -> tuple[object, str]:
    """The graph to show and how it was found: `name`, else `L` or `loss`, else the largest graph."""
    candidates = {k: v for k, v in scope.items() if not k.startswith("__") and is_value_like(v)}
    if name is not None:
        if name not in scope:
            known = ", ".join(sorted(candidates)) or "none"
            raise CaptureProblem(f"the script has no global named {name!r} (Value-like globals: {known})")
        if name not in candidates:
            raise CaptureProblem(
                f"{name!r} is a {type(scope[name]).__name__}, not a Value: it needs data, grad and _prev "
                "(a set, tuple or list)"
            )
        return candidates[name], name
    for root_name in ROOT_NAMES:
        if root_name in candidates:
            return candidates[root_name], root_name
    if not candidates:
        raise CaptureProblem(
            "no Value-like object among the script's globals (one with data, grad and _prev); "
            "name your output L or loss, or pass --name"
        )
    inside: set[int] = set()
    best, best_name, best_size = None, "", -1
    for key, value in candidates.items():
        if id(value) in inside:
            continue  # part of a graph already measured, so not the largest
        size = _graph_size(value, inside)
        if size > best_size:
            best, best_name, best_size = value, key, size
    return best, f"{best_name} (the largest graph)"


def _number(x: object) -> float | str:
    """A float for a real number (numpy scalars too), else the object's repr."""
    if isinstance(x, float):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    try:
        if getattr(x, "shape", None) == () and hasattr(x, "item"):  # a 0-d array
            return _number(x.item())  # type: ignore[attr-defined]
    except Exception:
        pass
    try:
        text = repr(x)
    except Exception:
        text = f"<{type(x).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _same(a: float | str, b: float | str) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _grads(nodes: Iterable[object]) -> list[float | str]:
    return [_number(getattr(n, "grad", None)) for n in nodes]


def capture_graph(root: object, found: str = "") -> dict:
    """Zero the grads, set the root's to 1, call each node's `_backward()` and record what changed."""
    order = topological_order(root)
    index = {id(n): i for i, n in enumerate(order)}
    for node in order:
        node.grad = 0.0  # type: ignore[attr-defined]
    root.grad = 1.0  # type: ignore[attr-defined]
    computed = [i for i, n in enumerate(order) if n._prev]  # type: ignore[attr-defined]
    has_backward = [callable(getattr(n, "_backward", None)) for n in order]
    whole = bool(computed) and not any(has_backward[i] for i in computed) and callable(getattr(root, "backward", None))
    steps = _step_whole(order, root) if whole else _step_each(order, index, computed, has_backward)
    nodes = [
        [
            _number(n.data),  # type: ignore[attr-defined]
            _number(n.grad),  # type: ignore[attr-defined]
            str(getattr(n, "_op", "") or ""),
            str(getattr(n, "label", "") or ""),
            [index[id(c)] for c in n._prev],  # type: ignore[attr-defined]
            has_backward[i],
        ]
        for i, n in enumerate(order)
    ]
    return {"root": len(order) - 1, "found": found, "nodes": nodes, "steps": steps, "whole": whole}


def _step_each(order: list, index: dict[int, int], computed: list[int], has_backward: list[bool]) -> list:
    full = len(order) <= FULL_SCAN_NODES
    roots = learner_roots()
    steps = []
    for i in reversed(computed):
        node = order[i]
        watched = list(range(len(order))) if full else [i, *dict.fromkeys(index[id(c)] for c in node._prev)]
        watched_nodes = [order[j] for j in watched]
        before = _grads(watched_nodes)
        error = None
        if has_backward[i]:
            try:
                node._backward()
            except Exception as exc:
                error = learner_traceback(exc, roots)
        after = _grads(watched_nodes)
        changes = [[j, b, a] for j, b, a in zip(watched, before, after) if not _same(b, a)]
        steps.append([i, changes, error])
    return steps


def _step_whole(order: list, root: object) -> list:
    """No node has `_backward` (an engine that keeps local derivatives as data): one step, `root.backward()`."""
    before = _grads(order)
    error = None
    try:
        root.backward()  # type: ignore[attr-defined]
    except Exception as exc:
        error = learner_traceback(exc, learner_roots())
    after = _grads(order)
    changes = [[j, b, a] for j, (b, a) in enumerate(zip(before, after)) if not _same(b, a)]
    return [[len(order) - 1, changes, error]]
