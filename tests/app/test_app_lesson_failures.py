"""A lesson's own code off the UI thread: slow steps queue the keys, failing steps show an error card,
a step that never returns does not stop ctrl+q, and training is driven by a trainer that waits on events."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from lessons.runner import TrainState
from tutor.screens.lesson import COMPUTING, LessonScreen

LESSONS = '''
import threading
from lessons.api import Do, Narrate, NumberQuiz, Setting, Train, lesson

GATE = threading.Event()       # a slow step waits for it
ENTERED = threading.Event()    # set when the slow step starts
STEP = threading.Semaphore(0)  # the trainer takes one step per release
STEPPED = threading.Semaphore(0)


@lesson(id="slow", title="A slow step", summary="Waits.", minutes=5, order=1)
def slow():
    yield Narrate("first")
    yield Do("second: waits for the gate", action=lambda: (ENTERED.set(), GATE.wait()))
    yield Narrate("third")
    yield Narrate("fourth")


def boom():
    return 1 / 0


@lesson(id="fails", title="A failing step", summary="Fails.", minutes=5, order=2)
def fails():
    yield Narrate("fine")
    yield Do("this step divides by zero", action=boom)


@lesson(id="exits", title="A step that exits", summary="Exits.", minutes=5, order=3)
def exits():
    yield Narrate("fine")
    yield Do("this step calls sys.exit", action=lambda: exit(3))


@lesson(id="not-a-step", title="Not a step", summary="Yields a number.", minutes=5, order=4)
def not_a_step():
    yield Narrate("fine")
    yield 42


@lesson(id="no-build", title="Fails to build", summary="Raises.", minutes=5, order=5)
def no_build():
    raise RuntimeError("the lesson's own bug")
    yield Narrate("never")


class Gated:
    """A trainer whose every step waits for the test to release it."""

    def __init__(self, fail_at=None):
        self.fail_at = fail_at

    def step(self, k):
        STEP.acquire()
        if k == self.fail_at:
            raise ValueError("the trainer broke")
        STEPPED.release()
        return {"loss": 1.0 / (k + 1)}

    def parameters(self):
        return []


@lesson(id="gated-training", title="Gated training", summary="Trains on cue.", minutes=5, order=6)
def gated_training():
    yield Narrate("train next")
    yield Train(
        "Train it.",
        setup=lambda settings: Gated(fail_at=settings["fail"]),
        steps=5,
        settings=[Setting("fail", "fail at", (None, 1), None)],
    )
    yield Narrate("after")
'''


@pytest.fixture
def lesson_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "failing.py").write_text(LESSONS)
    return folder


def line_of(text: str) -> int:
    """The line of the test lessons' file that holds `text`."""
    return next(i for i, line in enumerate(LESSONS.splitlines(), start=1) if text in line)


def shared(app, name: str):
    """An object of the test lessons' module (the events the test and the lesson share)."""
    return app.catalog.get("slow").build.__globals__[name]


async def opened(pilot, app, lesson_id: str, settled) -> LessonScreen:
    await pilot.pause()
    app.open_lesson(lesson_id)
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await settled(pilot, screen)
    return screen


def text_of(screen: LessonScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_keys_pressed_during_a_slow_step_are_kept_and_run_after_it(make_app, lesson_dir, settled):
    app = make_app(extra=[lesson_dir])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, "slow", settled)
        await pilot.press("n")
        await asyncio.to_thread(shared(app, "ENTERED").wait, 10)
        await pilot.pause()
        assert screen.busy and COMPUTING in text_of(screen, "#message")
        await pilot.press("n", "n")  # pressed while the step computes
        assert len(screen.pending) == 2 and screen.run.index == 0
        shared(app, "GATE").set()
        await settled(pilot, screen)
        assert screen.run.index == 3 and screen.query_one("#narration").source == "fourth"
        assert app.progress.step("slow") == 3


async def test_ctrl_q_quits_while_a_step_never_returns(make_app, lesson_dir, settled):
    app = make_app(extra=[lesson_dir])
    gate = None
    try:
        async with asyncio.timeout(60), app.run_test(size=(80, 24)) as pilot:
            screen = await opened(pilot, app, "slow", settled)
            gate = shared(app, "GATE")
            await pilot.press("n")
            await asyncio.to_thread(shared(app, "ENTERED").wait, 10)
            await pilot.press("ctrl+q")
        assert app.return_code == 0 and screen.busy  # quit with the step still running
    finally:
        if gate is not None:
            gate.set()


def test_the_real_process_exits_on_ctrl_q_during_an_endless_loop(tmp_path: Path):
    """The app's thread pool and the interpreter must not wait for a step that never ends."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "endless.py").write_text(
        textwrap.dedent("""
        import threading
        from lessons.api import Do, Narrate, lesson

        STARTED = threading.Event()

        def forever():
            STARTED.set()
            while True:
                pass

        @lesson(id="endless", title="Endless", summary="Never ends.", minutes=5, order=1)
        def endless():
            yield Narrate("first")
            yield Do("loops forever", action=forever)
        """)
    )
    script = textwrap.dedent(f"""
        import asyncio, pathlib
        from lessons.catalog import load_catalog
        from tutor.app import TutorApp
        from tutor.progress import Progress

        catalog = load_catalog([pathlib.Path({str(folder)!r})], shipped=False)
        app = TutorApp(catalog, Progress.load(pathlib.Path({str(tmp_path / "data")!r})), lesson_id="endless")

        async def auto_pilot(pilot):
            started = catalog.get("endless").build.__globals__["STARTED"]
            while not app.screen.__class__.__name__ == "LessonScreen" or app.screen.view is None:
                await pilot.pause()
            await pilot.press("n")
            await asyncio.to_thread(started.wait, 20)
            await pilot.press("ctrl+q")

        app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
        print("exited", app.return_code)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "exited 0" in done.stdout


