"""Build your own MLP: Neuron, Layer, MLP, the lecture's 4 examples, MSE and a hand-written SGD loop."""

import random

from engine import Value
from engine.nn import Layer, Module
from lessons.api import ChoiceQuiz, ForwardSteps, Narrate, NumberQuiz, Setting, Train, fmt, lesson

# the lecture's tiny dataset: 4 examples of 3 inputs, and the target for each
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
SIZES = [4, 4, 1]
STEPS = 20
RATES = (0.01, 0.05, 0.2, 1.0)
DEFAULT_LR = 0.05
SEED = 1337  # the weights are drawn from random.Random(SEED): the same network every time


class LectureMLP(Module):
    """The lecture's MLP: layers of tanh neurons, the output layer too (engine.nn.MLP's last layer is linear)."""

    def __init__(self, nin: int, nouts: list[int], seed: int = SEED) -> None:
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], rng=rng, activation="tanh") for i in range(len(nouts))]

    def __call__(self, x: list[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


def make_model() -> LectureMLP:
    """The lecture's network: 3 inputs, two hidden layers of 4 tanh neurons, 1 tanh output (always the same)."""
    return LectureMLP(3, SIZES)


def sum_squared_error(ypred: list[Value], ys: list[float]) -> Value:
    """The lecture's loss: `sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))`."""
    return sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))


class SGDLoop:
    """The training loop of the lecture, one step per call: forward, zero_grad, backward, update."""

    def __init__(self, lr: float, zero_grad: bool = True) -> None:
        self.model = make_model()
        self.lr = lr
        self.zero_grad = zero_grad
        self.history: list[dict[str, float]] = []

    def parameters(self) -> list[Value]:
        return self.model.parameters()

    def predictions(self) -> list[float]:
        return [self.model(x).data for x in XS]

    def step(self, k: int) -> dict[str, float]:
        ypred = [self.model(x) for x in XS]  # forward
        loss = sum_squared_error(ypred, YS)
        if self.zero_grad:
            self.model.zero_grad()  # forget the last step's grads
        loss.backward()  # backward: every parameter's grad
        for p in self.model.parameters():
            p.data -= self.lr * p.grad  # update: a small step against the grad
        metrics = {"loss": loss.data}
        self.history.append(metrics)
        return metrics


def trained(lr: float, zero_grad: bool = True) -> SGDLoop:
    loop = SGDLoop(lr, zero_grad)
    for k in range(STEPS):
        loop.step(k)
    return loop


def final_loss(lr: float, zero_grad: bool = True) -> float:
    return trained(lr, zero_grad).history[-1]["loss"]


