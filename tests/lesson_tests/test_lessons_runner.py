"""The lesson state machine: stepping, gating, quizzes, and exact restore on going back."""

from __future__ import annotations

import pytest

from engine import Value
from engine.graph import topological_order
from lessons.api import BackwardSteps, ChoiceQuiz, ForwardSteps, Narrate, NumberQuiz, lesson
from lessons.catalog import load_catalog
from lessons.check import check_lesson
from lessons.runner import BackwardState, ForwardState, LessonRun, QuizState


def chain_graph() -> tuple[Value, dict[str, Value]]:
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": L}


def make_lesson():
    holder = {}

    @lesson(id="t", title="T", summary="s", minutes=1, order=1)
    def t():
        L, nodes = chain_graph()
        holder.update(nodes)
        yield Narrate("intro", graph=L)
        yield ForwardSteps("fwd", graph=L)
        yield BackwardSteps("bwd", graph=L)
        yield NumberQuiz("a.grad?", answer=lambda: nodes["a"].grad, hint="chain rule")
        yield ChoiceQuiz("sign?", choices=["up", "down"], answer=lambda: 0 if nodes["a"].grad > 0 else 1)
        yield Narrate(lambda: f"a.grad is {nodes['a'].grad}")

    return t, holder


def grads(nodes: dict[str, Value]) -> dict[str, float]:
    return {name: v.grad for name, v in nodes.items()}


def test_backward_step_through_reaches_the_engines_grads_node_by_node():
    lesson_, nodes = make_lesson()
    run = LessonRun(lesson_)
    run.next()  # to forward
    run.finish_step()
    run.next()  # to backward
    state = run.state
    assert isinstance(state, BackwardState)
    assert state.position == 0 and nodes["L"].grad == 1.0
    assert nodes["a"].grad == 0.0  # nothing revealed yet
    seen_nodes = []
    while run.next() and run.state is state:
        seen_nodes.append(state.current.node.label)
    # every node visited once, the output first, each after every node that uses it
    assert seen_nodes[0] == "L" and sorted(seen_nodes) == sorted(nodes)
    assert seen_nodes.index("d") < seen_nodes.index("e") < seen_nodes.index("a")
    reference, ref_nodes = chain_graph()
    reference.backward()
    assert grads(nodes) == grads(ref_nodes)


def test_previous_inside_a_step_through_undoes_one_node_exactly():
    lesson_, nodes = make_lesson()
    run = LessonRun(lesson_)
    run.next()
    run.finish_step()
    run.next()
    history = [grads(nodes)]
    for _ in range(7):
        run.next()
        history.append(grads(nodes))
    for expected in reversed(history[:-1]):
        assert run.previous()
        assert grads(nodes) == expected


def test_going_back_a_whole_step_restores_every_grad():
    lesson_, nodes = make_lesson()
    run = LessonRun(lesson_)
    run.next()
    run.finish_step()
    before_backward = grads(nodes)
    run.next()
    run.finish_step()
    run.next()  # quiz
    assert nodes["a"].grad == 6.0
    run.previous()  # back onto the finished backward step: grads as they were on leaving it
    assert nodes["a"].grad == 6.0 and run.state.done
    for _ in range(run.state.total):
        run.previous()
    run.previous()  # back onto the forward step
    assert isinstance(run.state, ForwardState)
    assert grads(nodes) == before_backward


def test_a_quiz_blocks_until_answered_and_reveals_after_two_wrong_tries():
    lesson_, _ = make_lesson()
    run = LessonRun(lesson_)
    run.go_to(3)
    state = run.state
    assert isinstance(state, QuizState)
    assert run.blocked and not run.next()
    assert not state.answer("not a number") and state.tries == 0
    assert not state.answer("5")
    assert not state.revealed and run.blocked
    assert not state.answer("7")
    assert state.revealed and "6" in state.feedback
    assert run.next()


