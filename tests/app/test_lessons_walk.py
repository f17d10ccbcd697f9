"""Every shipped lesson walked once in the app at 80x24: no step blocks the UI thread, and every step fits.

Two measures of the UI thread while each lesson is walked:
- the lesson's code never runs on it: a sampler looks at the UI thread's stack every few milliseconds and
  records the longest stretch spent inside the `lessons` package (the lesson files, their trainers and the
  state machine); it must stay under 100 ms. Today's 4.5 s "Loss per evaluation" would be one long stretch.
- no event-loop callback (a message handler, a redraw) takes more than 100 ms either: measured as UI-thread
  CPU time, so waiting for the GIL or for a core does not count. As in `python -m tutor`, what exists when
  the app starts is frozen out of the garbage collector's sight (`freeze_startup_objects`), so a collection
  looks at what the lesson made, not at everything earlier tests left in this process.
The test's own task (which drives the walk and reads the screen) is left out.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import gc
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import lessons
from lessons.catalog import load_catalog
from lessons.check import computed_numbers_problem
from tutor.gc_settings import freeze_startup_objects
from tutor.screens.lesson import LessonScreen

LESSONS = load_catalog().lessons
LESSON_CODE_BUDGET = 0.100  # seconds the UI thread may spend inside the lesson's code in one go
# Seconds of UI-thread CPU for any one callback, drawing included (the lessons' old blocking steps took 1.6 to
# 4.5 s). Redrawing a step's whole 80x24 screen takes 10 to 60 ms of CPU.
CALLBACK_BUDGET = 0.100
LESSON_CODE = str(Path(lessons.__file__).resolve().parent)


class LessonCodeSampler:
    """Samples the UI thread's stack every 5 ms: the longest run of samples inside the lessons package."""

    def __init__(self, where: Callable[[], str]) -> None:
        self.where = where
        self.worst = 0.0
        self.worst_at = ""
        self._stop = threading.Event()
        self._ui = threading.get_ident()

    def _inside(self) -> str:
        frame = sys._current_frames().get(self._ui)
        while frame is not None:
            if frame.f_code.co_filename.startswith(LESSON_CODE):
                return f"{frame.f_code.co_filename}:{frame.f_lineno}"
            frame = frame.f_back
        return ""

    def _sample(self) -> None:
        since = None
        while not self._stop.wait(0.005):
            inside = self._inside()
            now = time.monotonic()
            if not inside:
                since = None
                continue
            since = since if since is not None else now
            if now - since > self.worst:
                self.worst, self.worst_at = now - since, f"{self.where()}: {inside}"

    @contextmanager
    def sampling(self) -> Iterator[None]:
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            self._stop.set()
            sampler.join()


class UiThreadWatch:
    """The longest event-loop callback (in UI-thread CPU time) while watching, and where the lesson was."""

    def __init__(self, where: Callable[[], str]) -> None:
        self.where = where
        self.worst = 0.0
        self.worst_at = ""

    @contextmanager
    def watching(self) -> Iterator[None]:
        handle_run = asyncio.events.Handle._run
        own_task = asyncio.current_task()
        watch = self

        def timed_run(handle: asyncio.events.Handle) -> None:
            start = time.thread_time()
            handle_run(handle)
            spent = time.thread_time() - start
            if spent > watch.worst and getattr(handle._callback, "__self__", None) is not own_task:
                what = getattr(handle._callback, "__self__", handle._callback)
                name = what.get_coro().__qualname__ if isinstance(what, asyncio.Task) else repr(what)[:60]
                watch.worst, watch.worst_at = spent, f"{watch.where()} in {name}"

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        try:
            yield
        finally:
            asyncio.events.Handle._run = handle_run  # type: ignore[method-assign]


def where(screen: LessonScreen) -> str:
    view = screen.view
    return f"step {view.index + 1} ({view.kind})" if view is not None else "opening"


@pytest.fixture
def frozen_at_start() -> Iterator[None]:
    """What exists now is frozen, as `python -m tutor` freezes it before the app runs; thawed after the test."""
    freeze_startup_objects()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_every_step_fits_at_80x24_and_never_blocks_the_ui(lesson, make_app, settled, frozen_at_start):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson(lesson.id)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await settled(pilot, screen)
        watch = UiThreadWatch(lambda: where(screen))
        sampler = LessonCodeSampler(lambda: where(screen))
        too_long = []
        with watch.watching(), sampler.sampling():
            while True:
                run = screen.run
                assert screen.view is not None and not screen.problem and not screen.view.problems
                narration = screen.query_one("#narration")
                if narration.max_scroll_y > 0:
                    too_long.append(f"step {run.index + 1} needs {narration.max_scroll_y} more lines")
                assert computed_numbers_problem(run.step.text) is None, f"step {run.index + 1}"
                screen.action_to_end()  # the step finished as the learner would (quizzes answered, training run)
                await settled(pilot, screen)
                if run.at_end:
                    break
                screen.action_next()
                await settled(pilot, screen)
        assert not too_long, too_long
        assert run.at_end
        assert sampler.worst <= LESSON_CODE_BUDGET, (
            f"lesson code ran {sampler.worst:.3f} s on the UI thread at {sampler.worst_at}"
        )
        assert watch.worst <= CALLBACK_BUDGET, f"the UI thread was busy {watch.worst:.3f} s at {watch.worst_at}"
    assert 5 <= lesson.minutes <= 20 and lesson.summary
