"""The build-your-own-MLP lesson, walked end to end as a learner would, and opened in the real app at 80x24."""

from __future__ import annotations

import math

import pytest

from engine.explain import fmt
from engine.nn import MLP
from lessons.api import ChoiceQuiz, ForwardSteps, NumberQuiz, Train, render
from lessons.catalog import load_catalog
from lessons.micrograd.build_an_mlp import build_an_mlp
from lessons.runner import LessonRun, TrainState

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def lecture_net() -> MLP:
    """The same weights as the lecture's network (engine.nn's MLP; `forward` puts the tanh on its linear output)."""
    return MLP(3, [4, 4, 1], activation="tanh", seed=1337)


def forward(model: MLP, x: list[float]):
    """The lecture's forward pass: tanh on every layer, the output too."""
    hidden = x
    for layer in model.layers[:-1]:
        hidden = layer(hidden)
    return model.layers[-1](hidden).tanh()


def sse(preds, ys):
    return sum((p - y) ** 2 for p, y in zip(preds, ys))


def train(lr: float, zero_grad: bool = True, steps: int = 20) -> list[float]:
    """The lecture's loop, written here independently of the lesson: the loss at every step."""
    model = lecture_net()
    losses = []
    for _ in range(steps):
        loss = sse([forward(model, x) for x in XS], YS)
        if zero_grad:
            for p in model.parameters():
                p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses


def text(run: LessonRun) -> str:
    return render(run.step.text)


def test_the_lesson_sits_at_order_70():
    assert build_an_mlp.order == 70 and build_an_mlp.summary and 5 <= build_an_mlp.minutes <= 20
    assert "build-an-mlp" in [lesson.id for lesson in load_catalog().lessons]


def test_a_learner_walks_the_lesson_to_the_end():
    net = lecture_net()
    neuron = net.layers[0].neurons[0]
    run = LessonRun(build_an_mlp)

    run.next()  # a neuron: the first neuron of the lecture's network, on the first example
    w, b = [v.data for v in neuron.w], neuron.b.data
    assert run.step.graph.data == pytest.approx(math.tanh(sum(wi * xi for wi, xi in zip(w, XS[0])) + b))

    run.next()  # its forward pass
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()

    run.next()  # layers and an MLP
    run.next()  # count the parameters
    assert isinstance(run.step, NumberQuiz) and run.blocked
    assert not run.state.answer("40")
    assert run.state.answer("41")
    assert "16 + 20 + 5 = 41" in run.state.feedback

    run.next()  # the four examples and the untrained network's loss
    preds = [forward(net, x).data for x in XS]
    loss = sum((p - y) ** 2 for p, y in zip(preds, YS))  # the lecture's loss: a sum, not a mean
    shown = text(run)
    assert all(fmt(p) in shown for p in preds) and fmt(loss) in shown and "**sum**" in shown
    assert all(-1 < p < 1 for p in preds)  # a tanh output

    run.next()  # one example's squared error, from the prediction shown
    assert f"{preds[0]:.4f}" in text(run)
    assert run.state.answer(f"{(round(preds[0], 4) - 1) ** 2:.4f}")

    run.next()  # one update of w1, from the numbers shown
    demo = lecture_net()
    sse([forward(demo, x) for x in XS], YS).backward()
    w1 = demo.layers[0].neurons[0].w[0]
    shown = text(run)
    assert f"{w1.data:.4f}" in shown and f"{w1.grad:.4f}" in shown
    assert not run.state.answer(f"{w1.data + 0.05 * w1.grad:.4f}")  # the wrong way
    assert run.state.answer(f"{round(w1.data, 4) - 0.05 * round(w1.grad, 4):.4f}")

    run.next()  # the loop
    run.next()  # train it: the default run, lr 0.05 with zero_grad
    assert isinstance(run.step, Train) and run.blocked
    state = run.state
    assert isinstance(state, TrainState) and state.settings == {"lr": 0.05, "zero_grad": "on"}
    run.finish_step()
    losses = [h["loss"] for h in state.history]
    assert losses == pytest.approx(train(0.05)) and len(losses) == 20
    assert losses[-1] < losses[0] / 50
    state.settings["lr"] = 1.0  # too large: the tanh outputs saturate, and the loss stays bounded
    state.reset()
    state.run()
    assert state.status == "finished" and max(h["loss"] for h in state.history) <= 16
    assert [h["loss"] for h in state.history] == pytest.approx(train(1.0))
    state.settings.update(lr=0.05, zero_grad="off")  # the classic bug
    state.reset()
    state.run()
    assert [h["loss"] for h in state.history] == pytest.approx(train(0.05, zero_grad=False))

    run.next()  # your runs
    shown = text(run)
    assert f"{train(0.05)[-1]:.3g}" in shown and f"{train(0.05, False)[-1]:.3g}" in shown

    run.next()  # which learning rate ends lowest?
    assert isinstance(run.step, ChoiceQuiz)
    finals = {lr: train(lr)[-1] for lr in (0.01, 0.05, 0.2)}
    best = min(finals, key=finals.get)
    assert best == 0.2 and run.state.answer("3")

    run.next()  # forgetting zero_grad: lower at a small lr (a growing effective step), worse at a larger one
    shown = text(run)
    assert train(0.01, False)[-1] < train(0.01)[-1] and train(0.2, False)[-1] > train(0.2)[-1]
    assert f"lr 0.01: {train(0.01)[-1]:.3g} and {train(0.01, False)[-1]:.3g}" in shown and "lower" in shown
    assert run.state.answer("1")
    assert "growing" in run.step.choices[0] and "up to 20 × lr" in render(run.step.explanation)

    run.next()  # one step in PyTorch: the code a learner would write, with this engine's numbers
    shown = text(run)
    demo = lecture_net()
    first_loss = sse([forward(demo, x) for x in XS], YS)
    first_loss.backward()
    assert "nn.Linear(4, 1), nn.Tanh()).double()" in shown and "**2).sum()" in shown and "loss.backward()" in shown
    assert f"loss {fmt(first_loss.data)}, and {demo.layers[0].neurons[0].w[0].grad:.4f} for w1's grad" in shown

    run.next()
    assert run.at_end


