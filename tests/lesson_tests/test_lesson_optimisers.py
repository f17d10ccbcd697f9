"""The optimisers lesson end to end, its surface trainer, and the lesson in the real app at 80x24."""

from __future__ import annotations

import math

import pytest
from helpers import answer, screen_lines

from engine import Value
from engine.explain import fmt
from engine.optim import SGD, Adam
from lessons.api import Train, render
from lessons.catalog import Catalog
from lessons.micrograd import optimisers as module
from lessons.runner import BackwardState, LessonRun, TrainState
from lessons.trainers.surfaces import SURFACES, SurfaceDescent, bowl, rosenbrock

LESSON = module.optimisers


def test_the_lesson_walked_end_to_end_with_a_learners_answers():
    run = LessonRun(LESSON)
    steps = run.steps
    assert LESSON.order == 100 and 5 <= LESSON.minutes <= 20 and LESSON.summary
    for step in steps:
        limit = 5 if isinstance(step, Train) else 9
        assert screen_lines(render(step.text)) <= limit, render(step.text)

    # the bowl at the start, built from Values
    f = steps[0].graph
    assert f.data == bowl(-4.0, 1.5) == 38.5
    assert "(-4, 1.5)" in render(run.step.text) and "38.5" in render(run.step.text)

    run.next()  # backprop, node by node
    assert isinstance(run.state, BackwardState)
    while run.next() and isinstance(run.state, BackwardState):
        pass
    x, y = (v for v in f._prev[0]._prev + f._prev[1]._prev[1]._prev)
    assert (x.label, x.grad, y.label, y.grad) == ("x", -8.0, "y", 30.0)  # 2x and 20y

    # one SGD step by hand: y - lr * y.grad
    assert "x.grad = -8 and y.grad = 30" in render(run.step.text)
    state = answer(run, "0.3")
    assert "1.5 − 0.04 × 30 = 0.3" in state.feedback and "-3.68" in state.feedback
    run.next()

    # the largest stable learning rate along y
    assert "20·y" in render(run.step.text)
    answer(run, "0.1")
    run.next()
    run.next()  # three optimisers

    # train: the default run (bowl, SGD, lr 0.03) reaches the bottom
    state = run.state
    assert isinstance(state, TrainState) and run.blocked
    assert state.settings == {"surface": "bowl", "optimiser": "sgd", "lr": 0.03}
    run.finish_step()
    trainer = state.trainer
    assert len(state.history) == module.STEPS and state.history[0]["loss"] == 38.5
    assert state.history[-1]["loss"] < 1e-8 and trainer.distance_to_minimum() < 1e-4
    assert trainer.surface == SURFACES["bowl"].box and trainer.path[0] == (-4.0, 1.5)
    assert len(trainer.path) == module.STEPS + 1

    # the learner turns the learning rate up to 0.3: it blows up, and the run says so instead of crashing
    state.settings["lr"] = 0.3
    state.reset()
    state.run()
    blown = state.trainer
    assert state.status == "finished" and blown.diverged_at == 3
    assert all(math.isfinite(h["loss"]) for h in state.history)
    assert state.history[-1]["loss"] == pytest.approx(bowl(*blown.point)) and state.history[-1]["loss"] > 1e6
    assert len(blown.path) == 5  # it stopped moving where it blew up

    # ... then races momentum on the banana, as the next quiz asks
    state.settings.update(surface="rosenbrock", optimiser="momentum", lr=0.001)
    state.reset()
    state.run()
    learners_momentum = state.trainer.distance_to_minimum()
    run.next()

    # which optimiser ends closest to (1, 1): the learner saw momentum win
    assert run.state.step.solution() == 1
    state = answer(run, "2")
    race = {name: module.full_run("rosenbrock", name, module.QUIZ_LRS[name]) for name in ("sgd", "momentum", "adam")}
    for name, label in (("sgd", "SGD"), ("momentum", "momentum"), ("adam", "Adam")):
        assert f"{label} {fmt(race[name].distance_to_minimum())}" in state.feedback
    assert race["momentum"].distance_to_minimum() == learners_momentum
    run.next()

    # momentum overshoots the floor of the bowl
    lowest = min(py for _, py in module.full_run("bowl", "momentum", 0.01).path)
    assert lowest < 0 and fmt(lowest) in render(run.step.text)
    answer(run, "1")
    run.next()

    # Adam's first step is lr in every coordinate
    state = answer(run, "0.1")
    assert "x moved 0.1 and y moved 0.1" in state.feedback
    run.next()

    summary = render(run.step.text)
    assert "bowl, SGD, lr 0.03: loss" in summary
    assert "bowl, SGD, lr 0.3: blew up at step 3" in summary
    assert "rosenbrock, momentum, lr 0.001" in summary
    assert run.at_end


def test_going_back_from_the_quiz_restores_the_trained_point():
    run = LessonRun(LESSON)
    run.go_to(5)
    run.finish_step()
    trainer = run.state.trainer
    point = trainer.point
    run.next()
    trainer.x.data = 99.0  # anything may change later on
    run.previous()
    assert run.state.trainer is trainer and trainer.point == point


