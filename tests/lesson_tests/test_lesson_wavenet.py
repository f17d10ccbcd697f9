"""The WaveNet lesson, walked end to end as a learner would, and in the app at 80x24 with a training run."""

from __future__ import annotations

import re

import numpy as np
from helpers import open_from_browser

from engine.explain import fmt
from engine.tensor import Tensor, cross_entropy
from engine.tensor_nn import FlattenConsecutive
from lessons.api import ChoiceQuiz, NumberQuiz, Train, render
from lessons.runner import LessonRun, TrainState
from lessons.tensor._makemore_setup import LanguageModelTrainer, flat_mlp, parameter_count, wavenet
from lessons.tensor.wavenet import (
    BLOCK,
    MLP_HIDDEN,
    RACE_SEEDS,
    RACE_STEPS,
    STEPS,
    WAVENET_HIDDEN,
    wavenet_lesson,
)


def text(run: LessonRun) -> str:
    return render(run.step.text)


def test_the_lesson_is_listed_with_its_metadata():
    assert wavenet_lesson.order == 250 and wavenet_lesson.track == "tensor"
    assert 5 <= wavenet_lesson.minutes <= 20


def test_the_models_fuse_pairs_level_by_level():
    net = wavenet(BLOCK, WAVENET_HIDDEN)
    X = np.zeros((32, BLOCK), dtype=np.int64)
    assert net(X).shape == (32, 27)
    flats = [layer.out.shape for layer in net.layers if isinstance(layer, FlattenConsecutive)]
    assert flats == [(32, 4, 20), (32, 2, 2 * WAVENET_HIDDEN), (32, 2 * WAVENET_HIDDEN)]
    mlp = flat_mlp(BLOCK, MLP_HIDDEN)
    assert mlp(X).shape == (32, 27)
    assert abs(parameter_count(net) - parameter_count(mlp)) < 0.01 * parameter_count(mlp)


def test_the_trainer_reports_what_it_measures():
    trainer = LanguageModelTrainer(wavenet(BLOCK, 16), BLOCK, steps=20, batch=8, every=10, window=5)
    for k in range(20):
        metrics = trainer.step(k)
    assert metrics["loss"] == np.mean(trainer.losses[-5:])
    assert [k for k, _ in trainer.measured] == [0, 10, 20]
    net = trainer.model
    net.eval()
    assert metrics["dev loss"] == cross_entropy(net(trainer.Xsample), trainer.Ysample).item()
    net.train()


