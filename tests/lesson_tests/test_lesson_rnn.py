"""The RNN lesson, walked end to end as a learner would, and in the app at 80x24."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import open_from_browser

from engine.explain import fmt
from engine.graph import topological_order
from lessons.api import BackwardSteps, ChoiceQuiz, ExpressionQuiz, ForwardSteps, NumberQuiz, ShowGraph, Train, render
from lessons.runner import LessonRun, TrainState
from lessons.tensor.rnn import BACK, CHAR_DEFAULTS, LONG, NAME_STEPS, SCALES, STEPS, WIDE, rnn
from tutor.components.graph_tree import GraphTree


def text(run: LessonRun) -> str:
    return render(run.step.text)


def node(graph, label: str):
    return next(t for t in topological_order(graph) if t.label == label)


def test_the_lesson_is_listed_with_its_metadata():
    assert rnn.order == 270 and rnn.track == "tensor"
    assert 5 <= rnn.minutes <= 20


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(rnn)
    assert isinstance(run.step, ShowGraph)
    L = run.step.graph
    assert f"= {fmt(L.item())}" in text(run)
    W_hh = node(L, "W_hh")
    h = {t: node(L, f"h{t}") for t in range(1, STEPS + 1)}

    # the unrolled graph is the cell applied 3 times with the same weights
    h0 = node(L, "h0")
    state = h0.data
    for t in range(1, STEPS + 1):
        x = node(L, f"x{t}").data
        state = np.tanh(x @ node(L, "W_xh").data + state @ W_hh.data + node(L, "b_h").data)
        np.testing.assert_allclose(state, h[t].data)

    run.next()  # the recurrence alone: one `@ W_hh` node per step, all on the same W_hh
    assert isinstance(run.step, ForwardSteps)
    h3 = run.step.graph
    shared = node(h3, "W_hh")
    uses = [n for n in topological_order(h3) if shared in n._prev]
    assert [n.label for n in uses] == [f"h{t - 1}@W_hh" for t in range(1, STEPS + 1)]
    state = node(h3, "h0").data
    for _ in range(STEPS):
        state = np.tanh(state @ shared.data)
    np.testing.assert_allclose(state, h3.data)
    run.finish_step()

    run.next()  # backprop through time, node by node
    assert isinstance(run.step, BackwardSteps)
    run.finish_step()
    dh = {t: h[t].grad.copy() for t in h}
    # BPTT by hand, from the loss back: dh3 = 2 (h3 - y), then one step back at a time
    y = node(L, "y").data
    expected = 2 * (h[STEPS].data - y)
    np.testing.assert_allclose(dh[STEPS], expected)
    for t in range(STEPS, 1, -1):
        expected = (expected * (1 - h[t].data ** 2)) @ W_hh.data.T
        np.testing.assert_allclose(dh[t - 1], expected, atol=1e-12)
    by_hand = sum((h[t - 1].data if t > 1 else h0.data).T @ (dh[t] * (1 - h[t].data ** 2)) for t in range(1, STEPS + 1))
    np.testing.assert_allclose(W_hh.grad, by_hand, atol=1e-12)

    run.next()  # how many contributions W_hh collected
    assert isinstance(run.step, NumberQuiz)
    assert not run.state.answer("1")
    assert run.state.answer(str(STEPS))
    assert "The first is 0" in render(run.step.explanation)

    run.next()  # one step back, typed
    assert isinstance(run.step, ExpressionQuiz)
    state = run.state
    assert not state.answer("dh3 @ W_hh.T")  # forgot the tanh
    assert not state.answer("dh3[0]") and state.tries == 1  # refused, no try spent
    assert state.answer("dh3 * (1 - h3 * h3) @ W_hh.T")  # * and @ bind alike, left to right
    np.testing.assert_allclose(run.step.answer(), dh[2], atol=1e-12)

    run.next()  # the long sequence, W_hh × 0.5: the grad vanishes
    shown = text(run)
    curve = run.step.figure.curves()
    assert [c.label for c in curve] == [f"W_hh × {SCALES[0]:g}"] and len(curve[0].ys) == LONG
    first, last = curve[0].ys[0], curve[0].ys[-1]
    assert run.step.figure.ylog
    assert f"from {fmt(last)} at t = {LONG} down to {fmt(first)} at t = 1" in shown
    assert first < 1e-10 * last

    run.next()  # predict W_hh × 2
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("2")
    assert run.state.answer("1")
    explanation = render(run.step.explanation)
    # explained as it is: not by the mean tanh' (which would predict shrinking) but by the unsaturated units
    assert "explodes" in explanation and "unsaturated" in render(run.step.hint)
    assert "Compare" not in render(run.step.hint)
    assert f"of {WIDE} per step" in explanation

    run.next()  # all three, from the engine
    curves = {c.label: c.ys for c in run.step.figure.curves()}
    assert len(curves) == len(SCALES)
    big = curves[f"W_hh × {SCALES[-1]:g}"]
    assert big[0] > 10 * big[-1]
    assert all(a < b for a, b in zip(curves["W_hh × 1"][:-1:5], curves["W_hh × 1"][1::5]))

    run.next()  # the measured factor of each step back
    ratios = {c.label: c.ys for c in run.step.figure.curves()}
    big_norms = curves[f"W_hh × {SCALES[-1]:g}"]
    measured = [big_norms[t - 1] / big_norms[t] for t in range(LONG - 1, 0, -1)]
    np.testing.assert_allclose(ratios[f"W_hh × {SCALES[-1]:g}"], measured)
    assert min(measured) < 1 < max(measured)  # not one factor: it swings around 1, and still explodes overall
    assert f"from {fmt(min(measured))} to {fmt(max(measured))}" in text(run)
    assert "same factor" not in text(run) and "|W_hh| × tanh'" not in " ".join(run.step.choices)
    assert "Jacobian" in run.step.choices[0]
    assert run.state.answer("1")

    run.next()  # 0.5 ** 10, as a learner types it
    assert isinstance(run.step, NumberQuiz)
    assert not run.state.answer("0.05")
    assert run.state.answer("0.001")
    assert math.isclose(run.step.solution(), SCALES[0] ** BACK)

    run.next()  # train one on the names: BPTT through 16-character windows, first without clipping
    assert isinstance(run.step, Train) and isinstance(run.state, TrainState)
    state = run.state
    assert state.settings == CHAR_DEFAULTS
    run.finish_step()
    off = state.history
    assert len(off) == NAME_STEPS and off[0]["loss"] == pytest.approx(math.log(27), abs=0.2)
    state.settings["clip"] = 1.0  # key 1, then t
    state.reset()
    state.run()
    on = state.history
    norms = [h["grad norm"] for h in on]
    assert max(norms) > 1  # the grad still explodes; clipping only bounds the step taken
    assert max(h["loss"] for h in off) > off[0]["loss"]  # unclipped: the loss spikes above where it started
    assert on[-1]["loss"] < off[-1]["loss"]

    run.next()  # what clipping did: the learner's two runs, plotted and quoted
    unclipped, clipped = run.step.figure.curves()
    assert list(unclipped.ys) == [h["loss"] for h in off] and list(clipped.ys) == [h["loss"] for h in on]
    shown = text(run)
    assert f"norm reached {fmt(max(h['grad norm'] for h in off))}" in shown
    assert f"the loss ends at {fmt(on[-1]['loss'])}" in shown
    assert run.at_end


async def test_the_app_steps_back_through_time_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_from_browser(pilot, app, "rnn")
        screen = app.screen
        await pilot.press("n")  # the recurrence alone, computed node by node
        await pilot.pause()
        tree = screen.query_one(GraphTree)
        assert screen.run.step.graph is not None and tree.current is None
        for _ in range(8):  # h0, W_hh, then h0@W_hh, h1, ... h3
            await pilot.press("n")
        await pilot.pause()
        assert isinstance(screen.run.step, ForwardSteps) and screen.run.state.done
        lines = [str(tree.get_node_at_line(y).label) for y in range(tree.last_line + 1)]
        w_hh = [line for line in lines if "W_hh" in line and "@" not in line]
        assert len(w_hh) == STEPS and sum(line.startswith("↺") for line in w_hh) == STEPS - 1, lines
        assert tree.size.height > len(lines)  # all of it on screen at 80x24
        await pilot.press("n", "n", "n")  # onto the backward pass: L, err², err
        await pilot.pause()
        detail = str(screen.query_one("#detail").render())
        assert "err" in detail
        await pilot.press("e", "n")  # to the end, onto the count
        await pilot.pause()
        await pilot.press("3", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"(dh3*(1-h3**2))@W_hh.T", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", "n")  # the figure, then the prediction
        await pilot.pause()
        assert screen.query_one("#figure").display
        await pilot.press("1")
        await pilot.pause()
        assert screen.run.state.solved
