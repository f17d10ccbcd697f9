"""Fixtures for driving the lesson screen, whose steps compute in background jobs."""

from __future__ import annotations

import pytest


async def settle(pilot, screen) -> None:
    """Wait until the lesson screen has no job running or queued and no training, and has redrawn."""
    app = screen.app
    for _ in range(1000):  # a safety net: each round waits for a worker to end
        if not (screen.busy or screen.pending or screen.training or (screen.view is None and not screen.problem)):
            break
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


@pytest.fixture
def settled():
    return settle
