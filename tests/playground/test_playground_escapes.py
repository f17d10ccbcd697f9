"""Attempts to escape the playground's language: all refused, none with any effect."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.value import Value
from tutor.playground.program import ProgramError, gradient_check, parse, run

# `{p}` is the path of a file the attempt would create if it ran as Python.
ATTEMPTS: list[str] = [
    "__import__('os').system('touch {p}')",
    "a = __import__('os').system('touch {p}')",
    "__import__\n('os').system('touch {p}')",
    "().__class__.__bases__[0].__subclasses__()",
    "(1).__class__",
    "a = 1; b = a.__class__.__init__.__globals__",
    "a = 1; b = a.data",
    "a = 1; b = a.tanh.__globals__",
    "a = 1; b = a.tanh().__class__",
    "a = 1; b = a.__reduce__()",
    "tanh.__globals__",
    "open('{p}', 'w')",
    "ｏｐｅｎ('{p}', 'w')",
    "exec(\"open('{p}', 'w')\")",
    "eval(\"open('{p}', 'w')\")",
    "compile('open(1)', 'x', 'exec')",
    "getattr(__builtins__, 'open')('{p}', 'w')",
    "globals()",
    "locals()['x']",
    "vars()",
    "breakpoint()",
    "print(1)",
    "__builtins__",
    "a = __builtins__",
    "__import__",
    "lambda: open('{p}', 'w')",
    "(lambda: 0)()",
    "[open('{p}', 'w') for x in (1,)]",
    "a = sum(x for x in (1, 2))",
    "{{x: 1 for x in (1,)}}",
    "a = 1; b = a[0]",
    "a = (1, 2)[0]",
    "'touch {p}'",
    "b'x'",
    "f\"{{open('{p}', 'w')}}\"",
    "a = 1; b = tanh(x=a)",
    "a = 1; b = tanh(*[a])",
    "a = 1; b = tanh(**{{'x': a}})",
    "(x := open('{p}', 'w'))",
    "a = 1; b = *a,",
    "{{'a': 1}}",
    "{{1, 2}}",
    "(1, 2)",
    "[1]",
    "import os; os.system('touch {p}')",
    "from os import system; system('touch {p}')",
    "import os as tanh",
    "if 1: open('{p}', 'w')",
    "while 1: pass",
    "for x in (1,): open('{p}', 'w')",
    "def f(): return open('{p}', 'w')",
    "class A: pass",
    "with open('{p}', 'w') as f: pass",
    "try:\n    open('{p}', 'w')\nexcept Exception:\n    pass",
    "async def f(): pass",
    "del a",
    "global a",
    "assert open('{p}', 'w')",
    "raise SystemExit",
    "match 1:\n    case 1:\n        open('{p}', 'w')",
    "a: int = 1",
    "a = 1; a += 1",
    "a = b = 1",
    "a = 1 if open('{p}', 'w') else 2",
    "a = 1 < 2",
    "a = 1 and open('{p}', 'w')",
    "a = not 1",
    "a = ~1",
    "a = 7 // 2",
    "a = 7 % 2",
    "a = 1 << 2",
    "a = 1; b = a.sqrt.__self__",
    "a = 1; b = tanh(a)(a)",
    "a = 1; b = a()",
    "a = 1; b = (a).exp.__call__()",
    "x = 1" + " + 1" * 1000,
    "(" * 100_000,
    "(" * 900 + "1" + ")" * 900,
    "-" * 1_990 + "open(1)",
    "a = " + "(" * 60 + "1" + ")" * 60,
    "a = [" * 60,
    "9 ** 9 ** 9",
    "10 ** 400",
    "a = 10; b = a ** a ** a",
    "a = 1000; b = exp(a)",
    "a = " + "9" * 1_000,
    "a = 1\x00; open('{p}', 'w')",
    "a = 1; \\\nimport os",
    "a = 1;; b = 2",
]


def _attempt(template: str, marker: Path) -> str:
    return template.replace("{p}", str(marker)).replace("{{", "{").replace("}}", "}")


def _everything(text: str) -> None:
    """Everything the playground does with a program."""
    program = parse(text)
    built = program.build()
    built.backward()
    gradient_check(program)


def test_there_are_enough_attempts() -> None:
    assert len(ATTEMPTS) >= 30
    assert len(set(ATTEMPTS)) == len(ATTEMPTS)


@pytest.mark.parametrize("template", ATTEMPTS, ids=[repr(a[:40]) for a in ATTEMPTS])
def test_escape_attempt_is_refused_without_effect(template: str, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    text = _attempt(template, marker)
    with pytest.raises(ProgramError) as info:
        _everything(text)
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 300
    assert "Traceback" not in message
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []


def test_comment_text_is_ignored_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    built = run(f"a = 2  # __import__('os').system('touch {marker}')\nL = a * a")
    assert built.inputs["a"].grad == 4
    assert not marker.exists()


def test_python_is_never_compiled_only_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """ast.parse calls compile(..., PyCF_ONLY_AST); nothing else may compile, eval or exec."""
    real_compile = builtins.compile
    calls = []

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(flags)
        assert flags & ast.PyCF_ONLY_AST, "compiled to bytecode"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def forbidden(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "compile", only_ast)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    run("a = 2; b = -3; L = tanh(a*b + 10) ** 2 / exp(a)")
    for template in ATTEMPTS[:20]:
        with pytest.raises(ProgramError):
            _everything(_attempt(template, Path("/nonexistent/x")))
    assert calls


def test_refusals_are_decided_before_any_real_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every refusal costs a handful of engine nodes at most (counted, not timed: a busy machine cannot fail it)."""
    made = 0
    real_init = Value.__init__

    def counting(self: Value, *args: object, **kwargs: object) -> None:
        nonlocal made
        made += 1
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Value, "__init__", counting)
    for template in ATTEMPTS:
        made = 0
        with pytest.raises(ProgramError):
            _everything(_attempt(template, Path("/nonexistent/x")))
        assert made <= 5, (template, made)
    run("a = 2; b = a * a")
    assert made >= 2  # the count sees the nodes a program makes


def test_repeated_doubling_is_a_small_graph() -> None:
    lines = ["x0 = 1"] + [f"x{i} = x{i - 1} + x{i - 1}" for i in range(1, 90)]
    built = run("\n".join(lines))
    assert built.result.data == 2.0**89
    assert built.inputs["x0"].grad == 2.0**89
    assert built.node_count == 90


def test_refused_on_the_command_line_without_effect(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    for template in ["__import__('os').system('touch {p}')", "open('{p}', 'w')", "import os"]:
        proc = subprocess.run(
            [sys.executable, "-m", "tutor", "play", _attempt(template, marker)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        assert proc.stderr.startswith("error: column 1: ") and proc.stderr.count("\n") == 1
        assert not marker.exists()


def test_value_objects_are_untouched() -> None:
    """Refused programs leave the engine class as it was."""
    before = dict(vars(Value))
    for template in ATTEMPTS:
        with pytest.raises(ProgramError):
            _everything(_attempt(template, Path("/nonexistent/x")))
    assert dict(vars(Value)) == before
