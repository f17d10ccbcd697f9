"""The grads-add-up lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

from itertools import pairwise

from engine import Value
from engine.explain import fmt
from lessons.api import BackwardSteps, ChoiceQuiz, NumberQuiz, Train, render
from lessons.micrograd.grads_add_up import backward_with_assignment, grads_add_up
from lessons.runner import BackwardState, LessonRun, QuizState, TrainState


def text(run: LessonRun) -> str:
    return render(run.step.text)


def leaf(run: LessonRun, label: str) -> Value:
    from engine.graph import topological_order

    return next(v for v in topological_order(run.step.graph) if v.label == label)


def lecture() -> tuple[Value, Value, Value]:
    a, b = Value(-2.0), Value(3.0)
    f = (a * b) * (a + b)
    return a, b, f


def test_the_lesson_is_listed_with_its_metadata():
    assert grads_add_up.order == 40 and 5 <= grads_add_up.minutes <= 20


def test_the_assignment_bug_loses_all_but_the_last_contribution():
    a = Value(3.0)
    b = a + a
    backward_with_assignment(b)
    assert a.grad == 1
    a, _, f = lecture()
    backward_with_assignment(f)
    assert a.grad == 3  # d's contribution only; the right answer is -3


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(grads_add_up)
    assert "b = a + a" in text(run)

    run.next()  # predict a.grad for b = a + a
    assert not run.state.answer("1")
    assert run.state.answer("2")

    run.next()  # step through: a gets two contributions
    state = run.state
    assert isinstance(state, BackwardState)
    assert [c.grad_after for c in state.trace[0].contributions] == [1, 2]
    while run.state.advance():
        pass
    assert leaf(run, "a").grad == 2

    run.next()  # the loop, and the bug
    assert "child.grad += local * node.grad" in text(run)

    run.next()  # with =, a.grad would be 1
    assert run.state.answer("1")
    assert "a.grad = 1" in render(run.step.explanation) and "gives 2" in render(run.step.explanation)

    run.next()  # the lecture's d = a*b, e = a + b, f = d*e
    assert run.step.graph.data == lecture()[2].data

    run.next()  # predict every grad, node by node
    assert isinstance(run.step, BackwardSteps) and run.step.predict and run.blocked
    guesses = []
    while not run.state.done:
        question = run.state.question
        if question is None:
            assert run.next()  # a leaf: nothing to predict
            continue
        _record, contribution = question
        expected = contribution.grad_after
        guesses.append((contribution.child.label, expected))
        assert run.state.guess(fmt(expected).replace("-", "−"))
    assert guesses == [("d", 1), ("e", -6), ("a", -6), ("b", -6), ("a", -3), ("b", -8)]
    a, b, f = lecture()
    f.backward()
    assert (leaf(run, "a").grad, leaf(run, "b").grad) == (a.grad, b.grad)

    run.next()  # the bug on the lecture graph
    assert f"a.grad = {fmt(a.grad)}" in text(run)
    assert "f, e, d" in render(run.step.hint)
    assert not run.state.answer("−3")  # that is the right grad, not the buggy one
    assert run.state.answer("3")

    run.next()  # backward() a second time
    assert run.state.answer("−6")
    # micrograd itself (the package) gives -9: its interior grads accumulate across calls too; the lesson says so
    from micrograd.engine import Value as MicrogradValue

    ma, mb = MicrogradValue(-2.0), MicrogradValue(3.0)
    mf = (ma * mb) * (ma + mb)
    mf.backward()
    mf.backward()
    assert ma.grad == -9
    explanation = render(run.step.explanation)
    assert f"micrograd gives {fmt(ma.grad)}" in explanation and "PyTorch" in explanation

    run.next()  # ... stepped through: leaves add a second helping
    assert isinstance(run.state, BackwardState)
    run.finish_step()
    f.backward()  # the reference: a second call
    assert (leaf(run, "a").grad, leaf(run, "b").grad) == (a.grad, b.grad) == (-6, -16)

    run.next()  # one weight, two examples
    w0 = Value(0.5)
    loss1 = (w0 * 2.0 - 3.0) ** 2
    loss1.backward()
    run.next()
    run.finish_step()
    assert leaf(run, "w").grad == w0.grad == -8

    run.next()  # predict w.grad after loss2.backward()
    w1 = Value(0.5)
    ((w1 * -1.0 - 1.0) ** 2).backward()
    assert f"w.grad = {fmt(w1.grad)}" in text(run)
    assert run.state.answer(fmt(w0.grad + w1.grad))

    run.next()
    run.finish_step()
    assert leaf(run, "w").grad == w0.grad + w1.grad

    run.next()  # the same as one backward through the sum
    w2 = Value(0.5)
    ((w2 * 2.0 - 3.0) ** 2 + (w2 * -1.0 - 1.0) ** 2).backward()
    assert f"in one go gives {fmt(w2.grad)}" in text(run)

    run.next()  # zero_grad
    assert "zero_grad" in text(run)

    run.next()  # train without zero_grad, then with it
    assert isinstance(run.step, Train) and isinstance(run.state, TrainState) and run.blocked
    state = run.state
    assert state.settings == {"zero_grad": "no", "lr": 0.05}
    state.run()
    without = [m["loss"] for m in state.history]
    state.settings["zero_grad"] = "yes"
    state.reset()
    state.run()
    with_zero = [m["loss"] for m in state.history]
    assert len(without) == len(with_zero) == run.step.steps
    assert with_zero[-1] < 0.01 < without[-1]
    assert sum(later > earlier for earlier, later in pairwise(without)) > 5  # it bounces

    run.next()  # the comparison, computed
    assert f"with zero_grad {with_zero[-1]:.2g}, without {without[-1]:.2g}" in text(run)

    run.next()
    assert isinstance(run.step, ChoiceQuiz) and isinstance(run.state, QuizState)
    assert run.state.answer("2")
    assert run.at_end


def test_going_back_over_the_second_backward_restores_the_first():
    run = LessonRun(grads_add_up)
    second = next(i for i, s in enumerate(run.steps) if "second call" in str(s.text))
    run.go_to(second)
    run.finish_step()
    assert leaf(run, "a").grad == -6
    while run.previous() and run.index == second:
        pass
    assert isinstance(run.step, NumberQuiz)
    assert leaf(run, "a").grad == -3


async def test_the_app_takes_predictions_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="grads-add-up")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("n", "2", "enter")  # a.grad for b = a + a
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", "n")  # into the backward pass: the + node gives a its grad twice
        await pilot.pause()
        detail = str(screen.query_one("#detail").render())
        assert "a.grad = 1" in detail and "a.grad = 1 + 1 = 2" in detail
        await pilot.press("n", "n", "n", "1", "enter", "n", "n")  # past the bug, onto the predictions
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, BackwardState) and state.question is not None
        await pilot.press("1", "enter")  # d.grad = e = 1
        await pilot.pause()
        assert state.feedback == "Right!" and state.asking == 1
