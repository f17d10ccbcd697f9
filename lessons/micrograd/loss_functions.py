"""Loss functions: MSE against one-hot targets vs softmax + cross-entropy, on a 3-class spiral."""

import math
import sys

from engine import Value
from engine.losses import cross_entropy, mse, softmax
from engine.nn import MLP
from lessons.api import ChoiceQuiz, Figure, Narrate, NumberQuiz, Series, Setting, Train, fmt, lesson
from lessons.trainers.runs import finished_history
from lessons.trainers.softmax import SoftmaxClassifier

SEED = 1337  # the initial weights this lesson's numbers were written with (engine.nn's usual seed)
STEPS = 100
POINTS = 45
CLASSES = 3
HIDDEN = 32
SCALES = (1, 3, 10)  # the output layer's starting weights are multiplied by this
LRS = (0.3, 1.0, 2.0)
DEFAULTS = {"loss": "cross-entropy", "scale": 10, "lr": 1.0}
GRID = (36, 13)  # the regions picture: columns and rows of points classified

SURPRISE_PS = [k / 100 for k in range(1, 101)]  # p of the true class, for the plot of −ln p
FLOAT32_LN_MAX = math.log(math.ldexp(2 - 2**-23, 127))  # ln of the largest float32


def make_model(scale: float) -> MLP:
    model = MLP(2, [HIDDEN, CLASSES], activation="tanh", seed=SEED)
    for p in model.layers[-1].parameters():
        p.data *= scale
    return model


def onehot(target: int) -> list[float]:
    return [1.0 if i == target else 0.0 for i in range(CLASSES)]


def grads(logits: list[float], target: int, loss: str) -> tuple[list[Value], Value]:
    """Fresh logits, the loss of them for `target` (backpropagated), and the loss Value."""
    z = [Value(v, label=f"z{i}") for i, v in enumerate(logits)]
    out = cross_entropy(z, target) if loss == "cross-entropy" else mse(softmax(z), onehot(target))
    out.backward()
    return z, out


def vector(xs) -> str:
    return "[" + ", ".join(fmt(x) for x in xs) + "]"


