"""Activations, gradients and BatchNorm, walked end to end as a learner would, and trained in the app at 80x24."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.explain import fmt
from engine.graph import topological_order
from engine.names import build_dataset, build_vocab, load_names, split_names
from lessons.api import ChoiceQuiz, ForwardSteps, NumberQuiz, Train, render
from lessons.catalog import Catalog
from lessons.runner import LessonRun
from lessons.tensor.batchnorm import BLOCK, DEPTH, DIMS, HIDDEN, STEPS, batchnorm


def text(run: LessonRun) -> str:
    return render(run.step.text)


def first_look() -> dict:
    """The lesson's naive network (the same seed and draws), measured here with NumPy alone."""
    words = load_names()
    train, _, _ = split_names(words, seed=42)
    stoi, _ = build_vocab(words)
    X, Y = build_dataset(train, BLOCK, stoi)
    pick = np.random.default_rng(3).integers(0, len(X), 1000)
    X, Y = X[pick], Y[pick]
    rng = np.random.default_rng(2147483647)
    C = rng.standard_normal((27, DIMS))
    W1 = rng.standard_normal((BLOCK * DIMS, HIDDEN))
    b1 = rng.standard_normal(HIDDEN)
    W2 = rng.standard_normal((HIDDEN, 27))
    b2 = rng.standard_normal(27)

    def loss(h, w2, bias2):
        z = h @ w2 + bias2
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[np.arange(len(Y)), Y] - np.log(np.exp(z).sum(axis=1))).mean())

    emb = C[X].reshape(len(X), -1)
    h = np.tanh(emb @ W1 + b1)
    kaiming = np.tanh(emb @ (W1 * (5 / 3) / math.sqrt(BLOCK * DIMS)) + b1 * 0.01)
    return {
        "naive loss": loss(h, W2, b2),
        "small loss": loss(h, W2 * 0.01, 0 * b2),
        "saturated": float((np.abs(h) > 0.99).mean()),
        "kaiming saturated": float((np.abs(kaiming) > 0.99).mean()),
    }


def test_the_lesson_is_listed_with_its_metadata():
    assert batchnorm.track == "tensor" and batchnorm.order == 230 and 5 <= batchnorm.minutes <= 20


