"""Activations, gradients and BatchNorm (makemore part 3): the initial-loss check, tanh saturation,
Kaiming initialisation, BatchNorm in training and evaluation, and the statistics that show a healthy net."""

from lessons.api import (
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

BLOCK, DIMS, HIDDEN = 3, 10, 64
DEPTH = 3  # tanh layers of the deep network trained here
STEPS = 600
BATCH = 32
GAIN = 5 / 3  # Kaiming's gain for tanh
BINS = 10  # histogram bars over [-1, 1]
WARMUP = 200  # forward passes that settle BatchNorm's running statistics
EVERY = 30  # steps between measurements of the training and dev loss


@lesson(
    id="batchnorm",
    title="Activations, gradients and BatchNorm",
    summary="Check the first loss, find saturated tanh units, fix them (Kaiming init, BatchNorm), read the stats.",
    minutes=20,
    order=230,
    track="tensor",
)
def batchnorm():
    import math
    from functools import cache

    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.tensor import Tensor, cross_entropy, embedding
    from engine.tensor_nn import BatchNorm1d, Embedding, FlattenConsecutive, Linear, Sequential, Tanh
    from lessons.tensor._shared import contexts, density, histogram

    Xtr, Ytr = contexts("train", BLOCK)
    Xdev, Ydev = contexts("dev", BLOCK)
    V = 27
    fan_in = BLOCK * DIMS
    expected = -math.log(1 / V)
    batch = np.random.default_rng(3).integers(0, len(Xtr), 1000)  # a fixed sample to measure the first loss on
    Xb, Yb = Xtr[batch], Ytr[batch]

    # -- makemore part 2's network, initialised naively with randn everywhere ---------------------------
    rng = np.random.default_rng(2147483647)
    C = rng.standard_normal((V, DIMS))
    W1 = rng.standard_normal((fan_in, HIDDEN))
    b1 = rng.standard_normal(HIDDEN)
    W2 = rng.standard_normal((HIDDEN, V))
    b2 = rng.standard_normal(V)

    def forward(w1: np.ndarray, bias1: np.ndarray, w2: np.ndarray, bias2: np.ndarray):
        """hpre, h and the loss on the fixed sample, computed by the tensor engine."""
        embcat = embedding(Tensor(C), Xb).view(len(Xb), -1)
        hpre = embcat @ Tensor(w1) + Tensor(bias1)
        h = hpre.tanh()
        loss = cross_entropy(h @ Tensor(w2) + Tensor(bias2), Yb)
        return hpre.data, h.data, loss.item()

    @cache
    def naive():
        return forward(W1, b1, W2, b2)

    @cache
    def small_output():
        return forward(W1, b1, W2 * 0.01, b2 * 0)

    @cache
    def kaiming():
        return forward(W1 * GAIN / math.sqrt(fan_in), b1 * 0.01, W2 * 0.01, b2 * 0)

    def saturated(h: np.ndarray) -> float:
        return float((np.abs(h) > 0.99).mean())

    yield NumberQuiz(
        "# Activations, gradients and BatchNorm\n\n"
        "Before training, look inside the network. First the **initial-loss check**: a freshly initialised "
        "model has no reason to prefer any of the 27 characters. What should its loss be, for every example?",
        answer=expected,
        hint="Each character gets probability 1/27, and the loss is −ln of the right one's probability.",
        explanation=lambda: f"−ln(1/{V}) = {expected:.4f}. Anything much higher means the net is confidently wrong.",
    )
    yield Narrate(
        lambda: (
            "## Confidently wrong\n\n"
            f"makemore part 2's network ({HIDDEN} tanh units) with every weight drawn from randn starts at loss "
            f"**{naive()[2]:.2f}** on 1,000 examples, not {expected:.2f}: its logits are large, so softmax "
            "bets heavily on some character, often the wrong one. Training would first spend steps just "
            f"shrinking them. Scale W2 by `0.01` and set b2 to zero: loss **{small_output()[2]:.4f}**."
        ),
        figure=Figure(
            lambda: [
                Series(
                    "loss",
                    ["expected", "randn", "W2 small"],
                    [expected, naive()[2], small_output()[2]],
                    kind="bar",
                )
            ],
            title="loss before any training",
        ),
    )
    yield Narrate(
        lambda: (
            "## Saturated tanh\n\n"
            f"Now the hidden layer. W1 is randn too, so hpre = embcat @ W1 + b1 sums {fan_in} products and has a "
            f"standard deviation of **{naive()[0].std():.2f}**. tanh squashes almost all of it to ±1: "
            f"**{saturated(naive()[1]):.0%}** of the values have |h| > `0.99` (the bars: share of h per bin)."
        ),
        figure=Figure(
            lambda: [Series("% of h", *histogram(naive()[1], -1, 1, BINS), kind="bar")],
            title="h = tanh(hpre), randn W1",
        ),
    )
    yield NumberQuiz(
        lambda: (
            "## Why that hurts\n\nBackprop through tanh multiplies the grad by its local derivative, 1 − h². "
            f"For a unit at h = {0.99}, what fraction of the grad passes back?"
        ),
        answer=1 - 0.99**2,
        hint=lambda: f"1 − h² with h = {0.99}: {0.99}² is just over {0.98}.",
        explanation=lambda: (
            f"1 − 0.99² = {1 - 0.99**2:.4f}: about 2%. A unit saturated on every example would pass back "
            "nothing and never learn. Here the most saturated unit is beyond ±0.99 on "
            f"{(np.abs(naive()[1]) > 0.99).mean(axis=0).max():.0%} of the 1,000 examples."
        ),
    )
    yield NumberQuiz(
        lambda: (
            "## Kaiming initialisation\n\n"
            "Scale W1 so hpre keeps a sensible size: divide randn by √fan_in, and multiply by a gain that makes up "
            f"for tanh's squashing, {GAIN:.4g} (5/3, as PyTorch's `kaiming_normal_` uses for tanh). fan_in is "
            f"{fan_in}: what standard deviation should W1 have?"
        ),
        answer=GAIN / math.sqrt(fan_in),
        hint=lambda: f"(5/3) / √{fan_in}, and √{fan_in} is about {math.sqrt(fan_in):.2f}.",
        explanation=lambda: f"(5/3)/√{fan_in} = {GAIN / math.sqrt(fan_in):.4f}.",
        tolerance=5e-3,
    )
    yield Narrate(
        lambda: (
            "## After Kaiming\n\n"
            f"With W1 × {GAIN / math.sqrt(fan_in):.4f} (and b1 × `0.01`), hpre has standard deviation "
            f"{kaiming()[0].std():.2f} and only **{saturated(kaiming()[1]):.0%}** of h is beyond ±`0.99`, "
            f"down from {saturated(naive()[1]):.0%}. The first loss: {kaiming()[2]:.4f}."
        ),
        figure=Figure(
            lambda: [Series("% of h", *histogram(kaiming()[1], -1, 1, BINS), kind="bar")],
            title="h = tanh(hpre), Kaiming W1",
        ),
    )

    # -- BatchNorm, written out so the step-through names every piece ------------------------------------
    bn_rng = np.random.default_rng(7)
    Ct = Tensor(C, label="C")
    W1t = Tensor(W1 * GAIN / math.sqrt(fan_in), label="W1")
    bngain = Tensor(np.ones(HIDDEN), label="bngain")
    bnbias = Tensor(np.zeros(HIDDEN), label="bnbias")
    W2t = Tensor(W2 * 0.01, label="W2")
    b2t = Tensor(np.zeros(V), label="b2")
    ix = bn_rng.integers(0, len(Xtr), BATCH)
    emb = embedding(Ct, Xtr[ix])  # C[Xb]: each example's characters, looked up
    emb.label = "emb"
    embcat = emb.view(BATCH, -1)
    embcat.label = "embcat"
    hprebn = embcat @ W1t
    hprebn.label = "hprebn"
    bnmean = hprebn.mean(0, keepdims=True)
    bnmean.label = "bnmean"
    bnvar = hprebn.var(0, keepdims=True, correction=0)
    bnvar.label = "bnvar"
    centred = hprebn - bnmean
    centred.label = "centred"
    eps = Tensor(np.array(1e-5), label="eps")  # keeps the division finite when a unit's variance is 0
    var_eps = bnvar + eps
    var_eps.label = "bnvar+eps"
    spread = var_eps**0.5
    spread.label = "bnstd"
    bnraw = centred / spread
    bnraw.label = "bnraw"
    scaled = bngain * bnraw
    scaled.label = "scaled"
    hpreact = scaled + bnbias
    hpreact.label = "hpreact"
    hbn = hpreact.tanh()
    hbn.label = "h"
    hW2 = hbn @ W2t
    hW2.label = "h@W2"
    logits = hW2 + b2t
    logits.label = "logits"
    bn_loss = cross_entropy(logits, Ytr[ix])
    bn_loss.label = "loss"

    layer = BatchNorm1d(HIDDEN)
    same = float(np.abs(layer(Tensor(hprebn.data)).data - hpreact.data).max())

    yield ForwardSteps(
        lambda: (
            "## BatchNorm\n\n"
            "Or stop worrying about scale: **normalise** hpre over the batch. Each unit's column gets mean 0 and "
            "variance 1 (bnraw), then a learned gain and bias (bngain, bnbias) set the size the net wants. "
            f"Press `n` through a batch of {BATCH}: bnmean and bnvar have shape (1, {HIDDEN}), one number per unit. "
            f"(The engine's BatchNorm1d layer agrees: largest difference {same:.2g}.) W1 needs no bias: bnmean "
            "would subtract it again."
        ),
        graph=bn_loss,
    )
    unbiased = hprebn.var(0, keepdims=True, correction=1)
    bessel = float(unbiased.data[0, 0] / bnvar.data[0, 0])
    yield NumberQuiz(
        lambda: (
            "## Bessel's correction\n\n"
            f"bnvar divides the squared deviations by n = {BATCH}: `var(correction=0)`, as BatchNorm does when it "
            "normalises. But a batch is a sample, and dividing by n underestimates the variance of all the data; "
            "Bessel's correction divides by n − 1 (`correction=1`). For unit 1 of this batch, "
            f"bnvar = {fmt(float(bnvar.data[0, 0]))}. **What is the corrected variance?**"
        ),
        answer=lambda: float(unbiased.data[0, 0]),
        hint=f"The same sum of squares, divided by {BATCH - 1} instead of {BATCH}: times {BATCH}/{BATCH - 1}.",
        explanation=lambda: (
            f"{fmt(float(bnvar.data[0, 0]))} × {BATCH}/{BATCH - 1} = {fmt(float(unbiased.data[0, 0]))}, "
            f"{fmt(bessel)} times bigger. PyTorch's BatchNorm normalises with the 1/n variance in training but "
            "keeps its running variance (used at test time) with 1/(n − 1): a small train/test mismatch the "
            "backprop lecture points out, and avoids by using 1/(n − 1) throughout. The engine's BatchNorm1d "
            "does as PyTorch does."
        ),
    )

    # -- a deeper network, trained with the learner's choice of initialisation and BatchNorm ----------------
    def deep_model(init: str, bn: bool, seed: int = 42) -> Sequential:
        rng = np.random.default_rng(seed)
        layers = [Embedding(V, DIMS, rng=rng), FlattenConsecutive(BLOCK)]
        fan = fan_in
        for _ in range(DEPTH):
            linear = Linear(fan, HIDDEN, bias=not bn, rng=rng)  # drawn as randn / √fan
            linear.weight.data *= math.sqrt(fan) if init == "randn" else GAIN
            layers += [linear, BatchNorm1d(HIDDEN), Tanh()] if bn else [linear, Tanh()]
            fan = HIDDEN
        last = Linear(fan, V, rng=rng)
        last.weight.data *= math.sqrt(fan) if init == "randn" else 0.1
        return Sequential(*layers, last)

    class DeepTrainer:
        """Minibatch SGD on the deep network; records what the last steps saw inside it.

        Every step records log10(std(lr·grad) / std(weight)) of every Linear layer (the
        update-to-data ratio); `inside()` runs 500 fixed training examples through the net as
        it is now and returns each tanh layer's outputs and their grads (for histograms).
        Every EVERY steps the loss is measured on 1,000 training examples and on the dev set,
        with BatchNorm in evaluation mode.
        """

        def __init__(self, init: str, bn: bool, lr: float) -> None:
            self.init, self.bn, self.lr = init, bn, lr
            self.model = deep_model(init, bn)
            self.linears = [m for m in self.model.layers if isinstance(m, Linear)]
            self.tanhs = [m for m in self.model.layers if isinstance(m, Tanh)]
            self.rng = np.random.default_rng(0)
            pick = np.random.default_rng(1).choice(len(Xtr), 1000, replace=False)
            self.Xeval, self.Yeval = Xtr[pick], Ytr[pick]
            self.history: list[dict[str, float]] = []
            self.ratios: list[list[float]] = []
            self._inside: tuple[int, list[np.ndarray], list[np.ndarray]] | None = None
            self.last = self.evaluate()
            self.start = dict(self.last)

        def parameters(self) -> list:
            return self.model.parameters()

        def evaluate(self) -> dict[str, float]:
            self.model.eval()
            result = {
                "loss": cross_entropy(self.model(self.Xeval), self.Yeval).item(),
                "dev loss": cross_entropy(self.model(Xdev), Ydev).item(),
            }
            self.model.train()
            return result

        def step(self, k: int) -> dict[str, float]:
            ix = self.rng.integers(0, len(Xtr), BATCH)
            loss = cross_entropy(self.model(Xtr[ix]), Ytr[ix])
            self.model.zero_grad()
            loss.backward()
            lr = self.lr if k < STEPS * 3 // 4 else self.lr / 10
            for p in self.parameters():
                p.data -= lr * p.grad
            self.ratios.append(
                [math.log10((lr * m.weight.grad).std() / m.weight.data.std() + 1e-30) for m in self.linears]
            )
            if (k + 1) % EVERY == 0 or k == STEPS - 1:
                self.last = self.evaluate()
            self.history.append(dict(self.last))
            return dict(self.last)

        def inside(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
            """The tanh outputs and their grads on 500 fixed training examples (batch statistics, as in training).

            The parameters' grads and BatchNorm's running statistics are put back afterwards.
            """
            if self._inside is None or self._inside[0] != len(self.history):
                kept = [(p, p.grad) for p in self.parameters()]
                norms = [(m, m.running_mean, m.running_var) for m in self.model.layers if isinstance(m, BatchNorm1d)]
                loss = cross_entropy(self.model(self.Xeval[:500]), self.Yeval[:500])
                self.model.zero_grad()
                loss.backward()
                acts = [t.out.data.copy() for t in self.tanhs]
                grads = [t.out.grad.copy() for t in self.tanhs]
                for p, grad in kept:
                    p.grad = grad
                for m, mean, var in norms:
                    m.running_mean, m.running_var = mean, var
                self._inside = (len(self.history), acts, grads)
            return self._inside[1], self._inside[2]

        def describe(self) -> str:
            return f"{self.init} init, BatchNorm {'on' if self.bn else 'off'}, lr {self.lr:g}"

    runs: list[DeepTrainer] = []

    def setup(settings: dict) -> DeepTrainer:
        runs.append(DeepTrainer(settings["init"], settings["bn"] == "on", settings["lr"]))
        return runs[-1]

    yield Train(
        f"## Train a deeper net\n\n{DEPTH} tanh layers of {HIDDEN}. Press `t` for {STEPS} steps, then compare: "
        "key 1 switches randn and Kaiming init, 2 BatchNorm, 3 the learning rate. "
        "Try randn without BatchNorm, then with it.",
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("init", "init", ("randn", "kaiming"), "kaiming"),
            Setting("bn", "batchnorm", ("off", "on"), "off"),
            Setting("lr", "lr", (0.03, 0.1, 0.3), 0.1),
        ),
    )

    def trained() -> DeepTrainer | None:
        done = [r for r in runs if r.history]
        return done[-1] if done else None

    def compared() -> str:
        done = [r for r in runs if r.history]
        if not done:
            return "## Your runs\n\nTrain first (go back one step)."
        lines = [
            f"- {r.describe()}: first loss {r.start['loss']:.2f}, dev loss **{r.history[-1]['dev loss']:.3f}**"
            for r in done[-5:]
        ]
        latest = {(r.init, r.bn, r.lr): r.history[-1]["dev loss"] for r in done}
        pairs = [(key, latest.get((key[0], True, key[2]))) for key in latest if not key[1]]
        pairs = [(key, on) for key, on in pairs if on is not None]
        if pairs:
            (init, _, lr), on = pairs[-1]
            verdict = (
                f"With {init} init at lr {lr:g}, BatchNorm took the dev loss from {latest[(init, False, lr)]:.3f} "
                f"to {on:.3f}."
            )
        else:
            verdict = "Train the same settings with BatchNorm off and on (key 2) to see what it changes."
        return "## Your runs\n\n" + "\n".join(lines) + "\n\nA bad start costs steps. " + verdict

    def compared_bars() -> list:
        done = [r for r in runs if r.history][-5:]
        labels = [f"{r.init[0].upper()}{' BN' if r.bn else ''} {r.lr:g}" for r in done]
        return [Series("dev loss", labels, [r.history[-1]["dev loss"] for r in done], kind="bar")] if done else []

    yield Narrate(compared, figure=Figure(compared_bars, title="dev loss (R randn, K Kaiming, BN, lr)"))
    yield ChoiceQuiz(
        "## Training and evaluation\n\nAfter training you want the next character for **one** context. "
        "In training BatchNorm used the batch's mean and variance. What should it use now?",
        choices=[
            "Running averages of the batch statistics, kept during training",
            "The mean and variance of that single example",
            "The statistics of whichever batch it happens to be in",
        ],
        answer=0,
        hint="What is the variance of one number? And should an answer depend on its neighbours?",
        explanation="BatchNorm1d keeps running_mean and running_var while training; `model.eval()` switches to them.",
    )

    probe = deep_model("kaiming", bn=True, seed=5)
    probe_bn = next(m for m in probe.layers if isinstance(m, BatchNorm1d))
    probe_rng = np.random.default_rng(11)
    for _ in range(WARMUP):  # forward passes only: the running statistics settle, nothing is trained
        probe(Xtr[probe_rng.integers(0, len(Xtr), BATCH)])
    first = Xtr[:1]
    probe.train()
    in_a = probe(np.concatenate([first, Xtr[100:131]])).data[0]
    in_b = probe(np.concatenate([first, Xtr[500:531]])).data[0]
    probe.eval()
    alone = probe(first).data[0]
    in_batch = probe(np.concatenate([first, Xtr[100:131]])).data[0]
    probe.train()
    all_means = probe.layers[2](probe.layers[1](probe.layers[0](Xtr))).data.mean(axis=0)  # hpre over all examples
    probe_gap = float(np.abs(probe_bn.running_mean - all_means).max())
    full_mean = float(np.abs(all_means).max())

    yield Narrate(
        lambda: (
            "## Train mode and eval mode\n\n"
            f"A fresh BatchNorm net, fed {WARMUP} minibatches (forward only, nothing trained). In **train** mode "
            "the logits for one context change with the batch around it: by up to "
            f"{np.abs(in_a - in_b).max():.3f} between two batches. In **eval** mode it gives the same logits alone "
            f"as in a batch (largest difference {np.abs(alone - in_batch).max():.2g}, rounding).\n\n"
            f"The first layer's running means are within {probe_gap:.3f} of the true means over all {len(Xtr)} "
            f"training examples, which reach {full_mean:.3f}: an estimate, updated a little each batch."
        )
    )

    def layer_figure(kind: str) -> list:
        run = trained()
        if run is None:
            return []
        acts, grads = run.inside()
        arrays = acts if kind == "acts" else grads
        top = 1.0 if kind == "acts" else 3 * max(float(a.std()) for a in arrays)
        return [Series(f"layer {i + 1}", *density(a, -top, top, 15)) for i, a in enumerate(arrays)]

    def acts_text() -> str:
        run = trained()
        if run is None:
            return "## Activations\n\nTrain first (go back four steps)."
        lines = [
            f"- layer {i + 1}: mean {a.mean():+.2f}, std {a.std():.2f}, saturated {(np.abs(a) > 0.99).mean():.0%}"
            for i, a in enumerate(run.inside()[0])
        ]
        return (
            f"## Activations, layer by layer\n\nYour last run ({run.describe()}), as it ended: the tanh outputs "
            "for 500 training examples, one curve per layer (% of values per bin):\n" + "\n".join(lines)
        )

    yield Narrate(acts_text, figure=Figure(lambda: layer_figure("acts"), title="tanh outputs", xlabel="h"))

    def grads_text() -> str:
        run = trained()
        if run is None:
            return "## Gradients\n\nTrain first."
        grads = run.inside()[1]
        lines = [f"- layer {i + 1}: grad std {g.std():.2e}" for i, g in enumerate(grads)]
        spread = max(g.std() for g in grads) / max(min(g.std() for g in grads), 1e-30)
        return (
            "## Gradients, layer by layer\n\nThe grads arriving at each tanh output, same examples:\n"
            + "\n".join(lines)
            + f"\n\nLargest std / smallest: {spread:.2f}. Healthy nets keep this near 1: no layer's grads "
            "shrink away or blow up on the way back."
        )

    yield Narrate(grads_text, figure=Figure(lambda: layer_figure("grads"), title="grads of tanh outputs"))

    def ratio_series() -> list:
        run = trained()
        if run is None:
            return []
        ratios = np.array(run.ratios)
        window = min(25, len(ratios))  # a running mean: each step's ratio is noisy
        smooth = np.array([ratios[max(0, k - window + 1) : k + 1].mean(axis=0) for k in range(len(ratios))])
        steps = list(range(1, len(ratios) + 1))[::10]
        series = [Series(f"layer {i + 1}", steps, list(smooth[::10, i])) for i in range(ratios.shape[1])]
        return [*series, Series("-3", [steps[0], steps[-1]], [-3.0, -3.0])]

    def ratio_text() -> str:
        run = trained()
        if run is None:
            return "## Update to data\n\nTrain first."
        final = np.mean(run.ratios[-50:], axis=0)
        return (
            "## Update-to-data ratio\n\n"
            "How big is each step next to the weights it changes? log10(std(lr·grad) / std(W)) for every Linear "
            "layer, averaged over 25 steps. Karpathy's rule of thumb: about -3, a thousandth per step (the drop "
            "is the rate cut tenfold). Last 50 steps: "
            + ", ".join(f"layer {i + 1}: {v:.2f}" for i, v in enumerate(final))
            + "."
        )

    yield Narrate(ratio_text, figure=Figure(ratio_series, title="log10 update / data", xlabel="step", ylabel="log10"))
    yield ChoiceQuiz(
        "## Reading the ratio\n\nA layer's update-to-data ratio sits near -5 for the whole run. What does "
        "that suggest?",
        choices=[
            "That layer learns very slowly: its steps are tiny next to its weights",
            "That layer learns too fast and is unstable",
            "The layer is fine: smaller is always better",
        ],
        answer=0,
        hint="-5 means each step changes the weights by a hundred-thousandth of their size.",
        explanation="Raise the learning rate (or fix the weights' scale) until the ratios sit near -3.",
    )
