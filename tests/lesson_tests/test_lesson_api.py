"""The authoring API fails early: a step missing a field it cannot do without fails where the author wrote it."""

from __future__ import annotations

import traceback

import pytest

from lessons.api import BackwardSteps, ChoiceQuiz, Do, ExpressionQuiz, Narrate, NumberQuiz, Train


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: NumberQuiz("a.grad?", hint="the chain rule"), "answer"),
        (lambda: ChoiceQuiz("up or down?", choices=["up", "down"]), "answer"),
        (lambda: ChoiceQuiz("up or down?", answer=0), "choices"),
        (lambda: ExpressionQuiz("dW?", names=dict, answer=list), "solution"),
        (lambda: Train("train it", steps=10), "setup"),
        (lambda: Do("again"), "action"),
        (lambda: Narrate(graph=None), "text"),
    ],
)
def test_a_missing_required_field_is_named_where_the_step_is_made(make, field):
    with pytest.raises(TypeError, match=f"missing 1 required .*'{field}'") as caught:
        make()
    # the traceback's last frame of this file is the line that made the step: the author's line
    here = [frame for frame in traceback.extract_tb(caught.value.__traceback__) if frame.filename == __file__]
    assert here[-1].line.lstrip().startswith("(lambda:")


def test_fields_after_the_text_are_keywords_only():
    with pytest.raises(TypeError, match="positional"):
        BackwardSteps("backprop", None)


def test_a_choice_quiz_refuses_an_answer_that_is_not_a_choice():
    with pytest.raises(ValueError, match="index"):
        ChoiceQuiz("up or down?", choices=["up", "down"], answer=2)
    with pytest.raises(ValueError, match="at least 2 choices"):
        ChoiceQuiz("only one?", choices=["yes"], answer=0)


def test_a_complete_step_still_reads_as_before():
    quiz = NumberQuiz("a.grad?", answer=lambda: 6.0, hint="b")
    assert quiz.is_right(6.0) and quiz.line > 0 and quiz.gated
    assert Narrate("hello").kind == "narrate"