def test_a_right_answer_within_tolerance_solves_the_quiz():
    lesson_, _ = make_lesson()
    run = LessonRun(lesson_)
    run.go_to(3)
    assert run.state.answer("6.0001")
    assert run.state.solved and run.state.tries == 1
    assert run.next()
    choice = run.state
    assert not choice.answer("2")  # a.grad > 0: 'up' is right
    assert choice.answer("1")


def test_narration_numbers_come_from_the_engine_when_shown():
    lesson_, _ = make_lesson()
    run = LessonRun(lesson_)
    run.go_to(5)
    from lessons.api import render

    assert render(run.step.text) == "a.grad is 6.0"


def test_restart_builds_fresh_values():
    lesson_, _ = make_lesson()
    run = LessonRun(lesson_)
    first_graph = run.step.graph
    run.restart()
    assert run.step.graph is not first_graph
    assert all(v.grad == 0.0 for v in topological_order(run.step.graph))


def test_go_to_finishes_every_earlier_step():
    lesson_, nodes = make_lesson()
    run = LessonRun(lesson_)
    run.go_to(4)
    assert run.index == 4 and nodes["a"].grad == 6.0
    assert run.states[3].solved


SHIPPED = load_catalog()


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in SHIPPED.lessons])
def test_every_shipped_lesson_is_walked_to_its_end_without_a_problem(lesson_id):
    """The one headless walk of each lesson: every step shown, finished and checked (as `tutor check` does)."""
    assert check_lesson(SHIPPED.get(lesson_id)) == []


def test_predicting_backward_asks_for_each_inputs_grad_and_reveals_after_two_tries():
    @lesson(id="p", title="P", summary="s", minutes=1, order=1)
    def predicting():
        L, _ = chain_graph()
        yield BackwardSteps("you", graph=L, predict=True)

    run = LessonRun(predicting)
    state = run.state
    record, c = state.question
    assert record.node.label == "L" and c.child.label == "d"
    assert not run.next() and run.blocked  # a prediction is due: n does not skip it
    assert not state.guess("oops") and state.tries == 0
    assert state.guess("-2")  # d.grad = L.grad × f = -2
    assert c.child.grad == -2.0  # revealed at once
    record, c = state.question
    assert c.child.label == "f"
    assert not state.guess("0") and state.question[1] is c
    assert not state.guess("1") and "it is 4" in state.feedback  # second wrong try reveals
    assert state.position == 1 and state.current.node.label == "L"
    assert run.next()  # f is a leaf: no question, n moves on
    record, c = state.question
    assert record.node.label == "d" and c.child.label == "e"
    assert state.guess("-2")
    assert state.retreat()  # takes back the revealed e.grad, same node
    assert c.child.grad == 0.0 and state.asking == 0
    state.finish()
    assert state.done and state.question is None and not run.blocked
    reference, ref_nodes = chain_graph()
    reference.backward()
    assert {v.label: v.grad for v in topological_order(run.step.graph)} == grads(ref_nodes)


def test_a_do_step_acts_on_arrival_and_going_back_undoes_it():
    from lessons.api import Do

    @lesson(id="do", title="Do", summary="s", minutes=1, order=1)
    def do_lesson():
        L, nodes = chain_graph()
        yield BackwardSteps("first", graph=L)
        yield Do("again", action=L.backward, graph=L)
        yield Narrate(lambda: f"a.grad is {nodes['a'].grad}", graph=L)

    run = LessonRun(do_lesson)
    run.finish_step()
    a = next(v for v in topological_order(run.step.graph) if v.label == "a")
    run.next()
    assert a.grad == 12.0  # the second backward accumulated into the leaf
    run.previous()
    assert a.grad == 6.0
    run.next()
    assert a.grad == 12.0
    run.go_to(2)
    a = next(v for v in topological_order(run.step.graph) if v.label == "a")
    assert a.grad == 12.0  # resuming replays the action too
