"""Child side: find a micrograd-style graph among a script's objects and step its backward the lecture's way.

This runs in the child process, next to the learner's objects; it imports
nothing but the standard library. "Value-like" is anything with `data`,
`grad` and `_prev` (a set, tuple or list); `_op`, `label` and `_backward` are
used when present. So micrograd's Value, the lecture's, this tutor's engine
and a learner's own all work.

`capture_graph(root)` zeroes every grad, sets the root's to 1, then calls
each computed node's own `_backward()` in reversed topological order (the
lecture's loop, in the learner's code), recording after each call which
grads changed. The result is JSON whose columns are packed by
`tutor.learner.wire`; `tutor.learner.walk.Walk.from_json` reads it. Node
ids are positions in topological order (inputs first, the root last).
`whole` is true when no node has `_backward` but the root has `backward()`
(this tutor's engine keeps local derivatives as data): then that one call is
the only step. Numbers are floats; anything else (an array, a string, None)
is sent as its `repr`, and the checker leaves such nodes unchecked.
"""

from __future__ import annotations

import gc
import numbers
from collections.abc import Mapping

from tutor.learner.channel import learner_roots
from tutor.learner.tracebacks import learner_traceback
from tutor.learner.wire import pack_ints, pack_numbers

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


def op_text(node: object) -> str:
    """The node's op as text; an exponent kept as data beside a bare `**` (this engine's `_exponent`) is
    written into it, as micrograd writes it (`**2`)."""
    op = str(getattr(node, "_op", "") or "")
    exponent = getattr(node, "_exponent", None)
    if op == "**" and isinstance(exponent, int | float) and not isinstance(exponent, bool):
        return f"**{exponent:g}"
    return op


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
    state: dict[int, int] = {}  # 1: opened (its inputs are being walked: it is on the path), 2: done
    stack = [root]
    while stack:
        node = stack[-1]
        seen = state.get(id(node))
        if seen is None:
            state[id(node)] = 1
            try:
                prev = node._prev  # type: ignore[attr-defined]
            except AttributeError:
                raise CaptureProblem(_not_a_value(stack)) from None
            for child in prev:
                mark = state.get(id(child))
                if mark is None:
                    stack.append(child)
                elif mark == 1:
                    raise GraphCycle(_cycle(stack, state, child))
        else:
            stack.pop()
            if seen == 1:
                state[id(node)] = 2
                order.append(node)
    return order


def _not_a_value(stack: list) -> str:
    bad = stack[-1]
    user = next((n for n in reversed(stack[:-1]) if is_value_like(n) and any(c is bad for c in n._prev)), None)
    where = f"{_describe(user)} has" if user is not None else "the graph has"
    return f"{where} {type(bad).__name__} {bad!r:.60} in its _prev; _prev must hold only Values (wrap numbers in Value)"


def _cycle(stack: list, state: dict[int, int], child: object) -> str:
    path = list({id(n): n for n in stack if state.get(id(n)) == 1}.values())  # the opened nodes, root first
    start = next(i for i, n in enumerate(path) if n is child)
    loop = [*path[start:], child]
    return (
        "the graph has a cycle: following _prev from "
        + " → ".join(_describe(n) for n in loop)
        + " comes back to where it started. A node's _prev must only hold the values it was computed from."
    )


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


def _numbers(values: list) -> list:
    """`_number` of each, quickly when they are all floats already."""
    if all(type(v) is float for v in values):
        return values
    return [v if type(v) is float else _number(v) for v in values]


