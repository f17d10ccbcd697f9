"""`python -m tutor read`: every lesson as a plain conversation, driven as a screen-reader user would."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from lessons.api import ChoiceQuiz, ExpressionQuiz, NumberQuiz
from lessons.catalog import load_catalog
from lessons.runner import BackwardState, QuizState, TrainState
from tutor.reader import PlainReader, plain_text

CATALOG = load_catalog([])
ESCAPE = "\x1b"


class KnowingLearner(io.StringIO):
    """Input that answers like a learner who reads the screen and knows the answers:
    a wrong answer first for every quiz (to hear the feedback), then the right one; n otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.reader: PlainReader | None = None
        self.typed: list[str] = []
        self.wrong_given: set[int] = set()

    def readline(self, size: int | None = -1) -> str:
        line = self._next() + "\n"
        self.typed.append(line.strip())
        assert len(self.typed) < 5000, "the lesson never ended"
        return line

    def _next(self) -> str:
        assert self.reader is not None
        run = self.reader.run_
        state = run.state
        if isinstance(state, BackwardState) and state.question is not None:
            return f"= {state.question[1].grad_after!r}"
        if isinstance(state, QuizState) and not state.done:
            step = state.step
            if run.index not in self.wrong_given and not isinstance(step, ExpressionQuiz):
                self.wrong_given.add(run.index)
                return "h"
            if isinstance(step, ExpressionQuiz):
                return "= " + step.solution
            if isinstance(step, NumberQuiz):
                return repr(step.solution())
            assert isinstance(step, ChoiceQuiz)
            return str(step.solution() + 1)
        return "n"


def converse(lesson_id: str) -> tuple[int, str, KnowingLearner]:
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None
    out = io.StringIO()
    learner = KnowingLearner()
    reader = PlainReader(lesson, out, learner, width=100)
    learner.reader = reader
    return reader.run(), out.getvalue(), learner


@pytest.mark.parametrize("lesson_id", ["chain-rule", "neuron", "gradient-check", "bigram"])
def test_every_step_is_reachable_in_plain_text(lesson_id: str) -> None:
    code, text, _ = converse(lesson_id)
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None
    steps = len(lesson.steps())
    assert code == 0
    assert "End of the lesson" in text
    for k in range(1, steps + 1):
        assert f"— Step {k} of {steps}" in text
    assert ESCAPE not in text  # not a colour terminal: no escape codes at all
    assert not re.search(r"\*\*[A-Za-z][^*\n]*\*\*", text)  # Markdown read out as words: no **bold**
    assert "`" not in text


def test_quizzes_say_their_choices_in_words_and_give_feedback() -> None:
    code, text, _ = converse("neuron")
    assert code == 0
    assert "Hint:" in text
    assert "Right!" in text
    assert "1. " in text and "Type the number of your choice." in text


def test_training_says_its_numbers_in_a_sentence() -> None:
    code, text, _ = converse("build-an-mlp")
    assert code == 0
    assert "Training for" in text
    assert "loss: " in text and "first " in text and "last " in text and "lowest " in text


def test_command_line_reads_commands_from_a_pipe_and_ends_on_q() -> None:
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "--data-dir", os.devnull + "-none", "read", "chain-rule"],
        input="n\nn\nn\nq\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Step 2/7: b = -3 is an input" in proc.stdout
    assert proc.stdout.rstrip().endswith("Bye.")
    assert ESCAPE not in proc.stdout


def test_an_unknown_lesson_is_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "read", "no-such-lesson"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "no lesson 'no-such-lesson'" in proc.stderr


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"TERM": "xterm-256color"}])
def test_the_app_without_a_terminal_names_read_and_exits_2(env: dict[str, str]) -> None:
    clean = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    proc = subprocess.run(  # stdout is a pipe here: no full-screen app, no escape codes
        [sys.executable, "-m", "tutor"], capture_output=True, text=True, env={**clean, **env}, timeout=60
    )
    assert proc.returncode == 2
    assert "python -m tutor read LESSON" in proc.stderr
    assert proc.stdout == ""


def test_markdown_becomes_words() -> None:
    assert plain_text("It **explodes**: `a.grad` is *large*.") == "It explodes: a.grad is large."
    assert plain_text("## Title\nsee [micrograd](https://x)") == "Title\nsee micrograd (https://x)"
    assert plain_text("2 * 3 * 4") == "2 * 3 * 4"


def test_state_is_kept_between_steps_of_training() -> None:
    lesson = CATALOG.get("build-an-mlp")
    assert lesson is not None
    out = io.StringIO()
    learner = KnowingLearner()
    reader = PlainReader(lesson, out, learner, width=100)
    learner.reader = reader
    reader.run()
    trained = [s for s in reader.run_.states if isinstance(s, TrainState)]
    assert trained and all(s.done for s in trained)
