"""The loss-functions lesson end to end, its softmax classifier, and the lesson in the real app at 80x24."""

from __future__ import annotations

import math
import sys

import pytest
from helpers import answer, screen_lines

from engine import Value
from engine.explain import fmt
from engine.losses import cross_entropy
from lessons.api import Train, render
from lessons.catalog import Catalog
from lessons.micrograd import loss_functions as module
from lessons.runner import LessonRun, TrainState
from lessons.trainers.softmax import SoftmaxClassifier

LESSON = module.loss_functions


def softmax(z: list[float]) -> list[float]:
    exps = [math.exp(v - max(z)) for v in z]
    return [e / sum(exps) for e in exps]


def spiral():
    from engine.data import make_spirals

    X, y = make_spirals(module.POINTS, classes=3, noise=0.2, seed=0)
    return X, [int(c) for c in y]


def test_the_lesson_walked_end_to_end_with_a_learners_answers():
    run = LessonRun(LESSON)
    assert LESSON.order == 110 and 5 <= LESSON.minutes <= 20 and LESSON.summary
    for step in run.steps:
        assert screen_lines(render(step.text)) <= (5 if isinstance(step, Train) else 9), render(step.text)

    # the data, by class
    curves = run.step.figure.curves()
    assert [c.label for c in curves] == ["class 0", "class 1", "class 2"]
    assert sum(len(c.xs) for c in curves) == module.POINTS == 45
    run.next()

    # softmax and cross-entropy: −ln p0, typed with 3 decimals
    p = softmax([2.0, 1.0, -1.0])
    assert "[" + ", ".join(fmt(v) for v in p) + "]" in render(run.step.text)
    state = answer(run, "0.349")
    assert fmt(-math.log(p[0])) in state.feedback
    # the picture of −ln p: 0 at p = 1, steep as p → 0, with this quiz's point on it
    curve, here = run.step.figure.curves()
    assert curve.ys[-1] == 0 and curve.ys[0] == pytest.approx(-math.log(curve.xs[0])) and curve.ys[0] > 4
    assert here.xs == [p[0]] and here.ys == [pytest.approx(-math.log(p[0]))]
    run.next()

    # big logits overflow a naive exp, and the engine says so; when that happens is said, not "not rare"
    text = render(run.step.text)
    assert "exp(1000) is too large for a float" in text and "[0, -1, -10]" in text
    assert "not rare" not in text and fmt(math.log(sys.float_info.max)) in text
    import numpy as np

    assert fmt(float(np.log(np.finfo(np.float32).max))) in text
    run.next()

    # log-sum-exp by hand
    expected = math.log(1 + math.exp(-1) + math.exp(-10)) + 1
    assert run.step.solution() == pytest.approx(expected)
    state = answer(run, "1.313")
    assert "0.3679" in state.feedback and fmt(expected) in state.feedback
    # the PyTorch cross-check, as code: the same scores, the same class, the engine's number
    assert "`F.cross_entropy(torch.tensor([1000., 999., 990.]), torch.tensor(1))`" in state.feedback
    assert f"gives the same {fmt(expected)}" in state.feedback
    run.next()

    # the gradient is softmax minus one-hot
    state = answer(run, "−0.295")
    grads = [p[0] - 1, p[1], p[2]]
    assert state.feedback.count("[" + ", ".join(fmt(g) for g in grads) + "]") == 2
    run.next()

    # confidently wrong: cross-entropy pushes ~(p2 − 1), MSE through the saturated softmax barely at all
    q = softmax([4.0, 0.0, -4.0])
    ce_grad = q[2] - 1
    y = [0.0, 0.0, 1.0]
    mse_grad = sum(2 / 3 * (q[i] - y[i]) * q[i] * ((i == 2) - q[2]) for i in range(3))
    state = answer(run, "1")
    assert fmt(ce_grad) in state.feedback and fmt(mse_grad) in state.feedback
    assert abs(ce_grad / mse_grad) > 1000
    run.next()

    # train: cross-entropy from the confident start learns...
    state = run.state
    assert isinstance(state, TrainState) and run.blocked
    assert state.settings == {"loss": "cross-entropy", "scale": 10, "lr": 1.0}
    run.finish_step()
    ce_run = state.history
    assert len(ce_run) == module.STEPS and ce_run[-1]["accuracy"] >= 0.8
    assert getattr(state.trainer, "points", None) is None  # no two-class boundary for three classes
    # ... and the learner switches to MSE: it stays near chance
    state.settings["loss"] = "mse"
    state.reset()
    state.run()
    mse_run = state.history
    assert mse_run[-1]["accuracy"] <= 0.5
    run.next()

    # which reached the higher accuracy: from the learner's own two runs
    state = answer(run, "1")
    assert f"cross-entropy {ce_run[-1]['accuracy']:.0%}, mse {mse_run[-1]['accuracy']:.0%}" in state.feedback
    assert f"cross-entropy {fmt(ce_run[-1]['gradient'])}, mse {fmt(mse_run[-1]['gradient'])}" in state.feedback
    run.next()

    side_by_side = run.step.figure.curves()
    assert [c.label for c in side_by_side] == ["cross-entropy", "mse"]
    assert list(side_by_side[0].ys) == [h["accuracy"] for h in ce_run]
    assert list(side_by_side[1].ys) == [h["accuracy"] for h in mse_run]
    run.next()

    # what the last run (MSE) learned, over a grid
    assert f"(mse, ×10, lr 1) ended at accuracy {mse_run[-1]['accuracy']:.0%}" in render(run.step.text)
    regions = run.step.figure.curves()
    assert sum(len(c.xs) for c in regions) == module.GRID[0] * module.GRID[1]
    assert run.at_end


