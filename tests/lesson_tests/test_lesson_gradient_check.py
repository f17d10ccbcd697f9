"""The gradient-check lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

import math

from engine import Value
from engine.explain import fmt
from lessons.api import BackwardSteps, ChoiceQuiz, NumberQuiz, render
from lessons.catalog import load_catalog
from lessons.micrograd.gradient_check import gradient_check
from lessons.runner import BackwardState, LessonRun

B = 6.8813735870195432


def o_at(w1: float) -> float:
    """The lecture's neuron, tanh(x1*w1 + x2*w2 + b), as plain floats."""
    return math.tanh(2.0 * w1 + 0.0 * 1.0 + B)


def engine_grads() -> dict[str, float]:
    """The neuron's grads by the engine, built here independently of the lesson."""
    leaves = {name: Value(x) for name, x in {"x1": 2.0, "w1": -3.0, "x2": 0.0, "w2": 1.0, "b": B}.items()}
    out = (leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]).tanh()
    out.backward()
    return {name: leaf.grad for name, leaf in leaves.items()}


def text(run: LessonRun) -> str:
    return render(run.step.text)


def test_the_lesson_sits_at_order_60():
    assert gradient_check.order == 60 and gradient_check.summary and 5 <= gradient_check.minutes <= 20
    assert "gradient-check" in [lesson.id for lesson in load_catalog().lessons]


def test_a_learner_walks_the_lesson_to_the_end():
    grads = engine_grads()
    run = LessonRun(gradient_check)
    assert fmt(o_at(-3.0)) in text(run) and run.step.graph is not None

    run.next()  # backprop, node by node
    assert isinstance(run.step, BackwardSteps) and isinstance(run.state, BackwardState)
    while run.state.advance():
        pass
    leaves = {v.label: v for v in _leaves(run.step.graph)}
    assert {name: leaf.grad for name, leaf in leaves.items()} == grads

    run.next()  # the forward difference, by hand
    assert isinstance(run.step, NumberQuiz) and run.blocked
    shown = text(run)
    assert f"{o_at(-3.0):.6f}" in shown and f"{o_at(-2.9):.6f}" in shown
    assert not run.next()
    assert not run.state.answer("1")  # backprop's answer, not the forward difference's
    forward = (o_at(-2.9) - o_at(-3.0)) / 0.1
    assert run.state.answer(f"{forward:.3f}")
    assert fmt(forward) in render(run.state.feedback)

    run.next()  # the central difference is closer
    central = (o_at(-2.9) - o_at(-3.1)) / 0.2
    assert fmt(central) in text(run) and fmt(abs(central - grads["w1"])) in text(run)

    run.next()  # gradcheck's table
    shown = text(run)
    assert "passed" in shown
    for name, grad in grads.items():
        assert any(line.split()[:2] == [name, fmt(grad)] for line in shown.splitlines() if line.strip())

    run.next()  # the error as h shrinks: a V on log axes
    forward_curve, central_curve = run.step.figure.curves()
    f_best = forward_curve.xs[forward_curve.ys.index(min(forward_curve.ys))]
    assert 6 <= f_best <= 9  # near 1e-8: the forward difference wants a smaller h
    decades = lambda curve: curve.ys[curve.xs.index(1)] - curve.ys[curve.xs.index(3)]  # noqa: E731
    assert abs(decades(forward_curve) - 2) < 0.3 and abs(decades(central_curve) - 4) < 0.3  # error ∝ h, ∝ h²
    assert central_curve.xs[0] == 0 and round(central_curve.xs[-1]) == 12  # h from 1 to 1e-12
    best = central_curve.xs[central_curve.ys.index(min(central_curve.ys))]
    assert 4 <= best <= 7  # near 1e-5 .. 1e-6
    assert central_curve.ys[0] > min(central_curve.ys) + 4 and central_curve.ys[-1] > min(central_curve.ys) + 4
    h = 10**-2
    expected = abs((o_at(-3.0 + h) - o_at(-3.0 - h)) / (2 * h) - grads["w1"])
    assert abs(central_curve.ys[central_curve.xs.index(2)] - math.log10(expected)) < 1e-6
    assert f"{10**-best:.1e}" in text(run)

    run.next()  # pick h from the plot
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("4")  # h = 1e-12
    assert run.state.answer("2")  # h = 1e-5

    run.next()  # why tiny h fails: round-off
    assert run.state.answer("1")

    run.next()  # truncation vs round-off, numbers from the sweep
    assert f"{abs((o_at(-2.99) - o_at(-3.0)) / 0.01 - 1):.1e}" in text(run)

    run.next()  # the ReLU kink
    shown = text(run)
    assert "FAILED" in shown and f"says {fmt(0.0)};" in shown and fmt(0.5) in shown

    run.next()  # where 0.5 comes from
    assert run.state.answer("0.5")

    run.next()  # who is right
    assert not run.state.answer("2")
    assert run.state.answer("1")

    run.next()  # close to a kink
    shown = text(run)
    assert fmt((3e-7 + 1e-6) / 2e-6) in shown and "FAILED" in shown
    assert run.at_end


def _leaves(root: Value) -> list[Value]:
    from engine.graph import topological_order

    return [v for v in topological_order(root) if not v._prev]


async def test_the_app_shows_the_lesson_at_80x24(tmp_path):
    from textual.widgets import Input

    from tutor.app import TutorApp
    from tutor.components.figure_view import FigureView
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="gradient-check")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.lesson.id == "gradient-check"
        await pilot.press("n", "e")  # backprop to the end
        await pilot.pause()
        assert screen.run.state.done
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.blocked and app.focused is screen.query_one(Input)
        await pilot.press(*"0.866", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", "n", "n")  # central difference, gradcheck's table, the V
        await pilot.pause()
        assert screen.run.index == 5 and screen.query_one(FigureView).display
        await pilot.press("n", "2")  # pick h = 1e-5 by its number
        await pilot.pause()
        assert screen.run.state.solved
