"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.explain import fmt
from lessons.catalog import load_catalog
from tutor.app import TutorApp
from tutor.components.graph_tree import GraphTree
from tutor.progress import Progress


@pytest.fixture
def make_app(tmp_path: Path):
    def make(data_dir: Path | None = None, extra: list[Path] | None = None, **kwargs) -> TutorApp:
        catalog = load_catalog(extra or [])
        return TutorApp(catalog, Progress.load(data_dir or tmp_path / "data"), **kwargs)

    return make


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
