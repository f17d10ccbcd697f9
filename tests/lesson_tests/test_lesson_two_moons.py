"""The two-moons lesson: micrograd's demo, and its mini-batch and L2 settings, walked as a learner would."""

from __future__ import annotations

import itertools

from lessons.api import Train, render
from lessons.micrograd.two_moons import ALPHAS, MINI_BATCH, STEPS, two_moons
from lessons.runner import LessonRun, TrainState


def test_mini_batches_are_noisy_and_l2_keeps_the_weights_small():
    run = LessonRun(two_moons)
    run.go_to([i for i, step in enumerate(run.steps) if isinstance(step, Train)][-1])
    state = run.state
    assert isinstance(state, TrainState) and "mini-batch" in render(run.step.text)
    finished = {}
    for batch, alpha in ((MINI_BATCH, ALPHAS[1]), (MINI_BATCH, ALPHAS[-1])):
        state.settings.update(batch=batch, alpha=alpha)
        state.reset()
        state.run()
        assert state.status == "finished" and len(state.history) == STEPS
        finished[alpha] = state.trainer
    losses = [h["loss"] for h in finished[ALPHAS[1]].history]
    assert sum(b > a for a, b in itertools.pairwise(losses)) > STEPS // 10  # a batch's loss jumps about
    assert finished[ALPHAS[1]].accuracy_on_all() >= 0.95  # and still learns the moons
    small, large = finished[ALPHAS[1]], finished[ALPHAS[-1]]
    assert large.weights_squared() < small.weights_squared() / 10  # L2 pulls the weights toward 0
    assert large.accuracy_on_all() < small.accuracy_on_all()  # too strong: too simple a boundary

    run.next()  # the learner's runs, side by side
    shown = render(run.step.text)
    assert f"{large.weights_squared():.4g}" in shown and f"{small.weights_squared():.4g}" in shown
    assert f"{MINI_BATCH} of the 100 points" in shown
    assert run.at_end
