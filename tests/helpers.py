"""Helpers shared by the tests: reading the app's screen, driving it with keys, answering quizzes."""

from __future__ import annotations

import re
import textwrap

from engine.explain import fmt
from lessons.runner import LessonRun, QuizState
from tutor.components.graph_tree import GraphTree


def shown_grads(tree: GraphTree) -> dict[str, str]:
    """The grad each expanded node of the tree shows, by label: '6', '?' ..."""
    grads = {}
    for value, node in tree._value_nodes.items():
        match = re.search(r"grad (\S+)", node.label.plain)
        assert match, node.label.plain
        grads[value.label] = match.group(1)
    return grads


def engine_text(x: float) -> str:
    return fmt(x)


async def open_from_browser(pilot, app, lesson_id: str) -> None:
    """Move the browser's cursor to a lesson with j, as a learner would, and press Enter."""
    options = app.screen.query_one("#lesson-list")
    for _ in range(len(options.options)):
        if options.get_option_at_index(options.highlighted).id == lesson_id:
            break
        await pilot.press("j")
    assert options.get_option_at_index(options.highlighted).id == lesson_id
    await pilot.press("enter")
    await pilot.pause()


def screen_lines(text: str, width: int = 78) -> int:
    """About how many lines a step's Markdown takes at 80 columns (code fences keep their lines, plus a margin)."""
    lines = 0
    for block in re.split(r"```", text)[1::2]:
        lines += block.strip("\n").count("\n") + 3
    for para in re.split(r"```.*?```", text, flags=re.S):
        for line in para.split("\n"):
            line = line.replace("**", "").replace("`", "").strip()
            if line:
                lines += len(textwrap.wrap(line, width))
    return lines


def answer(run: LessonRun, typed: str) -> QuizState:
    """Type an answer into the current quiz and insist it is accepted."""
    state = run.state
    assert isinstance(state, QuizState)
    assert state.answer(typed), f"{typed!r} was not accepted: {state.feedback}"
    return state
