"""Driving the real app: open a lesson, step backprop node by node, go back, answer quizzes, train, quit."""

from __future__ import annotations

import pytest
from helpers import engine_text, open_from_browser, shown_grads
from textual.geometry import Region

from engine import Value
from engine.trace import backward_trace
from lessons.runner import BackwardState, LessonRun, QuizState, TrainState
from tutor.components.graph_tree import GraphTree
from tutor.screens.browser import LessonBrowser
from tutor.screens.lesson import LessonScreen


def reference_steps():
    """The chain-rule lesson's graph built directly, with the grads after each backward step."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    nodes = [a, b, c, d, e, f, L]
    after = []
    for step in backward_trace(L):
        after.append((step.node.label, {v.label: v.grad for v in nodes}))
    return after


async def open_chain_rule(pilot, app):
    await pilot.pause()
    assert isinstance(app.screen, LessonBrowser)
    await open_from_browser(pilot, app, "chain-rule")
    screen = app.screen
    assert isinstance(screen, LessonScreen) and screen.lesson.id == "chain-rule"
    return screen


async def to_backward_step(pilot, screen):
    await pilot.press("n", "e", "n")  # past the intro, through the forward pass, onto the quiz
    await pilot.press(*"-2", "enter")  # ∂L/∂d = f = -2
    await pilot.pause()
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(screen.run.state, BackwardState)


@pytest.mark.parametrize("size", [(80, 24), (130, 40)])
async def test_step_through_a_whole_backward_pass_and_every_grad_shown_matches_the_engine(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_chain_rule(pilot, app)
        await to_backward_step(pilot, screen)
        tree = screen.query_one(GraphTree)
        assert shown_grads(tree)["L"] == "1" and shown_grads(tree)["a"] == "?"
        for node_label, expected in reference_steps():
            await pilot.press("n")
            await pilot.pause()
            assert screen.run.state.current.node.label == node_label
            assert tree.current.label == node_label
            shown = shown_grads(tree)
            touched = {k for k, v in shown.items() if v != "?"}
            for label in touched:
                assert shown[label] == engine_text(expected[label]), (node_label, label)
            detail = str(screen.query_one("#detail").render())
            assert f"{node_label}.grad = {engine_text(expected[node_label])} is complete" in detail
        assert shown_grads(tree) == {k: engine_text(v) for k, v in reference_steps()[-1][1].items()}
        assert screen.has_class("-wide") == (size[0] >= 110)


async def test_the_panel_shows_the_chain_rule_in_numbers(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(pilot, app)
        await to_backward_step(pilot, screen)
        while screen.run.state.current is None or screen.run.state.current.node.label != "e":
            await pilot.press("n")
            await pilot.pause()
        detail = str(screen.query_one("#detail").render())
        assert "a.grad += e.grad × ∂e/∂a = -2 × b = -2 × (-3) = 6 → a.grad = 6" in detail
        assert "b.grad += e.grad × ∂e/∂b = -2 × a = -2 × 2 = -4 → b.grad = -4" in detail


async def test_back_restores_the_exact_grads_shown(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(pilot, app)
        await to_backward_step(pilot, screen)
        tree = screen.query_one(GraphTree)
        snapshots = [shown_grads(tree)]
        for _ in range(7):
            await pilot.press("n")
            await pilot.pause()
            snapshots.append(shown_grads(tree))
        await pilot.press("n")  # onto the next quiz
        await pilot.pause()
        assert isinstance(screen.run.state, QuizState)
        app.set_focus(None)
        await pilot.press("left")  # back onto the finished backward pass
        await pilot.pause()
        assert isinstance(screen.run.state, BackwardState) and shown_grads(tree) == snapshots[-1]
        for expected in reversed(snapshots[:-1]):
            await pilot.press("p")
            await pilot.pause()
            assert shown_grads(tree) == expected


async def test_quiz_wrong_twice_reveals_the_answer_and_right_moves_on(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(pilot, app)
        await pilot.press("n", "e", "n")
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, QuizState)
        await pilot.press("n")  # typed into the answer box: not a way past the quiz
        await pilot.press("enter")
        await pilot.pause()
        assert screen.run.index == 2 and state.tries == 0
        await pilot.press("ctrl+a", "ctrl+k", "3", "enter")
        await pilot.pause()
        assert state.tries == 1 and not state.done
        assert "try again" in str(screen.query_one("#quiz-feedback").render())
        await pilot.press("h", "enter")
        await pilot.pause()
        assert "Hint" in str(screen.query_one("#message").render())
        await pilot.press("ctrl+a", "ctrl+k", "5", "enter")
        await pilot.pause()
        assert state.revealed
        assert "The answer is -2" in str(screen.query_one("#quiz-feedback").render())
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.index == 3
        saved = app.progress.lessons["chain-rule"]["quizzes"]["2"]
        assert saved == {"tries": 2, "solved": False}


async def test_choice_quiz_with_number_keys(make_app, settled):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("chain-rule", step=5)
        screen = app.screen
        await settled(pilot, screen)
        state = screen.run.state
        assert isinstance(state, QuizState) and state.step.kind == "choice-quiz"
        await pilot.press("down", "enter")  # "decrease a": wrong, a.grad is positive
        await pilot.pause()
        assert state.tries == 1 and not state.solved
        await pilot.press("1")  # "increase a", by its number
        await pilot.pause()
        assert state.solved


async def test_two_moons_settings_then_training_to_the_end(make_app, settled):
    """The real lesson's training (pausing and stopping are driven by a gated trainer in test_app_lesson_failures)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("two-moons", step=2)
        screen = app.screen
        await settled(pilot, screen)
        state = screen.run.state
        assert isinstance(state, TrainState) and state.status == "ready"
        assert screen.run.blocked
        await pilot.press("4")  # change the learning rate
        await settled(pilot, screen)
        assert state.settings["lr"] == 3.0 and state.history == []
        await pilot.press("2")
        await settled(pilot, screen)
        assert state.settings["width"] == 32
        await pilot.press("2", "2", "2", "1", "1")  # back to width 16; depth 2 -> 3 -> 1 (a quicker run)
        await settled(pilot, screen)
        assert state.settings == {"depth": 1, "width": 16, "activation": "relu", "lr": 3.0}
        await pilot.press("t")
        await settled(pilot, screen)
        assert state.status == "finished" and len(state.history) == state.step.steps
        assert state.history[-1]["accuracy"] >= 0.95
        assert str(screen.query_one("#train-map").render()).count("o") > 10
        await pilot.press("n")
        await settled(pilot, screen)
        assert screen.run.index == 3


