"""The convolution lesson, walked end to end as a learner would, and in the app at 80x24 with a training run."""

from __future__ import annotations

import re

import numpy as np
from helpers import open_from_browser

from engine.tensor import Tensor
from engine.tensor_nn import conv2d
from lessons.api import BackwardSteps, ChoiceQuiz, ForwardSteps, NumberQuiz, Train, render
from lessons.runner import LessonRun, TrainState
from lessons.tensor.convolution import CLASSES, IMAGE, KERNEL, STEPS, convolution, glyphs, pixels


def text(run: LessonRun) -> str:
    return render(run.step.text)


def code_rows(shown: str) -> list[list[str]]:
    """The rows of the code block in a step's text, split into cells."""
    block = shown.split("```")[1].strip("\n").splitlines()
    return [line.split() for line in block[1:]]


def by_hand(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The convolution as a learner computes it: every window times the kernel, summed."""
    n = x.shape[0] - k.shape[0] + 1
    return np.array([[np.sum(x[r : r + 3, c : c + 3] * k) for c in range(n)] for r in range(n)])


def test_the_lesson_is_listed_with_its_metadata():
    assert convolution.order == 260 and convolution.track == "tensor"
    assert 5 <= convolution.minutes <= 20


def test_the_glyphs_are_seeded_bars_of_four_kinds():
    X, y = glyphs(40, seed=3, noise=0.0)
    again, y_again = glyphs(40, seed=3, noise=0.0)
    np.testing.assert_array_equal(X, again)
    np.testing.assert_array_equal(y, y_again)
    assert set(y) == {0, 1, 2, 3} and X.shape == (40, 1, 8, 8)
    for image, kind in zip(X[:, 0], y):
        rows, cols = np.nonzero(image)
        assert 4 <= len(rows) <= 6
        if kind == 0:
            assert len(set(rows)) == 1
        elif kind == 1:
            assert len(set(cols)) == 1
        elif kind == 2:
            assert len(set(rows - cols)) == 1
        else:
            assert len(set(rows + cols)) == 1
    assert pixels(np.eye(2)) == ["▀▄"]


def test_a_learner_walks_the_lesson_to_the_end():
    x, k = np.array(IMAGE, dtype=float), np.array(KERNEL, dtype=float)
    y = by_hand(x, k)
    engine = conv2d(Tensor(x.reshape(1, 1, 5, 5)), Tensor(k.reshape(1, 1, 3, 3))).data[0, 0]
    np.testing.assert_array_equal(engine, y)

    run = LessonRun(convolution)
    assert "3 × 3 kernel" in text(run)

    run.next()  # the kernel at (0, 0): the window and the dot product, in numbers
    assert "**y[0, 0]**" in text(run) and text(run).endswith(f"= **{int(y[0, 0])}** (0s add nothing)")
    assert "[0]" in text(run) and "?" in text(run)
    run.next()  # (0, 1)
    assert f"= **{int(y[0, 1])}**" in text(run)

    run.next()  # the learner's window: computed from the numbers on screen
    assert isinstance(run.step, NumberQuiz)
    rows = code_rows(text(run))
    window = np.array([[int(v.strip("[]")) for v in row[:5] if v.startswith("[")] for row in rows[:5]][1:4])
    kernel = np.array([[int(v) for v in row[5:]] for row in rows[:3]])
    typed = int(np.sum(window * kernel))
    assert typed == y[1, 1]
    assert not run.state.answer(str(typed - 1))
    assert run.state.answer(str(typed))

    run.next()  # the whole output, from the engine
    shown = code_rows(text(run))
    assert [[int(v) for v in row[8:]] for row in shown[:3]] == y.astype(int).tolist()

    run.next()  # the forward pass as im2col
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()
    labels = [s.node.label for s in run.state.trace]
    assert "rows" in labels and "K_col" in labels and labels[-1] == "y"
    rows_node = next(s.node for s in run.state.trace if s.node.label == "rows")
    assert rows_node.shape == (9, 9)

    run.next()  # dK[0, 0] from the numbers shown
    assert isinstance(run.step, NumberQuiz)
    rows = code_rows(text(run))
    corner = np.array([[int(v) for v in row[:3]] for row in rows])
    G = np.array([[int(v) for v in row[3:]] for row in rows])
    np.testing.assert_array_equal(corner, x[:3, :3])
    dK = np.array([[np.sum(G * x[a : a + 3, b : b + 3]) for b in range(3)] for a in range(3)])
    assert not run.state.answer(str(np.sum(G)))
    assert run.state.answer(str(int(dK[0, 0])))

    run.next()  # the engine's backward agrees with the windows sum
    assert isinstance(run.step, BackwardSteps)
    assert "dK = " + ", ".join(str(int(v)) for v in dK.ravel()) in text(run)
    run.finish_step()
    K = next(t for t in (s.node for s in run.state.trace) if t.label == "K")
    np.testing.assert_array_equal(K.grad[0, 0], dK)

    run.next()  # how many windows contain the centre
    assert not run.state.answer("4")
    assert run.state.answer("9")

    run.next()  # the glyphs
    assert all(f"'{name}'" in text(run) for name in CLASSES)

    run.next()  # parameters of Conv2d(1, 4, 3)
    assert run.state.answer("40")

    run.next()  # train
    assert isinstance(run.step, Train) and isinstance(run.state, TrainState) and run.blocked
    run.finish_step()
    history = run.state.history
    assert len(history) == STEPS
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert history[-1]["accuracy"] >= 0.85
    trained = run.state.trainer

    run.next()  # the kernels, from the trained model
    assert f"Test accuracy **{history[-1]['accuracy']:.0%}**" in text(run)
    first = trained.model.layers[0].weight.data[0, 0]
    shown = text(run)
    assert all(f"{v:.1f}" in shown for v in first[0])
    table = shown.split("```")[1].strip("\n").splitlines()
    assert len(table) == 4 and table[0].split() == ["kernel", "1", "kernel", "2", "kernel", "3", "kernel", "4"]
    assert max(len(line) for line in table) <= 76  # the code block fits 80 columns with its padding

    run.next()
    assert isinstance(run.step, ChoiceQuiz)
    assert "4 kernels of" in text(run)
    assert not run.state.answer("3")
    assert run.state.answer("1")
    assert run.at_end


def test_fewer_filters_do_worse():
    run = LessonRun(convolution)
    run.go_to(next(i for i, s in enumerate(run.steps) if isinstance(s, Train)))
    state = run.state
    state.settings["filters"] = 1
    state.reset()
    state.run()
    one = state.history[-1]["accuracy"]
    assert one < 0.8
    assert re.search(r"with 1 filter", render(run.steps[run.index + 1].text))
    assert "yet 1 kernel of 9 weights" in render(run.steps[run.index + 2].text)  # not "4 kernels" whatever the setting


async def test_the_app_trains_the_cnn_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_from_browser(pilot, app, "convolution")
        screen = app.screen
        await pilot.press("n", "n", "n")  # slide twice, onto the learner's window
        await pilot.pause()
        assert isinstance(screen.run.step, NumberQuiz)
        await pilot.press("4", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        while not isinstance(screen.run.step, Train):  # answer the rest with their solutions, as the check does
            if screen.run.blocked:
                await pilot.press(*str(int(screen.run.step.solution())), "enter")
            await pilot.press("e" if screen.run.step.kind in ("forward", "backward") else "n")
            await pilot.pause()
            if screen.run.step.kind in ("forward", "backward") and screen.run.state.done:
                await pilot.press("n")
                await pilot.pause()
        assert screen.run.blocked
        await pilot.press("1", "1")  # filters 4 -> 8 -> 1
        await pilot.pause()
        assert screen.run.state.settings["filters"] == 1
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.run.state.status == "finished" and not screen.run.blocked
        assert "filters 1" in str(screen.query_one("#train-status").render())
        await pilot.press("n")
        await pilot.pause()
        assert "with 1 filter(s)" in text(screen.run)
