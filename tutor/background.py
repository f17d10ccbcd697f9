"""Lesson code run off the UI thread, in a thread that quitting never waits for.

A lesson's step may compute for seconds, or (a bug) never return. Its code
runs in a daemon `Job`; the screen waits for it briefly (a quick step then
shows at once, without a flash of "computing…") and otherwise hands the
waiting to a Textual worker that posts a message when the job is done. The
worker gives up when it is cancelled (the app quitting), so quitting never
waits on a step: the daemon thread is simply left behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

QUICK = 0.05  # seconds the UI thread may wait for a job before showing "computing…"


class Job(Generic[T]):
    """`fn()` running in a daemon thread; `result` or `error` once `done` is set."""

    def __init__(self, fn: Callable[[], T], name: str = "lesson-step") -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # SystemExit from a lesson too: reported, never raised in the app
            self.error = exc
        finally:
            self.done.set()

    def wait_unless(self, cancelled: threading.Event, poll: float = 0.1) -> bool:
        """Wait until done (True), or until `cancelled` is set (False)."""
        while not self.done.wait(poll):
            if cancelled.is_set():
                return False
        return True
