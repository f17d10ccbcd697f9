"""From Value to Tensor, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Value
from engine.explain import fmt
from engine.graph import topological_order
from lessons.api import BackwardSteps, ChoiceQuiz, ForwardSteps, NumberQuiz, ShowGraph, render
from lessons.catalog import load_catalog
from lessons.runner import BackwardState, LessonRun
from lessons.tensor.value_to_tensor import B, value_to_tensor


def text(run: LessonRun) -> str:
    return render(run.step.text)


def neuron() -> dict[str, Value]:
    """The micrograd neuron, built here independently, backpropagated."""
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(B)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "o": o}


def batch_reference() -> dict[str, np.ndarray]:
    """The lesson's batch (same seed and rounding), its loss and grads by hand in NumPy."""
    rng = np.random.default_rng(7)
    X = np.round(rng.normal(size=(4, 3)), 1)
    W = np.round(rng.normal(size=(3, 2)), 1)
    b = np.round(rng.normal(size=2), 1)
    Y = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])
    H = np.tanh(X @ W + b)
    L = ((H - Y) ** 2).mean()
    dP = 2 * (H - Y) / H.size * (1 - H**2)
    return {"L": L, "dP": dP, "dW": X.T @ dP, "db": dP.sum(axis=0)}


def leaves(root) -> dict[str, object]:
    return {t.label: t for t in topological_order(root) if not t._prev}


def test_the_lesson_opens_the_tensor_track():
    assert value_to_tensor.track == "tensor" and value_to_tensor.order == 200
    assert 5 <= value_to_tensor.minutes <= 20 and value_to_tensor.summary
    ids = [lesson.id for lesson in load_catalog().lessons]
    assert ids.index("value-to-tensor") > ids.index("two-moons")


def test_a_learner_walks_the_lesson_to_the_end():
    ref = neuron()
    run = LessonRun(value_to_tensor)
    assert isinstance(run.step, ShowGraph)
    shown = text(run)
    assert f"**{fmt(ref['o'].data)}**" in shown
    for name in ("w1", "w2", "x1", "x2", "b"):
        assert f"{name}.grad = {fmt(ref[name].grad)}" in shown

    run.next()  # the forward pass of the tensor neuron
    assert isinstance(run.step, ForwardSteps)
    assert "6 nodes instead of 10" in text(run)
    run.finish_step()
    assert run.step.graph.data.shape == (1, 1)
    assert run.step.graph.item() == pytest.approx(ref["o"].data)

    run.next()  # predict w.grad[0, 0]
    assert isinstance(run.step, NumberQuiz) and run.blocked
    assert not run.state.answer("0.5")  # b's grad, not w1's
    assert run.state.answer("1")
    assert fmt(ref["w1"].grad) in render(run.step.explanation)

    run.next()  # backprop through the tensor neuron
    assert isinstance(run.state, BackwardState)
    run.finish_step()
    t = leaves(run.step.graph)
    np.testing.assert_allclose(t["w"].grad.ravel(), [ref["w1"].grad, ref["w2"].grad])
    np.testing.assert_allclose(t["x"].grad.ravel(), [ref["x1"].grad, ref["x2"].grad])
    np.testing.assert_allclose(t["b"].grad, [ref["b"].grad])

    run.next()  # the grads side by side
    shown = text(run)
    for name in ("w1", "w2", "x1", "x2", "b"):
        assert f"{name}: Value {fmt(ref[name].grad)}, tensor {fmt(ref[name].grad)}" in shown
    worst = float(shown.split("Largest difference: **")[1].split("**")[0])
    assert worst < 1e-12

    batch = batch_reference()
    run.next()  # a batch through a layer
    shown = text(run)
    assert "**10 nodes**" in shown and f"L = {fmt(batch['L'])} both ways" in shown
    value_nodes = int(shown.split("takes **")[1].split(" nodes")[0])
    assert value_nodes > 100

    run.next()  # backprop the batch
    assert isinstance(run.step, BackwardSteps)
    run.finish_step()
    t = leaves(run.step.graph)
    np.testing.assert_allclose(t["W"].grad, batch["dW"], atol=1e-12)
    np.testing.assert_allclose(t["b"].grad, batch["db"], atol=1e-12)

    run.next()  # the shape of W.grad
    assert isinstance(run.step, ChoiceQuiz) and run.step.graph is None  # the tree would give it away
    assert run.state.answer(str(list(run.step.choices).index("(3, 2)") + 1))

    run.next()  # b.grad[0]: the sum of the first column of the grad shown
    shown = text(run)
    for row in batch["dP"]:
        assert "(" + ", ".join(f"{v:.4f}" for v in row) + ")" in shown
    assert not run.state.answer(f"{batch['dP'][0, 0]:.4f}")  # one row's share only
    typed = sum(round(v, 4) for v in batch["dP"][:, 0])  # what a learner adds up from the rounded numbers
    assert run.state.answer(f"{typed:.4f}")
    assert fmt(batch["db"][0]) in render(run.step.explanation)

    run.next()  # the same grads from the Values
    shown = text(run)
    assert f"from the {value_nodes} Values" in shown
    assert all(fmt(float(v)) in shown for v in batch["dW"].ravel())
    worst = float(shown.split("Largest difference over W and b: **")[1].split("**")[0])
    assert worst < 1e-12
    assert run.at_end


def test_going_back_before_backprop_shows_zero_grads_again():
    run = LessonRun(value_to_tensor)
    run.go_to(4)  # just past the tensor backward pass
    w = leaves(run.steps[3].graph)["w"]
    assert w.grad[0, 0] == pytest.approx(1.0)
    run.previous()  # back onto the finished backward pass
    while run.previous() and run.index == 3:
        pass
    assert run.index == 2 and not w.grad.any()


async def test_the_app_walks_the_lesson_at_80x24(tmp_path):
    from tutor.app import TutorApp
    from tutor.components.graph_tree import GraphTree
    from tutor.progress import Progress
    from tutor.screens.lesson import LessonScreen

    app = TutorApp(load_catalog(), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lesson-list")
        for _ in range(len(options.options)):  # down the list with j, as a learner would
            if options.get_option_at_index(options.highlighted).id == "value-to-tensor":
                break
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.lesson.id == "value-to-tensor"
        assert screen.query_one(GraphTree).display
        await pilot.press("n", "e", "n")  # through the forward pass onto the quiz
        await pilot.press("1", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", "e")  # backprop to the end
        await pilot.pause()
        detail = str(screen.query_one("#detail").render())
        assert "is a leaf" in detail
        await pilot.press("n", "n", "n", "e", "n")  # compared, the batch, its backward pass, onto the shape quiz
        await pilot.pause()
        assert isinstance(screen.run.step, ChoiceQuiz)
        await pilot.press("1")  # (3, 2)
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")
        await pilot.pause()
        typed = sum(round(v, 4) for v in batch_reference()["dP"][:, 0])
        await pilot.press(*f"{typed:.4f}", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.at_end
        assert "Largest difference over W and b" in screen.query_one("#narration").source
        assert math.isfinite(screen.run.step.graph.item())