def test_a_learner_walks_the_lesson_to_the_end():
    run = LessonRun(wavenet_lesson)
    assert "WaveNet" in text(run) and "(pairs)" in text(run)

    run.next()  # FlattenConsecutive on a tiny tensor
    tiny = FlattenConsecutive(2)(Tensor(np.arange(8.0).reshape(1, 4, 2)))
    assert str(tiny.shape) in text(run) and "[0, 1, 2, 3] [4, 5, 6, 7]" in text(run)

    run.next()  # the shape after the first FlattenConsecutive(2)
    assert isinstance(run.step, ChoiceQuiz)
    assert not run.state.answer("2")  # (32, 80): that is the flat MLP's
    assert run.state.answer("1")
    assert "(32, 4, 20)" in render(run.step.explanation)

    run.next()  # a Linear layer on three axes
    assert run.state.answer("1")

    run.next()  # the shapes, from each layer's .out
    assert "Flatten2 (32, 2, 96) → Linear (32, 2, 48)" in text(run)

    run.next()  # BatchNorm's axes
    assert not run.state.answer("1")
    assert run.state.answer("2")

    run.next()  # the parameter count, added up as the learner would
    assert isinstance(run.step, NumberQuiz)
    shown = text(run)
    parts = [int(x) for x in re.findall(r"= (\d+), first Linear\(20, 48\) (\d+),", shown)[0]]
    output = int(re.search(r"Linear\(48, 27\) (\d+)", shown).group(1))
    total = sum(parts) + 2 * 96 * 48 + 3 * 2 * 48 + output
    assert not run.state.answer(str(total - 96 * 48))  # one middle layer forgotten
    assert run.state.answer(str(total))
    assert total == parameter_count(wavenet(BLOCK, WAVENET_HIDDEN))

    finals = {}
    for kind in ("mlp", "wavenet"):
        run.next()
        assert isinstance(run.step, Train) and isinstance(run.state, TrainState) and run.blocked
        run.finish_step()
        history = run.state.history
        assert len(history) == STEPS and not run.blocked
        assert history[-1]["loss"] < history[0]["loss"] - 0.5  # it learns
        assert history[-1]["dev loss"] < 2.5
        finals[kind] = run.state.trainer.final_dev_loss()

    run.next()  # the race, from the engine
    shown = text(run)
    assert f"flat MLP **{fmt(finals['mlp'])}**" in shown and f"WaveNet **{fmt(finals['wavenet'])}**" in shown
    curves = run.step.figure.curves()
    assert [c.label for c in curves] == ["mlp dev loss", "wavenet dev loss"] and curves[0].xs[-1] == STEPS

    run.next()  # a fair race: equal multiply-adds, five seeds each, mean and spread, and a verdict from them
    bars = run.step.figure.curves()[0]
    finals_mlp, finals_net = bars.ys[: len(RACE_SEEDS)], bars.ys[len(RACE_SEEDS) :]

    def multiply_adds(model) -> int:
        """By hand: a Linear layer applied at p positions of one example costs p × its weights."""
        model.eval()
        x = np.zeros((1, BLOCK), dtype=int)
        total = 0
        for layer in model.layers:
            x = layer(x)
            if type(layer).__name__ == "Linear":
                total += layer.weight.size * (x.data.size // x.shape[-1])
        return total

    mlp_cost = multiply_adds(flat_mlp(BLOCK, MLP_HIDDEN))
    net_cost = multiply_adds(wavenet(BLOCK, WAVENET_HIDDEN))
    net_steps = round(RACE_STEPS * mlp_cost / net_cost)
    assert net_cost > mlp_cost and net_steps < RACE_STEPS  # same parameters, more work per example
    trainer = LanguageModelTrainer(
        wavenet(BLOCK, WAVENET_HIDDEN, seed=RACE_SEEDS[0]), BLOCK, net_steps, every=net_steps, seed=RACE_SEEDS[0]
    )
    for k in range(net_steps):
        trainer.step(k)
    assert finals_net[0] == trainer.final_dev_loss()  # the first WaveNet bar, retrained here
    shown = text(run)
    assert f"gets {net_steps} steps to the MLP's {RACE_STEPS}" in shown
    assert f"flat MLP {fmt(float(np.mean(finals_mlp)))} ± {fmt(float(np.std(finals_mlp)))}" in shown
    gap = abs(np.mean(finals_mlp) - np.mean(finals_net))
    spread = max(np.std(finals_mlp), np.std(finals_net))
    assert ("wins" in shown) == (gap > 2 * spread) and ("draw" in shown) == (gap <= 2 * spread)

    run.next()  # what the hierarchy buys
    assert not run.state.answer("2")
    assert run.state.answer("1")

    run.next()  # names from the trained WaveNet
    names = re.search(r"`(.*)`", text(run)).group(1).split(", ")
    assert len(names) == 8 and all(name.isalpha() and name.islower() for name in names)
    assert run.at_end


async def test_the_app_trains_the_flat_mlp_at_80x24(tmp_path):
    from lessons.catalog import load_catalog
    from tutor.app import TutorApp
    from tutor.progress import Progress

    app = TutorApp(load_catalog(), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_from_browser(pilot, app, "wavenet")
        screen = app.screen
        await pilot.press("n", "n", "1", "n", "1", "n", "n", "2", "n")  # to the parameter count
        await pilot.pause()
        assert isinstance(screen.run.step, NumberQuiz)
        await pilot.press(*str(int(screen.run.step.solution())), "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(screen.run.step, Train) and screen.run.blocked
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.run.state.status == "finished" and len(screen.run.state.history) == STEPS
        assert f"{STEPS}/{STEPS}" in str(screen.query_one("#train-status").render())
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(screen.run.step, Train) and screen.run.index == 8
