"""Shared by the scalar-engine checks: build an expression from a recipe, with the learner's Value or the engine's.

A recipe is a list of steps `[name, op, a, b]` over named values, so one list
builds the same graph in the child (with the learner's class) and in the
checking process (with `engine.value.Value`), and the grads can be compared.
"""

from __future__ import annotations

import contextlib
import math

from lessons.exercises.numbers import close, num

BINARY = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b, "/": lambda a, b: a / b}


def build(value_class, leaves: dict[str, float], recipe: list[list]) -> dict:
    """Every named value of the recipe, built with `value_class`; operands may be names or numbers."""
    env = {name: value_class(x) for name, x in leaves.items()}
    for name, x in env.items():
        with contextlib.suppress(AttributeError):  # a class with __slots__ and no label
            x.label = name

    def arg(a):
        return env[a] if isinstance(a, str) else a

    for name, op, a, b in recipe:
        if op in BINARY:
            env[name] = BINARY[op](arg(a), arg(b))
        elif op == "r+":  # number + Value
            env[name] = arg(b) + arg(a)
        elif op == "r*":
            env[name] = arg(b) * arg(a)
        elif op == "r-":  # number - Value
            env[name] = arg(b) - arg(a)
        elif op == "**":
            env[name] = arg(a) ** b
        elif op == "neg":
            env[name] = -arg(a)
        else:  # a method: tanh, exp
            env[name] = getattr(arg(a), op)()
        if not hasattr(env[name], "data"):
            what = f"{a} {op} {b}" if op in BINARY else f"{a}.{op}()" if b is None else f"{a} {op} {b}"
            raise TypeError(f"{what} gave {env[name]!r}, not a Value: the operation must return the new Value")
        with contextlib.suppress(AttributeError):
            env[name].label = name
    return env


def expected(leaves: dict[str, float], recipe: list[list]) -> dict[str, tuple[float, float]]:
    """{name: (data, grad)} from this project's engine, grads of the recipe's last value."""
    from engine.value import Value

    env = build(Value, leaves, recipe)
    root = env[recipe[-1][0]]
    root.backward()
    return {name: (v.data, v.grad) for name, v in env.items()}


def compare(obs: dict, want: dict[str, tuple[float, float]], what: str, rules: dict[str, str]) -> list[str]:
    """Failures: data first (the forward pass), then grads of the leaves."""
    failures = []
    for name, (data, _) in want.items():
        got = obs.get(name, [math.nan])[0]
        if not close(got, data):
            failures.append(f"{name}.data in {what} is {num(got, data)}, expected {num(data, got)}")
            return failures
    for name, (_, grad) in want.items():
        got = obs.get(name, [0, math.nan])[1]
        if not close(got, grad):
            rule = f" ({rules[name]})" if name in rules else ""
            failures.append(
                f"{name}.grad after backward in {what} is {num(got, grad)}, expected {num(grad, got)}{rule}"
            )
            return failures
    return failures


def lecture_backward(root) -> None:
    """The lecture's loop, for exercise 01 (whose Value has no backward() yet): each node's _backward()."""
    topo, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            topo.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev)
    for node in topo:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(topo):
        node._backward()


def observe(env: dict) -> dict[str, list[float]]:
    return {name: [_float(v.data), _float(v.grad)] for name, v in env.items()}


def _float(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def leaves(rng, names: str) -> dict[str, float]:
    """Random leaf values, away from 0 and ±1 (so a missing factor always shows)."""
    return {
        name: round(rng.choice([-1, 1]) * rng.choice([rng.uniform(0.3, 0.8), rng.uniform(1.3, 2.5)]), 3)
        for name in names
    }
