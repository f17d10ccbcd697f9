"""An MLP language model (Bengio et al. 2003, makemore part 2): embeddings, a tanh hidden layer,
minibatches, a learning-rate finder, train and dev loss, and names sampled from it."""

from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    Figure,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    Series,
    Setting,
    Train,
    fmt,
    lesson,
)

BLOCK = 3  # characters of context
DIMS = 10  # numbers per character embedding
HIDDEN = 64  # tanh units
STEPS = 800  # minibatch steps in the Train step
EVERY = 25  # steps between measurements of the training and dev loss
BATCH = 32
DEFAULT_LR = 0.3
VOWELS = "aeiou"
FINDER_FROM, FINDER_TO = -3.0, 0.5  # the learning-rate finder's rates: 10^-3 up to 10^0.5
FINDER_STEPS = 800  # one run, one rate a step
FINDER_SMOOTH = 50  # steps averaged to read the finder's curve through the minibatch noise
SAMPLES = 10
PROBE_STEPS = 200  # training steps before looking at minibatch noise


@lesson(
    id="mlp-language-model",
    title="MLP language model",
    summary="Embeddings, a tanh hidden layer and minibatches: a learning-rate finder, train vs dev loss, new names.",
    minutes=18,
    order=220,
    track="tensor",
)
def mlp_language_model():
    import math
    from functools import cache

    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from lessons.tensor._shared import (
        MLPLanguageModel,
        MLPTrainer,
        bigram_counts,
        contexts,
        corpus,
        sample_names,
    )

    c = corpus()
    Xtr, Ytr = contexts("train", BLOCK)
    Xdev, Ydev = contexts("dev", BLOCK)
    word = c.train[0]

    def context_text(i: int) -> str:
        return "".join(c.itos[int(j)] for j in Xtr[i]) + " → " + c.itos[int(Ytr[i])]

    yield Narrate(
        lambda: (
            "# MLP language model\n\n"
            f"The bigram model saw one character. Bengio et al. (2003) look at the last **{BLOCK}**: each "
            f"character becomes a vector of {DIMS} learned numbers (a row of the embedding table C, 27×{DIMS}); the "
            f"{BLOCK} vectors side by side feed a tanh hidden layer of {HIDDEN} units, then 27 logits.\n\n"
            f"Every character of every training name is one example, its {BLOCK} predecessors the context. "
            f"`{word}` gives {', '.join(context_text(i) for i in range(4))}, ... "
            f"In all: X of shape {Xtr.shape}, Y of shape {Ytr.shape}."
        )
    )

    sizes = {"C": 27 * DIMS, "W1": BLOCK * DIMS * HIDDEN, "b1": HIDDEN, "W2": HIDDEN * 27, "b2": 27}
    counted = MLPLanguageModel(DIMS, HIDDEN, BLOCK)
    yield NumberQuiz(
        f"## Count the parameters\n\nC is 27×{DIMS}; W1 takes the {BLOCK}·{DIMS} = {BLOCK * DIMS} "
        f"concatenated numbers to {HIDDEN} units, with a bias b1; W2 and b2 map {HIDDEN} units to 27 logits. "
        "How many numbers does the model learn?",
        answer=lambda: sum(p.size for p in counted.parameters()),
        hint=f"27·{DIMS} + {BLOCK * DIMS}·{HIDDEN} + {HIDDEN} + {HIDDEN}·27 + 27.",
        explanation=lambda: (
            " + ".join(f"{sizes[p.label]} ({p.label})" for p in counted.parameters())
            + f" = {sum(p.size for p in counted.parameters())}."
        ),
        tolerance=0.0,
    )

    demo = MLPLanguageModel(DIMS, HIDDEN, BLOCK)
    demo_loss = demo.loss(Xtr[:4], Ytr[:4], labels=True)
    yield ForwardSteps(
        "## The forward pass, in shapes\n\n"
        f"Four examples of `{word}` go through the model. Press `n` for each node: C[X] looks up "
        f"{BLOCK} rows per example (4×{BLOCK}×{DIMS}), `view` lays them side by side (4×{BLOCK * DIMS}), "
        "then the hidden layer, the logits, and one number, the mean cross-entropy.",
        graph=demo_loss,
    )
    yield BackwardSteps(
        lambda: (
            f"## Backward\n\nThe loss is {demo_loss.item():.4f}, close to −ln(1/27) = {math.log(27):.4f}: "
            "W2 starts small, so every character looks equally likely. Press `n` through backprop. At `emb`, "
            "each looked-up row's grad is **added back** into the row of C it came from."
        ),
        graph=demo_loss,
    )
    shapes = [f"(32, {BLOCK}, {DIMS})", f"(32, {BLOCK * DIMS})", f"(27, {DIMS})", "(32, 27)"]
    yield ChoiceQuiz(
        "## Shapes\n\nTraining uses minibatches of 32 examples. What shape is **emb = C[Xb]** for a "
        "minibatch Xb of shape (32, 3)?",
        choices=shapes,
        answer=lambda: shapes.index(str(demo.C.data[Xtr[:32]].shape)),
        hint="Indexing with an integer array replaces each index by the row it picks.",
        explanation="Each of the 32×3 indices becomes a row of 10 numbers: (32, 3, 10). "
        "`view(32, 30)` then lays the 3 rows of each example side by side.",
    )

    probe = MLPLanguageModel(DIMS, HIDDEN, BLOCK)
    rng = np.random.default_rng(1)
    batches = [rng.integers(0, len(Xtr), BATCH) for _ in range(30)]

    @cache
    def probe_losses() -> tuple[float, list[float]]:
        """The full and the minibatch losses of the model after PROBE_STEPS steps of training."""
        trainer = MLPTrainer(probe, 0.3, PROBE_STEPS, every=PROBE_STEPS, seed=2)
        for k in range(PROBE_STEPS):
            trainer.step(k)
        return probe.loss(Xtr, Ytr).item(), [probe.loss(Xtr[ix], Ytr[ix]).item() for ix in batches]

    yield Narrate(
        lambda: (
            "## Minibatches\n\n"
            f"A full pass scores all {len(Xtr)} examples: loss {probe_losses()[0]:.4f} for a model trained "
            f"{PROBE_STEPS} steps. Random minibatches of {BATCH} give "
            + ", ".join(f"{loss:.3f}" for loss in probe_losses()[1][:5])
            + f", ... (the dots). Each is a noisy estimate, but {len(Xtr) // BATCH} times cheaper: many rough "
            "steps beat a few exact ones. Training draws a fresh minibatch each step (seeded: every run "
            "draws the same ones)."
        ),
        figure=Figure(
            lambda: [
                Series("minibatch", list(range(1, len(batches) + 1)), probe_losses()[1], kind="scatter"),
                Series("all examples", [1, len(batches)], [probe_losses()[0]] * 2),
            ],
            title=f"the loss on {len(batches)} minibatches, and on all examples",
            xlabel="minibatch",
        ),
    )

    @cache
    def finder() -> tuple[list[float], list[float]]:
        """makemore's learning-rate finder: one run whose rate grows exponentially, 10^FINDER_FROM to
        10^FINDER_TO over FINDER_STEPS minibatch steps; (log10 of each step's rate, its minibatch loss)."""
        model = MLPLanguageModel(DIMS, HIDDEN, BLOCK)
        rng = np.random.default_rng(0)
        exponents = np.linspace(FINDER_FROM, FINDER_TO, FINDER_STEPS)
        losses = []
        for exponent in exponents:
            ix = rng.integers(0, len(Xtr), BATCH)
            loss = model.loss(Xtr[ix], Ytr[ix])
            if not math.isfinite(loss.item()):
                break  # blown up: the rest of the rates are too big as well
            for p in model.parameters():
                p.grad = np.zeros_like(p.data)
            loss.backward()
            for p in model.parameters():
                p.data -= 10**exponent * p.grad
            losses.append(loss.item())
        return [float(e) for e in exponents[: len(losses)]], losses

    def smoothed() -> tuple[list[float], list[float]]:
        """The finder's losses averaged over FINDER_SMOOTH steps: minibatch noise aside, where is the bottom?"""
        exponents, losses = finder()
        kernel = np.ones(FINDER_SMOOTH) / FINDER_SMOOTH
        mean = np.convolve(losses, kernel, mode="valid")
        return exponents[FINDER_SMOOTH // 2 : FINDER_SMOOTH // 2 + len(mean)], [float(m) for m in mean]

    def best_lr() -> float:
        exponents, mean = smoothed()
        return float(10 ** exponents[int(np.argmin(mean))])

    finder_figure = Figure(
        lambda: [Series("minibatch loss", *finder()), Series(f"mean of {FINDER_SMOOTH}", *smoothed())],
        title=f"one run of {FINDER_STEPS} steps, the rate growing each step",
        xlabel="log10 learning rate",
    )
    yield Narrate(
        lambda: (
            "## Finding a learning rate\n\n"
            "Too small and nothing moves; too big and the loss jumps about. makemore's finder: **one** run of "
            f"{FINDER_STEPS} minibatch steps whose rate grows exponentially, from {10**FINDER_FROM:g} to "
            f"{10**FINDER_TO:.2g} (`lrs = 10**torch.linspace({FINDER_FROM:g}, {FINDER_TO:g}, {FINDER_STEPS})`). "
            "Plotted against log10 of the rate, the loss falls, flattens, then climbs once the rate is too big."
        ),
        figure=finder_figure,
    )
    ranges = ["below 0.01", "0.01 to 0.1", "above 0.1, up to 1", "above 1"]

    def best_range() -> int:
        lr = best_lr()
        return 0 if lr < 0.01 else 1 if lr <= 0.1 else 2 if lr <= 1 else 3

    yield ChoiceQuiz(
        "## Read the finder\n\nAt which rates is the loss lowest (the bottom of the averaged curve)?",
        choices=ranges,
        answer=best_range,
        hint="Find the bottom of the curve. The x axis shows log10 of the rate: -2 is 0.01, -1 is 0.1, 0 is 1.",
        explanation=lambda: (
            f"The averaged loss is lowest, {min(smoothed()[1]):.3f}, at a rate of {best_lr():.2g}. makemore, on "
            "its larger data, settles on 0.1; ours is a smaller model on fewer names. Pick a rate a little "
            "below the bottom: the run got there with a loss already lowered by the smaller rates before."
        ),
        figure=finder_figure,
    )

    runs: list[MLPTrainer] = []

    def setup(settings: dict) -> MLPTrainer:
        model = MLPLanguageModel(settings["dims"], settings["hidden"], BLOCK)
        runs.append(MLPTrainer(model, settings["lr"], STEPS, batch=BATCH, every=EVERY))
        return runs[-1]

    yield Train(
        lambda: (
            f"## Train it\n\nPress `t`: {STEPS} steps of {BATCH} examples, the rate cut tenfold for the last "
            f"quarter. Every {EVERY} steps: loss on 2,000 training examples, dev loss on all {len(Xdev)} dev "
            f"examples. Keys 1-3: rate (the finder liked {best_lr():.2g}), embedding size, width."
        ),
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("lr", "lr", (0.03, 0.1, 0.3, 1.0), DEFAULT_LR),
            Setting("dims", "embedding", (2, 5, 10), DIMS),
            Setting("hidden", "hidden", (32, 64, 100), HIDDEN),
        ),
    )

    N = bigram_counts(c.train, c.stoi)
    P = (N + 1) / (N + 1).sum(axis=1, keepdims=True)
    bigram_dev = float(-np.log(P[Xdev[:, -1], Ydev]).mean())

    def results() -> str:
        if not runs or not runs[-1].history:
            return "## Results\n\nTrain first (go back one step), then come back."
        run = runs[-1]
        model = run.model
        train_all = model.loss(Xtr, Ytr).item()
        dev = model.loss(Xdev, Ydev).item()
        size = sum(p.size for p in model.parameters())
        return (
            "## Results\n\n"
            f"After {len(run.history)} steps (lr {run.lr:g}, {size} parameters): loss **{train_all:.4f}** on all "
            f"{len(Xtr)} training examples, **{dev:.4f}** on the dev names it never trained on. The smoothed "
            f"bigram model scores {bigram_dev:.4f} on dev"
            + (": three characters of context help.\n\n" if dev < bigram_dev else ", still better: train longer.\n\n")
            + f"Dev minus train: {dev - train_all:.3f}. "
            + (
                "So small a gap means the model is not memorising its training names (overfitting): "
                "a bigger model or a longer run could still gain."
                if dev - train_all < 0.05
                else "A gap like this is overfitting setting in: the model starts to memorise its training names."
            )
        )

    def results_bars() -> list:
        if not runs or not runs[-1].history:
            return []
        model = runs[-1].model
        return [
            Series(
                "loss",
                ["uniform", "bigram dev", "MLP train", "MLP dev"],
                [math.log(27), bigram_dev, model.loss(Xtr, Ytr).item(), model.loss(Xdev, Ydev).item()],
                kind="bar",
            )
        ]

    yield Narrate(results, figure=Figure(results_bars, title="loss per character"))

    def samples() -> str:
        if not runs:
            return "## Names\n\nTrain first (go back two steps)."
        model = runs[-1].model
        names = sample_names(model.next_probs, c.itos, SAMPLES, seed=2147483647, block_size=BLOCK)
        fresh = [n for n in names if n not in set(c.words)]
        return (
            "## New names\n\nStart with the context `...`, sample a character from the softmax of the logits, "
            "slide the context along, repeat until '.':\n\n"
            f"**{', '.join(names)}**\n\n"
            + (f"All {len(names)}" if len(fresh) == len(names) else f"{len(fresh)} of these {len(names)}")
            + " are not in the corpus at all: made up, one character at a time."
        )

    yield Narrate(samples)

    @cache
    def flat_embedding() -> np.ndarray:
        """C of the same model trained with 2 numbers per character: one point per character."""
        model = MLPLanguageModel(2, HIDDEN, BLOCK)
        trainer = MLPTrainer(model, DEFAULT_LR, STEPS, batch=BATCH, every=STEPS)
        for k in range(STEPS):
            trainer.step(k)
        return model.C.data

    def spread(chars: str) -> float:
        """The mean distance between the points of `chars`."""
        points = flat_embedding()[[c.stoi[ch] for ch in chars]]
        gaps = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return float(gaps.sum() / (len(chars) * (len(chars) - 1)))

    def nearest(ch: str, k: int = 3) -> str:
        C2 = flat_embedding()
        gaps = np.linalg.norm(C2 - C2[c.stoi[ch]], axis=1)
        return ", ".join(c.itos[int(j)] for j in np.argsort(gaps)[1 : k + 1])

    consonants = "".join(ch for ch in "abcdefghijklmnopqrstuvwxyz" if ch not in VOWELS)

    def embedding_points() -> list[Series]:
        C2 = flat_embedding()
        groups = (("vowels", VOWELS), ("consonants", consonants), ("'.'", "."))
        return [
            Series(
                name,
                [float(C2[c.stoi[ch], 0]) for ch in chars],
                [float(C2[c.stoi[ch], 1]) for ch in chars],
                kind="scatter",
            )
            for name, chars in groups
        ]

    yield Narrate(
        lambda: (
            "## The characters in 2-D\n\n"
            "With 2 numbers per character (key 2 of the training), each row of C is a point. Trained the same "
            f"way, the vowels sit together: {fmt(spread(VOWELS))} apart on average, the consonants "
            f"{fmt(spread(consonants))}, all {fmt(spread(consonants + VOWELS + '.'))}. Nearest to a: "
            f"{nearest('a')}. Nobody told the model what a vowel is: characters that fit the same contexts "
            "end up close, so what it learns about one carries over to the others."
        ),
        figure=Figure(embedding_points, title="C: one point per character", xlabel="C[:, 0]", ylabel="C[:, 1]"),
    )
    yield ChoiceQuiz(
        "## Overfitting\n\nYou train a much bigger model for much longer. The training loss keeps falling, "
        "but the dev loss starts to **rise**. What is happening?",
        choices=[
            "It memorises the training names instead of what names look like",
            "The learning rate is too small",
            "The dev set is too large",
        ],
        answer=0,
        hint="The dev names were never trained on: they measure what generalises.",
        explanation="Overfitting: what it learns no longer carries over to new names. Stop earlier, shrink "
        "the model, regularise or find more data; the dev loss tells you which setting wins.",
    )
    Xte, Yte = contexts("test", BLOCK)

    def test_once() -> str:
        if not runs or not runs[-1].history:
            return "## The test set, once\n\nTrain first (go back to the training step), then come back."
        model = runs[-1].model
        return (
            "## The test set, once\n\n"
            f"The dev set chose the rate and the sizes; its {len(Xdev)} examples have been looked at many times. "
            f"The {len(Xte)} test examples have not: your last model scores **{model.loss(Xte, Yte).item():.4f}** "
            f"on them (dev {model.loss(Xdev, Ydev).item():.4f}). That is the number to report, and it is used "
            "once: tune against it and it stops being an honest estimate of new names."
        )

    yield Narrate(test_once)