def test_going_back_restores_the_trained_parameters():
    run = LessonRun(build_an_mlp)
    run.go_to(9)
    run.finish_step()
    trained = [p.data for p in run.state.trainer.parameters()]
    run.next()
    run.previous()
    assert [p.data for p in run.state.trainer.parameters()] == trained


async def test_the_app_trains_the_lesson_at_80x24(tmp_path):
    from textual.widgets import Input

    from tutor.app import TutorApp
    from tutor.progress import Progress

    demo = lecture_net()
    preds = [forward(demo, x) for x in XS]
    first_error = (preds[0].data - 1) ** 2
    sse(preds, YS).backward()
    w1 = demo.layers[0].neurons[0].w[0]

    app = TutorApp(load_catalog(), Progress.load(tmp_path), lesson_id="build-an-mlp")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("n", "n", "e", "n", "n")  # to the parameter count
        await pilot.pause()
        assert screen.run.index == 4 and app.focused is screen.query_one(Input)
        await pilot.press(*"41", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("tab", "n", "n")
        await pilot.pause()
        await pilot.press(*f"{first_error:.4f}", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("tab", "n")
        await pilot.pause()
        await pilot.press(*f"{w1.data - 0.05 * w1.grad:.4f}", "enter")
        await pilot.pause()
        assert screen.run.state.solved
        await pilot.press("tab", "n", "n")  # past the loop, onto training
        await pilot.pause()
        state = screen.run.state
        assert isinstance(state, TrainState) and screen.run.blocked
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished" and len(state.history) == 20
        await pilot.press("1", "2")  # lr 0.2, zero_grad off
        assert state.settings == {"lr": 0.2, "zero_grad": "off"} and state.history == []
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert state.status == "finished"
        await pilot.press("n")
        await pilot.pause()
        assert screen.run.index == 10 and "off" in render(screen.run.step.text)
