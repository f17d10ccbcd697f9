"""The MLP language model lesson, walked end to end as a learner would, and trained in the real app at 80x24."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.explain import fmt
from engine.graph import topological_order
from engine.names import build_dataset, build_vocab, load_names, split_names
from lessons.api import BackwardSteps, ChoiceQuiz, ForwardSteps, NumberQuiz, Train, render
from lessons.catalog import Catalog
from lessons.runner import LessonRun
from lessons.tensor.mlp_language_model import (
    BLOCK,
    DIMS,
    FINDER_FROM,
    FINDER_SMOOTH,
    FINDER_STEPS,
    FINDER_TO,
    HIDDEN,
    SAMPLES,
    STEPS,
    mlp_language_model,
)


def text(run: LessonRun) -> str:
    return render(run.step.text)


def data():
    words = load_names()
    train, dev, _ = split_names(words, seed=42)
    stoi, _ = build_vocab(words)
    return words, build_dataset(train, BLOCK, stoi), build_dataset(dev, BLOCK, stoi), train


def by_label(root) -> dict:
    return {t.label: t for t in topological_order(root) if t.label}


def numpy_loss(params: dict, X: np.ndarray, Y: np.ndarray) -> float:
    """The model's mean cross-entropy, computed here with NumPy alone."""
    h = np.tanh(params["C"][X].reshape(len(X), -1) @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    logits = logits - logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(Y)), Y].mean())


