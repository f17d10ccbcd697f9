"""The bigram language model lesson, walked end to end as a learner would, and trained in the real app at 80x24."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from engine.explain import fmt
from engine.graph import topological_order
from engine.names import build_vocab, load_names, split_names
from lessons.api import BackwardSteps, ChoiceQuiz, Figure, ForwardSteps, NumberQuiz, Train, render
from lessons.catalog import Catalog
from lessons.runner import LessonRun, TrainState
from lessons.tensor.bigram import SAMPLES, STEPS, bigram


def text(run: LessonRun) -> str:
    return render(run.step.text)


def reference() -> dict:
    """Counts and NLLs computed here with plain Python from the names corpus."""
    words = load_names()
    train, _, _ = split_names(words, seed=42)
    counts: Counter = Counter()
    for w in train:
        chars = [".", *w, "."]
        counts.update(a + b for a, b in itertools.pairwise(chars))
    rows: Counter = Counter()
    for pair, n in counts.items():
        rows[pair[0]] += n
    total = sum(counts.values())
    nll = -sum(n * math.log(n / rows[p[0]]) for p, n in counts.items()) / total
    smoothed = -sum(n * math.log((n + 1) / (rows[p[0]] + 27)) for p, n in counts.items()) / total
    return {
        "words": words,
        "train": train,
        "counts": counts,
        "total": total,
        "nll": nll,
        "smoothed": smoothed,
        "zeros": 27 * 27 - len(counts),
    }


def test_the_lesson_is_listed_with_its_metadata():
    assert bigram.track == "tensor" and bigram.order == 210 and 5 <= bigram.minutes <= 20 and bigram.summary


def test_a_learner_walks_the_lesson_to_the_end():
    ref = reference()
    run = LessonRun(bigram)
    shown = text(run)
    assert f"{len(ref['words'])} first names" in shown and f"**{ref['total']}** bigrams" in shown
    first = next(w for w in ref["train"] if len(w) == 4)
    assert f"`{first}` gives 5 bigrams" in shown

    run.next()  # counting: the most common bigrams, as text and as bars
    shown = text(run)
    (top, n), *_ = ref["counts"].most_common(1)
    assert f"'{top}' ({n} times" in shown and f"{ref['zeros']} of the 729 pairs never occur" in shown
    bars = run.step.figure.curves()[0]
    assert bars.kind == "bar" and bars.xs[0] == top and bars.ys[0] == n and len(bars.xs) == 10

    run.next()  # the whole 27×27 table N, as a tensor to look inside
    table = run.step.graph
    stoi, itos = build_vocab(ref["words"])
    assert table.label == "N" and table.shape == (27, 27)
    assert all(table.data[stoi[p[0]], stoi[p[1]]] == n for p, n in ref["counts"].items())
    assert table.data.sum() == ref["total"] and f"Its {ref['total']} counts" in text(run)

    run.next()  # which letter ends the most names? decidable: a wins by far, where starts are a near tie
    assert isinstance(run.step, ChoiceQuiz)
    ends = {p[0]: n for p, n in ref["counts"].items() if p[1] == "."}
    best_end = max(ends, key=ends.get)
    runner_up = sorted(ends.values())[-2]
    assert ends[best_end] > 1.5 * runner_up  # not a near tie
    choices = list(run.step.choices)
    wrong = next(i for i, c in enumerate(choices) if c != best_end)
    assert not run.state.answer(str(wrong + 1))
    assert run.state.answer(str(choices.index(best_end) + 1))
    assert f"{best_end} {ends[best_end]}" in render(run.step.explanation)

    run.next()  # probabilities: row '.' as bars, adding up to 1
    probs = run.step.figure.curves()[0]
    assert len(probs.xs) == 27 and sum(probs.ys) == pytest.approx(1.0) and probs.ys[0] == 0
    assert "'u' 98%" in text(run)  # q is followed by u

    run.next()  # the keepdim broadcasting trap
    assert isinstance(run.step, ChoiceQuiz) and "keepdims=True" in text(run)
    N = np.zeros((27, 27))
    for pair, n in ref["counts"].items():
        N[stoi[pair[0]], stoi[pair[1]]] = n
    wrong = N / N.sum(axis=1)
    assert not run.state.answer("1")
    assert run.state.answer("2")
    explanation = render(run.step.explanation)
    assert f"Row '.' of that wrong P adds up to {fmt(wrong[0].sum())}, not 1" in explanation
    assert abs(wrong[0].sum() - 1) > 1

    run.next()  # sampled names
    shown = text(run)
    names = shown.split("**")[1].split(", ")
    assert len(names) == SAMPLES and all(name.isalpha() or name == "" for name in names)
    assert text(run) == shown  # seeded: the same names every time the step is shown

    run.next()  # the likelihood, with −ln P of each bigram of the example name as bars
    assert f"NLL = **{ref['nll']:.4f}**" in text(run)
    (bars,) = run.step.figure.curves()
    chars = [".", *first, "."]
    pairs = [a + b for a, b in itertools.pairwise(chars)]
    rows = {p[0]: sum(n for q, n in ref["counts"].items() if q[0] == p[0]) for p in pairs}
    assert list(bars.xs) == pairs
    assert bars.ys == pytest.approx([-math.log(ref["counts"][p] / rows[p[0]]) for p in pairs])

    run.next()  # the uniform baseline
    assert isinstance(run.step, NumberQuiz)
    assert run.state.answer("3.2958")  # ln 27, worked out by the learner
    assert f"{-math.log(1 / 27):.4f}" in render(run.step.explanation)

    run.next()  # smoothing
    shown = text(run)
    assert "is **inf**" in shown and f"to {ref['smoothed']:.4f}" in shown
    (bars,) = run.step.figure.curves()
    assert bars.ys[:3] == pytest.approx([math.log(27), ref["nll"], ref["smoothed"]])

    run.next()  # why this corpus scores lower than the lecture's: not overfitting, the dev names score alike
    shown = text(run)
    assert "Why not the lecture's 2.454?" in shown and f"here {fmt(ref['nll'])} on 5,163 names" in shown
    _, dev_names, _ = split_names(ref["words"], seed=42)
    dev_pairs = Counter(a + b for w in dev_names for a, b in itertools.pairwise([".", *w, "."]))
    rows = Counter()
    for pair, n in ref["counts"].items():
        rows[pair[0]] += n
    dev = -sum(n * math.log((ref["counts"][p] + 1) / (rows[p[0]] + 27)) for p, n in dev_pairs.items())
    dev /= sum(dev_pairs.values())
    assert f"the dev names, never counted, score {fmt(dev)}" in shown and abs(dev - ref["nll"]) < 0.05

    run.next()  # a million fake counts
    assert run.state.answer("1")
    assert f"{math.log(27):.4f}" in render(run.step.explanation)

    run.next()  # the network's forward pass on the example name: W = 0 gives the uniform model
    assert isinstance(run.step, ForwardSteps)
    run.finish_step()
    assert run.step.graph.item() == pytest.approx(math.log(27))

    run.next()  # and its backward pass
    assert isinstance(run.step, BackwardSteps)
    run.finish_step()
    W = next(t for t in topological_order(run.step.graph) if t.label == "W")
    rows_used = {stoi[ch] for ch in "." + first}
    assert set(np.nonzero(np.abs(W.grad).sum(axis=1))[0]) == rows_used

    run.next()  # how many rows of W.grad are not zero? a picture of W.grad's rows shows it
    (bars,) = run.step.figure.curves()
    assert bars.kind == "bar" and list(bars.xs) == [itos[i] for i in range(27)]
    assert bars.ys == pytest.approx(list(np.abs(W.grad).sum(axis=1)))
    assert {itos[i] for i, y in enumerate(bars.ys) if y > 0} == set("." + first)
    assert not run.state.answer("27")
    assert run.state.answer(str(len(set("." + first))))

    run.next()  # train W by gradient descent
    assert isinstance(run.step, Train) and run.blocked
    run.finish_step()
    history = run.state.history
    assert len(history) == STEPS
    assert history[0]["loss"] == pytest.approx(math.log(27))
    assert all(h["count-model loss"] == pytest.approx(ref["nll"]) for h in history)
    losses = [h["loss"] for h in history]
    assert losses[-1] < losses[0] and ref["nll"] < losses[-1] < ref["nll"] + 0.05  # converging on the counts

    run.next()  # what it learned, with names sampled from the trained W
    shown = text(run)
    assert f"the loss is **{losses[-1]:.4f}**" in shown and f"{losses[-1] - ref['nll']:.4f} above" in shown
    assert len(shown.split("**")[3].split(", ")) == SAMPLES

    run.next()
    assert run.state.answer("1")
    assert run.at_end

    trained = run.states[run.index - 2].trainer.W.data.copy()
    run.previous()
    run.previous()  # back on the finished training run: W is as training left it
    assert isinstance(run.state, TrainState) and run.state.status == "finished"
    np.testing.assert_array_equal(run.state.trainer.W.data, trained)


async def test_the_app_trains_the_bigram_at_80x24(tmp_path):
    from tutor.app import TutorApp
    from tutor.components.figure_view import FigureView
    from tutor.progress import Progress

    app = TutorApp(Catalog(lessons=[bigram]), Progress.load(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_lesson("bigram", step=1)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen.run.step.figure, Figure) and screen.query_one(FigureView).display
        screen.run.go_to(next(i for i, s in enumerate(screen.run.steps) if isinstance(s, Train)))
        screen.show()
        await pilot.pause()
        assert screen.run.blocked
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        state = screen.run.state
        assert state.status == "finished" and len(state.history) == STEPS
        assert "count-model loss" in str(screen.query_one("#train-plot").render())
        await pilot.press("n")
        await pilot.pause()
        assert f"**{state.history[-1]['loss']:.4f}**" in screen.query_one("#narration").source
