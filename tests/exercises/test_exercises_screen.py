"""The exercises screen, driven with Pilot: a failing Value exercise shows the learner's graph, wrong node marked."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import OptionList, Static, TextArea

from lessons.exercises import by_name
from tutor.exercises.screen import ExercisesScreen
from tutor.exercises.walk_view import SteppedWalk
from tutor.exercises.workspace import lay_out


def _label(tree: SteppedWalk, node_id: int) -> str:
    return str(tree._shown_at[node_id].label)


async def _checked(pilot, screen: ExercisesScreen) -> None:
    """Wait for the screen's checks (not its file watcher, which runs until the screen closes)."""
    await pilot.pause()
    checks = [w for w in pilot.app.workers if w.group == "checks"]
    if checks:  # an empty list would mean every worker, the watcher too
        await pilot.app.workers.wait_for_complete(checks)
    await pilot.pause()


async def test_failing_value_exercise_shows_the_learners_graph_with_the_wrong_node_marked(tmp_path: Path, make_app):
    folder = tmp_path / "ex"
    lay_out(folder)
    wrong = by_name("01").solution.replace("self.grad += other.data * out.grad", "self.grad += other.data")
    (folder / "01-value.py").write_text(wrong, encoding="utf-8")
    app = make_app(exercises=folder)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ExercisesScreen)
        await _checked(pilot, screen)
        options = screen.query_one("#exercise-list", OptionList)
        assert str(options.get_option_at_index(0).prompt) == "✗ 01-value"
        task = str(screen.query_one("#exercise-task", Static).content)
        assert "✗ a.grad after backward in L = (a*b + c) * f is" in task
        assert "node e (*)" in task
        tree = screen.query_one("#exercise-walk", SteppedWalk)
        assert tree.display and tree.region.height > 3
        walk = screen.results["01-value"].walk
        e = next(n.id for n in walk.nodes if n.label == "e")
        assert _label(tree, e).startswith("✗ e = ")
        assert all("✗" not in _label(tree, n.id) for n in walk.nodes if n.id != e and n.id in tree._shown_at)
        # step the learner's own backward: L first, then d, then e (the wrong one)
        for _ in range(3):
            await pilot.press("n")
        assert _label(tree, e).startswith("» ✗ e = ")
        step = str(screen.query_one("#exercise-step", Static).content)
        assert step.startswith("step 3/3: e._backward()") and "✗ wrong" in step
        await pilot.press("p")
        assert _label(tree, e).startswith("✗ e = ")


async def test_hints_one_at_a_time_are_recorded_in_progress(tmp_path: Path, make_app):
    folder = tmp_path / "ex"
    lay_out(folder)
    app = make_app(exercises=folder, data_dir=tmp_path / "data")
    async with app.run_test(size=(60, 20)) as pilot:
        screen = app.screen
        await pilot.press("h")
        task = str(screen.query_one("#exercise-task", Static).content)
        assert "Hint 1/3:" in task and "Hint 2/3:" not in task
        await pilot.press("h")
        assert "Hint 2/3:" in str(screen.query_one("#exercise-task", Static).content)
        await pilot.pause()
    saved = json.loads((tmp_path / "data" / "progress.json").read_text())
    assert saved["exercises"]["01-value"]["hints_used"] == 2


async def test_editor_saves_and_the_check_passes(tmp_path: Path, make_app):
    folder = tmp_path / "ex"
    lay_out(folder)
    app = make_app(exercises=folder, data_dir=tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("e")
        editor = screen.query_one("#exercise-editor", TextArea)
        assert editor.has_focus and "TODO" in editor.text
        editor.load_text(by_name("01").solution)
        await pilot.press("ctrl+s")
        await _checked(pilot, screen)
        assert (folder / "01-value.py").read_text() == by_name("01").solution
        assert screen.statuses["01-value"] == "passing"
        await pilot.press("ctrl+x")
        assert not editor.display
    saved = json.loads((tmp_path / "data" / "progress.json").read_text())
    assert saved["exercises"]["01-value"]["passed"] is True


async def test_exercises_are_off_when_the_classroom_does_not_allow_code(tmp_path: Path, make_app):
    app = make_app(code="off")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ExercisesScreen)


async def test_x_in_the_lesson_list_opens_the_exercises(tmp_path: Path, make_app, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExercisesScreen)
        assert (tmp_path / "backprop-exercises" / "01-value.py").exists()
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, ExercisesScreen)


async def test_saving_with_another_editor_rechecks_through_the_watcher(tmp_path: Path, make_app):
    import asyncio

    from tutor.exercises.messages import ExerciseChecked

    folder = tmp_path / "ex"
    lay_out(folder)
    verdicts: asyncio.Queue[ExerciseChecked] = asyncio.Queue()

    def hook(message) -> None:
        if isinstance(message, ExerciseChecked):
            verdicts.put_nowait(message)

    app = make_app(exercises=folder, data_dir=tmp_path / "data")
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = app.screen
        await pilot.pause()
        assert screen.statuses["02-backward"] == "not started"
        assert await asyncio.to_thread(screen.watching.wait, 30)
        (folder / "02-backward.py").write_text(by_name("02").solution, encoding="utf-8")  # as an editor saves
        checked = await asyncio.wait_for(verdicts.get(), 30)  # a safety net; the verdict comes in well under 1 s
        assert (checked.name, checked.passed) == ("02-backward", True)
        await pilot.pause()
        assert screen.statuses["02-backward"] == "passing"
        assert str(screen.query_one("#exercise-list", OptionList).get_option_at_index(1).prompt) == "✓ 02-backward"