def test_a_learner_walks_the_lesson_to_the_end():
    ref = first_look()
    run = LessonRun(batchnorm)
    assert isinstance(run.step, NumberQuiz)
    assert not run.state.answer("27")
    assert run.state.answer("3.3")  # −ln(1/27), roughly: close enough

    run.next()  # confidently wrong at the start, then fixed by a small output layer
    shown = text(run)
    assert f"**{ref['naive loss']:.2f}**" in shown and f"**{ref['small loss']:.4f}**" in shown
    (bars,) = run.step.figure.curves()
    assert bars.ys == pytest.approx([math.log(27), ref["naive loss"], ref["small loss"]])

    run.next()  # saturated tanh units, as a histogram
    assert f"**{ref['saturated']:.0%}**" in text(run)
    (bars,) = run.step.figure.curves()
    assert bars.kind == "bar" and sum(bars.ys) == pytest.approx(100)
    assert bars.ys[0] + bars.ys[-1] > 50  # the outermost bins hold most of h

    run.next()  # 1 - h² at h = 0.99
    assert run.state.answer("0.0199")

    run.next()  # the Kaiming standard deviation
    assert not run.state.answer("0.18")  # 1/√30 without the gain
    assert run.state.answer("0.304")

    run.next()  # after Kaiming: far fewer saturated units
    assert f"**{ref['kaiming saturated']:.0%}**" in text(run)
    assert ref["kaiming saturated"] < ref["saturated"] / 3

    run.next()  # BatchNorm, step by step
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()
    graph_nodes = topological_order(run.step.graph)
    assert all(t.label for t in graph_nodes)  # every node named (no "n2 = C[ix]")
    nodes = {t.label: t for t in graph_nodes}
    assert nodes["emb"].shape == (len(nodes["embcat"].data), 3, 10) and nodes["eps"].item() > 0
    assert nodes["bnmean"].shape == (1, HIDDEN) and nodes["bnvar"].shape == (1, HIDDEN)
    np.testing.assert_allclose(nodes["bnraw"].data.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(nodes["bnraw"].data.std(axis=0), 1, atol=1e-3)
    assert "largest difference 0" in text(run) or "largest difference 1e-1" in text(run)
    column = nodes["hprebn"].data[:, 0]

    run.next()  # Bessel's correction: the same squares over n − 1
    assert isinstance(run.step, NumberQuiz)
    n = len(column)
    biased, unbiased = ((column - column.mean()) ** 2).sum() / n, ((column - column.mean()) ** 2).sum() / (n - 1)
    assert f"bnvar = {fmt(biased)}" in text(run)
    assert not run.state.answer(fmt(biased))
    assert run.state.answer(fmt(unbiased))
    assert f"{n}/{n - 1}" in render(run.step.explanation)

    run.next()  # train the deep net: first as it comes (Kaiming, no BatchNorm)...
    assert isinstance(run.step, Train) and run.blocked
    state = run.state
    run.finish_step()
    plain = state.trainer
    assert len(state.history) == STEPS and set(state.history[-1]) == {"loss", "dev loss"}
    assert plain.start["loss"] == pytest.approx(math.log(27), abs=0.05)  # the initial-loss check passes
    assert state.history[-1]["dev loss"] < 2.5
    state.settings["bn"] = "on"  # ...then, as a learner pressing 2 and t, with BatchNorm
    state.run()
    normed = state.trainer
    assert normed is not plain and normed.bn and len(state.history) == STEPS

    run.next()  # both runs compared
    shown = text(run)
    assert "kaiming init, BatchNorm off, lr 0.1" in shown and "kaiming init, BatchNorm on, lr 0.1" in shown
    assert f"from {plain.history[-1]['dev loss']:.3f} to {normed.history[-1]['dev loss']:.3f}" in shown
    (bars,) = run.step.figure.curves()
    assert list(bars.xs) == ["K 0.1", "K BN 0.1"]
    assert bars.ys == [plain.history[-1]["dev loss"], normed.history[-1]["dev loss"]]

    run.next()  # train mode or eval mode?
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("2") and run.state.answer("1")

    run.next()  # a single example: the batch matters in train mode, not in eval mode
    shown = text(run)
    changed = float(shown.split("by up to ")[1].split(" between")[0])
    same = float(shown.split("largest difference ")[1].split(",")[0])
    assert changed > 1e-3 and same < 1e-12

    run.next()  # activations of the last run, layer by layer
    acts, grads = normed.inside()
    shown = text(run)
    assert "BatchNorm on" in shown
    for i, a in enumerate(acts):
        assert f"layer {i + 1}: mean {a.mean():+.2f}, std {a.std():.2f}, saturated {(np.abs(a) > 0.99).mean():.0%}" in (
            shown
        )
    curves = run.step.figure.curves()
    assert len(curves) == DEPTH and all(sum(c.ys) == pytest.approx(100, abs=0.5) for c in curves)

    run.next()  # their grads
    shown = text(run)
    assert all(f"grad std {g.std():.2e}" in shown for g in grads)
    assert len(run.step.figure.curves()) == DEPTH

    run.next()  # update-to-data ratios
    curves = run.step.figure.curves()
    assert [c.label for c in curves] == [f"layer {i + 1}" for i in range(DEPTH + 1)] + ["-3"]
    final = np.mean(normed.ratios[-50:], axis=0)
    assert all(f"layer {i + 1}: {v:.2f}" in text(run) for i, v in enumerate(final))
    assert all(-6 < v < -1 for v in final)

    run.next()
    assert run.state.answer("1")
    assert run.at_end


async def test_the_app_trains_with_batchnorm_at_80x24(tmp_path):
    from tutor.app import TutorApp
    from tutor.components.figure_view import FigureView
    from tutor.progress import Progress

    app = TutorApp(Catalog(lessons=[batchnorm]), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        train = next(i for i, s in enumerate(batchnorm.steps()) if isinstance(s, Train))
        app.open_lesson("batchnorm", step=train)
        await pilot.pause()
        screen = app.screen
        assert screen.run.blocked
        await pilot.press("2")  # BatchNorm on
        assert screen.run.state.settings["bn"] == "on"
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        state = screen.run.state
        assert state.status == "finished" and len(state.history) == STEPS
        await pilot.press("n")
        await pilot.pause()
        assert "BatchNorm on" in screen.query_one("#narration").source
        for _ in range(5):  # on to the update-to-data ratios
            await pilot.press("n")
            await pilot.pause()
            if isinstance(screen.run.step, ChoiceQuiz) and screen.run.blocked:
                await pilot.press("1")
                await pilot.pause()
        assert "Update-to-data" in screen.query_one("#narration").source
        assert screen.query_one(FigureView).display