# -- the trainer --------------------------------------------------------------------------


def test_the_surfaces_give_the_gradients_of_their_formulas():
    x, y = Value(-1.2), Value(1.0)
    rosenbrock(x, y).backward()
    assert x.grad == pytest.approx(-2 * (1 - -1.2) - 400 * -1.2 * (1.0 - 1.44))
    assert y.grad == pytest.approx(200 * (1.0 - 1.44))
    for surface in SURFACES.values():
        assert surface.at(*surface.minimum) == 0.0
        assert surface.f(Value(0.3), Value(-0.7)).data == pytest.approx(surface.at(0.3, -0.7))


@pytest.mark.parametrize("optimiser", ["sgd", "momentum", "adam"])
def test_each_step_is_the_engines_optimiser_step(optimiser):
    trainer = SurfaceDescent("rosenbrock", optimiser, 0.001)
    x, y = Value(-1.2), Value(1.0)
    opt = {"sgd": SGD([x, y], lr=0.001), "momentum": SGD([x, y], lr=0.001, momentum=0.9), "adam": Adam([x, y], 0.001)}
    for k in range(5):
        loss = rosenbrock(x, y)
        opt[optimiser].zero_grad()
        loss.backward()
        opt[optimiser].step()
        assert trainer.step(k)["loss"] == loss.data
        assert trainer.point == (x.data, y.data) == trainer.path[-1]


def test_adams_first_step_is_lr_in_each_coordinate():
    trainer = SurfaceDescent("bowl", "adam", 0.1)
    trainer.step(0)
    assert trainer.path[1] == pytest.approx((-3.9, 1.4))


@pytest.mark.parametrize(("surface", "lr"), [("bowl", 0.3), ("rosenbrock", 0.3), ("rosenbrock", 0.01)])
def test_a_run_that_blows_up_stops_with_finite_numbers(surface, lr):
    step = Train("blows up", setup=lambda s: SurfaceDescent(surface, "sgd", lr), steps=50)
    state = TrainState(step)
    state.run()  # would raise FloatingPointError on an infinite loss
    trainer = state.trainer
    assert trainer.diverged_at is not None and trainer.diverged_at < 5
    assert all(math.isfinite(h["loss"]) and h["loss"] <= SurfaceDescent.CAP for h in state.history)
    assert state.history[-1]["loss"] > SurfaceDescent.LIMIT * trainer.start_loss
    assert len(trainer.path) == trainer.diverged_at + 2
    assert all(math.isfinite(v) for v in trainer.predict([(0.0, 0.0), (-2.0, 3.0)]))


def test_lr_exactly_at_the_limit_bounces_forever():
    trainer = SurfaceDescent("bowl", "sgd", 0.1)
    for k in range(50):
        trainer.step(k)
    assert trainer.diverged_at is None
    assert abs(trainer.point[1]) == pytest.approx(1.5)  # (1 - 20 * 0.1) = -1: y flips sign at every step


def test_predict_gives_the_loss_at_points_and_unknown_optimisers_are_refused():
    trainer = SurfaceDescent("rosenbrock", "adam", 0.1)
    assert trainer.predict([(1.0, 1.0), (0.0, 0.0)]) == [0.0, 1.0]
    assert SURFACES["bowl"].at(1e200, 0.0) == math.inf
    with pytest.raises(ValueError, match="unknown optimiser"):
        SurfaceDescent("bowl", "rmsprop", 0.1)


# -- in the app --------------------------------------------------------------------------


async def test_in_the_app_the_path_is_drawn_over_the_surface(tmp_path, monkeypatch):
    from tutor.app import TutorApp
    from tutor.progress import Progress

    monkeypatch.setattr(module, "PACE", 0.001)
    app = TutorApp(Catalog(lessons=[LESSON]), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("optimisers", step=5)
        await pilot.pause()
        screen = app.screen
        state = screen.run.state
        assert isinstance(state, TrainState) and state.status == "ready"
        await pilot.press("1")  # the banana
        assert state.settings["surface"] == "rosenbrock"
        await pilot.press("2")  # momentum
        await pilot.press("3", "3", "3")  # lr: 0.03 -> 0.1, 0.3, 0.001
        assert state.settings == {"surface": "rosenbrock", "optimiser": "momentum", "lr": 0.001}
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished" and len(state.history) == module.STEPS
        picture = str(screen.query_one("#train-map").render())
        rows = picture.split("\n")
        assert len(rows) == 12 and all(len(row) == 30 for row in rows)
        assert picture.count("S") == 1 and picture.count("o") > 10
        await pilot.press("1", "2", "2")  # the bowl, momentum -> adam -> SGD
        await pilot.press("3", "3", "3", "3", "3")  # lr 0.001 -> 0.003, 0.01, 0.03, 0.1, 0.3: too large
        assert state.settings == {"surface": "bowl", "optimiser": "sgd", "lr": 0.3}
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished" and state.trainer.diverged_at == 3  # no "Training failed"
        assert "failed" not in str(screen.query_one("#message").render())
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.index == 6
