"""The backprop-by-hand lesson, walked end to end with the expressions a learner would type, and in the app at 80x24."""

from __future__ import annotations

import re

import numpy as np
from helpers import open_from_browser, screen_lines

from engine.explain import fmt
from engine.graph import topological_order
from lessons.api import BackwardSteps, ChoiceQuiz, ExpressionQuiz, ForwardSteps, NumberQuiz, Train, render
from lessons.runner import BackwardState, LessonRun, QuizState, TrainState
from lessons.tensor.backprop_by_hand import backprop_by_hand


def text(run: LessonRun) -> str:
    return render(run.step.text)


def node(graph, label: str):
    return next(t for t in topological_order(graph) if t.label == label)


# (the grad asked for, a wrong expression a learner might try, what a learner would type)
ANSWERS = [
    ("dlogits", "probs - onehot", "(softmax(logits, axis=1) - onehot) / n"),
    ("dh", "dlogits @ W2", "dlogits @ W2.T"),
    ("dW2", "dlogits.T @ h", "h.T @ dlogits"),
    ("db2", "sum(dlogits, axis=1)", "sum(dlogits, axis=0)"),
    ("dhpreact", "(1 - hpreact**2) * dh", "dh * (1 - h * h)"),
    ("dbngain", "bnraw * dhpreact", "sum(dhpreact * bnraw, axis=0)"),
    ("dbnraw", "sum(bngain * dhpreact, axis=0)", "dhpreact * bngain"),
    (
        "dhprebn",
        "bnvar_inv * dbnraw",
        "bnvar_inv * (dbnraw - mean(dbnraw, axis=0) - bnraw * mean(dbnraw * bnraw, axis=0))",
    ),
    ("dembcat", "dhprebn @ W1", "dhprebn @ W1.T"),
]


def test_the_lesson_is_listed_with_its_metadata():
    assert backprop_by_hand.order == 240 and backprop_by_hand.track == "tensor"
    assert 5 <= backprop_by_hand.minutes <= 20


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(backprop_by_hand)
    loss = run.steps[1].graph
    assert f"loss = **{fmt(loss.item())}**" in text(run)
    assert fmt(-np.log(1 / 27)) in text(run)

    run.next()
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()
    assert run.state.total == len(topological_order(loss))

    # the grads a learner finds are checked against the engine's own backward, taken again here
    labels = ["logits", "h", "W2", "b2", "hpreact", "bngain", "bnraw", "hprebn", "embcat", "emb", "C"]
    tensors = {label: node(loss, label) for label in labels}
    loss.backward()
    engine = {label: t.grad.copy() for label, t in tensors.items()}
    for t in topological_order(loss):
        t.grad = np.zeros_like(t.data)

    # the cross-entropy op by op first: dlogprobs and dprobs by hand, checked against PyTorch-style formulas
    run.next()
    assert "logprobs = probs.log()" in text(run) and "counts_sum_inv" in text(run)
    run.next()
    names = run.step.names()
    onehot, n = names["onehot"], names["n"]
    assert not run.state.answer("onehot / n")  # the sign
    assert run.state.answer("-onehot / n")
    np.testing.assert_allclose(run.step.answer(), -onehot / n)
    dlogprobs = run.step.answer()
    run.next()
    probs = run.step.names()["probs"]
    assert not run.state.answer("dlogprobs * probs")
    assert run.state.answer("dlogprobs / probs")
    # the engine's op-by-op chain ends at the one-line formula's dlogits, as the explanation says
    np.testing.assert_allclose(run.step.answer(), dlogprobs / probs)
    assert "matches the one-line formula" in render(run.step.explanation)

    for grad, wrong, right in ANSWERS:
        run.next()
        assert isinstance(run.step, ExpressionQuiz), grad
        assert f"**{grad}**" in text(run)
        state = run.state
        assert not state.answer("W2[0]") and state.tries == 0  # refused: costs no try
        assert "Cannot use that" in state.feedback
        assert not state.answer(wrong) and not state.solved, (grad, wrong)
        assert state.answer(right), (grad, right, state.feedback)
        np.testing.assert_allclose(run.step.answer(), engine[grad[1:]], rtol=0, atol=0)
        if grad == "dlogits":  # the formula, with the lesson's own arrays, is the engine's grad
            names = run.step.names()
            np.testing.assert_allclose((names["probs"] - names["onehot"]) / 32, engine["logits"], atol=1e-15)
        if grad == "dhprebn":  # the compact formula was on screen
            assert "mean(dbnraw · x̂)" in text(run)
        if grad == "dbnraw":
            run.next()  # BatchNorm's backward, explained
            assert "three ways" in text(run)

    run.next()  # demb: the view, backwards
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("3")
    assert run.state.answer("1")
    np.testing.assert_array_equal(engine["emb"], engine["embcat"].reshape(engine["emb"].shape))

    run.next()  # one element of dC: add the grads of the lookups shown
    assert isinstance(run.step, NumberQuiz)
    shown = [float(x) for x in re.findall(r"demb\[\d+, \d+, 0\] = (-?[\d.e-]+)\)", text(run))]
    assert len(shown) >= 2
    ch = int(re.search(r"dC\[(\d+), 0\]", text(run)).group(1))
    assert not run.state.answer("0")
    assert run.state.answer(repr(sum(shown)))
    assert run.state.solved
    np.testing.assert_allclose(sum(shown), engine["C"][ch, 0], rtol=2e-3)

    run.next()  # the whole of dC, as a product with the one-hot rows
    assert isinstance(run.step, ExpressionQuiz)
    assert not run.state.answer("demb_rows.T @ Xenc")  # the wrong shape
    assert "shape (10, 27)" in run.state.feedback
    assert run.state.answer("Xenc.T @ demb_rows")
    np.testing.assert_array_equal(run.step.answer(), engine["C"])

    run.next()  # the engine's backward, node by node, ends with the same grads
    assert isinstance(run.step, BackwardSteps) and isinstance(run.state, BackwardState)
    run.finish_step()
    for label in ("W2", "bngain", "C"):
        np.testing.assert_allclose(tensors[label].grad, engine[label], atol=1e-15)

    run.next()  # every formula against the engine
    gaps = dict(re.findall(r"(d\w+) ([\d.e+-]+)[,.]", text(run)))
    assert set(gaps) >= {"dlogits", "dhprebn", "dC"}
    assert all(float(gap) < 1e-12 for gap in gaps.values())
    assert "Rounding only." in text(run)

    run.next()  # training with the learner's formulas, beside the engine's backward()
    assert isinstance(run.step, Train) and isinstance(run.state, TrainState)
    run.finish_step()
    history = run.state.history
    mine, theirs = [h["loss"] for h in history], [h["engine loss"] for h in history]
    assert len(mine) == 100 and mine[-1] < mine[0] - 0.1  # it learns
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-10)  # and step for step as the engine does
    trainer = run.state.trainer
    assert trainer.gap() < 1e-10

    run.next()  # the verdict, from both runs
    assert f"your loss {fmt(mine[-1])}, the engine's {fmt(theirs[-1])}" in text(run)
    assert f"differ by at most {trainer.gap():.1g}, float rounding" in text(run)
    assert "(4 of them written your own way)" in text(run)  # dlogits, dhpreact, dbngain and dbnraw above
    assert screen_lines(text(run)) <= 9
    assert run.at_end


