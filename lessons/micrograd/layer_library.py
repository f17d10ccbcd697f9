"""A tiny neural-net library: Linear and activation layers in a Sequential, and vanishing gradients in deep stacks."""

import math
import random

from engine import Value
from engine.losses import mse
from engine.nn import Linear, Module, ReLU, Sequential, Sigmoid, Tanh
from engine.optim import linear_decay
from lessons.api import ChoiceQuiz, Figure, ForwardSteps, Narrate, NumberQuiz, Series, Setting, Train, fmt, lesson
from lessons.training import Classifier2D

SEED = 1337  # the initial weights this lesson's numbers were written with (engine.nn's usual seed)
ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}
SLOPE_ZS = [k / 4 for k in range(-24, 25)]  # z from −6 to 6, for the picture of the slopes
GAIN = math.sqrt(6)  # Linear starts in ±1/√nin; times √6 gives ±√(6/nin), He initialisation
DEPTH, WIDTH, POINTS = 10, 12, 8  # the deep stacks whose grads we measure
TRAIN_STEPS = 40


def deep_stack(activation: str, depth: int, width: int, seed: int = 1) -> Sequential:
    """`depth` blocks of Linear(width) + activation, then Linear(width, 1); the same weights for every activation."""
    rng = random.Random(seed)
    layers: list[Module] = []
    nin = 2
    for _ in range(depth):
        linear = Linear(nin, width, rng=rng)
        for row in linear.weights:
            for w in row:
                w.data *= GAIN
        layers += [linear, ACTIVATIONS[activation]()]
        nin = width
    layers.append(Linear(nin, 1, rng=rng))
    return Sequential(*layers)


def slope_at(activation, z: float) -> float:
    """The activation's slope at z, by the engine's backprop."""
    x = Value(z)
    activation(x).backward()
    return x.grad


def linears(model: Sequential) -> list[Linear]:
    return [layer for layer in model.layers if isinstance(layer, Linear)]


def mean_abs_grad(layer: Linear) -> float:
    """How big the grads of a layer's weights are, on average."""
    grads = [abs(w.grad) for row in layer.weights for w in row]
    return sum(grads) / len(grads)


class Score(Module):
    """A Sequential that ends in Linear(·, 1) gives a list of one Value: this gives the Value itself."""

    def __init__(self, model: Sequential) -> None:
        self.model = model

    def __call__(self, x):
        return self.model(x)[0]

    def parameters(self) -> list[Value]:
        return self.model.parameters()


class DeepClassifier(Classifier2D):
    """micrograd's demo loop on a deep stack, also reporting how far the first layer's weights have moved."""

    def __init__(self, activation: str, depth: int, lr: float, X, y) -> None:
        self.stack = deep_stack(activation, depth, 8)
        self.activation, self.depth, self.rate = activation, depth, lr
        self.first = [w for row in linears(self.stack)[0].weights for w in row]
        self.start = [w.data for w in self.first]
        super().__init__(Score(self.stack), X, y, lr=linear_decay(lr, lr * 0.1, TRAIN_STEPS), alpha=0.0)

    def step(self, k: int) -> dict[str, float]:
        metrics = super().step(k)
        change = sum(abs(w.data - w0) for w, w0 in zip(self.first, self.start))
        metrics["moved"] = change / sum(abs(w0) for w0 in self.start)  # relative to the weights' size
        return metrics


