"""Capture a learner's Value graph and step its backward the lecture's way (runs in the child).

Any micrograd-style object works: it needs `data`, `grad` and `_prev` (a set,
tuple or list), and `_op`, `label` and `_backward` are used when present. The
walk zeroes every grad, sets the root's to 1, then calls each node's own
`_backward()` in reversed topological order, recording which grads each call
changed. The result is plain JSON: the checking process judges it
(`lessons.exercises.walk_check`) without ever touching the learner's objects.
"""

from __future__ import annotations

import math

MAX_NODES = 2000


def _number(x) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return math.nan
    return value


def _order(root) -> list:
    """Topological order (inputs first), found without recursion; a cycle raises ValueError."""
    order, state, stack = [], {}, [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            state[id(node)] = 2
            order.append(node)
            continue
        if state.get(id(node)) == 2:
            continue
        if state.get(id(node)) == 1:
            raise ValueError("the graph has a cycle: a node is among its own inputs")
        state[id(node)] = 1
        stack.append((node, True))
        for child in list(getattr(node, "_prev", ()) or ()):
            if state.get(id(child)) != 2:
                if state.get(id(child)) == 1:
                    raise ValueError("the graph has a cycle: a node is among its own inputs")
                stack.append((child, False))
        if len(order) + len(stack) > 4 * MAX_NODES:
            raise ValueError(f"the graph has more than {MAX_NODES} nodes")
    return order


def capture(root) -> dict:
    """{"nodes": [{data, op, label, prev}], "steps": [{node, changes: {index: [before, after]}, error}]}."""
    order = _order(root)
    index = {id(node): i for i, node in enumerate(order)}
    nodes = [
        {
            "data": _number(node.data),
            "op": str(getattr(node, "_op", "") or ""),
            "label": str(getattr(node, "label", "") or ""),
            "prev": [index[id(child)] for child in list(getattr(node, "_prev", ()) or ())],
        }
        for node in order
    ]
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    steps = []
    for node in reversed(order):
        before = [_number(n.grad) for n in order]
        error = None
        backward = getattr(node, "_backward", None)
        try:
            if callable(backward):
                backward()
        except Exception as exc:  # the learner's _backward failed: shown on that node
            error = f"{type(exc).__name__}: {exc}"
        after = [_number(n.grad) for n in order]
        changes = {str(i): [b, a] for i, (b, a) in enumerate(zip(before, after)) if not (b == a or b != b and a != a)}
        step = {"node": index[id(node)], "changes": changes, "error": error}
        if not callable(backward):
            step["unchecked"] = "this Value has no _backward to call"
        steps.append(step)
    return {"nodes": nodes, "steps": steps}
