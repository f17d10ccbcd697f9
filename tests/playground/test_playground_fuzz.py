"""Fuzzing the playground: random text and random Python never crash it, hang it or get past it."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine.value import Value
from tutor.graph_text import render_tree
from tutor.playground.program import FUNCTIONS, ProgramError, gradient_check, parse

# Only a safety net against a hang (an example takes milliseconds): generous, so a busy machine never trips it.
SAFETY_NET = timedelta(seconds=20)
FUZZ = settings(
    max_examples=250,
    deadline=SAFETY_NET,
    suppress_health_check=[HealthCheck.too_slow],
)


def _everything(text: str) -> str:
    """Parse, build, backprop, gradient-check and draw a program; the drawing, or ProgramError."""
    program = parse(text)
    built = program.build()
    built.backward()
    gradient_check(program)
    return render_tree(built.result)


def _only_clean_refusals(text: str) -> None:
    try:
        drawing = _everything(text)
    except ProgramError as exc:
        event("refused")
        message = str(exc)
        assert message.strip() and "\n" not in message and "\r" not in message, repr(message)
        assert exc.message and (exc.column is None or exc.column >= 1)
        return
    event("accepted")
    assert drawing


# -- random text ----------------------------------------------------------------------------------------

PYTHONISH = "abcLxyz_tanhexplogrelu0123456789.eE+-*/%@&|^~<>=!:;,()[]{}'\"#\\ \t\n\r"


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    _only_clean_refusals(text)


@FUZZ
@given(st.text(alphabet=PYTHONISH, max_size=200))
def test_random_python_like_text(text: str) -> None:
    _only_clean_refusals(text)


@FUZZ
@given(st.text(alphabet=PYTHONISH, max_size=60), st.text(alphabet=PYTHONISH, max_size=60))
def test_random_text_after_a_valid_program(middle: str, end: str) -> None:
    _only_clean_refusals("a = 2; b = -3\n" + middle + "\nL = a * b" + end)


# -- random Python, including everything the playground refuses -----------------------------------------

NUMBERS = st.one_of(
    st.integers(-5, 12).map(str),
    st.floats(-1e3, 1e3, allow_nan=False).map(repr),
    st.sampled_from(["0", "0.0", "1e308", "1e999", "10 ** 400", "9 ** 9 ** 9", "2 ** 0.5", "0x1F", "1_000", "1j"]),
)
ATOMS = st.one_of(
    NUMBERS,
    st.sampled_from(["a", "b", "c", "L", "z", "tanh", "open", "__import__", "__builtins__", "_x", "True", "None"]),
    st.sampled_from(["'s'", '"touch X"', "b'y'", "...", "f'{a}'", "()", "[]", "{}"]),
)
OPERATORS = ["+", "-", "*", "/", "**", "//", "%", "@", "<", "==", "and", "or", "<<", "|", "is", "in"]
CALLABLES = [*FUNCTIONS, "open", "exec", "eval", "getattr", "__import__", "print", "globals", "a"]
METHODS = [*FUNCTIONS, "__class__", "data", "grad", "backward", "__globals__", "_prev", "label"]


def _extend(e: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    args = st.lists(e, max_size=3).map(", ".join)
    return st.one_of(
        st.tuples(e, st.sampled_from(OPERATORS), e, st.booleans()).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})" if t[3] else f"{t[0]} {t[1]} {t[2]}"
        ),
        st.tuples(st.sampled_from(["-", "+", "not ", "~", "*", "await "]), e).map("".join),
        st.tuples(st.sampled_from(CALLABLES), args).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(list(FUNCTIONS)), e, st.sampled_from(["x=", "*", "**", ""])).map(
            lambda t: f"{t[0]}({t[2]}{t[1]})"
        ),
        st.tuples(e, st.sampled_from(METHODS), args, st.booleans()).map(
            lambda t: f"({t[0]}).{t[1]}({t[2]})" if t[3] else f"({t[0]}).{t[1]}"
        ),
        st.tuples(e, e).map(lambda t: f"({t[0]})[{t[1]}]"),
        e.map(lambda x: f"(lambda: {x})"),
        e.map(lambda x: f"[{x} for x in (1,)]"),
        st.tuples(e, e).map(lambda t: f"({t[0]}, {t[1]})"),
        st.tuples(e, e).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
        e.map(lambda x: f"(z := {x})"),
        e.map(lambda x: f"f'{{{x}}}'"),
        st.tuples(e, e, e).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
    )


EXPRESSIONS = st.recursive(ATOMS, _extend, max_leaves=10)
STATEMENTS = st.one_of(
    st.tuples(st.sampled_from(["a", "b", "L", "M", "tanh", "__x", "a.data", "x[0]", "p, q"]), EXPRESSIONS).map(
        lambda t: f"{t[0]} = {t[1]}"
    ),
    EXPRESSIONS,
    EXPRESSIONS.map(lambda x: f"M += {x}"),
    EXPRESSIONS.map(lambda x: f"M = N = {x}"),
    st.sampled_from(["import os", "from os import system", "pass", "del a", "global a", "a: int = 1"]),
    EXPRESSIONS.map(lambda x: f"if {x}: pass"),
    EXPRESSIONS.map(lambda x: f"while {x}: pass"),
    EXPRESSIONS.map(lambda x: f"def f(): return {x}"),
)
PROGRAMS = st.tuples(
    st.booleans(), st.lists(STATEMENTS, min_size=1, max_size=6), st.sampled_from(["; ", "\n", ";", "\r\n"])
).map(lambda t: ("a = 2; b = -3; c = 0.5\n" if t[0] else "") + t[2].join(t[1]))


@FUZZ
@given(EXPRESSIONS)
def test_random_python_expressions(text: str) -> None:
    _only_clean_refusals(text)
    _only_clean_refusals("a = 2; b = -3; c = 0.5; L = " + text)


@FUZZ
@given(PROGRAMS)
def test_random_python_programs(text: str) -> None:
    _only_clean_refusals(text)


# -- random valid programs agree with the engine --------------------------------------------------------

LEAVES = st.one_of(
    st.sampled_from(["a", "b", "c"]).map(lambda n: ("name", n)),
    st.one_of(st.integers(0, 4).map(float), st.floats(-4, 4, allow_nan=False).map(lambda x: round(x, 3))).map(
        lambda x: ("num", x)
    ),
)
TREES = st.recursive(
    LEAVES,
    lambda kids: st.one_of(
        st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/", "**"]), kids, kids),
        st.tuples(st.just("neg"), kids),
        st.tuples(st.just("call"), st.sampled_from(list(FUNCTIONS)), kids, st.booleans()),
    ),
    max_leaves=12,
)
INPUT = st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 2))


def _text(tree: tuple) -> str:
    kind = tree[0]
    if kind == "num":
        return repr(tree[1]) if math.copysign(1.0, tree[1]) > 0 else f"({tree[1]!r})"
    if kind == "name":
        return tree[1]
    if kind == "bin":
        return f"({_text(tree[2])} {tree[1]} {_text(tree[3])})"
    if kind == "neg":
        return f"(-{_text(tree[1])})"
    return f"({_text(tree[2])}).{tree[1]}()" if tree[3] else f"{tree[1]}({_text(tree[2])})"


def _value(tree: tuple, env: dict[str, Value]) -> Value | float:
    """The same expression built with engine.Value directly (numbers stay numbers, as in Python)."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return env[tree[1]]
    if kind == "neg":
        return -_value(tree[1], env)
    if kind == "call":
        x = _value(tree[2], env)
        x = x if isinstance(x, Value) else Value(x)
        return x**0.5 if tree[1] == "sqrt" else getattr(x, tree[1])()
    left, right = _value(tree[2], env), _value(tree[3], env)
    if not isinstance(left, Value) and not isinstance(right, Value):
        left = Value(left)
    op = tree[1]
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        if (right.data if isinstance(right, Value) else right) == 0:
            raise ZeroDivisionError
        return left / right
    return left**right