def numpy_grads(params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """Backprop by hand (makemore part 4's way), to check the engine's step-through against."""
    n = len(X)
    emb = params["C"][X].reshape(n, -1)
    h = np.tanh(emb @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dlogits = p.copy()
    dlogits[np.arange(n), Y] -= 1
    dlogits /= n
    dh = dlogits @ params["W2"].T
    dhpre = dh * (1 - h**2)
    demb = (dhpre @ params["W1"].T).reshape(n, BLOCK, -1)
    dC = np.zeros_like(params["C"])
    np.add.at(dC, X, demb)
    return {
        "W2": h.T @ dlogits,
        "b2": dlogits.sum(axis=0),
        "W1": emb.T @ dhpre,
        "b1": dhpre.sum(axis=0),
        "C": dC,
    }


def test_the_lesson_is_listed_with_its_metadata():
    lesson = mlp_language_model
    assert lesson.track == "tensor" and lesson.order == 220 and 5 <= lesson.minutes <= 20 and lesson.summary


def test_a_learner_walks_the_lesson_to_the_end():
    words, (Xtr, Ytr), (Xdev, Ydev), train = data()
    run = LessonRun(mlp_language_model)
    shown = text(run)
    assert f"X of shape {Xtr.shape}" in shown and f"`{train[0]}` gives ... → {train[0][0]}" in shown

    run.next()  # count the parameters: the learner adds up the shapes
    assert isinstance(run.step, NumberQuiz)
    assert not run.state.answer(str(27 * DIMS + BLOCK * DIMS * HIDDEN + HIDDEN * 27))  # forgot the biases
    assert run.state.answer(str(27 * DIMS + BLOCK * DIMS * HIDDEN + HIDDEN + HIDDEN * 27 + 27))

    run.next()  # the forward pass in shapes
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()
    nodes = by_label(run.step.graph)
    assert nodes["emb"].shape == (4, BLOCK, DIMS) and nodes["embcat"].shape == (4, BLOCK * DIMS)
    assert nodes["h"].shape == (4, HIDDEN) and nodes["logits"].shape == (4, 27)
    params = {name: nodes[name].data for name in ("C", "W1", "b1", "W2", "b2")}
    assert run.step.graph.item() == pytest.approx(numpy_loss(params, Xtr[:4], Ytr[:4]))

    run.next()  # backprop: every grad agrees with backprop by hand in NumPy
    assert isinstance(run.step, BackwardSteps)
    assert f"The loss is {run.step.graph.item():.4f}" in text(run)
    run.finish_step()
    expected = numpy_grads(params, Xtr[:4], Ytr[:4])
    for name, grad in expected.items():
        np.testing.assert_allclose(nodes[name].grad, grad, atol=1e-12, err_msg=name)

    run.next()  # the shape of C[Xb]
    assert isinstance(run.step, ChoiceQuiz)
    assert run.state.answer(str(list(run.step.choices).index(f"(32, {BLOCK}, {DIMS})") + 1))

    run.next()  # minibatches: noisy estimates of the full loss
    shown = text(run)
    full = float(shown.split("loss ")[1].split(" for")[0])
    estimates = [float(x) for x in shown.split("give ")[1].split(", ...")[0].split(", ")]
    dots, line = run.step.figure.curves()
    assert dots.kind == "scatter" and [f"{y:.3f}" for y in dots.ys[:5]] == [f"{e:.3f}" for e in estimates]
    assert line.ys == pytest.approx([full, full], abs=1e-4)
    assert min(dots.ys) < full < max(dots.ys) and max(abs(y - full) for y in dots.ys) < 1
    assert f"{len(Xtr) // 32} times cheaper" in shown

    run.next()  # the learning-rate finder: one run, the rate growing exponentially, loss against log10 lr
    figure = run.step.figure
    raw, mean = figure.curves()
    assert raw.xs == pytest.approx(list(np.linspace(FINDER_FROM, FINDER_TO, FINDER_STEPS)))  # one rate a step
    assert len(raw.ys) == FINDER_STEPS and all(math.isfinite(y) for y in raw.ys)
    assert raw.ys[0] == pytest.approx(math.log(27), abs=0.3)  # the first step: an untrained model, a tiny rate
    window = np.convolve(raw.ys, np.ones(FINDER_SMOOTH) / FINDER_SMOOTH, mode="valid")
    assert mean.ys == pytest.approx(list(window))
    bottom = int(np.argmin(window))
    assert 0 < bottom < len(window) - 1 and window[-1] > window[bottom] + 0.5  # falls, flattens, climbs
    best = 10 ** mean.xs[bottom]
    assert "**one** run of 800 minibatch steps" in text(run) and not figure.xlog

    run.next()  # read the finder: where is the bottom of the curve?
    assert run.step.figure is figure
    assert len(run.step.choices) == 4
    pick = 0 if best < 0.01 else 1 if best <= 0.1 else 2 if best <= 1 else 3
    assert run.state.answer(str(pick + 1)) and f"at a rate of {best:.2g}" in render(run.step.explanation)

    run.next()  # train, with train and dev loss
    assert isinstance(run.step, Train) and run.blocked
    assert f"the finder liked {best:.2g}" in text(run)
    run.finish_step()
    history = run.state.history
    assert len(history) == STEPS and set(history[-1]) == {"loss", "dev loss"}
    assert history[-1]["dev loss"] < history[0]["dev loss"] - 0.8
    model = run.state.trainer.model
    trained = {name: getattr(model, name).data for name in ("C", "W1", "b1", "W2", "b2")}
    assert history[-1]["dev loss"] == pytest.approx(numpy_loss(trained, Xdev, Ydev))

    run.next()  # results: the whole training set, the dev set, and the bigram model to beat
    shown = text(run)
    train_loss, dev_loss = numpy_loss(trained, Xtr, Ytr), numpy_loss(trained, Xdev, Ydev)
    assert f"loss **{train_loss:.4f}**" in shown and f"**{dev_loss:.4f}** on the dev names" in shown
    bigram_dev = float(shown.split("scores ")[1].split(" on dev")[0])
    assert dev_loss < bigram_dev
    (bars,) = run.step.figure.curves()
    assert bars.ys == pytest.approx([math.log(27), bigram_dev, train_loss, dev_loss], abs=1e-4)

    run.next()  # names sampled from the trained model
    shown = text(run)
    names = shown.split("**")[1].split(", ")
    assert len(names) == SAMPLES and all(set(n) <= set("abcdefghijklmnopqrstuvwxyz") for n in names)
    fresh = [n for n in names if n not in set(words)]
    assert (f"All {SAMPLES}" in shown) == (len(fresh) == SAMPLES)
    assert text(run) == shown  # seeded

    run.next()  # the characters in 2-D: a scatter of C when each character has 2 numbers
    vowels, consonants, dot = run.step.figure.curves()
    assert all(series.kind == "scatter" for series in (vowels, consonants, dot))
    assert (len(vowels.xs), len(consonants.xs), len(dot.xs)) == (5, 21, 1)

    def spread(series_list) -> float:
        points = np.array([(x, y) for series in series_list for x, y in zip(series.xs, series.ys)])
        gaps = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return gaps.sum() / (len(points) * (len(points) - 1))

    shown = text(run)
    assert spread([vowels]) < spread([consonants])  # the vowels sit together, learned from contexts alone
    assert f"the vowels sit together: {fmt(spread([vowels]))} apart" in shown
    assert f"all {fmt(spread([vowels, consonants, dot]))}" in shown

    run.next()  # overfitting
    assert run.state.answer("1")

    run.next()  # the test split, used once, at the end, with the trained model
    _, _, test_names = split_names(words, seed=42)
    Xte, Yte = build_dataset(test_names, BLOCK, build_vocab(words)[0])
    shown = text(run)
    assert f"scores **{numpy_loss(trained, Xte, Yte):.4f}**" in shown and f"(dev {dev_loss:.4f})" in shown
    assert run.at_end


async def test_the_app_shows_the_sweep_and_trains_at_80x24(tmp_path):
    from tutor.app import TutorApp
    from tutor.components.figure_view import FigureView
    from tutor.progress import Progress

    app = TutorApp(Catalog(lessons=[mlp_language_model]), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        sweep = next(i for i, s in enumerate(mlp_language_model.steps()) if "Finding a learning rate" in render(s.text))
        app.open_lesson("mlp-language-model", step=sweep)
        await pilot.pause()
        screen = app.screen
        assert screen.query_one(FigureView).display
        await pilot.press("n")  # the quiz on the sweep, with the figure still beside it
        await pilot.pause()
        assert isinstance(screen.run.step, ChoiceQuiz) and screen.query_one(FigureView).display
        await pilot.press(str(screen.run.state.step.solution() + 1))
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(screen.run.step, Train) and screen.run.blocked
        await pilot.press("3")  # a narrower hidden layer: 32 units
        assert screen.run.state.settings["hidden"] == 100
        await pilot.press("3")
        assert screen.run.state.settings["hidden"] == 32
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        state = screen.run.state
        assert state.status == "finished" and len(state.history) == STEPS
        assert "dev loss" in str(screen.query_one("#train-plot").render())
        await pilot.press("n")
        await pilot.pause()
        source = screen.query_one("#narration").source
        assert "Results" in source and str(sum(p.size for p in state.trainer.parameters())) in source
