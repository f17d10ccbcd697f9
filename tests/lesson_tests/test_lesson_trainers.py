"""Training runs: a Train step's pace slows only the app's live run (never `e` or the check), the status has
no writer, pausing waits on an event. The trainers themselves never sleep."""

from __future__ import annotations

import threading

import pytest

from lessons.api import Train
from lessons.runner import TrainState

LONG = 60.0  # a pace no test could sit through: a run that honoured it where it should not would hang


class Counting:
    """A trainer whose steps report to the test: `reached[k]` is set when step k runs, after `proceed` is set."""

    def __init__(self, steps: int) -> None:
        self.reached = [threading.Event() for _ in range(steps)]
        self.proceed = threading.Event()
        self.proceed.set()

    def step(self, k: int) -> dict[str, float]:
        self.reached[k].set()
        assert self.proceed.wait(30), "the test never let the step go on"
        return {"loss": 1.0 / (k + 1)}

    def parameters(self) -> list:
        return []


def state_for(steps: int, pace: float = 0.0) -> TrainState:
    return TrainState(Train("train", setup=lambda settings: Counting(steps), steps=steps, pace=pace))


def in_a_worker(state: TrainState, paced: bool = False) -> threading.Thread:
    worker = threading.Thread(target=state.run, kwargs={"paced": paced}, daemon=True)
    worker.start()
    return worker


def test_the_headless_run_ignores_the_pace():
    state = state_for(3, pace=LONG)
    state.run()  # on the main thread: the check and the tests
    assert state.status == "finished" and len(state.history) == 3


def test_finishing_a_step_in_a_job_ignores_the_pace():
    state = state_for(3, pace=LONG)
    worker = threading.Thread(target=state.finish, daemon=True)  # `e` in the app: a job, not the main thread
    worker.start()
    worker.join(30)
    assert not worker.is_alive() and state.status == "finished" and len(state.history) == 3


def test_a_live_run_waits_its_pace_and_a_stop_cuts_the_wait_short():
    state = state_for(3, pace=LONG)
    state.reset()
    worker = in_a_worker(state, paced=True)
    assert state.trainer.reached[0].wait(30)
    state.stop()  # the run is in step 0 or waiting its pace after it: either way it ends now
    worker.join(30)
    assert not worker.is_alive()
    assert len(state.history) == 1 and state.status == "stopped" and state.done


def test_without_a_pace_a_live_run_goes_straight_through():
    state = state_for(5)
    worker = in_a_worker(state)
    worker.join(30)
    assert state.status == "finished" and len(state.history) == 5


def test_status_follows_the_run_and_cannot_be_written():
    state = state_for(3)
    assert state.status == "ready"
    with pytest.raises(AttributeError):
        state.status = "running"  # type: ignore[misc]
    state.reset()
    state.trainer.proceed.clear()
    worker = in_a_worker(state)
    assert state.trainer.reached[0].wait(30)
    assert state.status == "running"
    state.pause(True)
    assert state.status == "paused"
    state.trainer.proceed.set()
    state.pause(False)  # resume: the run goes on at once, to the end
    worker.join(30)
    assert state.status == "finished" and len(state.history) == 3
    state.reset()
    assert state.status == "ready" and state.history == []


def test_a_stop_while_paused_wakes_the_run():
    state = state_for(3)
    state.reset()
    state.trainer.proceed.clear()
    worker = in_a_worker(state)
    assert state.trainer.reached[0].wait(30)
    state.pause(True)
    state.trainer.proceed.set()
    state.stop()
    worker.join(30)
    assert not worker.is_alive() and state.status == "stopped" and len(state.history) == 1


def test_a_failing_step_leaves_the_run_not_running():
    class Failing(Counting):
        def step(self, k: int) -> dict[str, float]:
            return {"loss": float("nan")}

    state = TrainState(Train("train", setup=lambda settings: Failing(2), steps=2))
    with pytest.raises(FloatingPointError):
        state.run()
    assert state.status == "ready" and not state.done
