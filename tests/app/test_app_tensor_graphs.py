"""A tensor graph steps through the lesson screen like a scalar one, with shapes instead of numbers."""

from __future__ import annotations

import numpy as np

from engine.tensor import Tensor
from lessons.api import BackwardSteps, Explore, ForwardSteps, NumberQuiz, lesson
from lessons.runner import BackwardState, LessonRun
from tutor.components.graph_tree import GraphTree
from tutor.node_words import describe
from tutor.screens.inspector import TensorInspector
from tutor.screens.lesson import LessonScreen


def tensor_lesson():
    holder = {}

    @lesson(id="tensor-steps", title="Tensor steps", summary="s", minutes=2, order=999)
    def tensor_steps():
        rng = np.random.default_rng(0)
        x = Tensor(rng.normal(size=(4, 3)), label="x")
        W = Tensor(rng.normal(size=(3, 2)), label="W")
        h = (x @ W).tanh()
        h.label = "h"
        L = (h * h).mean()
        L.label = "L"
        holder.update(x=x, W=W, h=h, L=L)
        yield ForwardSteps("forward", graph=L)
        yield BackwardSteps("backward", graph=L)
        yield NumberQuiz("W.grad[0, 0]?", answer=lambda: float(W.grad[0, 0]))

    return tensor_steps, holder


def test_a_tensor_backward_step_through_ends_with_the_engines_grads():
    lesson_, held = tensor_lesson()
    run = LessonRun(lesson_)
    run.finish_step()
    run.next()
    assert isinstance(run.state, BackwardState)
    run.finish_step()
    W = held["W"]
    got = W.grad.copy()
    W.grad = np.zeros_like(W.grad)  # leaves accumulate: start the reference backward from zero
    held["x"].grad = np.zeros_like(held["x"].grad)
    held["L"].backward()
    np.testing.assert_array_equal(got, W.grad)
    run.next()
    assert run.state.answer(repr(float(W.grad[0, 0])))


async def test_the_tree_and_panel_show_shapes_and_the_rule(make_app):
    lesson_, held = tensor_lesson()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.push_screen(LessonScreen(lesson_))
        await pilot.pause()
        await pilot.press("e", "n")  # through the forward pass, onto the backward pass
        await pilot.pause()
        screen = app.screen
        for _ in range(3):  # L, then h*h, then h = tanh(...)
            await pilot.press("n")
            await pilot.pause()
        detail = str(screen.query_one("#detail").render())
        assert "h = tanh(" in detail and "g * (1 - h²)" in detail
        tree = screen.query_one(GraphTree)
        label = tree._value_nodes[held["h"]].label.plain
        assert "4×2 mean" in label and describe(held["h"].data, brief=True) in label


async def test_an_expression_quiz_on_screen(make_app):
    from lessons.api import ExpressionQuiz

    rng = np.random.default_rng(1)
    probs, onehot = rng.random((4, 3)), np.eye(3)[[0, 1, 2, 0]]

    @lesson(id="expr-screen", title="Expr", summary="s", minutes=1, order=999)
    def expr_screen():
        yield ExpressionQuiz(
            "dlogits = ?",
            names=lambda: {"probs": probs, "onehot": onehot, "n": 4.0},
            answer=lambda: (probs - onehot) / 4,
            solution="(probs - onehot) / n",
            hint="softmax minus one-hot",
        )

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(LessonScreen(expr_screen))
        await pilot.pause()
        screen = app.screen
        assert "You can use: probs 4×3" in str(screen.query_one("#detail").render())
        await pilot.press(*"probs.T", "enter")
        await pilot.pause()
        assert "shape (3, 4)" in str(screen.query_one("#quiz-feedback").render())
        await pilot.press(*"(probs-onehot)/n", "enter")
        await pilot.pause()
        assert screen.run.state.solved


async def test_log_axis_figures_redraw_without_error(make_app):
    from lessons.api import Figure, Narrate, Series

    @lesson(id="log-figure", title="Log", summary="s", minutes=1, order=999)
    def log_figure():
        hs = [10.0**-k for k in range(1, 8)]
        yield Narrate("errors", figure=Figure([Series("error", hs, [h * h for h in hs])], xlog=True, ylog=True))
        yield NumberQuiz("2?", answer=2.0)

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(LessonScreen(log_figure))
        await pilot.pause()
        await pilot.resize_terminal(100, 30)  # a redraw
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        figure = app.screen.query_one("#figure")
        assert figure.display and "log10" in str(figure.render())


def explore_lesson():
    holder = {}

    @lesson(id="tensor-explore", title="Tensor explore", summary="s", minutes=2, order=999)
    def tensor_explore():
        x = Tensor(np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]]), label="x")
        W = Tensor(np.arange(27 * 27, dtype=float).reshape(27, 27) % 5, label="W")
        logits = Tensor(np.ones((2, 27)), label="e") @ W
        logits.label = "logits"
        L = (logits * logits).mean() + (x * x).sum()
        L.label = "L"
        L.backward()
        holder.update(x=x, W=W, L=L)
        yield Explore("Move through the graph.", graph=L)

    return tensor_explore, holder


async def test_exploring_a_tensor_graph_and_inspecting_its_nodes(make_app, settled):
    lesson_, held = explore_lesson()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = LessonScreen(lesson_)
        app.push_screen(screen)
        await settled(pilot, screen)
        tree = screen.query_one(GraphTree)
        assert app.focused is tree
        detail = str(screen.query_one("#detail").render())
        assert "L = " in detail and "grad" in detail
        for _ in range(20):  # down the tree to x, as a learner would
            if tree.cursor_node.data is held["x"]:
                break
            await pilot.press("down")
        detail = str(screen.query_one("#detail").render())
        assert detail.startswith("x is a leaf") and "2×3" in detail
        await pilot.press("i")
        inspector = app.screen
        assert isinstance(inspector, TensorInspector)
        text = str(inspector.query_one("#inspector-text").render())
        assert "shape 2×3  min -2  max 3  mean 0.25" in text
        assert "  1  -2   3\n0.5   0  -1" in text and " 2 -4  6" in text  # x.data and x.grad = 2x, as numbers
        await pilot.press("q")
        for _ in range(20):  # W is above x: the logits come first
            if tree.cursor_node.data is held["W"]:
                break
            await pilot.press("up")
        await pilot.press("i")
        text = str(app.screen.query_one("#inspector-text").render())
        assert "shape 27×27  min 0  max 4" in text
        rows = [line for line in text.splitlines() if len(line) == 27 and set(line) <= set(" .:-=+*#%@")]
        assert len(rows) >= 27  # the whole 27×27 data as a heatmap (and the grad's rows below)
        assert "'@' = 4" in text


async def test_tensor_tree_lines_are_not_cut_mid_number_at_80x24(make_app, settled):
    lesson_, held = explore_lesson()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = LessonScreen(lesson_)
        app.push_screen(screen)
        await settled(pilot, screen)
        tree = screen.query_one(GraphTree)
        label = tree._value_nodes[held["W"]].label.plain
        assert label.endswith(describe(held["W"].grad, brief=True).split()[-1])  # ends with the grad's mean
        assert len(label) + 12 <= tree.size.width  # room for the tree guides of its depth
