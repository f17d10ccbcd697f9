"""Progress: saved as the learner goes, offered for resuming, and safe against a damaged file."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from helpers import open_from_browser

from tutor.progress import DONE, IN_PROGRESS, LOCK_NAME, Progress
from tutor.screens.browser import LessonBrowser
from tutor.screens.lesson import LessonScreen
from tutor.screens.resume import ResumeScreen


def test_progress_round_trips_and_writes_atomically(tmp_path):
    progress = Progress.load(tmp_path)
    progress.at_step("chain-rule", 3)
    progress.quiz("chain-rule", 2, tries=1, solved=True)
    progress.done("two-moons")
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME, "progress.json"]  # no temporary files left
    again = Progress.load(tmp_path)
    assert again.status("chain-rule") == IN_PROGRESS and again.step("chain-rule") == 3
    assert again.lessons["chain-rule"]["quizzes"]["2"] == {"tries": 1, "solved": True}
    assert again.status("two-moons") == DONE
    assert again.resumable() == "chain-rule"
    again.reset("chain-rule")
    assert Progress.load(tmp_path).status("chain-rule") == "not_started"


def test_a_corrupt_file_is_moved_aside_with_a_notice(tmp_path):
    (tmp_path / "progress.json").write_text("{not json")
    progress = Progress.load(tmp_path)
    assert progress.lessons == {} and "could not be read" in progress.notice
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text() == "{not json"
    progress.at_step("chain-rule", 1)
    assert json.loads((tmp_path / "progress.json").read_text())["lessons"]["chain-rule"]["step"] == 1


def test_a_file_of_the_wrong_shape_is_moved_aside_too(tmp_path):
    (tmp_path / "progress.json").write_text(json.dumps({"version": 1, "lessons": {"x": {"status": 5}}}))
    progress = Progress.load(tmp_path)
    assert progress.notice and progress.lessons == {}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"[" * 3000, "nested too deep"),
        (b"\x00\xff\xfe\x89PNG binary", "not UTF-8"),
        (None, "larger than"),  # 50 MB
    ],
    ids=["nested-3000-deep", "binary", "50MB"],
)
def test_any_unreadable_file_is_moved_aside_and_a_fresh_one_started(tmp_path, content, says):
    path = tmp_path / "progress.json"
    if content is None:
        with path.open("wb") as f:
            f.truncate(50 << 20)
    else:
        path.write_bytes(content)
    size = path.stat().st_size
    progress = Progress.load(tmp_path)
    assert progress.lessons == {} and says in progress.notice and "moved to" in progress.notice
    (aside,) = tmp_path.glob("progress.corrupt-*.json")
    assert aside.stat().st_size == size  # kept whole, never deleted
    progress.done("chain-rule")
    assert Progress.load(tmp_path).status("chain-rule") == DONE


# -- two sessions under one name --


def test_two_sessions_under_one_name_keep_both_their_work(tmp_path):
    tab, ssh = Progress.load(tmp_path), Progress.load(tmp_path)
    tab.at_step("chain-rule", 2)
    tab.quiz("chain-rule", 2, tries=1, solved=True)
    tab.done("two-moons")
    ssh.at_step("neuron", 5)  # knows nothing of the tab's work, and must not erase it
    ssh.quiz("chain-rule", 2, tries=3, solved=False)
    ssh.exercise("01-value", passed=False, hints_used=3)
    tab.exercise("01-value", passed=True, hints_used=1)
    tab.exercise("02-add", passed=True, hints_used=0)
    on_disk = Progress.load(tmp_path)
    assert on_disk.status("two-moons") == DONE
    assert on_disk.step("chain-rule") == 2 and on_disk.step("neuron") == 5
    assert on_disk.lessons["chain-rule"]["quizzes"]["2"] == {"tries": 3, "solved": True}  # solved anywhere stays so
    assert on_disk.exercises == {
        "01-value": {"passed": True, "hints_used": 3},
        "02-add": {"passed": True, "hints_used": 0},
    }
    assert on_disk.last_lesson == "neuron"  # the latest place wins
    assert tab.status("neuron") == IN_PROGRESS  # each session holds the merged whole after it saves


def test_the_latest_place_in_a_lesson_wins_and_a_stale_one_is_not_written_back(tmp_path):
    first, second = Progress.load(tmp_path), Progress.load(tmp_path)
    first.at_step("chain-rule", 3)
    second.at_step("chain-rule", 6)
    first.done("two-moons")  # saves again, without having moved in chain-rule since
    assert Progress.load(tmp_path).step("chain-rule") == 6
    first.at_step("chain-rule", 4)  # moving again is the latest
    on_disk = Progress.load(tmp_path)
    assert on_disk.step("chain-rule") == 4 and on_disk.last_lesson == "chain-rule"


def test_a_reset_lesson_is_not_brought_back_by_the_other_session(tmp_path):
    Progress.load(tmp_path).done("chain-rule")
    first, second = Progress.load(tmp_path), Progress.load(tmp_path)
    first.reset("chain-rule")
    second.at_step("neuron", 1)
    on_disk = Progress.load(tmp_path)
    assert on_disk.status("chain-rule") == "not_started" and on_disk.step("neuron") == 1


def _finish_lessons(data_dir: Path, prefix: str, count: int, start: multiprocessing.synchronize.Event) -> None:
    progress = Progress.load(data_dir)
    start.wait(10)
    for i in range(count):
        progress.at_step(f"{prefix}-{i}", 1)
        progress.done(f"{prefix}-{i}")


def test_two_processes_saving_at_once_lose_nothing(tmp_path):
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [context.Process(target=_finish_lessons, args=(tmp_path, name, 25, start)) for name in ("tab", "ssh")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    progress = Progress.load(tmp_path)
    assert sorted(progress.lessons) == sorted(f"{name}-{i}" for name in ("tab", "ssh") for i in range(25))
    assert all(progress.status(lesson) == DONE for lesson in progress.lessons)


async def test_reopening_offers_to_resume_where_the_learner_left_off(make_app, tmp_path):
    data = tmp_path / "learner"
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_from_browser(pilot, app, "chain-rule")
        await pilot.press("n", "e", "n")  # through the forward pass, onto the quiz
        await pilot.press(*"-2", "enter")
        await pilot.pause()
        await pilot.press("n")  # onto the backward pass: step 4
        await pilot.pause()
        assert app.screen.run.index == 3
        await pilot.press("ctrl+q")
    reopened = make_app(data)
    async with reopened.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(reopened.screen, ResumeScreen)
        assert "step 4" in str(reopened.screen.query_one("Static").render())
        await pilot.press("y")
        await pilot.pause()
        screen = reopened.screen
        assert isinstance(screen, LessonScreen) and screen.run.index == 3
        assert screen.run.states[2].solved  # the quiz before it counts as done


async def test_declining_to_resume_shows_the_browser_with_progress_marks(make_app, tmp_path):
    data = tmp_path / "learner"
    Progress.load(data).at_step("chain-rule", 2)
    Progress.load(data).done("two-moons")
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LessonBrowser)
        prompts = {o.id: str(o.prompt) for o in app.screen.query_one("#lesson-list").options}
        assert prompts["chain-rule"].startswith("…") and prompts["two-moons"].startswith("✓")
        assert all(p.startswith("·") for i, p in prompts.items() if i not in ("chain-rule", "two-moons"))


async def test_finishing_a_lesson_marks_it_done(make_app, tmp_path):
    data = tmp_path / "learner"
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("chain-rule", step=len(app.catalog.get("chain-rule").steps()) - 1)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.run.at_end
    assert Progress.load(data).status("chain-rule") == DONE


async def test_the_app_starts_on_a_corrupt_progress_file_and_says_so(make_app, tmp_path):
    data = tmp_path / "learner"
    data.mkdir()
    (data / "progress.json").write_bytes(b"\xff\xfe garbage")
    app = make_app(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LessonBrowser)
        assert any("could not be read" in str(n.message) for n in app._notifications)


async def test_a_broken_lesson_folder_shows_an_error_card_and_the_rest_work(make_app, tmp_path):
    folder = tmp_path / "teacher"
    folder.mkdir()
    (folder / "broken.py").write_text("from lessons.api import lesson\n\n1 / 0\n")
    app = make_app(extra=[folder])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        card = str(app.screen.query_one("#lesson-errors").render())
        assert "broken.py:3" in card and "ZeroDivisionError" in card
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
