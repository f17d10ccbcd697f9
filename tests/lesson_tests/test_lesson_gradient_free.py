"""The gradient-free lesson end to end, the three flat-vector searches, and the lesson in the real app at 80x24."""

from __future__ import annotations

import math

import pytest
from helpers import answer, screen_lines

from engine.explain import fmt
from engine.losses import binary_cross_entropy
from engine.nn import MLP
from engine.value import Value
from lessons.api import Train, render
from lessons.catalog import Catalog
from lessons.micrograd import gradient_free as module
from lessons.runner import LessonRun, TrainState
from lessons.trainers.search import (
    EvolutionStrategy,
    FlatModel,
    GeneticAlgorithm,
    GradientDescent,
    evaluations_to_reach,
)

LESSON = module.gradient_free


def moons():
    from engine.data import make_moons

    X, y = make_moons(module.POINTS, noise=0.1, seed=1, signed=True)
    return X, [int(label) for label in y]


def net(width: int = 8) -> FlatModel:
    X, y = moons()
    return FlatModel(MLP(2, [width, 1], seed=1337), X, y)


def test_the_lesson_walked_end_to_end_with_a_learners_answers():
    run = LessonRun(LESSON)
    assert LESSON.order == 120 and 5 <= LESSON.minutes <= 20 and LESSON.summary
    for step in run.steps:
        assert screen_lines(render(step.text)) <= (5 if isinstance(step, Train) else 9), render(step.text)

    n_params = len(MLP(2, [8, 1]).parameters())
    assert n_params == 33 and f"Its {n_params} parameters" in render(run.step.text)
    assert sum(len(c.xs) for c in run.step.figure.curves()) == module.POINTS
    run.next()

    state = answer(run, "34")  # nudge each of 33, plus one where you stand
    assert "33 + 1 = 34" in state.feedback and "counts as 2 evaluations" in state.feedback
    run.next()

    # the evolution strategy's estimate of a slope, from two evaluations
    assert "f(θ + σε) = 9.61, f(θ − σε) = 8.41" in render(run.step.text)
    state = answer(run, "6")
    assert "backprop says f'(θ) = 6" in state.feedback
    run.next()

    state = answer(run, "20")  # 24 in the population, 4 elites kept with their known losses
    assert "24 − 4 = 20" in state.feedback
    run.next()

    # race: gradient descent first (the default), then the learner turns key 1 for the others
    state = run.state
    assert isinstance(state, TrainState) and run.blocked and state.step.x_metric == "evaluations"
    run.finish_step()
    histories = {module.GD: state.history}
    for method in (module.ES, module.GA):
        state.settings["method"] = method
        state.reset()
        state.run()
        histories[method] = state.history
    for history in histories.values():
        assert len(history) == module.ROUNDS
        assert all(math.isfinite(h["loss"]) and 0 <= h["accuracy"] <= 1 for h in history)
    assert [h["evaluations"] for h in histories[module.GD]] == [20.0 * (k + 1) for k in range(module.ROUNDS)]
    assert [h["evaluations"] for h in histories[module.ES]] == [20.0 * (k + 1) for k in range(module.ROUNDS)]
    assert [h["evaluations"] for h in histories[module.GA]] == [24.0 + 20 * (k + 1) for k in range(module.ROUNDS)]
    finals = {m: h[-1] for m, h in histories.items()}
    assert finals[module.GD]["loss"] < finals[module.GA]["loss"] < finals[module.ES]["loss"] < 0.5
    # key 3 (seed) matters for gradient descent too: it draws the initial weights
    state.settings.update(method=module.GD, seed=1)
    state.reset()
    state.run()
    assert state.history[-1]["loss"] != finals[module.GD]["loss"]
    assert "initial weights" in render(state.step.text)
    state.settings.update(seed=module.DEFAULTS["seed"])
    run.next()

    # loss against evaluations: the learner's own three runs, side by side
    text = render(run.step.text)
    for method, last in finals.items():
        assert f"{module.SHORT[method]} ends at loss {fmt(last['loss'])} after {last['evaluations']:.0f}" in text
    curves = run.step.figure.curves()
    assert [c.label for c in curves] == ["GD", "ES", "GA"]
    for curve, method in zip(curves, module.METHODS):
        assert list(curve.ys) == [h["loss"] for h in histories[method]]
        assert list(curve.xs) == [h["evaluations"] for h in histories[method]]
    run.next()

    # how many evaluations GD needed to reach the GA's final loss
    target = finals[module.GA]["loss"]
    needed = evaluations_to_reach(histories[module.GD], target)
    share = needed / finals[module.GA]["evaluations"]
    assert 0.25 <= share < 0.5  # "a quarter to a half": what the learner reads off the figure
    assert fmt(target) in render(run.step.text)
    state = answer(run, "2")
    assert f"after {needed:.0f} evaluations" in state.feedback
    run.next()

    answer(run, "1")  # no useful gradient: a simulator, a game's score, accuracy itself
    run.next()

    summary = render(run.step.text)
    assert f"GA, width 8, seed 0: loss {fmt(target)}" in summary and "824 evaluations" in summary
    assert run.at_end


