"""The closing lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

from engine import Value
from engine.explain import fmt
from lessons.api import BackwardSteps, ChoiceQuiz, render
from lessons.catalog import load_catalog
from lessons.micrograd.whats_next import whats_next
from lessons.runner import BackwardState, LessonRun


def engine_grads() -> dict[str, float]:
    """L = (a*b + a)**2 at a = 3, b = -2, backpropagated by the engine here, independently of the lesson."""
    a, b = Value(3.0), Value(-2.0)
    c = a * b
    d = c + a
    L = d**2
    L.backward()
    return {"a": a.grad, "b": b.grad, "c": c.grad, "d": d.grad}


def test_the_lesson_closes_the_track():
    assert whats_next.order == 130 and whats_next.summary and whats_next.minutes == 5
    micrograd = [lesson for lesson in load_catalog().lessons if lesson.track == "micrograd"]
    assert micrograd[-1].id == "whats-next"


def test_a_learner_predicts_every_grad_and_reaches_the_end():
    grads = engine_grads()
    run = LessonRun(whats_next)
    assert "makemore" not in render(run.step.text) and "micrograd" in render(run.step.text)

    run.next()  # the last backward pass, predicted node by node
    assert isinstance(run.step, BackwardSteps) and run.step.predict
    state = run.state
    assert isinstance(state, BackwardState) and run.blocked
    assert f"a = {fmt(3.0)}, b = {fmt(-2.0)}" in render(run.step.text)
    answered = {}
    while not state.done:
        if state.question is None:  # a leaf: nothing to predict
            assert run.next()
            continue
        _, contribution = state.question
        name = contribution.child.label
        if name == "a" and "a" not in answered:  # the first path to a: d = c + a (typed with a typographic minus)
            assert state.guess(fmt(grads["d"]).replace("-", "−"))
            answered["a"] = True
            continue
        if name == "b":  # one wrong try first: b.grad is c.grad × a, not c.grad × b
            assert not state.guess(fmt(grads["c"] * -2.0))
        assert state.guess(fmt(grads[name])), name
    leaves = {v.label: v.grad for v in _nodes(run.step.graph)}
    assert {k: leaves[k] for k in grads} == grads and grads["a"] == 6 and grads["b"] == -18

    run.next()  # a.grad, and how to check a new operation
    assert isinstance(run.step, ChoiceQuiz) and f"a.grad = {fmt(grads['a'])}" in render(run.step.text)
    assert not run.state.answer("2")
    assert run.state.answer("1")

    run.next()  # where next
    shown = render(run.step.text)
    assert "makemore" in shown and "python -m tutor play" in shown
    assert run.at_end


def _nodes(root: Value) -> list[Value]:
    from engine.graph import topological_order

    return topological_order(root)


async def test_the_app_runs_the_lesson_at_80x24(tmp_path):
    from tutor.app import TutorApp
    from tutor.progress import Progress

    grads = engine_grads()
    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="whats-next")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("n")
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, BackwardState) and state.question is not None
        for value in (grads["d"], grads["c"], grads["d"], grads["a"], grads["b"]):  # d, c and a, a and b
            await pilot.press(*fmt(value), "enter")
            await pilot.pause()
            assert "Right" in str(screen.query_one("#quiz-feedback").render())
        assert state.question is None and screen.run.blocked  # two leaves left to visit
        await pilot.press("n", "n")  # no box to leave at a leaf: n moves on
        await pilot.pause()
        assert state.done and not screen.run.blocked
        await pilot.press("n", "1")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.at_end and app.progress.status("whats-next") == "done"
