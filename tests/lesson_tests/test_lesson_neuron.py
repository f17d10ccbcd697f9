"""The neuron lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

import math

from engine import Value
from engine.explain import fmt
from engine.graph import topological_order
from lessons.api import BackwardSteps, ChoiceQuiz, ForwardSteps, render
from lessons.micrograd.neuron import neuron, neuron_lesson
from lessons.runner import BackwardState, LessonRun

B = 6.8813735870195432


def reference() -> dict[str, Value]:
    """The lecture's neuron built here directly, backpropagated by the engine."""
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(B)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "o": o}


def text(run: LessonRun) -> str:
    return render(run.step.text)


def node(run: LessonRun, label: str) -> Value:
    return next(v for v in topological_order(run.step.graph) if v.label == label)


def test_the_lesson_is_listed_with_its_metadata():
    assert neuron_lesson.order == 50 and 5 <= neuron_lesson.minutes <= 20


def test_the_lectures_numbers():
    ref = reference()
    assert round(ref["o"].data, 4) == 0.7071
    assert {k: round(ref[k].grad, 6) for k in ("x1", "w1", "x2", "w2")} == {"x1": -1.5, "w1": 1, "x2": 0.5, "w2": 0}


def test_tanh_from_exp_gives_the_same_output_and_grads():
    short, long = neuron(), neuron(from_exp=True)
    short["o"].backward()
    long["o"].backward()
    assert math.isclose(short["o"].data, long["o"].data, rel_tol=1e-12)
    assert long["o"]._op == "*" and "exp" in {v._op for v in topological_order(long["o"])}
    for k in ("x1", "x2", "w1", "w2", "b"):
        assert math.isclose(short[k].grad, long[k].grad, rel_tol=1e-9, abs_tol=1e-12)


def test_a_learner_walks_the_lesson_to_the_end():
    ref = reference()
    run = LessonRun(neuron_lesson)
    assert run.step.figure is not None  # tanh, plotted

    run.next()  # the weighted sum
    assert run.state.answer("−6")

    run.next()  # forward
    assert isinstance(run.step, ForwardSteps)
    assert f"b = {B:.6f}" in text(run)
    run.finish_step()
    assert node(run, "o").data == ref["o"].data

    run.next()  # tanh's local derivative
    assert f"= {fmt(ref['o'].data)}." in text(run)
    assert not run.state.answer("0.7071")  # that is o, not 1 - o²
    assert run.state.answer("0.5")

    run.next()  # backward: the learner predicts every grad
    assert isinstance(run.step, BackwardSteps) and run.step.predict
    typed = {"n": "0.5", "s": "0.5", "b": "0.5", "x1w1": "0.5", "x2w2": "0.5", "x1": "−1.5", "w1": "1"}
    typed |= {"x2": "0.5", "w2": "0"}
    while not run.state.done:
        question = run.state.question
        if question is None:
            assert run.next()  # a leaf
            continue
        assert run.state.guess(typed[question[1].child.label]), question[1].child.label
    for k in ("x1", "x2", "w1", "w2", "b"):
        assert node(run, k).grad == ref[k].grad

    run.next()  # why is w2.grad zero?
    assert isinstance(run.step, ChoiceQuiz)
    assert f"w2.grad = {fmt(ref['w2'].grad)}" in text(run)
    assert not run.state.answer("1")
    assert run.state.answer("2")
    assert f"x2.grad = w2 × 0.5 = {fmt(ref['x2'].grad)}" in render(run.step.explanation)

    run.next()  # use the grad: nudge w1 by 0.01
    assert not run.state.answer("0")
    assert not run.state.answer("0.009")  # 10% off: not "about" any more
    # the estimate, and the true change the explanation quotes (and its rounding) are all right
    shown = render(run.step.explanation).split("up ")[1].split(" ")[0]
    for answer in ("0.01", "0.0099", shown):
        assert run.step.is_right(float(answer)), answer
    assert shown == "0.00986"
    assert run.state.answer("0.01")
    nudged = reference_with(w1=-3.0 + 0.01)
    assert f"{nudged:.5f}" in render(run.step.explanation)

    run.next()  # tanh from exp: a new graph, fresh inputs
    long = run.step.graph
    assert long is not None and math.isclose(long.data, ref["o"].data)
    assert all(v.grad == 0 for v in topological_order(long))

    run.next()  # exp's local derivative
    e = node(run, "e")
    assert f"e = {fmt(e.data)}" in text(run)
    assert run.state.answer("5.83")

    run.next()  # backward the long way
    assert isinstance(run.state, BackwardState) and not run.blocked
    while run.state.advance():
        pass
    for k in ("x1", "x2", "w1", "w2", "b"):
        assert math.isclose(node(run, k).grad, ref[k].grad, abs_tol=1e-12)

    run.next()  # both graphs' grads, side by side
    shown = text(run)
    for k in ("x1", "x2", "w1", "w2", "b"):
        assert f"{k}.grad: tanh {fmt(ref[k].grad)}, from exp {fmt(ref[k].grad)}" in shown
    assert f"{ref['o'].data:.12f} with tanh" in shown

    run.next()
    assert run.state.answer("3")

    run.next()  # the PyTorch cross-check: the code a learner would write, and the engine's numbers it prints
    shown = text(run)
    assert "torch.tanh(x1*w1 + x2*w2 + b); o.backward()" in shown
    printed = [ref["o"].data] + [ref[k].grad for k in ("x1", "w1", "x2", "w2")]
    assert "It prints, to 4 digits, " + ", ".join(fmt(x) for x in printed) in shown
    assert run.at_end


def reference_with(**changes: float) -> float:
    data = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": B, **changes}
    return math.tanh(data["x1"] * data["w1"] + data["x2"] * data["w2"] + data["b"])


async def test_the_app_runs_the_neuron_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.components.graph_tree import GraphTree
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="neuron")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("n", "-", "6", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", "e")  # the whole forward pass
        await pilot.pause()
        tree = screen.query_one(GraphTree)
        labels = {value.label: node.label.plain for value, node in tree._value_nodes.items()}
        assert f"data {fmt(reference()['o'].data)}" in labels["o"]
        await pilot.press("n", *"0.5", "enter", "n")  # 1 - o², then into the predictions
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, BackwardState) and state.question is not None
        await pilot.press(*"0.5", "enter")  # n.grad
        await pilot.pause()
        assert state.feedback == "Right!" and state.position == 1
