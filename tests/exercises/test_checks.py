"""Each exercise's checks: the reference solution passes, the fresh template fails, typical mistakes are named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lessons.exercises import EXERCISES, by_name, split_source
from tutor.exercises.checking import check_exercise
from tutor.exercises.workspace import lay_out

ROOT = Path(__file__).resolve().parents[2]


def _check(tmp_path: Path, name: str, text: str, seed: int = 7):
    exercise = by_name(name)
    (tmp_path / exercise.file_name).write_text(text, encoding="utf-8")
    return check_exercise(exercise, tmp_path, seed=seed)


def _mutated(name: str, old: str, new: str) -> str:
    solution = by_name(name).solution
    assert old in solution, f"the mutation {old!r} no longer applies to {name}"
    return solution.replace(old, new)


# (exercise, text in the solution, the mistake, words the failure must contain)
MISTAKES = [
    ("01", "self.grad += other.data * out.grad", "self.grad += other.data", "expected"),
    (
        "02",
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad = out.grad\n            other.grad = out.grad",
        "a.grad after backward",
    ),
    ("03", "(1 - t**2) * out.grad", "(1 + t**2) * out.grad", "1 - tanh²"),
    ("03", "self.grad += out.data * out.grad", "self.grad += out.data", "eˣ · f"),
    ("04", "(f(up) - f(down)) / (2 * h)", "(f(up) - f(xs)) / h", "central difference"),
    ("04", "H = 1e-5", "H = 1e-1", "a good h?"),
    ("04", "H = 1e-5", "H = 1e-13", "a good h?"),
    ("05", "return act.tanh()", "return act", "tanh in every layer"),
    ("06", "p.grad = 0.0", "pass", "are the grads set to zero before backward?"),
    ("07", "(1 - yi * si).relu()", "(1 - yi * si)", "relu(1 - y·score)"),
    ("08", "self.dW = self.x.T @ grad", "self.dW = grad.T @ self.x", "transpose"),
    ("09", "m / (1 - self.beta1**self.t)", "m", "Adam: parameter 0 after step 1"),
    (
        "10",
        "z = logits - logits.max(axis=1, keepdims=True)\n    e = np.exp(z)",
        "e = np.exp(logits)",
        "subtract the row max",
    ),
    ("11", "H - KH + 1", "H - KH", "H - KH + 1"),
    ("11", "for i in range(H - KH + 1):", "for i in range(H - KH):", "conv2d out"),
    (
        "12",
        "return tuple(clip(g, max_norm) for g in (dWx, dWh, db, dh_next))",
        "return dWx, dWh, db, dh_next",
        "after clipping",
    ),
    (
        "13",
        'chars = "." + w + "."\n        for a, b in zip(chars, chars[1:]):\n            N',
        'chars = w + "."\n        for a, b in zip(chars, chars[1:]):\n            N',
        "count_bigrams",
    ),
    ("14", "theta = theta - lr", "theta = theta + lr", "the network from evolve() has loss"),
]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_solution_passes_and_template_fails(tmp_path: Path, exercise) -> None:
    solved = _check(tmp_path, exercise.name, exercise.solution, seed=11)
    assert solved.passed, solved.failures
    fresh = _check(tmp_path, exercise.name, exercise.template, seed=11)
    assert not fresh.passed and fresh.failures and "Traceback" not in fresh.failures[0]


@pytest.mark.parametrize(("name", "old", "new", "words"), MISTAKES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)])
def test_typical_mistake_is_caught(tmp_path: Path, name: str, old: str, new: str, words: str) -> None:
    result = _check(tmp_path, name, _mutated(name, old, new))
    assert not result.passed
    assert words in result.line(), result.line()


def test_wrong_tanh_derivative_marks_the_tanh_node(tmp_path: Path) -> None:
    result = _check(tmp_path, "03", _mutated("03", "(1 - t**2) * out.grad", "(1 + t**2) * out.grad"))
    assert [w.op for w in result.wrong] == ["tanh"]
    assert result.failures[1].startswith("node t (tanh): k.grad got")


def test_missing_out_grad_marks_the_mul_node(tmp_path: Path) -> None:
    result = _check(tmp_path, "01", _mutated("01", "self.grad += other.data * out.grad", "self.grad += other.data"))
    assert result.wrong and result.wrong[0].op == "*"
    assert result.walk.nodes[result.wrong[0].node].label == "e"


@pytest.mark.parametrize(
    "cheat",
    [
        "import sys\nsys.exit(0)\n",
        "import os\nos._exit(0)\n",
        "print('✓ 01-value passed')\nclass Value: pass\n",
        "import lessons.exercises.checks.e01_value as c\nc.verdict = lambda *a: []\nc.probe = lambda *a: {}\n",
    ],
    ids=["sys.exit", "os._exit", "print", "patch"],
)
def test_cheats_do_not_pass(tmp_path: Path, cheat: str) -> None:
    result = _check(tmp_path, "01", cheat)
    assert not result.passed
    assert result.failures


def test_an_error_points_at_the_learners_line(tmp_path: Path) -> None:
    result = _check(
        tmp_path,
        "01",
        by_name("01").solution.replace("out._backward = _backward\n        return", "1 / 0\n        return", 1),
    )
    assert result.line().startswith("✗ 01-value: ZeroDivisionError: division by zero (01-value.py, line ")


def test_split_source_keeps_the_todo_and_the_template_part() -> None:
    template, solution = split_source("a\n    # TODO: do it\n    x = 1\n    # ELSE\n    x = None\n    # END\nb\n")
    assert template == "a\n    # TODO: do it\n    x = None\nb\n"
    assert solution == "a\n    x = 1\nb\n"


def test_init_never_overwrites_an_edited_file_and_force_resets_it(tmp_path: Path) -> None:
    lay_out(tmp_path)
    edited = tmp_path / "01-value.py"
    edited.write_text("# my own work\n", encoding="utf-8")
    lines = lay_out(tmp_path, solved=True)
    assert edited.read_text() == "# my own work\n"
    assert any("kept" in line and "01-value" in line for line in lines)
    assert (tmp_path / "02-backward.py").read_text() == by_name("02").solution  # untouched files are updated
    lay_out(tmp_path, force=("01-value",))
    assert edited.read_text() == by_name("01").template


def _tutor(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutor", "--data-dir", str(cwd / "data"), "exercises", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_solved_folder_checks_clean_and_fresh_folder_fails_naming_every_exercise(tmp_path: Path) -> None:
    assert _tutor("init", "--solved", str(tmp_path / "solved"), cwd=tmp_path).returncode == 0
    solved = _tutor("check", str(tmp_path / "solved"), cwd=tmp_path)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert solved.stdout.count("✓") == len(EXERCISES)
    assert '"passed": true' in (tmp_path / "data" / "progress.json").read_text()
    assert _tutor("init", str(tmp_path / "fresh"), cwd=tmp_path).returncode == 0
    fresh = _tutor("check", str(tmp_path / "fresh"), cwd=tmp_path)
    assert fresh.returncode == 1
    for exercise in EXERCISES:
        assert f"✗ {exercise.name}: " in fresh.stdout
    assert "Traceback" not in fresh.stdout + fresh.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _tutor("check", str(tmp_path / "missing"), "01", cwd=tmp_path).returncode == 2
    lay_out(tmp_path / "ex")
    result = _tutor("check", str(tmp_path / "ex"), "99-nothing", cwd=tmp_path)
    assert result.returncode == 2 and "no exercise" in result.stderr
