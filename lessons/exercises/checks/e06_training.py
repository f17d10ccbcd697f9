"""06-training: one step of gradient descent, repeated; the loss must fall below 0.05."""

from __future__ import annotations

from lessons.exercises.numbers import close, num

NAME = "06-training"
TITLE = "The training loop: forward, loss, zero_grad, backward, update"
GRAPH = False
HINTS = (
    "A step is five lines in a fixed order: predictions, loss, grads to zero, loss.backward(), then move every "
    "parameter a little against its grad.",
    "backward() adds to .grad, it never resets it: without zeroing, step 2 uses the grads of steps 1 and 2 "
    "together. Zero them before backward. The update is p.data -= lr * p.grad (minus: downhill).",
    "ypred = [model(x) for x in xs]\nloss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))\n"
    "for p in model.parameters():\n    p.grad = 0.0\nloss.backward()\n"
    "for p in model.parameters():\n    p.data -= lr * p.grad\nreturn loss.data",
)
SHAPE = (3, [4, 4, 1])
THRESHOLD = 0.05


def inputs(rng) -> dict:
    xs = [[round(rng.uniform(-2, 2), 3) for _ in range(3)] for _ in range(4)]
    ys = [rng.choice([-1.0, 1.0]) for _ in range(4)]
    return {"seed": rng.randint(0, 10**6), "xs": xs, "ys": ys, "lr": round(rng.uniform(0.01, 0.05), 4)}


def _model(seed: int):
    from engine.nn import MLP

    return MLP(*SHAPE, activation="tanh", seed=seed)


def probe(learner, inputs: dict) -> dict:
    model = _model(inputs["seed"])
    steps = []
    for _ in range(3):
        loss = float(learner.step(model, inputs["xs"], inputs["ys"], inputs["lr"]))
        steps.append({"loss": loss, "params": [float(p.data) for p in model.parameters()]})
    model = _model(inputs["seed"] + 1)
    learner.train(model, learner.XS, learner.YS)
    return {"steps": steps, "trained": [float(p.data) for p in model.parameters()], "XS": learner.XS, "YS": learner.YS}


def _loss(model, xs, ys):
    return sum((model(x) - y) ** 2 for x, y in zip(xs, ys))


def verdict(inputs: dict, obs: dict) -> list[str]:
    model = _model(inputs["seed"])
    for k, got in enumerate(obs["steps"], start=1):
        loss = _loss(model, inputs["xs"], inputs["ys"])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= inputs["lr"] * p.grad
        if not close(got["loss"], loss.data):
            return [f"step {k} returned the loss {num(got['loss'], loss.data)}, expected {num(loss.data, got['loss'])}"]
        want = [p.data for p in model.parameters()]
        for i, (g, w) in enumerate(zip(got["params"], want)):
            if not close(g, w):
                why = " (are the grads set to zero before backward?)" if k > 1 else " (p.data -= lr * p.grad)"
                return [f"after step {k}, parameter {i} is {num(g, w)}, expected {num(w, g)}{why}"]
    xs, ys = obs["XS"], obs["YS"]
    model = _model(inputs["seed"] + 1)
    for p, value in zip(model.parameters(), obs["trained"]):
        p.data = float(value)
    final = _loss(model, xs, ys).data
    if not final < THRESHOLD:
        return [f"after train() the loss on the four examples is {num(final)}, expected below {THRESHOLD}"]
    return []
