"""Array expressions typed by a learner: the right ones evaluate, everything else is refused cleanly."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.api import ExpressionQuiz, lesson
from lessons.expressions import ExpressionError, evaluate
from lessons.runner import LessonRun

RNG = np.random.default_rng(0)
NAMES = {
    "probs": RNG.random((4, 3)),
    "onehot": np.eye(3)[[0, 2, 1, 1]],
    "h": RNG.normal(size=(4, 5)),
    "W": RNG.normal(size=(5, 3)),
    "n": 4.0,
}
LOGITS = NAMES["h"] @ NAMES["W"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(probs - onehot) / n", (NAMES["probs"] - NAMES["onehot"]) / 4),
        ("h.T @ probs", NAMES["h"].T @ NAMES["probs"]),
        ("sum(probs, axis=0)", NAMES["probs"].sum(axis=0)),
        ("sum(probs, axis=1, keepdims=True)", NAMES["probs"].sum(axis=1, keepdims=True)),
        ("(1 - tanh(h)**2) * h", (1 - np.tanh(NAMES["h"]) ** 2) * NAMES["h"]),
        ("-mean(exp(h), axis=(0, 1))", -np.exp(NAMES["h"]).mean(axis=(0, 1))),
        ("softmax(h @ W, axis=1)", np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)),
        ("ones_like(W) * 2", np.full((5, 3), 2.0)),
    ],
)
def test_learner_expressions_evaluate_like_numpy(text, expected):
    np.testing.assert_allclose(evaluate(text, NAMES), expected, rtol=1e-12)


ESCAPES = [
    "__import__('os').system('touch {marker}')",
    "probs.__class__",
    "probs.tofile('{marker}')",
    "open('{marker}', 'w')",
    "exec('1')",
    "eval('1')",
    "getattr(probs, 'T')",
    "globals()",
    "lambda: 0",
    "[x for x in probs]",
    "probs[0]",
    "'text'",
    "f'{{n}}'",
    "(x := 1)",
    "probs if n else h",
    "probs < h",
    "sum(probs, dtype=object)",
    "sum(probs, axis=probs)",
    "np.sum(probs)",
    "breakpoint()",
    "__builtins__",
    "_secret",
    "*probs",
    "{{1: 2}}",
    "(" * 100 + "n" + ")" * 100,
    "n" + " + n" * 200,
    "n ** 10000",
    "h ** h",
    "log(probs - 1)",
    "probs / 0",
    "probs @ h",
    "unknown_name",
    "1j",
    "import os",
]


@pytest.mark.parametrize("attempt", ESCAPES)
def test_refused_with_a_clean_one_line_error_and_no_side_effect(attempt, tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ExpressionError) as refused:
        evaluate(attempt.format(marker=marker), NAMES)
    assert "\n" not in str(refused.value) and str(refused.value)
    assert not marker.exists()


def test_errors_name_the_column():
    with pytest.raises(ExpressionError) as refused:
        evaluate("probs + h.shape", NAMES)
    assert refused.value.column == 9 and "'.shape'" in str(refused.value)
    with pytest.raises(ExpressionError) as mismatch:
        evaluate("probs + h", NAMES)
    assert "(4, 3) and (4, 5)" in str(mismatch.value)


@settings(max_examples=300, deadline=2000)
@given(st.text(max_size=60))
def test_random_text_never_crashes(text):
    with contextlib.suppress(ExpressionError):
        evaluate(text, NAMES)


TOKENS = ["probs", "h", "W", "n", "onehot", "2", "0.5", "+", "-", "*", "/", "@", "**", "(", ")", ".T", ",", "axis=1",
          "sum(", "exp(", "log(", "max(", "[", "]", ".x", "'", "lambda", ":", "=", "keepdims=True"]


@settings(max_examples=300, deadline=2000)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_soup_never_crashes(tokens):
    with contextlib.suppress(ExpressionError):
        evaluate(" ".join(tokens), NAMES)


def expression_lesson():
    @lesson(id="expr", title="Expr", summary="s", minutes=1, order=1)
    def expr():
        yield ExpressionQuiz(
            "dlogits?",
            names=lambda: {"probs": NAMES["probs"], "onehot": NAMES["onehot"], "n": NAMES["n"]},
            answer=lambda: (NAMES["probs"] - NAMES["onehot"]) / NAMES["n"],
            solution="(probs - onehot) / n",
            hint="softmax minus one-hot, averaged over the batch",
        )

    return expr


def test_an_expression_quiz_judges_shape_then_numbers_and_reveals_after_two_tries():
    run = LessonRun(expression_lesson())
    state = run.state
    assert not state.answer("probs.__class__") and state.tries == 0 and "not allowed" in state.feedback
    assert not state.answer("sum(probs, axis=0)") and "shape (3,)" in state.feedback and state.tries == 1
    assert not state.answer("probs - onehot") and state.revealed
    assert "(probs - onehot) / n" in state.feedback
    fresh = LessonRun(expression_lesson()).state
    assert fresh.answer("probs / n - onehot / n") and fresh.solved