@lesson(
    id="build-an-mlp",
    title="Build your own MLP",
    summary="Neuron, Layer, MLP as in the lecture; train on 4 examples with your own SGD loop.",
    minutes=15,
    order=70,
)
def build_an_mlp():
    model = make_model()
    first = model.layers[0].neurons[0]
    for i, w in enumerate(first.w, start=1):
        w.label = f"w{i}"
    first.b.label = "b"
    x = [Value(xi, label=f"x{i}") for i, xi in enumerate(XS[0], start=1)]
    o = first(x)
    o.label = "o"
    o._prev[0].label = "n"
    per_layer = [len(layer.parameters()) for layer in model.layers]

    yield Narrate(
        "# Build your own MLP\n\n"
        "A neural network is a big mathematical expression, and you already know how to backprop "
        "through expressions. In this lesson you build one the way the lecture does: a **Neuron**, "
        "then a **Layer** of neurons, then an **MLP** of layers. Then you train it on four examples "
        "with a loop you could write yourself: forward, backward, update."
    )
    yield Narrate(
        lambda: (
            "## A neuron\n\n"
            "A neuron multiplies each input by its own weight, adds a bias, and squashes the sum: "
            "`o = tanh(w1·x1 + w2·x2 + w3·x3 + b)`. The weights start random; the bias at 0. As in the lecture, "
            "every neuron squashes, the output too: the network's answers lie between −1 and 1.\n\n"
            f"Here is the first neuron of our network, on the first example x = ({', '.join(fmt(v) for v in XS[0])})."
        ),
        graph=o,
    )
    yield ForwardSteps(
        "## Forward\n\nPress `n` to compute it. engine.nn makes the weighted sum one `dot` node "
        "(the lecture builds a `*` and a `+` per input: same numbers, a bigger graph).",
        graph=o,
    )
    yield Narrate(
        "## Layers and an MLP\n\n"
        "A **Layer** is a list of neurons that all see the same inputs; an **MLP** is a list of layers, "
        "each feeding its outputs to the next:\n\n"
        "```\nlayer(x) = [neuron(x) for neuron in layer.neurons]\n"
        "mlp(x):    for layer in mlp.layers: x = layer(x)\n```\n\n"
        "`MLP(3, [4, 4, 1])`: 3 inputs → 4 neurons → 4 neurons → 1 output. Its `parameters()` "
        "list every weight and bias of every neuron."
    )
    yield NumberQuiz(
        "## Count the parameters\n\nEach neuron has one weight per input, plus a bias. "
        "How many parameters does `MLP(3, [4, 4, 1])` have?",
        answer=lambda: len(model.parameters()),
        hint="Layer 1: 4 neurons × (3 weights + 1 bias). Layer 2: 4 × (4 + 1). Layer 3: 1 × (4 + 1).",
        explanation=lambda: f"{' + '.join(str(n) for n in per_layer)} = {len(model.parameters())} numbers to learn.",
        tolerance=0.0,
    )

    # the same network again (same seed, same weights): its loss, grads and one update
    demo = make_model()
    ypred = [demo(xi) for xi in XS]
    loss = sum_squared_error(ypred, YS)
    loss.backward()
    w1 = demo.layers[0].neurons[0].w[0]
    lr = DEFAULT_LR
    errors = [(p.data - y) ** 2 for p, y in zip(ypred, YS)]

    def table() -> str:
        def row(name: str, cells: list[str]) -> str:
            return f"{name:<11}" + "".join(f"{cell:>13}" for cell in cells)

        return "\n".join(
            [
                row("x", ["(" + ", ".join(fmt(v) for v in xi) + ")" for xi in XS]),
                row("target", [fmt(y) for y in YS]),
                row("prediction", [fmt(p.data) for p in ypred]),
            ]
        )

    yield Narrate(
        lambda: (
            "## Four examples\n\n"
            "The lecture's data: four inputs x, each with a target, and what the untrained network says:\n\n"
            f"```\n{table()}\n```\n\n"
            f"The **loss** says how wrong it is: the lecture's **sum** of squared errors, {fmt(loss.data)}."
        )
    )
    yield NumberQuiz(
        lambda: (
            f"## One example's error\n\nExample 1 has target {fmt(YS[0])}, and the network says "
            f"{ypred[0].data:.4f}. What is its squared error, (prediction − target)²?"
        ),
        answer=lambda: errors[0],
        hint="Subtract the target from the prediction, then square: the sign goes away.",
        explanation=lambda: (
            f"({ypred[0].data:.4f} − {fmt(YS[0])})² = {fmt(errors[0])}. The loss is the sum of the four: "
            f"{' + '.join(fmt(e) for e in errors)} = {fmt(loss.data)}."
        ),
    )
    yield NumberQuiz(
        lambda: (
            "## One step downhill\n\n"
            f"`loss.backward()` gives every parameter a grad. The first neuron's w1 = {w1.data:.4f} has "
            f"grad {w1.grad:.4f}: raising w1 would raise the loss.\n\n"
            f"The update is `p.data -= lr * p.grad`. With lr = {fmt(lr)}, **what is w1 after the step?**"
        ),
        answer=lambda: w1.data - lr * w1.grad,
        hint=lambda: f"{w1.data:.4f} − {fmt(lr)} × ({w1.grad:.4f}).",
        explanation=lambda: (
            f"{w1.data:.4f} − {fmt(lr)} × ({w1.grad:.4f}) = {w1.data - lr * w1.grad:.4f}: "
            f"w1 moves {'down' if w1.grad > 0 else 'up'}, against its grad, so the loss goes down."
        ),
        tolerance=1e-3,
    )
    yield Narrate(
        "## The loop: that step for every parameter, again and again\n\n"
        "```\nfor k in range(20):\n"
        "    ypred = [model(x) for x in xs]                       # forward\n"
        "    loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))\n"
        "    model.zero_grad()                                    # forget old grads\n"
        "    loss.backward()                                      # backward\n"
        "    for p in model.parameters(): p.data -= lr * p.grad   # update\n```"
    )

    runs: list[SGDLoop] = []

    def setup(settings: dict) -> SGDLoop:
        loop = SGDLoop(settings["lr"], settings["zero_grad"] == "on")
        runs.append(loop)
        return loop

    yield Train(
        f"## Train it\n\nPress `t` to run the loop for {STEPS} steps; the loss is on a log scale. "
        "Then press `1` to change the learning rate and train again: try the smallest and the largest. "
        "Press `2` to forget `zero_grad`.",
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("lr", "lr", RATES, DEFAULT_LR),
            Setting("zero_grad", "zero_grad", ("on", "off"), "on"),
        ),
        log_loss=True,
    )

    def results() -> str:
        if not runs or not runs[-1].history:
            return "## Your runs\n\nTrain first (go back with `p`), then come back."
        rows = ["lr      zero_grad  loss at start  loss at end"]
        for run in runs[-5:]:
            if run.history:
                end = f"{run.history[-1]['loss']:.3g}"
                start = f"{run.history[0]['loss']:.3g}"
                rows.append(f"{fmt(run.lr):<8}{'on' if run.zero_grad else 'off':<11}{start:>13}  {end:>11}")
        last = runs[-1]
        predictions = ", ".join(fmt(p) for p in last.predictions())
        return (
            "## Your runs\n\n"
            f"```\n{chr(10).join(rows)}\n```\n\n"
            f"After your last run the network says {predictions} for targets {', '.join(fmt(y) for y in YS)}."
        )

    yield Narrate(results)

    finals = {rate: final_loss(rate) for rate in RATES}
    saturated = trained(RATES[-1])
    best = min(RATES, key=lambda rate: finals[rate])
    yield ChoiceQuiz(
        f"## Learning rate\n\nWith `zero_grad` on, which learning rate ends {STEPS} steps with the lowest loss?",
        choices=[f"lr = {fmt(rate)}" for rate in RATES],
        answer=lambda: RATES.index(best),
        hint="Go back (p) and train with each setting of lr (key 1); compare the end of the curves.",
        explanation=lambda: (
            "Final losses: " + ", ".join(f"lr {fmt(rate)}: {finals[rate]:.3g}" for rate in RATES) + ". "
            f"Too small crawls. Too large overshoots into the flat ends of tanh: at lr {fmt(RATES[-1])} the "
            f"outputs end at {', '.join(fmt(v) for v in saturated.predictions())}, where tanh' ≈ 0 and the "
            "grads can no longer pull them back."
        ),
    )
    stale = {rate: final_loss(rate, zero_grad=False) for rate in RATES}
    small, large = RATES[0], RATES[2]
    yield ChoiceQuiz(
        lambda: (
            f"## Forgetting zero_grad\n\nLoss after {STEPS} steps, with `zero_grad` and without: "
            + "; ".join(f"lr {fmt(rate)}: {finals[rate]:.3g} and {stale[rate]:.3g}" for rate in (small, large))
            + f". At lr {fmt(small)} forgetting gives a **lower** loss. Why?"
        ),
        choices=[
            "Each step follows the sum of every grad so far: while they agree, that acts like a growing learning "
            "rate, which helps one that is too small and wrecks a larger one",
            "backward() stops computing grads after the first step",
            "zero_grad is only needed when the learning rate is large",
        ],
        answer=0,
        hint="Leaf grads accumulate: backward() does `grad += ...`. What does step k move by?",
        explanation=lambda: (
            f"Without zero_grad, step k moves by lr × (g₁ + … + g_k). Early on the grads point the same way, so "
            f"by step {STEPS} that is up to {STEPS} × lr: lr {fmt(small)} is too small for {STEPS} steps, and the "
            f"boost helps. At lr {fmt(large)} the same boost overshoots into tanh's flat ends ({fmt(stale[large])}). "
            "It is a bug, not a trick: the sum never forgets, so training cannot settle (momentum does this on "
            "purpose, with a decay). The lecture hit this very bug."
        ),
    )
    yield Narrate(
        lambda: (
            "## One step in PyTorch\n\n"
            "```python\nnet = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(),\n"
            "                    nn.Linear(4, 1), nn.Tanh()).double()  # then copy these weights in\n"
            "loss = ((net(torch.tensor(xs)).squeeze(1) - torch.tensor(ys))**2).sum()\n"
            "loss.backward()\n```\n\n"
            f"The lecture's network in PyTorch gives loss {fmt(loss.data)}, and {w1.grad:.4f} for w1's grad "
            "(`net[0].weight.grad[0, 0]`): the numbers above."
        )
    )
    yield Narrate(
        "## What you built\n\n"
        "`engine.nn.MLP` is this network but for its last layer: linear, as in micrograd's `nn.py`, so that it "
        "can output any number; `engine.losses.mse` takes a mean, not a sum. "
        "`engine.optim.SGD` wraps your update loop:\n\n"
        "```\nopt = SGD(model.parameters(), lr=lr)\n"
        "opt.zero_grad(); loss.backward(); opt.step()\n```\n\n"
        "Next: two moons, and a network that draws a curved boundary."
    )
