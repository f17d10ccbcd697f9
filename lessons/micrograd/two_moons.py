"""Two moons: micrograd's demo, trained live, with the decision boundary drawn in text."""

from engine.nn import MLP
from engine.optim import linear_decay
from lessons.api import ChoiceQuiz, Narrate, NumberQuiz, Setting, Train, fmt, lesson
from lessons.training import Classifier2D

SEED = 1337  # the initial weights this lesson's numbers were written with (engine.nn's usual seed)
STEPS = 100
MINI_BATCH = 20  # points a mini-batch step scores
ALPHAS = (0.0, 1e-4, 1e-2, 1e-1)  # the L2 penalty's weight; 1e-4 is micrograd's demo


@lesson(
    id="two-moons",
    title="Two moons: train a real network",
    summary="micrograd's demo: MLP(2,[16,16,1]) learns to separate two moons, live.",
    minutes=12,
    order=80,
)
def two_moons():
    from engine.data import make_moons  # numpy: imported when the lesson opens, not at start-up

    X, y = make_moons(100, noise=0.1, seed=1, signed=True)
    runs: list[Classifier2D] = []

    def setup(settings: dict) -> Classifier2D:
        model = MLP(2, [settings["width"]] * settings["depth"] + [1], activation=settings["activation"], seed=SEED)
        trainer = Classifier2D(model, X, y, lr=linear_decay(settings["lr"], settings["lr"] * 0.1, STEPS))
        runs.append(trainer)
        return trainer

    example = MLP(2, [16, 16, 1], seed=SEED)
    per_layer = [len(layer.parameters()) for layer in example.layers]

    yield Narrate(
        "# Two moons\n\n"
        f"Here are {len(X)} points in two interleaving half-moons, labelled +1 and -1. "
        "No straight line separates them: the network must bend its boundary.\n\n"
        "The model is micrograd's demo network, `MLP(2, [16, 16, 1])`: 2 inputs, two hidden layers "
        "of 16 ReLU neurons, and 1 output whose sign is the predicted class."
    )
    yield NumberQuiz(
        "## Count the parameters\n\nEvery neuron has one weight per input plus one bias. "
        "How many parameters (weights and biases) does `MLP(2, [16, 16, 1])` have?",
        answer=lambda: len(example.parameters()),
        hint="Layer 1: 16 neurons × (2 weights + 1 bias). Then 16 × (16 + 1), then 1 × (16 + 1).",
        explanation=lambda: (
            f"{' + '.join(str(n) for n in per_layer)} = {len(example.parameters())}: every one of them gets a grad "
            "from a single backward() call."
        ),
        tolerance=0.0,
    )
    yield Train(
        "## Train it\n\nPress `t` to train for "
        f"{STEPS} steps: each step scores all points, takes the hinge loss plus a small L2 penalty, "
        "backprops and nudges every parameter against its grad. Left: loss and accuracy. "
        "Right: the boundary (blank: +1 `o`, dots: -1 `x`). Then change a setting (1-4) and train again.",
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("depth", "depth", (1, 2, 3), 2),
            Setting("width", "width", (4, 8, 16, 32), 16),
            Setting("activation", "act", ("relu", "tanh", "sigmoid"), "relu"),
            Setting("lr", "lr", (0.1, 0.3, 1.0, 3.0), 1.0),
        ),
    )

    def result() -> str:
        if not runs or not runs[-1].history:
            return "## Results\n\nTrain first, then come back."
        last = runs[-1].history[-1]
        return (
            "## What happened\n\n"
            f"Your last run ended at loss {fmt(last['loss'])} and accuracy {last['accuracy']:.0%} "
            f"after {len(runs[-1].history)} steps, over {len(runs)} run(s).\n\n"
            "The learning rate decays from its start to a tenth of it: big steps early, small ones "
            "to settle. Try lr 3.0 or width 4 and compare the curves."
        )

    demo_lr = linear_decay(1.0, 0.1, STEPS)
    yield ChoiceQuiz(
        lambda: (
            f"## Why decay the learning rate?\n\nmicrograd's demo lowers the learning rate from {demo_lr(0):g} "
            f"to {demo_lr(STEPS):g} during training. Why?"
        ),
        choices=[
            "Big steps make fast progress early; small steps let the loss settle near a minimum.",
            "The gradients get larger as training goes on, so the rate must shrink to compensate.",
            "It makes each backward pass cheaper to compute.",
        ],
        answer=0,
        hint="Think of rolling a ball into a valley: what happens if every step is large?",
        explanation="Large steps near the minimum overshoot and bounce; shrinking them lets training settle.",
    )
    yield Narrate(result)

    tuned: list[Classifier2D] = []

    def setup_batch(settings: dict) -> Classifier2D:
        model = MLP(2, [16, 16, 1], seed=SEED)
        batch = None if settings["batch"] == len(X) else settings["batch"]
        lr = linear_decay(1.0, 0.1, STEPS)
        tuned.append(Classifier2D(model, X, y, lr=lr, alpha=settings["alpha"], batch=batch))
        tuned[-1].settings = dict(settings)
        return tuned[-1]

    yield Train(
        f"## Mini-batches and L2\n\nmicrograd's demo can score a random **mini-batch** each step instead of all "
        f"{len(X)} points: cheaper steps, a noisier loss. Its loss also adds alpha × Σ w² (**L2**), pulling every "
        "weight toward 0. Keys 1 (batch) and 2 (alpha): train a mini-batch run, then a large alpha.",
        setup=setup_batch,
        steps=STEPS,
        settings=(
            Setting("batch", "batch", (len(X), MINI_BATCH), len(X)),
            Setting("alpha", "alpha", ALPHAS, ALPHAS[1]),
        ),
    )

    def tuned_runs() -> str:
        done = [run for run in tuned if run.history]
        if not done:
            return "## Your runs\n\nTrain first (go back with `p`), then come back."
        rows = ["batch  alpha    loss    accuracy (all points)   Σ w²"]
        for run in done[-5:]:
            rows.append(
                f"{run.settings['batch']:<7}{run.settings['alpha']:<9g}{run.history[-1]['loss']:<8.3g}"
                f"{run.accuracy_on_all():<24.0%}{run.weights_squared():.4g}"
            )
        return (
            "## Your runs\n\n```\n" + "\n".join(rows) + "\n```\n\n"
            f"A mini-batch step sees {MINI_BATCH} of the {len(X)} points, so its loss jumps from step to step, "
            "yet it still learns. A larger alpha keeps Σ w² small: a smoother boundary, and with too large an "
            "alpha, one too simple to follow the moons."
        )

    yield Narrate(tuned_runs)
