"""07-moons: the hinge loss with L2, and training micrograd's demo network to ≥ 95%."""

from __future__ import annotations

from lessons.exercises.numbers import close, num

NAME = "07-moons"
TITLE = "Two moons: hinge loss, L2, ≥ 95% training accuracy"
GRAPH = False
HINTS = (
    "The hinge loss is zero for a point on the right side with margin (y·score ≥ 1) and grows linearly "
    "otherwise: relu(1 - y·score). Average it over the points, then add alpha · Σ p².",
    "Build everything from Values so backward() reaches the parameters: (1 - yi*si).relu(), sum(...) * (1/n), "
    "alpha * sum(p*p for p in model.parameters()). Training is exercise 06's loop with a learning rate that "
    "shrinks from 1.0 to 0.1.",
    "scores = [model(x) for x in X]\nlosses = [(1 - yi*si).relu() for yi, si in zip(y, scores)]\n"
    "total = sum(losses) * (1.0/len(losses)) + alpha * sum(p*p for p in model.parameters())\n"
    "accuracy = sum((si.data > 0) == (yi > 0) for yi, si in zip(y, scores)) / len(y)",
)
SHAPE = (2, [16, 16, 1])
TARGET = 0.95
POINTS = 60


def inputs(rng) -> dict:
    from engine.data import make_moons

    X, y = make_moons(POINTS, noise=0.1, seed=rng.randint(0, 10**6), signed=True)
    return {"seed": rng.randint(0, 10**6), "X": X.round(4).tolist(), "y": y.tolist(), "alpha": 1e-3}


def _model(seed: int):
    from engine.nn import MLP

    return MLP(*SHAPE, seed=seed)


def probe(learner, inputs: dict) -> dict:
    model = _model(inputs["seed"])
    total, accuracy = learner.loss(model, inputs["X"], inputs["y"], inputs["alpha"])
    first = {"loss": float(total.data), "accuracy": float(accuracy)}
    try:
        learner.train(model, inputs["X"], inputs["y"])
    except Exception as exc:  # reported after the loss check, which says more
        return {"first": first, "train_error": f"{type(exc).__name__}: {exc}"}
    return {"first": first, "params": [float(p.data) for p in model.parameters()]}


def _loss(model, X, y, alpha):
    scores = [model(x) for x in X]
    hinge = sum((1 - yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(X))
    total = hinge + alpha * sum(p * p for p in model.parameters())
    return total.data, sum((s.data > 0) == (yi > 0) for yi, s in zip(y, scores)) / len(y)


def verdict(inputs: dict, obs: dict) -> list[str]:
    X, y, alpha = inputs["X"], inputs["y"], inputs["alpha"]
    model = _model(inputs["seed"])
    want_loss, want_acc = _loss(model, X, y, alpha)
    got = obs["first"]
    if not close(got["loss"], want_loss):
        return [
            f"loss() of the untrained network is {num(got['loss'], want_loss)}, expected {num(want_loss, got['loss'])} "
            "(mean of relu(1 - y·score) plus alpha·Σp²)"
        ]
    if not close(got["accuracy"], want_acc):
        return [f"loss()'s accuracy of the untrained network is {num(got['accuracy'])}, expected {num(want_acc)}"]
    if "train_error" in obs:
        return [f"train() failed: {obs['train_error']}"]
    for p, value in zip(model.parameters(), obs["params"]):
        p.data = float(value)
    _, accuracy = _loss(model, X, y, alpha)
    if accuracy < TARGET:
        return [f"after train() the training accuracy is {accuracy:.0%}, expected at least {TARGET:.0%}"]
    return []