# -- the searches --------------------------------------------------------------------------


def test_a_flat_model_reads_and_writes_the_models_values_and_counts_evaluations():
    flat = net()
    theta = flat.get()
    assert len(theta) == len(flat) == 33 and theta == [p.data for p in flat.model.parameters()]
    flat.set([0.0] * 33)
    assert all(p.data == 0.0 for p in flat.model.parameters())
    loss, acc = flat.evaluate(theta)
    X, y = moons()
    scores = [flat.model([Value(a), Value(b)]) for a, b in X]
    assert loss.data == pytest.approx(binary_cross_entropy(scores, [(t + 1) / 2 for t in y]).data)
    assert flat.evaluations == 1 and 0 <= acc <= 1
    flat.evaluate(count=False)
    assert flat.evaluations == 1
    with pytest.raises(ValueError, match="numbers for 33 parameters"):
        flat.set([0.0])
    with pytest.raises(ValueError, match="labels -1 and \\+1"):
        FlatModel(MLP(2, [2, 1]), [[0.0, 0.0]], [0])


def test_gradient_descent_counts_forward_and_backward_and_lowers_the_loss():
    search = GradientDescent(net(), lr=1.0, inner=10)
    history = [search.step(k) for k in range(5)]
    assert [h["evaluations"] for h in history] == [20, 40, 60, 80, 100]
    assert history[-1]["loss"] < history[0]["loss"]


def test_the_evolution_strategy_estimates_the_gradient_and_lowers_the_loss():
    flat = net()
    loss, _ = flat.evaluate()
    loss.backward()
    true = [p.grad for p in flat.params]
    estimate = EvolutionStrategy(flat, pairs=200, sigma=0.01, seed=3).gradient_estimate()
    cosine = sum(a * b for a, b in zip(true, estimate)) / math.hypot(*true) / math.hypot(*estimate)
    assert cosine > 0.6 and flat.evaluations == 1 + 400

    search = EvolutionStrategy(net(), seed=0)
    start = search.net.evaluate(count=False)[0].data
    history = [search.step(k) for k in range(10)]
    assert [h["evaluations"] for h in history] == [20.0 * (k + 1) for k in range(10)]
    assert history[-1]["loss"] < history[0]["loss"] < start and history[-1]["loss"] < 0.7 * start
    again = EvolutionStrategy(net(), seed=0)
    assert [again.step(k)["loss"] for k in range(3)] == [h["loss"] for h in history[:3]]  # seeded


def test_the_genetic_algorithm_keeps_its_best_and_pays_only_for_children():
    search = GeneticAlgorithm(net(), population=24, elites=4, seed=1)
    history = [search.step(k) for k in range(10)]
    assert [h["evaluations"] for h in history] == [44.0 + 20 * k for k in range(10)]
    losses = [h["loss"] for h in history]
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]  # elitism: never worse
    best, acc = search.net.evaluate(count=False)  # the model holds the best vector
    assert (best.data, acc) == pytest.approx((losses[-1], history[-1]["accuracy"]))
    assert len(search.predict([[0.0, 0.0], [1.0, 0.0]])) == 2
    with pytest.raises(ValueError, match="elites"):
        GeneticAlgorithm(net(), population=4, elites=4)


def test_evaluations_to_reach():
    history = [{"loss": loss, "evaluations": 20.0 * (k + 1)} for k, loss in enumerate((0.6, 0.3, 0.2))]
    assert evaluations_to_reach(history, 0.3) == 40.0
    assert evaluations_to_reach(history, 0.1) is None


# -- in the app --------------------------------------------------------------------------


async def test_in_the_app_each_method_is_plotted_against_evaluations(tmp_path, monkeypatch):
    from tutor.app import TutorApp
    from tutor.progress import Progress

    monkeypatch.setattr(module, "PACE", 0.001)
    monkeypatch.setattr(module, "ROUNDS", 10)
    app = TutorApp(Catalog(lessons=[LESSON]), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("gradient-free", step=4)
        await pilot.pause()
        screen = app.screen
        state = screen.run.state
        assert isinstance(state, TrainState) and state.step.steps == 10
        await pilot.press("1", "1")  # gradient descent -> evolution strategy -> genetic algorithm
        assert state.settings["method"] == module.GA
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished" and state.history[-1]["evaluations"] == 24 + 20 * 10
        assert "evaluations" in str(screen.query_one("#train-plot").render())  # the x-axis
        picture = str(screen.query_one("#train-map").render())
        assert picture.count("o") + picture.count("x") >= module.POINTS * 0.8  # the points over the boundary
        assert "·" in picture
        status = str(screen.query_one("#train-status").render())
        assert "method genetic algorithm" in status and "finished 10/10" in status
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.index == 5
