"""A WaveNet-style hierarchy (makemore part 5): fuse the context two characters at a time, level by level."""

from lessons.api import ChoiceQuiz, Figure, Narrate, NumberQuiz, Series, Train, fmt, lesson

BLOCK = 8  # characters of context
WAVENET_HIDDEN = 48
RACE_STEPS = 300  # the flat MLP's steps in the seeded race; the WaveNet gets the same compute
RACE_SEEDS = (1, 2, 3, 4, 5)
MLP_HIDDEN = 108  # chosen so that both models have about the same number of parameters
STEPS = 300
BATCH = 32
WINDOW = 20  # minibatches averaged into the loss shown


@lesson(
    id="wavenet",
    title="A WaveNet-style hierarchy",
    summary="FlattenConsecutive fuses the context in pairs, level by level; train it against a flat MLP.",
    minutes=12,
    order=250,
    track="tensor",
)
def wavenet_lesson():
    from functools import cache

    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.tensor import Tensor
    from engine.tensor_nn import BatchNorm1d, FlattenConsecutive, Linear
    from lessons.tensor._makemore_setup import LanguageModelTrainer, flat_mlp, parameter_count, wavenet
    from lessons.tensor._shared import contexts, corpus, sample_names

    X, _ = contexts("train", BLOCK)
    itos = corpus().itos
    batch = X[np.random.default_rng(3).integers(0, len(X), BATCH)]
    example = next((row for row in batch if 2 <= (row == 0).sum() <= 4), batch[0])  # a context with a few letters

    def word(row) -> str:
        return "".join(itos[int(i)] for i in row)

    # the WaveNet on one batch: every layer keeps its output in .out
    model = wavenet(BLOCK, WAVENET_HIDDEN)
    model(batch)
    shapes = [(type(layer).__name__, layer.out.shape) for layer in model.layers]
    flat = flat_mlp(BLOCK, MLP_HIDDEN)
    sizes = {"mlp": parameter_count(flat), "wavenet": parameter_count(model)}

    yield Narrate(
        lambda: (
            "# A WaveNet-style hierarchy\n\n"
            f"The MLP language model reads its whole context at once: with {BLOCK} characters of context, "
            f"such as `{word(example)}`, the {BLOCK} embeddings are laid side by side and **one** layer squashes them. "
            "WaveNet (2016) fuses them gradually instead, as a tree:\n\n"
            f"`{' '.join(word(example[i : i + 2]) for i in range(0, BLOCK, 2))}` (pairs) → "
            f"`{' '.join(word(example[i : i + 4]) for i in range(0, BLOCK, 4))}` (fours) → "
            f"`{word(example)}` (all): each layer combines only two neighbours."
        )
    )

    tiny = Tensor(np.arange(8.0).reshape(1, 4, 2), label="x")
    fused = FlattenConsecutive(2)(tiny)
    yield Narrate(
        lambda: (
            "## FlattenConsecutive\n\n"
            "`FlattenConsecutive(n)` turns (B, T, C) into (B, T/n, C·n): n consecutive steps side by side. "
            f"A tiny x of shape {tiny.shape}, 4 time steps of 2 numbers, "
            f"`{' '.join(str(list(map(int, r))) for r in tiny.data[0])}`, becomes {fused.shape}: "
            f"`{' '.join(str(list(map(int, r))) for r in fused.data[0])}`.\n\n"
            "No arithmetic: it is a `view`, so its backward pass is a view back."
        )
    )
    options = ["(32, 4, 20)", "(32, 80)", "(32, 8, 20)", "(16, 8, 10)"]
    yield ChoiceQuiz(
        lambda: (
            f"## A shape\n\nA batch of {BATCH} contexts of {BLOCK} characters, embedded in 10 numbers each, "
            f"has shape {shapes[0][1]}. What shape comes out of the first `FlattenConsecutive(2)`?"
        ),
        choices=options,
        answer=lambda: options.index(str(shapes[1][1])),
        hint="The time axis halves (pairs), the feature axis doubles (two embeddings side by side).",
        explanation=lambda: f"The engine says {shapes[1][1]}: 4 pairs of 2 × 10 numbers per context.",
    )
    matmul_choices = [
        "(32, 4, 48): the same W is applied to each of the 4 pairs",
        "(32, 48): the 4 pairs are summed",
        "an error: @ needs two 2-D arrays",
        "(4, 32, 48): the batch moves second",
    ]
    yield ChoiceQuiz(
        "## A Linear layer on three axes\n\nThe next layer is `Linear(20, 48)`: `x @ W` with x of shape "
        "(32, 4, 20) and W of shape (20, 48). What comes out?",
        choices=matmul_choices,
        answer=lambda: 0 if shapes[2][1] == (BATCH, 4, WAVENET_HIDDEN) else 1,
        hint="`@` multiplies over the last axis and keeps all the others, as if each pair were an example.",
        explanation=lambda: (
            f"The engine gives {shapes[2][1]}. One W for every pair: like a convolution of width 2 and stride 2."
        ),
    )
    flow = " → ".join(
        f"{name.replace('FlattenConsecutive', 'Flatten2')} {shape}"
        for name, shape in shapes
        if name in ("Embedding", "FlattenConsecutive", "Linear")
    )
    yield Narrate(
        lambda: (
            "## Shapes as the data flows\n\n"
            f"The whole model on the batch, from each layer's `.out` (BatchNorm and tanh keep the shape): {flow}.\n\n"
            f"Three levels fuse {BLOCK} characters into 1, and the last Linear gives 27 logits per context."
        )
    )

    bn = BatchNorm1d(WAVENET_HIDDEN)
    bn_out = bn(model.layers[2].out)
    axes = ["(0,): over the batch only", "(0, 1): over the batch and the 4 pairs", "(1,): over the pairs only"]
    yield ChoiceQuiz(
        "## BatchNorm on three axes\n\nBatchNorm1d(48) now receives (32, 4, 48). Each of the 48 features "
        "should get **one** mean and one variance. Over which axes?",
        choices=axes,
        answer=lambda: 1 if bn.running_mean.shape == (WAVENET_HIDDEN,) else 0,
        hint="48 means, one per feature: every axis but the last is averaged over.",
        explanation=lambda: (
            f"Over (0, 1): 32 × 4 = {BATCH * 4} numbers per feature, and the running mean has shape "
            f"{bn.running_mean.shape}. Over axis 0 alone it would keep 4 × 48 statistics: a bug the lecture "
            f"finds. Output mean here: {fmt(float(bn_out.data.mean()))}."
        ),
    )

    per_layer = [(type(layer).__name__, sum(p.size for p in layer.parameters())) for layer in model.layers]
    linear_sizes = [size for name, size in per_layer if name == "Linear"]
    hidden_linear = Linear(2 * WAVENET_HIDDEN, WAVENET_HIDDEN, bias=False)
    yield NumberQuiz(
        lambda: (
            "## Count the parameters\n\n"
            f"The WaveNet: embedding table 27 × 10 = {per_layer[0][1]}, first Linear(20, 48) {linear_sizes[0]}, "
            f"three BatchNorms of 48 gains and 48 biases, output Linear(48, 27) {linear_sizes[-1]}, and two "
            "Linear(96, 48, bias=False) in the middle. **How many parameters in all?**"
        ),
        answer=lambda: sizes["wavenet"],
        hint=lambda: f"A Linear(96, 48) without bias is a 96 × 48 matrix; a BatchNorm of 48 has {2 * WAVENET_HIDDEN}.",
        explanation=lambda: (
            f"{per_layer[0][1]} + {linear_sizes[0]} + 2 × {hidden_linear.weight.size} + 3 × {2 * WAVENET_HIDDEN} "
            f"+ {linear_sizes[-1]} = {sizes['wavenet']}. The flat MLP with {MLP_HIDDEN} hidden units has "
            f"{sizes['mlp']}: a fair race."
        ),
        tolerance=1e-4,
    )

    runs: dict[str, LanguageModelTrainer] = {}

    def setup(kind: str):
        def make(settings: dict) -> LanguageModelTrainer:
            net = flat_mlp(BLOCK, MLP_HIDDEN) if kind == "mlp" else wavenet(BLOCK, WAVENET_HIDDEN)
            runs[kind] = LanguageModelTrainer(net, BLOCK, STEPS, batch=BATCH, window=WINDOW)
            return runs[kind]

        return make

    yield Train(
        lambda: (
            f"## Race 1: the flat MLP\n\nPress `t` to train the flat MLP ({sizes['mlp']:,} parameters) for {STEPS} "
            f"steps of Adam on batches of {BATCH}. loss: the mean of the last {WINDOW} batches; dev loss: "
            "names it never trains on, BatchNorm in evaluation mode."
        ),
        setup=setup("mlp"),
        steps=STEPS,
    )
    yield Train(
        lambda: (
            f"## Race 2: the WaveNet\n\nNow the hierarchy ({sizes['wavenet']:,} parameters), with the same "
            f"optimiser, batches and {STEPS} steps. Press `t`."
        ),
        setup=setup("wavenet"),
        steps=STEPS,
    )

    def race() -> list[Series]:
        return [
            Series(f"{kind} dev loss", [k for k, _ in run.measured], [loss for _, loss in run.measured])
            for kind, run in runs.items()
            if run.history
        ]

    finals: dict[str, tuple[tuple[int, int], float]] = {}

    def final(kind: str) -> float:
        """The loss of the trained model on the whole dev set (measured once per run)."""
        run = runs[kind]
        key = (id(run), len(run.history))
        if kind not in finals or finals[kind][0] != key:
            finals[kind] = (key, run.final_dev_loss())
        return finals[kind][1]

    def result() -> str:
        if len(runs) < 2 or not all(run.history for run in runs.values()):
            return "## The result\n\nTrain both models first (`p` goes back)."
        mlp, net = runs["mlp"], runs["wavenet"]
        gap = final("mlp") - final("wavenet")
        ahead = "the WaveNet" if gap > 0 else "the flat MLP"
        return (
            f"## The result\n\nLoss on all {len(net.Xdev):,} dev contexts: "
            f"flat MLP **{fmt(final('mlp'))}** after {len(mlp.history)} steps, "
            f"WaveNet **{fmt(final('wavenet'))}** after {len(net.history)}: {ahead} by {fmt(abs(gap))}. "
            f"Time per step: {fmt(1000 * mlp.seconds / len(mlp.history))} ms and "
            f"{fmt(1000 * net.seconds / len(net.history))} ms.\n\n"
            "So short a race proves little: in the lecture, longer training and wider layers let the "
            "hierarchy pull ahead."
        )

    yield Narrate(result, figure=Figure(race, title="dev loss", xlabel="step"))

    def multiply_adds(model) -> int:
        """Multiply-adds of the Linear layers for one example: each weight, times the positions it is applied at."""
        model.eval()
        try:
            model(np.zeros((1, BLOCK), dtype=int))
        finally:
            model.train()
        return sum(
            layer.weight.size * (layer.out.size // layer.out.shape[-1])
            for layer in model.layers
            if isinstance(layer, Linear)
        )

    compute = {
        "mlp": multiply_adds(flat_mlp(BLOCK, MLP_HIDDEN)),
        "wavenet": multiply_adds(wavenet(BLOCK, WAVENET_HIDDEN)),
    }
    budget = {"mlp": RACE_STEPS, "wavenet": round(RACE_STEPS * compute["mlp"] / compute["wavenet"])}

    @cache
    def seeded_finals() -> dict[str, list[float]]:
        """Each model trained from RACE_SEEDS different starts (weights and batches), on equal compute."""
        finals: dict[str, list[float]] = {"mlp": [], "wavenet": []}
        builders = {"mlp": (flat_mlp, MLP_HIDDEN), "wavenet": (wavenet, WAVENET_HIDDEN)}
        for seed in RACE_SEEDS:
            for kind, (build, hidden) in builders.items():
                net = build(BLOCK, hidden, seed=seed)
                trainer = LanguageModelTrainer(net, BLOCK, budget[kind], batch=BATCH, every=budget[kind], seed=seed)
                for k in range(budget[kind]):
                    trainer.step(k)
                finals[kind].append(trainer.final_dev_loss())
        return finals

    def verdict() -> str:
        finals = seeded_finals()
        means = {kind: float(np.mean(losses)) for kind, losses in finals.items()}
        spreads = {kind: float(np.std(losses)) for kind, losses in finals.items()}
        gap = means["mlp"] - means["wavenet"]
        noise = max(spreads.values())
        winner = "the WaveNet" if gap > 0 else "the flat MLP"
        decided = (
            f"{winner} wins: the gap is {fmt(abs(gap) / noise)} times the larger spread between seeds"
            if abs(gap) > 2 * noise
            else "the gap is within twice the spread: at this size the race is a draw"
        )
        return (
            f"## A fair race\n\nOne run proves little. Equal **compute**: the WaveNet applies its layers at "
            f"several positions, {compute['wavenet']:,} multiply-adds an example against {compute['mlp']:,}, so "
            f"it gets {budget['wavenet']} steps to the MLP's {budget['mlp']}. Then {len(RACE_SEEDS)} seeds each "
            f"(dev loss, mean ± std): flat MLP {fmt(means['mlp'])} ± {fmt(spreads['mlp'])}, WaveNet "
            f"{fmt(means['wavenet'])} ± {fmt(spreads['wavenet'])}. So {decided}."
        )

    yield Narrate(
        verdict,
        figure=Figure(
            lambda: [
                Series(
                    "final dev loss",
                    [f"{short}{seed}" for short in ("M", "W") for seed in RACE_SEEDS],
                    [*seeded_finals()["mlp"], *seeded_finals()["wavenet"]],
                    kind="bar",
                )
            ],
            title="final dev loss per seed: M flat MLP, W WaveNet",
        ),
    )
    reasons = [
        "Each layer fuses two neighbours, with weights shared across positions, so the context is combined gradually",
        "It has many more parameters than the flat MLP",
        "It sees more characters of context than the flat MLP",
    ]
    yield ChoiceQuiz(
        lambda: (
            f"## What the hierarchy buys\n\nBoth models see {BLOCK} characters and have about "
            f"{round(sizes['wavenet'], -3):,} parameters. What does the WaveNet do differently?"
        ),
        choices=reasons,
        answer=lambda: 0 if abs(sizes["wavenet"] - sizes["mlp"]) < 0.05 * sizes["mlp"] else 1,
        hint="Compare the numbers: the context length and the parameter counts are the same.",
        explanation=(
            "The same Linear layer reads every pair, as a convolution does: the model is deep where the "
            "flat MLP crams everything into one layer. WaveNet runs these layers as dilated convolutions."
        ),
    )

    def names() -> str:
        run = runs.get("wavenet")
        if run is None or not run.history:
            return "## Names\n\nTrain the WaveNet first."
        sampled = sample_names(run.next_probs, itos, 8, seed=5, block_size=BLOCK)
        return (
            "## Names from the WaveNet\n\n"
            "Eight names sampled from your trained WaveNet, BatchNorm in evaluation mode:\n\n"
            f"`{', '.join(sampled)}`\n\n"
            "Next: the same idea, sharing weights across positions, on images: a convolution layer."
        )

    yield Narrate(names)