async def test_quit_from_the_browser_and_q_leaves_a_lesson(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_chain_rule(pilot, app)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LessonBrowser)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_help_lists_every_key(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_chain_rule(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("Static")
        text = "\n".join("".join(seg.text for seg in strip) for strip in box.render_lines(Region(0, 0, *box.size)))
        for key in ("ctrl+q", "ctrl+p", "restart", "hint", "train", "inspect"):
            assert key in text.lower()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


async def test_predicting_each_grad_before_it_is_revealed(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("chain-rule", step=7)
        await pilot.pause()
        screen = app.screen
        state = screen.run.state
        assert isinstance(state, BackwardState) and state.question is not None
        assert "Predict: what is h.grad" in str(screen.query_one("#detail").render())
        tree = screen.query_one(GraphTree)
        assert shown_grads(tree)["h"] == "?"
        await pilot.press("h", "enter")  # a hint
        await pilot.pause()
        assert "∂M/∂h = w" in str(screen.query_one("#message").render())
        await pilot.press(*"0.5", "enter")  # h.grad = M.grad × w = 0.5
        await pilot.pause()
        assert "Right" in str(screen.query_one("#quiz-feedback").render())
        assert shown_grads(tree)["h"] == "0.5" and shown_grads(tree)["w"] == "?"
        await pilot.press("9", "enter", "9", "enter")  # two wrong tries reveal w.grad = h = -3
        await pilot.pause()
        assert shown_grads(tree)["w"] == "-3"
        assert "it is -3" in str(screen.query_one("#quiz-feedback").render())
        assert screen.run.blocked
        await pilot.press("tab", "e")  # leave the box; reveal everything
        await pilot.pause()
        assert state.done and not screen.run.blocked
        assert shown_grads(tree)["x"] == engine_text(state.step.graph._prev[0]._prev[0]._prev[0].grad)


async def test_tab_leaves_the_answer_box_and_comes_back(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("chain-rule", step=7)  # a predicting backward pass: the box has focus
        await pilot.pause()
        screen = app.screen
        assert app.focused is screen.query_one("#quiz-number")
        await pilot.press("tab")
        assert app.focused is None
        await pilot.press("e")  # a key for the screen now, not a letter in the box
        await pilot.pause()
        assert screen.run.state.done
        app.open_lesson("chain-rule", step=2)
        await pilot.pause()
        await pilot.press("tab", "tab")
        assert app.focused is app.screen.query_one("#quiz-number")


def painted(screen) -> list[list]:
    """The screen as painted: one list of Rich segments per row."""
    return [list(strip) for strip in screen._compositor.render_strips()]


async def test_quiz_feedback_renders_the_lessons_markdown_not_its_asterisks(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        steps = LessonRun(app.catalog.get("values-and-graphs")).steps
        order = next(i for i, step in enumerate(steps) if "after all of its inputs" in str(getattr(step, "hint", "")))
        app.open_lesson("values-and-graphs", step=order)  # "which order could a forward pass use?"
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen.run.state, QuizState)
        await pilot.press("down", "enter")  # the second choice: inputs before the nodes that use them
        await pilot.pause()
        assert screen.run.state.solved
        assert "**topological order**" in screen.run.state.feedback  # the lesson's explanation is Markdown
        rows = painted(screen)
        text = "\n".join("".join(segment.text for segment in row) for row in rows)
        assert "topological order" in text and "**" not in text
        bold = {segment.text.strip() for row in rows for segment in row if segment.style and segment.style.bold}
        assert "topological order" in bold


@pytest.mark.parametrize("theme", ["ansi-dark", "textual-dark"])
async def test_the_current_nodes_whole_line_is_highlighted_in_16_and_256_colours(make_app, theme):
    app = make_app(theme=theme)  # ansi-dark: the theme a 16-colour terminal (TERM=xterm) gets
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(pilot, app)
        await pilot.press("n", "n", "n")  # the forward pass, on b
        await pilot.pause()
        tree = screen.query_one(GraphTree)
        assert tree.current is not None and tree.cursor_node.data is tree.current
        background = tree.rich_style.bgcolor

        def marked(segment) -> bool:
            style = segment.style
            return bool(style and (style.reverse or (style.bgcolor is not None and style.bgcolor != background)))

        for y in range(tree.size.height):
            segments = [segment for segment in tree.render_line(y) if segment.text.strip()]
            text = "".join(segment.text for segment in segments)
            if not text:
                continue
            label = segments[[i for i, s in enumerate(segments) if "─" in s.text or "▼" in s.text][-1] + 1 :]
            if y == tree.cursor_line - tree.scroll_offset.y:
                assert "data -3" in text
                assert label and all(marked(segment) for segment in label), [(s.text, s.style) for s in label]
            else:
                assert not any(marked(segment) for segment in label), text  # only the current node stands out
