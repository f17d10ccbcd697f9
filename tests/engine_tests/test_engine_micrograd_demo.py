"""micrograd's demo.ipynb, complete: two moons, MLP(2, [16, 16, 1]), hinge loss + L2, 100 steps of SGD."""

from __future__ import annotations

import random

import pytest

from engine import Value
from engine.data import make_moons
from engine.losses import accuracy, hinge_loss
from engine.nn import MLP
from engine.optim import SGD, linear_decay

DATA_SEED = 0
MODEL_SEED = 1337  # the notebook's random.seed(1337)


def test_demo_written_as_in_the_notebook_reaches_100_percent():
    X, y = make_moons(n=100, noise=0.1, seed=DATA_SEED)
    y = y * 2 - 1  # make y be -1 or 1
    random.seed(MODEL_SEED)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network, from the global random state as in micrograd

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]  # svm "max-margin" loss
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())  # L2 regularization
        total_loss = data_loss + reg_loss
        acc = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(acc) / len(acc)

    first_loss, first_acc = loss()
    for k in range(100):
        total_loss, _ = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    final_loss, final_acc = loss()
    assert final_acc == 1.0
    assert final_loss.data < first_loss.data / 10
    assert first_acc < 1.0


def test_demo_with_the_library_pieces_gives_the_same_numbers():
    X, y = make_moons(n=100, noise=0.1, seed=DATA_SEED, signed=True)
    ys = y.tolist()
    notebook = MLP(2, [16, 16, 1], seed=MODEL_SEED)
    library = MLP(2, [16, 16, 1], seed=MODEL_SEED)
    opt = SGD(library.parameters(), lr=1.0)
    schedule = linear_decay(1.0, 0.1, 100)
    for k in range(5):
        inputs = [list(map(Value, xrow)) for xrow in X]
        # the notebook's way
        scores = list(map(notebook, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in notebook.parameters())
        notebook.zero_grad()
        total.backward()
        for p in notebook.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        # the library's way
        lib_scores = list(map(library, inputs))
        lib_total = hinge_loss(lib_scores, y, library.parameters(), alpha=1e-4)
        opt.zero_grad()
        lib_total.backward()
        opt.lr = schedule(k)
        opt.step()
        assert lib_total.data == total.data
        assert accuracy(lib_scores, y) == accuracy(scores, ys)
    assert [p.data for p in library.parameters()] == [p.data for p in notebook.parameters()]


def notebook_step(value_cls, model, X, y, k: int) -> float:
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    total_loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= (1.0 - 0.9 * k / 100) * p.grad
    return total_loss.data


def test_random_seed_gives_micrograds_own_network_and_steps():
    mg = pytest.importorskip("micrograd.nn", reason="micrograd 0.1.0 is a test extra: pip install -e .[test]")
    from micrograd.engine import Value as MgValue

    X, y = make_moons(n=100, noise=0.1, seed=DATA_SEED)
    y = y * 2 - 1
    random.seed(MODEL_SEED)
    ours = MLP(2, [16, 16, 1])
    random.seed(MODEL_SEED)
    theirs = mg.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]  # bit for bit
    losses = [(notebook_step(Value, ours, X, y, k), notebook_step(MgValue, theirs, X, y, k)) for k in range(2)]
    assert losses[0][0] == losses[0][1]  # the same forward pass: the same float, not just close
    # grads may differ in the last bit: a parameter's grad adds up 100 contributions, and micrograd's
    # order (a set of children, iterated by memory address) is not ours. Nor is it micrograd's own from one
    # run to the next: a few unrelated Values made before the demo change its loss at step 2 in the last bits.
    assert losses[1][0] == pytest.approx(losses[1][1], rel=1e-12, abs=0)
    assert [p.data for p in ours.parameters()] == pytest.approx([p.data for p in theirs.parameters()], rel=1e-9)
