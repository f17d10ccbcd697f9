"""The layer-library lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

import math
import random

import pytest

from engine.explain import fmt
from engine.losses import mse
from engine.nn import Linear, ReLU, Sequential, Sigmoid, Tanh
from lessons.api import ChoiceQuiz, ForwardSteps, NumberQuiz, Train, render
from lessons.catalog import load_catalog
from lessons.micrograd.layer_library import layer_library
from lessons.runner import LessonRun, TrainState

ACTS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def layer_grads(act: str) -> list[float]:
    """Mean |grad| of each Linear's weights in a 10-deep stack of width 12, built here independently."""
    rng = random.Random(1)
    layers, nin = [], 2
    for _ in range(10):
        linear = Linear(nin, 12, rng=rng)
        for row in linear.weights:
            for w in row:
                w.data *= math.sqrt(6)
        layers += [linear, ACTS[act]()]
        nin = 12
    layers.append(Linear(12, 1, rng=rng))
    net = Sequential(*layers)
    data = random.Random(0)
    points = [[data.uniform(-1, 1), data.uniform(-1, 1)] for _ in range(8)]
    targets = [data.choice((-1.0, 1.0)) for _ in range(8)]
    mse([net(p)[0] for p in points], targets).backward()
    linears = [layer for layer in layers if isinstance(layer, Linear)]
    return [sum(abs(w.grad) for row in lin.weights for w in row) / (lin.nin * lin.nout) for lin in linears]


def text(run: LessonRun) -> str:
    return render(run.step.text)


def test_the_lesson_sits_at_order_90():
    assert layer_library.order == 90 and layer_library.summary and 5 <= layer_library.minutes <= 20
    assert "layer-library" in [lesson.id for lesson in load_catalog().lessons]


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(layer_library)

    run.next()  # forward through Linear, Tanh, Linear
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()
    small = Sequential(Linear(2, 2, seed=3), Tanh(), Linear(2, 1, seed=4))
    assert run.step.graph.data == pytest.approx(small([1.0, -2.0])[0].data)

    run.next()  # count the two-moons network's parameters
    assert isinstance(run.step, NumberQuiz)
    assert not run.state.answer("336")
    assert run.state.answer("337")
    assert "48 + 272 + 17 = 337" in run.state.feedback

    run.next()  # one backward pass through three deep stacks
    grads = {act: layer_grads(act) for act in ACTS}
    curves = {c.label: c for c in run.step.figure.curves()}
    for act, expected in grads.items():
        assert curves[act].xs == list(range(1, 12))
        assert curves[act].ys == pytest.approx([math.log10(g) for g in expected])
    sigmoid = grads["sigmoid"]
    assert sigmoid == sorted(sigmoid) and sigmoid[-1] / sigmoid[0] > 1e5  # vanishing toward the input
    for act in ("tanh", "relu"):
        assert max(grads[act]) / min(grads[act]) < 30

    run.next()  # which layer gets the smallest grads?
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("2")
    assert run.state.answer("1")
    assert f"{sigmoid[0]:.1e}" in run.state.feedback and f"{sigmoid[-1] / sigmoid[0]:.1e}" in run.state.feedback

    run.next()  # the largest slope of a sigmoid
    assert run.state.answer("0.25")

    run.next()  # vanishing gradients, in numbers
    shown = text(run)
    assert f"{0.25**10:.1e}" in shown and f"{grads['tanh'][-1] / grads['tanh'][0]:.2g}" in shown
    # the picture: σ'(z) = σ(1 − σ), highest at z = 0 with 0.25; tanh' reaches 1 there
    sigmoid_slope, tanh_slope, peak = run.step.figure.curves()
    expected = [1 / (1 + math.exp(-z)) * (1 - 1 / (1 + math.exp(-z))) for z in sigmoid_slope.xs]
    assert sigmoid_slope.ys == pytest.approx(expected) and max(sigmoid_slope.ys) == pytest.approx(0.25)
    assert max(tanh_slope.ys) == pytest.approx(1.0) and min(sigmoid_slope.xs) <= -6 and max(sigmoid_slope.xs) >= 6
    assert (peak.xs, peak.ys) == ([0.0], [pytest.approx(0.25)])

    run.next()  # train a deep stack: 6 sigmoid blocks are stuck
    assert isinstance(run.step, Train)
    state = run.state
    assert isinstance(state, TrainState) and state.settings == {"activation": "sigmoid", "depth": 6, "lr": 0.3}
    run.finish_step()
    assert state.history[-1]["accuracy"] == 0.5 and state.history[-1]["moved"] < 1e-3
    state.settings["activation"] = "relu"  # the same stack with ReLU learns
    state.reset()
    state.run()
    assert state.history[-1]["accuracy"] >= 0.85 and state.history[-1]["moved"] > 1e-2

    run.next()  # your runs
    rows = [line.split() for line in text(run).splitlines()]
    assert ["sigmoid", "6", "0.3", "50%", "0.04%"] in rows
    assert any(row[:3] == ["relu", "6", "0.3"] for row in rows)

    run.next()  # the fix
    assert fmt(0.25) not in text(run)
    assert not run.state.answer("2")
    assert run.state.answer("1")

    run.next()
    assert run.at_end


async def test_the_app_shows_and_trains_the_lesson_at_80x24(tmp_path):
    from textual.widgets import Input

    from tutor.app import TutorApp
    from tutor.components.figure_view import FigureView
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="layer-library")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("n", "e", "n")  # forward to the end, then the parameter count
        await pilot.pause()
        assert screen.run.index == 2 and app.focused is screen.query_one(Input)
        await pilot.press(*"337", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("tab", "n")  # the deep stacks' grads
        await pilot.pause()
        assert screen.query_one(FigureView).display
        await pilot.press("n", "1")  # layer 1 gets the smallest grads
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", *"0.25", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("tab", "n", "n")  # onto training
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, TrainState)
        await pilot.press("1", "1", "2")  # ReLU, 2 blocks deep (the depths wrap round): quick
        assert state.settings["activation"] == "relu" and state.settings["depth"] == 2
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished" and state.history[-1]["accuracy"] > 0.8
        await pilot.press("n")
        await pilot.pause()
        assert "relu" in render(screen.run.step.text)
