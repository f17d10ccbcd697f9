"""The values-and-graphs lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

from engine import Value
from engine.explain import fmt
from lessons.api import ChoiceQuiz, Explore, ForwardSteps, NumberQuiz, ShowGraph, render
from lessons.micrograd.values_and_graphs import values_and_graphs
from lessons.runner import ForwardState, LessonRun, QuizState


def lecture_L(a: float = 2.0) -> float:
    """L = (a*b + c) * f with the lecture's b, c, f, computed by the engine here."""
    L = (Value(a) * Value(-3.0) + Value(10.0)) * Value(-2.0)
    return L.data


def text(run: LessonRun) -> str:
    return render(run.step.text)


def test_the_lesson_is_listed_with_its_metadata():
    assert values_and_graphs.order == 20 and values_and_graphs.minutes >= 5


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(values_and_graphs)
    assert "Value" in text(run)

    run.next()  # e = a * b
    assert run.step.graph.label == "e" and run.step.graph.data == -6
    assert f"data {fmt(Value(2.0).data * -3.0)}" in text(run) and "`_op` = '*'" in text(run)

    run.next()  # what does d remember?
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("2")  # (a, b, c): its ancestors, not its inputs
    assert run.state.answer("1")
    assert "_prev (e, c)" in render(run.step.explanation)

    run.next()  # predict L before seeing it
    assert isinstance(run.step, NumberQuiz) and run.step.graph is None  # the answer is not on screen
    assert run.state.answer("-8")
    assert f"L = 4·(-2) = {fmt(lecture_L())}" in render(run.step.explanation)

    run.next()  # the graph
    assert isinstance(run.step, ShowGraph) and run.step.graph.data == lecture_L()

    run.next()  # the forward pass, node by node, inputs first
    assert isinstance(run.step, ForwardSteps) and isinstance(run.state, ForwardState)
    computed = []
    while run.state.advance():
        computed.append(run.state.current.node.label)
    assert computed == ["a", "b", "e", "c", "d", "f", "L"]

    run.next()  # which order could a forward pass use?
    assert run.step.choices[run.step.solution()] == "a, b, e, c, d, f, L"
    assert not run.state.answer("1")  # that is backprop's order
    assert run.state.answer("2")

    run.next()  # explore: nothing to answer
    assert isinstance(run.step, Explore) and not run.blocked

    run.next()  # 2 * a
    assert run.state.answer("3")
    assert "data 4 and _op '*'" in render(run.step.explanation)

    run.next()  # what if a were 3?
    assert isinstance(run.state, QuizState)
    assert run.state.answer("−2")
    assert f"L = {fmt(lecture_L(3.0))}" in render(run.step.explanation)

    run.next()  # nudging a: the slope the next lesson computes as a.grad
    shown = text(run)
    slope = (lecture_L(2.001) - lecture_L()) / 0.001
    assert f"a slope of {slope:.4f}" in shown and f"to {fmt(lecture_L(3.0))}" in shown
    assert run.at_end


async def test_the_app_steps_the_forward_pass_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.components.graph_tree import GraphTree
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="values-and-graphs")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("n", "n", "1")  # to the _prev quiz, answered with its number key
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", *"-8", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", "n", "n", "n", "n")  # the graph, then three nodes of the forward pass
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, ForwardState) and state.current.node.label == "e"
        tree = screen.query_one(GraphTree)
        labels = {value.label: node.label.plain for value, node in tree._value_nodes.items()}
        assert "data -6" in labels["e"] and "data ?" in labels["d"]
        detail = str(screen.query_one("#detail").render())
        assert "e = a * b = 2 * (-3) = -6" in detail