@lesson(
    id="loss-functions",
    title="Loss functions: MSE vs cross-entropy",
    summary="Softmax, a stable cross-entropy, and why it beats MSE for classes, on a 3-class spiral.",
    minutes=14,
    order=110,
)
def loss_functions():
    from engine.data import make_spirals  # numpy: imported when the lesson opens

    X, y = make_spirals(POINTS, classes=CLASSES, noise=0.2, seed=0)
    X = [[float(a), float(b)] for a, b in X]
    y = [int(c) for c in y]

    def by_class(points, labels, title: str) -> Figure:
        return Figure(
            series=[
                Series(
                    f"class {c}",
                    [p[0] for p, label in zip(points, labels) if label == c],
                    [p[1] for p, label in zip(points, labels) if label == c],
                    kind="scatter",
                )
                for c in range(CLASSES)
            ],
            title=title,
        )

    yield Narrate(
        lambda: (
            "# Loss functions\n\n"
            f"{len(X)} points on {CLASSES} spiral arms. The network, `MLP(2, [{HIDDEN}, {CLASSES}])` with tanh, "
            f"gives each point {CLASSES} scores z (**logits**), one a class; its guess is the largest.\n\n"
            "To learn, it needs one number saying how wrong the scores are: the **loss**. Two candidates: "
            "MSE against a one-hot target, and softmax + cross-entropy."
        ),
        figure=by_class(X, y, "the spiral: 3 classes"),
    )

    z_small = [2.0, 1.0, -1.0]
    z, ce = grads(z_small, 0, "cross-entropy")
    p = [v.data for v in softmax(z_small)]
    yield NumberQuiz(
        lambda: (
            "## Softmax and cross-entropy\n\n"
            f"Scores z = {vector(z_small)}. Softmax turns them into probabilities, p = eᶻ / Σ eᶻ = {vector(p)}. "
            "The true class is 0, so the target is the one-hot [1, 0, 0].\n\n"
            "Cross-entropy is **−ln p₀**: how surprised the model is by the truth. **What is it here?**"
        ),
        answer=lambda: ce.data,
        hint=lambda: f"−ln({fmt(p[0])}).",
        explanation=lambda: (
            f"−ln {fmt(p[0])} = {fmt(ce.data)}. It is 0 only when p₀ = 1, and grows without limit as p₀ → 0. "
            f"MSE would be the mean of (p − [1, 0, 0])² = {fmt(mse(softmax(z_small), onehot(0)).data)}."
        ),
        figure=Figure(
            series=lambda: [
                Series("−ln p", SURPRISE_PS, [-math.log(q) for q in SURPRISE_PS]),
                Series("here", [p[0]], [ce.data], kind="scatter"),
            ],
            title="cross-entropy −ln p of the true class",
            xlabel="p of the true class",
            ylabel="loss",
        ),
    )

    z_big = [1000.0, 999.0, 990.0]

    def overflow() -> str:
        try:
            Value(z_big[0]).exp()
        except OverflowError as exc:
            return str(exc)
        return "no overflow"

    shifted = [v - max(z_big) for v in z_big]
    yield Narrate(
        lambda: (
            "## Big scores overflow\n\n"
            f"Scores like z = {vector(z_big)} are extreme, but eᶻ overflows a float once z passes "
            f"{fmt(math.log(sys.float_info.max))} (in the float32 of GPUs, {fmt(FLOAT32_LN_MAX)}): large weights or a "
            f"too-high learning rate get there. Softmax of z, naively: the engine says *{overflow()}*.\n\n"
            "Softmax does not change if every score moves by the same amount, so subtract the largest first: "
            f"z − {fmt(max(z_big))} = {vector(shifted)}. Now every eᶻ is at most 1, and the sum at least 1:\n\n"
            "`ln Σ eᶻ = m + ln Σ e^(z − m)` (log-sum-exp, m = max z)."
        )
    )
    yield NumberQuiz(
        lambda: (
            f"## Log-sum-exp, by hand\n\nFor z = {vector(z_big)} and true class 1, the cross-entropy is "
            "ln Σ eᶻ − z₁. **What is it?** (`engine.losses.cross_entropy` does it the stable way.)"
        ),
        answer=lambda: cross_entropy(z_big, 1).data,
        hint=lambda: (
            f"Shifted scores: {vector(shifted)}. ln(e^{fmt(shifted[0])} + e^{fmt(shifted[1])} + e^{fmt(shifted[2])}) "
            f"+ {fmt(max(z_big))} − {fmt(z_big[1])}."
        ),
        explanation=lambda: (
            f"ln({' + '.join(fmt(math.exp(v)) for v in shifted)}) + {fmt(max(z_big) - z_big[1])} = "
            f"{fmt(cross_entropy(z_big, 1).data)}: no number larger than 1 was ever exponentiated. PyTorch's "
            f"`F.cross_entropy(torch.tensor([{', '.join(f'{v:g}.' for v in z_big)}]), torch.tensor(1))` "
            f"gives the same {fmt(cross_entropy(z_big, 1).data)}: it shifts by the max too."
        ),
    )
    yield NumberQuiz(
        lambda: (
            f"## The gradient\n\nBack to z = {vector(z_small)}, true class 0, and p = {vector(p)}. "
            "After `loss.backward()`, **what is z₀.grad?**"
        ),
        answer=lambda: z[0].grad,
        hint="For softmax + cross-entropy, ∂L/∂zᵢ = pᵢ − yᵢ: the softmax minus the one-hot target.",
        explanation=lambda: (
            f"The engine gives z.grad = {vector(v.grad for v in z)}, and p − y = "
            f"{vector(pi - ti for pi, ti in zip(p, onehot(0)))}: the same. Each wrong class is pushed down by its "
            "probability; the true class up by 1 − p₀. Simple, and never tiny while the model is wrong."
        ),
    )

    z_wrong = [4.0, 0.0, -4.0]
    target = 2
    zc, _ = grads(z_wrong, target, "cross-entropy")
    zm, _ = grads(z_wrong, target, "mse")
    p_wrong = [v.data for v in softmax(z_wrong)]

    def stronger() -> int:
        c, m = abs(zc[target].grad), abs(zm[target].grad)
        return 2 if abs(c - m) <= 0.01 * max(c, m) else (0 if c > m else 1)

    yield ChoiceQuiz(
        lambda: (
            f"## Confidently wrong\n\nNow z = {vector(z_wrong)} but the truth is class {target}: "
            f"p = {vector(p_wrong)}, and p₂ is tiny. Gradient descent should push z₂ up hard. "
            "**Which loss gives z₂ the bigger gradient?**"
        ),
        choices=["cross-entropy", "MSE on the softmax", "both the same"],
        answer=stronger,
        hint="MSE's gradient reaches z₂ through the softmax, whose slope is about p₂(1 − p₂).",
        explanation=lambda: (
            f"Cross-entropy: z₂.grad = {fmt(zc[target].grad)} (p₂ − 1). MSE: z₂.grad = {fmt(zm[target].grad)}, "
            f"{fmt(abs(zc[target].grad / zm[target].grad))} times smaller: the more sure and wrong the "
            "softmax is, the less MSE learns."
        ),
    )

    runs: list[SoftmaxClassifier] = []

    def trainer(settings: dict) -> SoftmaxClassifier:
        t = SoftmaxClassifier(make_model(settings["scale"]), X, y, loss=settings["loss"], lr=settings["lr"])
        t.settings = dict(settings)
        return t

    def setup(settings: dict) -> SoftmaxClassifier:
        t = trainer(settings)
        runs.append(t)
        return t

    yield Train(
        lambda: (
            f"## Train it\n\n`t` trains {STEPS} full-batch steps. Keys: 1 loss, 2 init scale (output weights × "
            f"{SCALES[-1]}: the network starts confidently wrong), 3 lr. Compare the two losses by **accuracy** "
            "(right axis): their values are on different scales."
        ),
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("loss", "loss", SoftmaxClassifier.LOSSES, DEFAULTS["loss"]),
            Setting("scale", "init scale", SCALES, DEFAULTS["scale"]),
            Setting("lr", "lr", LRS, DEFAULTS["lr"]),
        ),
        log_loss=True,
    )

    def history(loss: str) -> list[dict[str, float]]:
        """The run with the default start and lr and this loss: the learner's, if finished, else trained now."""
        return finished_history(runs, trainer, {**DEFAULTS, "loss": loss}, STEPS)

    def final(loss: str) -> float:
        return history(loss)[-1]["accuracy"]

    def winner() -> int:
        ce_acc, mse_acc = final("cross-entropy"), final("mse")
        return 2 if ce_acc == mse_acc else (0 if ce_acc > mse_acc else 1)

    yield ChoiceQuiz(
        lambda: (
            f"## Which learned?\n\nFrom the ×{DEFAULTS['scale']} start with lr {fmt(DEFAULTS['lr'])}, train both "
            f"losses. **Which reached the higher accuracy after {STEPS} steps?**"
        ),
        choices=["cross-entropy", "mse", "they tie"],
        answer=winner,
        hint="Go back with p, press 1 to switch the loss, t to train, and read the accuracy (right axis) at the end.",
        explanation=lambda: (
            f"Accuracy after {STEPS} steps: cross-entropy {final('cross-entropy'):.0%}, mse {final('mse'):.0%}. "
            f"The gradient's length at the last step: cross-entropy {fmt(history('cross-entropy')[-1]['gradient'])}, "
            f"mse {fmt(history('mse')[-1]['gradient'])}. Once the softmax is sure and wrong, MSE has nothing to "
            "push with."
        ),
    )

    def curves() -> list[Series]:
        steps = list(range(1, STEPS + 1))
        return [Series(loss, steps, [h["accuracy"] for h in history(loss)]) for loss in SoftmaxClassifier.LOSSES]

    yield Narrate(
        lambda: (
            "## Side by side\n\n"
            f"Accuracy per step from the ×{DEFAULTS['scale']} start. Chance is 1 in {CLASSES}.\n\n"
            "For classes, use softmax + cross-entropy: its gradient is p − y, large exactly when the model is "
            "wrong. Keep MSE for predicting numbers."
        ),
        figure=Figure(series=curves, title="accuracy", xlabel="step", ylabel="accuracy"),
    )

    def regions() -> list[Series]:
        if not runs:
            return by_class(X, y, "").curves()
        last = runs[-1]
        cols, rows = GRID  # about one dot every other column of the plot at 80x24
        grid = [(-1.1 + 2.2 * i / (cols - 1), -1.1 + 2.2 * j / (rows - 1)) for i in range(cols) for j in range(rows)]
        guess = last.classify(grid)
        return by_class(grid, guess, "").curves()

    def regions_text() -> str:
        if not runs or not runs[-1].history:
            return "## What it learned\n\nTrain first (go back with `p`), then come back to see the regions."
        last = runs[-1]
        s = last.settings
        return (
            "## What it learned\n\n"
            f"Your last run ({s['loss']}, ×{s['scale']}, lr {fmt(s['lr'])}) ended at accuracy "
            f"{last.history[-1]['accuracy']:.0%}. Beside: the class it guesses at each point of a grid. "
            "Next: training without any gradient at all."
        )

    yield Narrate(regions_text, figure=Figure(series=regions, title="its guess over the plane"))