@lesson(
    id="layer-library",
    title="A tiny neural-net library",
    summary="Linear, ReLU, Tanh, Sigmoid and Sequential; why deep sigmoid stacks stop learning.",
    minutes=15,
    order=90,
)
def layer_library():
    from engine.data import make_moons  # numpy: imported when the lesson opens, not at start-up

    # a tiny network built from blocks, to step through
    small = Sequential(Linear(2, 2, seed=3), Tanh(), Linear(2, 1, seed=4))
    first, last = linears(small)
    for i, (row, b) in enumerate(zip(first.weights, first.biases), start=1):
        for j, w in enumerate(row, start=1):
            w.label = f"w{i}{j}"
        b.label = f"b{i}"
    for j, v in enumerate(last.weights[0], start=1):
        v.label = f"v{j}"
    last.biases[0].label = "c"
    x = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
    hidden = small.layers[1](small.layers[0](x))
    for i, h in enumerate(hidden, start=1):
        h.label = f"h{i}"
        h._prev[0].label = f"z{i}"
    y = small.layers[2](hidden)[0]
    y.label = "y"

    moons_net = Sequential(
        Linear(2, 16, seed=SEED), ReLU(), Linear(16, 16, seed=SEED), ReLU(), Linear(16, 1, seed=SEED)
    )

    yield Narrate(
        "# A tiny neural-net library\n\n"
        "The lecture builds networks from **neurons**, each with its own activation. Libraries like "
        "PyTorch and Keras build them from **layers**: a `Linear` (or Dense) layer does all the weighted "
        "sums `W·x + b`; activation layers (`ReLU`, `Tanh`, `Sigmoid`) have no parameters and squash each "
        "number; `Sequential` chains them:\n\n"
        "```\nSequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))\n```\n\n"
        "That is micrograd's `MLP(2, [16, 16, 1])`, built from blocks."
    )
    yield ForwardSteps(
        "## Through the blocks\n\n`Sequential(Linear(2, 2), Tanh(), Linear(2, 1))` on x = (x1, x2): "
        "the first Linear makes z1, z2, Tanh makes h1, h2, the last Linear makes y. Press `n` to compute "
        "each node, `e` to finish.",
        graph=y,
    )
    yield NumberQuiz(
        "## Count the parameters\n\n`Linear(nin, nout)` has a weight for every input of every output, "
        "plus a bias per output. How many parameters does the two-moons network above have?\n\n"
        "`Sequential(Linear(2, 16, seed=SEED), ReLU(), Linear(16, 16, seed=SEED), ReLU(), Linear(16, 1, seed=SEED))`",
        answer=lambda: len(moons_net.parameters()),
        hint="2·16 + 16, then 16·16 + 16, then 16·1 + 1. ReLU has none.",
        explanation=lambda: (
            " + ".join(str(len(layer.parameters())) for layer in linears(moons_net))
            + f" = {len(moons_net.parameters())}, the same as `MLP(2, [16, 16, 1])`: the same network."
        ),
        tolerance=0.0,
    )

    # one backward pass through three deep stacks that differ only in their activation
    rng = random.Random(0)
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(POINTS)]
    targets = [rng.choice((-1.0, 1.0)) for _ in range(POINTS)]
    grads: dict[str, list[float]] = {}
    for name in ACTIVATIONS:
        stack = deep_stack(name, DEPTH, WIDTH)
        mse([stack(p)[0] for p in points], targets).backward()
        grads[name] = [mean_abs_grad(layer) for layer in linears(stack)]
    n_layers = DEPTH + 1
    layer_numbers = list(range(1, n_layers + 1))
    sig = grads["sigmoid"]

    def ratio(name: str) -> float:
        """How many times bigger the last layer's grads are than the first's."""
        return grads[name][-1] / grads[name][0]

    grad_figure = Figure(
        series=[Series(name, layer_numbers, [math.log10(g) for g in grads[name]]) for name in ACTIVATIONS],
        title="mean |grad| = 1e(y) of each layer's weights",
        xlabel="layer (1 = nearest the input)",
    )

    yield Narrate(
        lambda: (
            "## Deep stacks\n\n"
            f"With blocks, depth is a loop. Three stacks of {DEPTH} blocks `Linear({WIDTH}) + activation` "
            f"and an output Linear, with the **same** weights, differ only in the activation. Each gets "
            f"{POINTS} points and one `loss.backward()`. Plotted: how big each layer's weight grads are."
        ),
        figure=grad_figure,
    )
    smallest = min(range(n_layers), key=lambda i: sig[i])
    yield ChoiceQuiz(
        "## Read the plot\n\nWith **sigmoid**, which layer's weights get the smallest grads?",
        choices=[
            "Layer 1, nearest the input",
            f"Layer {n_layers}, the output layer",
            "They are all about the same",
        ],
        answer=lambda: 0 if smallest == 0 else 1 if smallest == n_layers - 1 else 2,
        hint="Find the sigmoid curve, then its lowest point: y = −8 means 1e-8.",
        explanation=lambda: (
            f"Layer 1's mean |grad| is {sig[0]:.1e}, layer {n_layers}'s {sig[-1]:.1e}: "
            f"{ratio('sigmoid'):.1e} times bigger. With tanh the ratio is "
            f"{ratio('tanh'):.2g}, with ReLU {ratio('relu'):.2g}."
        ),
        figure=grad_figure,
    )

    z = Value(0.0, label="z")
    s = z.sigmoid()
    s.backward()
    slope = z.grad
    yield NumberQuiz(
        "## The culprit\n\nBackprop through a sigmoid multiplies the grad by its slope, "
        "σ'(z) = σ(z)·(1 − σ(z)). What is the **largest** that slope can be?",
        answer=lambda: slope,
        hint="σ(z) is between 0 and 1, and p·(1 − p) is largest when p = 1/2, at z = 0.",
        explanation=lambda: f"σ(0) = {fmt(s.data)}, so σ'(0) = {fmt(s.data)} × {fmt(1 - s.data)} = {fmt(slope)}.",
    )
    yield Narrate(
        lambda: (
            "## Vanishing gradients\n\n"
            f"Every sigmoid on the way back multiplies the grad by at most {fmt(slope)}: through "
            f"{DEPTH} of them, by at most {fmt(slope)}^{DEPTH} = {slope**DEPTH:.1e}. The layers near the "
            "input hardly learn. tanh's slope is 1 at 0 and ReLU's is 1 wherever it is on: their grads "
            f"reach layer 1 only {ratio('tanh'):.2g} and {ratio('relu'):.2g} times smaller.\n\n"
            "(The weights start in ±√(6/nin), He initialisation; with smaller ones, all three shrink.)"
        ),
        figure=Figure(
            series=lambda: [
                Series("σ'(z)", SLOPE_ZS, [slope_at(Value.sigmoid, z) for z in SLOPE_ZS]),
                Series("tanh'(z)", SLOPE_ZS, [slope_at(Value.tanh, z) for z in SLOPE_ZS]),
                Series("σ' max", [0.0], [slope], kind="scatter"),
            ],
            title="the slopes backprop multiplies by",
            xlabel="z",
        ),
    )

    X, Y = make_moons(60, noise=0.1, seed=1, signed=True)
    runs: list[DeepClassifier] = []

    def setup(settings: dict) -> DeepClassifier:
        trainer = DeepClassifier(settings["activation"], settings["depth"], settings["lr"], X, Y)
        runs.append(trainer)
        return trainer

    yield Train(
        "## Train a deep stack\n\nBlocks of `Linear(8)` + activation on the two moons. Press `t`: "
        "6 sigmoid blocks. Then `1` changes the activation, `2` the depth, `3` the learning rate: "
        "which ones learn?",
        setup=setup,
        steps=TRAIN_STEPS,
        settings=(
            Setting("activation", "act", tuple(ACTIVATIONS), "sigmoid"),
            Setting("depth", "depth", (2, 4, 6), 6),
            Setting("lr", "lr", (0.1, 0.3, 1.0), 0.3),
        ),
    )

    def results() -> str:
        done = [run for run in runs if run.history]
        if not done:
            return "## Your runs\n\nTrain first (go back with `p`), then come back."
        rows = ["act      depth  lr   accuracy  layer 1 moved"]
        for run in done[-5:]:
            last = run.history[-1]
            rows.append(
                f"{run.activation:<9}{run.depth:>5}  {fmt(run.rate):<5}{last['accuracy']:>8.0%}{last['moved']:>15.2%}"
            )
        return (
            "## Your runs\n\nHow far the first layer's weights moved in training, relative to their size:\n\n"
            "```\n" + "\n".join(rows) + "\n```"
        )

    yield Narrate(results)
    yield ChoiceQuiz(
        lambda: (
            f"## The fix\n\nA deep sigmoid stack's first layer gets grads about {ratio('sigmoid'):.1e} times "
            "smaller than its last. What helps most?"
        ),
        choices=[
            "An activation whose slope stays near 1, like ReLU or tanh",
            "A larger learning rate",
            "More training steps",
        ],
        answer=0,
        hint="A larger learning rate scales every layer's step by the same factor.",
        explanation=(
            "A larger learning rate would throw the last layers around long before the first ones moved. "
            "Deep networks use ReLU-like activations, careful initialisation, normalisation layers and "
            "residual connections: all ways to get the grads to the first layers."
        ),
    )
    yield Narrate(
        "## What you built\n\n"
        "A layer library is three ideas: a layer is a function of a list of Values, it lists its "
        "`parameters()`, and `Sequential` chains layers. Any new layer (a softmax, a dropout, a residual "
        "block) is a class with those two methods, and backprop comes for free from the engine.\n\n"
        "Next: better ways to take the step itself, momentum and Adam."
    )