# -- the trainer --------------------------------------------------------------------------


def test_the_losses_are_the_engines_averaged_over_the_points():
    X, y = spiral()
    for loss in SoftmaxClassifier.LOSSES:
        model = module.make_model(1)
        logits = [[v.data for v in model([Value(float(a)), Value(float(b))])] for a, b in X]
        if loss == "cross-entropy":
            expected = sum(cross_entropy(z, c).data for z, c in zip(logits, y)) / len(y)
        else:
            terms = [(pi - (i == c)) ** 2 for z, c in zip(logits, y) for i, pi in enumerate(softmax(z))]
            expected = sum(terms) / len(terms)
        assert SoftmaxClassifier(model, X, y, loss=loss).step(0)["loss"] == pytest.approx(expected)


def test_training_with_cross_entropy_lowers_the_loss_and_classify_takes_the_largest_output():
    X, y = spiral()
    trainer = SoftmaxClassifier(module.make_model(1), X, y, loss="cross-entropy", lr=1.0)
    history = [trainer.step(k) for k in range(30)]
    assert history[-1]["loss"] < history[0]["loss"] * 0.8
    guesses = trainer.classify(X)
    right = sum(g == c for g, c in zip(guesses, y)) / len(y)
    assert set(guesses) <= {0, 1, 2} and right > 1 / 3
    with pytest.raises(ValueError, match="unknown loss"):
        SoftmaxClassifier(module.make_model(1), X, y, loss="hinge")


def test_from_a_saturated_start_mse_freezes_and_cross_entropy_does_not():
    X, y = spiral()
    runs = {loss: SoftmaxClassifier(module.make_model(10), X, y, loss=loss) for loss in ("mse", "cross-entropy")}
    for trainer in runs.values():
        for k in range(3):
            trainer.step(k)
    frozen = [p.data for p in runs["mse"].parameters()]
    history = {loss: [t.step(k) for k in range(3, 20)] for loss, t in runs.items()}
    assert [p.data for p in runs["mse"].parameters()] == pytest.approx(frozen, abs=1e-4)
    assert max(h["gradient"] for h in history["mse"]) < 1e-4
    assert min(h["gradient"] for h in history["cross-entropy"]) > 0.1
    grads = [p.grad for p in runs["cross-entropy"].parameters()]
    assert history["cross-entropy"][-1]["gradient"] == pytest.approx(math.sqrt(sum(g * g for g in grads)))


# -- in the app --------------------------------------------------------------------------


async def test_in_the_app_training_shows_curves_and_no_boundary(tmp_path):
    from tutor.app import TutorApp
    from tutor.progress import Progress

    app = TutorApp(Catalog(lessons=[LESSON]), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("loss-functions", step=6)
        await pilot.pause()
        screen = app.screen
        state = screen.run.state
        assert isinstance(state, TrainState) and screen.run.blocked
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished" and len(state.history) == module.STEPS
        assert screen.query_one("#train-map").display is False  # three classes: curves only
        assert screen.query_one("#train-plot").size.width >= 70
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.index == 7
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("1")  # switch to MSE: a fresh run, to be trained before moving on
        assert state.settings["loss"] == "mse" and state.history == [] and screen.run.blocked