@settings(max_examples=300, deadline=SAFETY_NET, suppress_health_check=[HealthCheck.too_slow])
@given(TREES, INPUT, INPUT, INPUT)
def test_valid_programs_match_the_engine(tree: tuple, a: float, b: float, c: float) -> None:
    env = {"a": Value(a, label="a"), "b": Value(b, label="b"), "c": Value(c, label="c")}
    expression = _text(tree)
    text = f"a = {a!r}; b = {b!r}; c = {c!r}\n" + (expression if tree[0] == "name" else f"L = {expression}")
    try:
        expected = _value(tree, env)
        expected = expected if isinstance(expected, Value) else Value(expected)
        expected.backward()
        oracle_ok = all(math.isfinite(v.grad) for v in env.values()) and math.isfinite(expected.grad)
    except (ArithmeticError, ValueError, TypeError):
        oracle_ok = False
    try:
        program = parse(text)
        built = program.build()
        built.backward()
    except ProgramError as exc:
        event("refused: " + exc.message.split(":")[0][:30])
        assert not oracle_ok, f"{text!r} refused: {exc}"
        assert "not allowed" not in exc.message and "not defined" not in exc.message
        return
    event("accepted")
    assert oracle_ok, f"{text!r} accepted but the engine fails on it"
    assert built.result.data == expected.data or math.isclose(built.result.data, expected.data, rel_tol=1e-12)
    for name, leaf in env.items():
        assert math.isclose(built.inputs[name].grad, leaf.grad, rel_tol=1e-9, abs_tol=1e-12), (text, name)