def test_training_uses_the_formula_the_learner_typed():
    """A dW2 a millionth too large passes its quiz, and then shows in the race and the verdict as more than rounding."""
    run = LessonRun(backprop_by_hand)
    run.go_to(next(i for i, step in enumerate(run.steps) if "**dW2**" in render(step.text)))
    assert run.state.answer("h.T @ dlogits * 1.000001")  # close enough for the quiz's tolerance
    train = next(i for i, step in enumerate(run.steps) if isinstance(step, Train))
    while run.index < train - 1:  # on to the summary (go_to would start again), the other quizzes solved
        run.finish_step()
        run.next()
    gaps = {name: float(gap) for name, gap in re.findall(r"(d\w+) ([\d.e+-]+)[,.]", text(run))}
    assert gaps["dW2"] > 1e-9 and gaps["dh"] < 1e-12
    assert "dW2: more than rounding" in text(run) and "Rounding only" not in text(run)
    assert screen_lines(text(run)) <= 9
    run.next()
    run.finish_step()
    assert run.state.trainer.gap() > 1e-9  # the learner's dW2 moved W2 off the engine's path
    run.next()
    assert "more than float rounding" in text(run) and "float rounding. Your formulas" not in text(run)
    assert screen_lines(text(run)) <= 9  # fits the 80x24 narration as the walk's verdict does


def test_a_wrong_answer_twice_shows_a_solution():
    run = LessonRun(backprop_by_hand)
    run.go_to(next(i for i, step in enumerate(run.steps) if "**dlogits**" in render(step.text)))
    state = run.state
    assert isinstance(state, QuizState)
    assert not state.answer("probs - onehot") and not state.answer("probs")
    assert state.done and not state.solved
    assert "(probs - onehot) / n" in state.feedback
    assert run.next()


async def test_the_app_takes_an_expression_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_from_browser(pilot, app, "backprop-by-hand")
        screen = app.screen
        assert screen.run.lesson.id == "backprop-by-hand"
        await pilot.press("n", "e", "n", "n")  # through the forward pass and the op-by-op code, onto dlogprobs
        await pilot.pause()
        assert isinstance(screen.run.step, ExpressionQuiz) and "**dlogprobs**" in text(screen.run)
        await pilot.press(*"-onehot/n", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n", *"dlogprobs/probs", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")  # onto dlogits
        await pilot.pause()
        assert isinstance(screen.run.step, ExpressionQuiz)
        assert "You can use: probs 32×27" in str(screen.query_one("#detail").render())
        await pilot.press(*"probs-onehot", "enter")
        await pilot.pause()
        assert "differ by up to" in str(screen.query_one("#quiz-feedback").render())
        await pilot.press(*"(probs-onehot)/n", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")  # on to dh
        await pilot.pause()
        assert screen.run.index == 6 and "**dh**" in text(screen.run)
        await pilot.press(*"dlogits@W2.T", "enter")
        await pilot.pause()
        assert screen.run.state.solved