@pytest.mark.parametrize(
    ("lesson_id", "expected"),
    [("fails", "ZeroDivisionError: division by zero"), ("exits", "SystemExit: 3")],
)
async def test_a_failing_step_shows_an_error_card_with_file_and_line(
    make_app, lesson_dir, settled, lesson_id, expected
):
    app = make_app(extra=[lesson_dir])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, lesson_id, settled)
        await pilot.press("n")
        await settled(pilot, screen)
        card = text_of(screen, "#error-card")
        assert screen.query_one("#error-card").display
        line = line_of("return 1 / 0" if lesson_id == "fails" else "exit(3)")
        assert f"failing.py:{line}" in card and expected in card
        assert screen.run.index == 0  # the lesson stays where it was, and keeps going
        await pilot.press("r")
        await settled(pilot, screen)
        assert screen.run.index == 0 and "Restarted" in text_of(screen, "#message")
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, LessonScreen) and app.is_running


@pytest.mark.parametrize(
    ("lesson_id", "code", "expected"),
    [
        ("not-a-step", "yield 42", "yielded int 42, which is not a step"),
        ("no-build", "raise RuntimeError", "RuntimeError: the lesson's own bug"),
    ],
)
async def test_a_lesson_that_fails_to_open_says_where_and_the_app_keeps_running(
    make_app, lesson_dir, settled, lesson_id, code, expected
):
    line = line_of(code)
    app = make_app(extra=[lesson_dir])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, lesson_id, settled)
        assert screen.run is None
        card = text_of(screen, "#error-card")
        assert f"failing.py:{line}" in card and expected in card and "failed to open" in card
        assert any(expected in str(n.message) for n in app._notifications)  # the notice, too
        await pilot.press("n", "q")
        await pilot.pause()
        assert not isinstance(app.screen, LessonScreen) and app.is_running


async def test_train_pause_stop_and_train_again(make_app, lesson_dir, settled):
    app = make_app(extra=[lesson_dir])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, "gated-training", settled)
        step, stepped = shared(app, "STEP"), shared(app, "STEPPED")
        await pilot.press("n")
        await settled(pilot, screen)
        state = screen.run.state
        assert isinstance(state, TrainState) and state.status == "ready" and screen.run.blocked
        await pilot.press("t")
        step.release(2)
        for _ in range(2):
            assert await asyncio.to_thread(stepped.acquire, True, 10)
        await pilot.press("n")  # refused while training
        assert "Training is running" in text_of(screen, "#message")
        await pilot.press("t")  # pause
        assert state.paused and "paused" in text_of(screen, "#train-status")
        await pilot.press("s")
        step.release()  # the step in progress finishes; then the run sees the stop
        await settled(pilot, screen)
        assert state.status == "stopped" and len(state.history) == 3 and state.done
        await pilot.press("t")  # a stopped run starts again from a fresh trainer
        step.release(5)
        await settled(pilot, screen)
        assert state.status == "finished" and len(state.history) == 5
        assert "finished 5/5" in text_of(screen, "#train-status")
        await pilot.press("n")
        await settled(pilot, screen)
        assert screen.run.index == 2


async def test_training_that_fails_says_so_and_the_lesson_goes_on(make_app, lesson_dir, settled):
    app = make_app(extra=[lesson_dir])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, "gated-training", settled)
        step = shared(app, "STEP")
        await pilot.press("n")
        await settled(pilot, screen)
        await pilot.press("1")  # the setting that makes step 1 fail
        await settled(pilot, screen)
        state = screen.run.state
        assert state.settings["fail"] == 1
        await pilot.press("t")
        step.release(2)
        await settled(pilot, screen)
        message = text_of(screen, "#message")
        assert "Training failed" in message and "ValueError: the trainer broke" in message
        assert "failing.py:" in message
        assert state.status == "stopped" and len(state.history) == 1
        await pilot.press("p")
        await settled(pilot, screen)
        assert screen.run.index == 0


async def test_quitting_while_training_stops_the_run(make_app, lesson_dir, settled):
    app = make_app(extra=[lesson_dir])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app, "gated-training", settled)
        step, stepped = shared(app, "STEP"), shared(app, "STEPPED")
        await pilot.press("n")
        await settled(pilot, screen)
        state = screen.run.state
        await pilot.press("t")
        step.release()
        assert await asyncio.to_thread(stepped.acquire, True, 10)
        await pilot.press("ctrl+q")
    step.release(10)
    training = [t for t in threading.enumerate() if t.name == "training"]
    for thread in training:
        await asyncio.to_thread(thread.join, 10)
    assert state.status == "stopped" and 0 < len(state.history) < state.step.steps