def _number(x: object) -> float | str:
    """A float for a real number (numpy scalars too), else the object's repr."""
    if isinstance(x, float):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    try:
        if getattr(x, "shape", None) == () and hasattr(x, "item"):  # a 0-d array
            return _number(x.item())
    except Exception:
        pass
    try:
        text = repr(x)
    except Exception:
        text = f"<{type(x).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def capture_graph(root: object, found: str = "", root_name: str = "") -> dict:
    """Zero the grads, set the root's to 1, call each node's `_backward()` and record what changed.

    `found` says how the root was chosen; `root_name` names it when it has no label of its own.
    Returns the walk in the wire format of `tutor.learner.wire` (read by `tutor.learner.walk.Walk.from_json`).
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # a closure per node makes every graph cyclic: collecting during the walk would cost seconds
    try:
        return _capture(root, found, root_name)
    finally:
        if gc_was_on:
            gc.enable()


def _capture(root: object, found: str, root_name: str) -> dict:
    order = topological_order(root)
    index = {id(n): i for i, n in enumerate(order)}
    children = [[index[id(c)] for c in n._prev] for n in order]
    for node in order:
        node.grad = 0.0
    root.grad = 1.0  # type: ignore[attr-defined]
    computed = [i for i, kids in enumerate(children) if kids]
    has_backward = [callable(getattr(n, "_backward", None)) for n in order]
    whole = bool(computed) and not any(has_backward[i] for i in computed) and callable(getattr(root, "backward", None))
    steps = _Steps(order)
    if whole:
        steps.run(len(order) - 1, root.backward, None)  # type: ignore[attr-defined]
    elif len(order) <= FULL_SCAN_NODES:  # small: look at every grad after each call, to catch stray writes
        for i in reversed(computed):
            steps.run(i, order[i]._backward if has_backward[i] else None, None)
    else:  # large: the node and its inputs
        steps.run_each(computed, has_backward, children)
    ops: dict[str, int] = {}
    op_ids = [ops.setdefault(op_text(n), len(ops)) for n in order]
    labels = {str(i): str(label) for i, n in enumerate(order) if (label := getattr(n, "label", ""))}
    if root_name and order:
        labels.setdefault(str(len(order) - 1), root_name)
    child_start = [0]
    for kids in children:
        child_start.append(child_start[-1] + len(kids))
    return {
        "root": len(order) - 1,
        "found": found,
        "whole": whole,
        "data": pack_numbers(_numbers([n.data for n in order])),
        "grad": pack_numbers(_numbers([n.grad for n in order])),
        "ops": list(ops),
        "op": pack_ints(op_ids),
        "labels": labels,
        "child_start": pack_ints(child_start),
        "children": pack_ints(c for kids in children for c in kids),
        "has_backward": pack_ints(has_backward),
        **steps.packed(),
    }


class _Steps:
    """The recorded `_backward()` calls: for each, which grads it watched and their values after the call.

    The parent replays these from all-zero grads (the root's 1) to get each change's before and after.
    """

    def __init__(self, order: list) -> None:
        self.order = order
        self.node: list[int] = []
        self.watch_start = [0]
        self.watch_node: list[int] = []
        self.watch_after: list = []
        self.errors: dict[str, str] = {}
        self.roots = learner_roots()
        self.last = [n.grad for n in order]  # every grad, kept up to date in the look-at-everything mode

    def run(self, i: int, call, watched: list[int] | None) -> None:
        """Call `call()` (node i's _backward, or None when it has none); record the grads in `watched` (None: all)."""
        order = self.order
        try:
            if watched is None:
                if call is not None:
                    call()
                self._changed([n.grad for n in order])
            else:
                objs = [order[j] for j in watched]
                if call is not None:
                    call()
                self.watch_node.extend(watched)
                self.watch_after.extend([o.grad for o in objs])
        except Exception as exc:
            self.errors[str(len(self.node))] = learner_traceback(exc, self.roots)
        self.node.append(i)
        self.watch_start.append(len(self.watch_node))

    def run_each(self, computed: list[int], has_backward: list[bool], children: list[list[int]]) -> None:
        """`run` for every computed node, last first, watching the node and its inputs (the fast loop)."""
        order, node_ids, starts = self.order, self.node, self.watch_start
        watch_node, watch_after = self.watch_node, self.watch_after
        for i in reversed(computed):
            kids = children[i]
            if len(kids) == 2 and kids[0] == kids[1]:
                kids = kids[:1]
            elif len(kids) > 2:
                kids = list(dict.fromkeys(kids))
            node = order[i]
            objs = [order[k] for k in kids]
            try:
                if has_backward[i]:
                    node._backward()
                watch_after.append(node.grad)
                watch_after.extend([o.grad for o in objs])
                watch_node.append(i)
                watch_node.extend(kids)
            except Exception as exc:
                self.errors[str(len(node_ids))] = learner_traceback(exc, self.roots)
                del watch_after[len(watch_node) :]
            node_ids.append(i)
            starts.append(len(watch_node))

    def _changed(self, now: list) -> None:
        try:
            same = now == self.last
        except Exception:  # grads that are arrays, say: compare their texts
            now, self.last = [_number(g) for g in now], [_number(g) for g in self.last]
            same = now == self.last
        if not same:
            for j, (before, after) in enumerate(zip(self.last, now)):
                if before is not after and before != after:
                    self.watch_node.append(j)
                    self.watch_after.append(after)
        self.last = now

    def packed(self) -> dict:
        return {
            "step_node": pack_ints(self.node),
            "watch_start": pack_ints(self.watch_start),
            "watch_node": pack_ints(self.watch_node),
            "watch_after": pack_numbers(_numbers(self.watch_after)),
            "errors": self.errors,
        }
