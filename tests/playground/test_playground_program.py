"""The playground's parser and evaluator: same graphs as engine.Value, clean errors, limits."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from engine.graph import count_nodes
from engine.value import Value
from tutor.playground.program import FUNCTIONS, Limits, ProgramError, gradient_check, parse, run


def _leaves(**values: float) -> dict[str, Value]:
    return {name: Value(float(x), label=name) for name, x in values.items()}


def _direct_1() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=2, b=-3)
    return (v["a"] * v["b"] + 10) * -2, v


def _direct_tanh() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=2.0, b=-3, c=10)
    return (v["a"] * v["b"] + v["c"]).tanh(), v


def _direct_rpow() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=1.5)
    return 2 ** v["a"], v


def _direct_pow_value() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=1.5, b=0.7)
    return v["a"] ** v["b"], v


def _direct_div() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=2, b=4)
    a, b = v["a"], v["b"]
    return -a / b + a / 2 - 3 / b, v


def _direct_functions() -> tuple[Value, dict[str, Value]]:
    v = _leaves(x=0.3)
    x = v["x"]
    return x.sigmoid() * x.exp() + x.log() - (-x).relu() + x.relu(), v


def _direct_chain() -> tuple[Value, dict[str, Value]]:
    v = _leaves(x=0.5)
    x = v["x"]
    y = x * x
    z = y.exp()
    return z / (1 + x), v


def _direct_powers() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=-3)
    return v["a"] ** 2 + v["a"] ** -1, v


def _direct_sqrt() -> tuple[Value, dict[str, Value]]:
    v = _leaves(a=2.0, w=-0.5)
    return (v["a"] ** 0.5 * v["w"] + v["a"]) ** 0.5, v


def _direct_shared() -> tuple[Value, dict[str, Value]]:
    v = _leaves(w=0.8, x1=1.0, x2=-2.0)
    w = v["w"]
    h = (w * v["x1"]).tanh() + (w * v["x2"]).tanh()
    return (h - 1) ** 2, v


EQUIVALENT: list[tuple[str, Callable[[], tuple[Value, dict[str, Value]]]]] = [
    ("a = 2; b = -3; L = (a*b + 10) * -2", _direct_1),
    ("a = 2.0; b = -3; c = 10; L = tanh(a*b + c)", _direct_tanh),
    ("a = 2.0; b = -3; c = 10; L = (a*b + c).tanh()", _direct_tanh),
    ("a = 2.0\nb = -3\nc = 10\nn = a*b + c\nL = n.tanh()", _direct_tanh),
    ("a = 1.5; L = 2 ** a", _direct_rpow),
    ("a = 1.5; b = 0.7; L = a ** b", _direct_pow_value),
    ("a = 2; b = 4; L = -a / b + a / 2 - 3 / b", _direct_div),
    ("x = 0.3; L = sigmoid(x) * exp(x) + log(x) - relu(-x) + x.relu()", _direct_functions),
    ("x = 0.5; y = x * x; z = y.exp(); L = z / (1 + x)", _direct_chain),
    ("a = -3; L = a ** 2 + a ** -1", _direct_powers),
    ("a = 2.0; w = -0.5; L = sqrt(a.sqrt() * w + a)", _direct_sqrt),
    (
        "w = 0.8; x1 = 1.0; x2 = -2.0  # one weight, two uses\nh = tanh(w*x1) + (w*x2).tanh()\nL = (h - 1)**2",
        _direct_shared,
    ),
]


@pytest.mark.parametrize(("text", "direct"), EQUIVALENT, ids=[t for t, _ in EQUIVALENT])
def test_same_values_and_grads_as_engine(text: str, direct: Callable[[], tuple[Value, dict[str, Value]]]) -> None:
    built = run(text)
    expected, leaves = direct()
    expected.backward()
    assert built.result.data == pytest.approx(expected.data, rel=1e-12)
    assert set(built.inputs) == set(leaves)
    for name, leaf in leaves.items():
        assert built.inputs[name].data == leaf.data
        assert built.inputs[name].grad == pytest.approx(leaf.grad, rel=1e-12, abs=1e-15), name
    assert count_nodes(built.result) == count_nodes(expected)
    assert built.node_count >= count_nodes(built.result)


def test_names_label_their_nodes_and_numbers_make_inputs() -> None:
    built = run("a = 2; b = -3; c = 2 * 3; n = a*b + c\nL = n.tanh()")
    assert list(built.inputs) == ["a", "b"]  # `c = 2 * 3` is computed, not an input
    assert {name: node.label for name, node in built.names.items()} == {n: n for n in "abcnL"}
    assert built.names["c"]._op == "*" and built.names["c"].data == 6
    assert built.inputs["b"].data == -3 and not built.inputs["b"]._prev
    assert built.result is built.names["L"]
    assert built.program.result_name == "L"
    assert built.program.input_names == ["a", "b"]


def test_signed_numbers_are_inputs_and_constants_are_folded_signs() -> None:
    built = run("a = -3; b = +2; c = --4; L = a * -2 + b * c")
    assert {n: v.data for n, v in built.inputs.items()} == {"a": -3, "b": 2, "c": 4}
    assert built.inputs["a"].grad == -2


def test_final_bare_expression_is_the_result() -> None:
    built = run("a = 2; b = 3\na * b + 1")
    assert built.result.data == 7 and built.result.label == ""
    assert built.inputs["a"].grad == 3
    assert built.program.result_name is None
    assert run("3").result.data == 3
    built = run("a = 2; a")
    assert built.result is built.inputs["a"] and built.result.grad == 1


def test_single_assignment_result_and_unused_inputs() -> None:
    built = run("L = 3")
    assert built.result.data == 3 and built.result.grad == 1 and list(built.inputs) == ["L"]
    built = run("a = 2; b = 5; L = a * a")
    assert built.inputs["a"].grad == 4 and built.inputs["b"].grad == 0


def test_build_again_with_other_input_values() -> None:
    program = parse("a = 2; b = -3; L = a * b")
    first, second = program.build(), program.build({"a": 10})
    assert first.result.data == -6 and second.result.data == -30
    assert first.result is not second.result and first.inputs["a"].data == 2
    assert first.result.grad == 0  # build does not run backward


def test_long_flat_programs_build_without_recursion() -> None:
    text = "a = 1; L = a" + " + a" * 495  # about 2,000 characters, a sum 496 levels deep
    built = run(text)
    assert built.result.data == 496 and built.inputs["a"].grad == 496
    built = run("a = 1; L = " + "-" * 1985 + "a")  # 1985 negations in a row
    assert built.result.data == -1 and built.inputs["a"].grad == -1
    assert run("L = " + "-" * 1990 + "1").result.data == 1  # signs of a number are folded


def test_gradient_check_agrees_with_backprop() -> None:
    for text, _ in EQUIVALENT:
        checks = gradient_check(parse(text))
        assert checks, text
        for c in checks:
            assert c.ok, (text, c)
            assert c.numerical == pytest.approx(c.analytical, rel=1e-4, abs=1e-7)


def test_gradient_check_reports_a_nudge_it_cannot_make() -> None:
    (check,) = gradient_check(parse("x = 1e-9; L = log(x)"))
    assert check.numerical is None and not check.ok and "log" in check.note
    (kink,) = gradient_check(parse("x = 0; L = relu(x)"))
    assert kink.analytical == 0 and kink.numerical == pytest.approx(0.5) and not kink.ok


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("a = -2; L = log(a)", 13, "logarithm"),
        ("a = 0; L = 1 / a", 14, "division by zero"),
        ("a = 2; L = a / (a - 2)", 14, "division by zero"),
        ("a = 0; L = a ** -1", 14, "0 ** -1"),
        ("a = -8; L = a ** 0.5", 15, "negative base"),
        ("a = -8; L = sqrt(a)", 13, "square root"),
        ("a = -2; b = 2; L = a ** b", 22, "positive"),
        ("a = 1000; L = exp(a)", 15, "too large"),
        ("a = 1e200; L = a * a", 18, "finite"),
        ("L = 9 ** 9 ** 9", 7, "too large"),
        ("L = 10 ** 400", 8, "10^400"),
        ("a = 10; L = a ** 400", 15, "too large"),
        ("a = 1e-300; L = a ** -2", 19, "too large"),
    ],
)
def test_engine_errors_become_program_errors(text: str, column: int, words: str) -> None:
    with pytest.raises(ProgramError) as info:
        run(text)
    err = info.value
    assert err.column == column, str(err)
    assert words in err.message
    assert str(err).startswith(f"column {column}: ")
    assert "\n" not in str(err)


def test_gradient_overflow_is_a_clean_error() -> None:
    with pytest.raises(ProgramError, match=r"through L = ln\(x\) to x became inf: x = 1e-310 is too close to 0"):
        run("x = 1e-310; L = log(x)")


def test_error_positions_are_characters_and_lines() -> None:
    with pytest.raises(ProgramError) as info:
        parse("α = 2; β = α.data")
    assert (info.value.line, info.value.column) == (1, 14)
    assert str(info.value) == "column 14: attribute access '.data' is not allowed"
    with pytest.raises(ProgramError) as info:
        parse("a = 1\nb = 2\nc = a.__class__")
    assert (info.value.line, info.value.column) == (3, 7)
    assert str(info.value).startswith("line 3, column 7: ")
    with pytest.raises(ProgramError) as info:
        parse("a = 1; b = a @ 2")
    assert info.value.column == 14 and "'@'" in info.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a = 1; a = 2", "already assigned"),
        ("a = 1; a += 1", "augmented assignment '+='"),
        ("a = b = 1", "chained assignment"),
        ("a, b = 1, 2", "several names"),
        ("a = 1; b = a", "second name"),
        ("a = 1; b = (+a)", "second name"),
        ("tanh = 1", "is a function"),
        ("a = 1; b = tanh", "is a function"),
        ("a = 1; b = c * a", "'c' is not defined"),
        ("b = b + 1", "'b' is not defined"),
        ("a = 1; a * 2; b = 3", "bare expression"),
        ("a = 1; b = tanh(a, a)", "exactly one argument"),
        ("a = 1; b = tanh()", "exactly one argument"),
        ("a = 1; b = a.exp(2)", "takes no arguments"),
        ("a = 1 +", "syntax error"),
        ("a = (1", "syntax error"),
        ("a = 1\n  b = 2", "syntax error"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("a = 1\x00", "null"),
        ("a = True", "not a number"),
        ("a = None", "None"),
        ("a = 1j", "complex"),
        ("a = ...", "not allowed"),
        ("a = 1e999", "too large"),
        ("a = " + "9" * 400, "too large"),
    ],
)
def test_refusals_name_the_problem(text: str, words: str) -> None:
    with pytest.raises(ProgramError) as info:
        parse(text)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_limits_each_have_a_clear_error() -> None:
    with pytest.raises(ProgramError, match=r"too long: 2,001 characters \(the limit is 2,000\)"):
        parse("a = 1" + " " * 1996)
    with pytest.raises(ProgramError, match="more than 50 levels of brackets") as info:
        parse("a = " + "(" * 51 + "1" + ")" * 51)
    assert info.value.column == 55
    parse("a = " + "(" * 50 + "1" + ")" * 50)
    with pytest.raises(ProgramError, match=r"too many statements: 201 \(the limit is 200\)"):
        parse(";".join(f"x{i} = {i}" for i in range(201)))
    small = Limits(max_nodes=50)
    text = "a = 1; b = a * 2; c = b * 2; " + "; ".join(
        f"d{i} = {'a' if i == 0 else f'd{i - 1}'} - 1" for i in range(30)
    )
    parse(text).build()
    with pytest.raises(ProgramError, match="more than 50 nodes"):
        parse(text, small).build()


def test_functions_are_listed_for_the_screen() -> None:
    assert set(FUNCTIONS) == {"tanh", "sigmoid", "relu", "exp", "log", "sqrt"}
    for name, description in FUNCTIONS.items():
        assert name in description and "\n" not in description
        run(f"x = 0.5; L = {name}(x) + x.{name}()")


def test_statement_text_is_kept() -> None:
    program = parse("a = 2;  b = (a *\n 3)\nL = b.tanh()")
    assert [s.text for s in program.statements] == ["a = 2", "b = (a * 3)", "L = b.tanh()"]
    assert [s.target for s in program.statements] == ["a", "b", "L"]
    assert math.isclose(program.build().result.data, math.tanh(6))


def test_nudging_past_the_largest_float_is_reported_not_raised() -> None:
    (check,) = gradient_check(parse("a = 1.7976931348e308; L = a * 1e-300"))
    assert check.numerical is None and "finite" in check.note
    with pytest.raises(ProgramError, match="finite"):
        parse("a = 1; L = a * 2").build({"a": math.inf})
