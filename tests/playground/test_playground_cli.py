"""`python -m tutor play`: the graph, grads and gradient check on stdout; refusals on stderr with exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.playground.cli import play_text, run_play

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "a = 2; b = -3; L = (a*b + 10) * -2"


def _play(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", "play", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
    )


def test_play_prints_tree_and_grads() -> None:
    proc = _play(EXAMPLE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    assert out.splitlines()[1] == "L = n4 * n5   data -8   grad 1"
    assert "│   ├── n2 = a * b   data -6   grad -2" in out
    assert "├── a   data 2   grad 6" in out and "└── b   data -3   grad -4" in out
    assert "\na.grad = 6\n" in out and "\nb.grad = -4\n" in out
    assert "a: backprop 6, numerical 6, relative error" in out and "✓" in out
    assert "backward pass" not in out


def test_play_steps_prints_the_chain_rule() -> None:
    proc = _play(EXAMPLE, "--steps")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "n2 = a * b = 2 * (-3) = -6" in out
    assert "L.grad = 1" in out
    assert "a.grad += n2.grad × ∂n2/∂a = -2 × b = -2 × (-3) = 6 → a.grad = 6" in out
    assert "b.grad += n2.grad × ∂n2/∂b = -2 × a = -2 × 2 = -4 → b.grad = -4" in out
    assert out.index("backward pass") < out.index("graph:") < out.index("\na.grad = 6")


@pytest.mark.parametrize(
    ("program", "error"),
    [
        ("(1).__class__", "error: column 5: attribute access '.__class__' is not allowed\n"),
        ("import os", "error: column 1: imports are not allowed\n"),
        ("a = 0; L = 1 / a", "error: column 14: division by zero\n"),
        ("a = 1\nb = 'x'", "error: line 2, column 5: strings are not allowed\n"),
    ],
)
def test_play_refuses_with_exit_2_and_stderr(program: str, error: str) -> None:
    proc = _play(program)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == error


def test_run_play_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_play("w = 0.5; x = 2; L = tanh(w * x) * w", steps=True) == 0
    out, err = capsys.readouterr()
    assert err == "" and "↺ w" in out and "w.grad" in out
    assert run_play("9 ** 9 ** 9") == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: column 3: ") and "too large" in err


def test_play_text_details() -> None:
    text = play_text("a = 2; b = 7; L = a * a", steps=True)
    assert "b.grad = 0   (b is not used by L)" in text
    assert "→ a.grad = 2 + 2 = 4" in text  # the second contribution of a * a
    assert "no inputs" in play_text("L = 2 * 3")
    text = play_text("x = 1e-9; L = log(x)")
    assert "x: backprop 1e+09, numerical not available (cannot nudge x: log(" in text
    text = play_text("a = 0.5; L = a.tanh()", steps=True)
    assert "a.grad += L.grad × ∂L/∂a = 1 × 1 - L² = 1 × 0.7864 = 0.7864" in text
    text = play_text("a = 2; b = 3; a * b + 1", steps=True)
    assert "a.grad = 3" in text and "n4.grad = 1" in text
