"""The derivative lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

from engine import Value
from engine.explain import fmt
from lessons.api import BackwardSteps, ChoiceQuiz, Figure, NumberQuiz, render
from lessons.catalog import load_catalog
from lessons.micrograd.derivative import derivative
from lessons.runner import BackwardState, LessonRun, QuizState


def f(x: float) -> float:
    return 3 * x**2 - 4 * x + 5


def engine_grads(x0: float) -> dict[str, float]:
    """The grads of y = 3x² - 4x + 5 (coefficients as Values) by the engine, built here independently."""
    x, a, b, c = Value(x0), Value(3.0), Value(-4.0), Value(5.0)
    y = a * x**2 + b * x + c
    y.backward()
    return {"x": x.grad, "a": a.grad, "b": b.grad, "c": c.grad}


def text(run: LessonRun) -> str:
    return render(run.step.text)


def to_next_quiz(run: LessonRun) -> None:
    """Read on (finishing step-throughs) until the current step is a quiz."""
    while not isinstance(run.state, QuizState):
        run.finish_step()
        assert run.next()


def test_the_lesson_is_listed_first():
    track = [lesson for lesson in load_catalog().lessons if lesson.track == "micrograd"]
    assert track[0].id == "derivative" and derivative.minutes and derivative.summary


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(derivative)
    assert f"f = {fmt(f(3.0))}" in text(run)
    assert isinstance(run.step.figure, Figure)

    run.next()  # nudge x at 3 by 0.001
    assert isinstance(run.step, NumberQuiz) and run.blocked
    assert "f(3.001) = 20.014003" in text(run)
    assert not run.next()  # a quiz must be answered first
    assert not run.state.answer("20")  # the value, not the slope
    assert run.state.answer("14.003")
    assert "14.0030" in render(run.step.explanation)

    run.next()  # shrinking h: every estimate computed, converging on the engine's slope
    shown = text(run)
    for h in (1e-3, 1e-4, 1e-5, 1e-6):
        assert f"{(f(3 + h) - f(3)) / h:.7f}" in shown
    assert f"**{fmt(engine_grads(3.0)['x'])}**" in shown
    curve = run.step.figure.curves()[0]
    assert [round(x) for x in curve.xs] == [-1, -2, -3, -4, -5, -6]  # log10(h)
    assert curve.ys == sorted(curve.ys, reverse=True) and abs(curve.ys[-1] - 14) < 1e-4

    run.next()  # too small an h, and the tangent
    tangent = run.step.figure.curves()[1]
    assert [round(y, 9) for y in tangent.ys] == [f(3) - 14 * 1.5, f(3), f(3) + 14 * 1.5]

    to_next_quiz(run)  # the slope at -3: the learner nudges by hand
    assert "f(-2.999) = 43.978003" in text(run)
    assert run.state.answer("−21.997")  # a typographic minus, the estimate: close enough
    assert fmt(engine_grads(-3.0)["x"]) in render(run.step.explanation)

    run.next()  # where is the slope zero?
    assert not run.state.answer("1") and not run.state.solved
    assert run.state.answer("0.667")

    run.next()  # which way is down from x = 3?
    assert isinstance(run.step, ChoiceQuiz)
    assert run.state.answer("1")  # decrease x

    run.next()  # three tangents, slopes from the engine
    assert all(fmt(engine_grads(x0)["x"]) in text(run) for x0 in (-3.0, 3.0))
    assert len(run.step.figure.curves()) == 4

    run.next()  # the graph of y
    assert run.step.graph is not None and run.step.graph.data == f(3.0)

    run.next()  # predict b.grad
    assert run.state.answer("3")

    run.next()  # backprop, node by node
    assert isinstance(run.state, BackwardState) and isinstance(run.step, BackwardSteps)
    while run.state.advance():
        pass
    leaves = {v.label: v for v in _leaves(run.step.graph)}
    assert {name: leaf.grad for name, leaf in leaves.items()} == engine_grads(3.0)

    run.next()  # nudging vs backprop, every input
    shown = text(run)
    for name, grad in engine_grads(3.0).items():
        assert f"{name}: nudge ≈ " in shown and f"backprop {fmt(grad)}" in shown
    assert run.at_end


def test_going_back_restores_the_grads_of_the_graph():
    run = LessonRun(derivative)
    run.go_to(len(run.steps) - 1)
    leaves = {v.label: v for v in _leaves(run.step.graph)}
    assert leaves["x"].grad == 14
    while not isinstance(run.state, BackwardState):
        run.previous()
    while run.previous() and isinstance(run.state, BackwardState):
        pass
    assert leaves["x"].grad == 0  # before backprop


def _leaves(root: Value) -> list[Value]:
    from engine.graph import topological_order

    return [v for v in topological_order(root) if not v._prev]


async def test_the_app_shows_the_lesson_at_80x24(tmp_path):
    from textual.widgets import Input

    from tutor.app import TutorApp
    from tutor.components.figure_view import FigureView
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="derivative")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.lesson.id == "derivative"
        assert screen.query_one(FigureView).display
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.blocked and app.focused is screen.query_one(Input)
        await pilot.press(*"14", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")  # onto the estimates as h shrinks: a figure, redrawn without failing
        await pilot.pause()
        assert screen.run.index == 2 and screen.query_one(FigureView).display
        await pilot.press("n", "p")
        await pilot.pause()
        assert screen.run.index == 2
