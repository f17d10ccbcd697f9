"""A bigram language model: counts, sampling and the negative log-likelihood, then the same model as one
linear layer trained by gradient descent (makemore, part 1)."""

from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    Figure,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    Series,
    Setting,
    ShowGraph,
    Train,
    fmt,
    lesson,
)

STEPS = 80  # full-batch gradient-descent steps
SAMPLES = 8  # names sampled on screen
SEED = 2147483647  # makemore's generator seed
LECTURE_NLL = 2.454  # makemore part 1: the bigram counts' NLL on the lecture's names.txt
LECTURE_NAMES = 32033  # names in the lecture's names.txt


@lesson(
    id="bigram",
    title="Bigram language model",
    summary="Count which letter follows which, sample names, score by NLL; then learn the table by gradient descent.",
    minutes=15,
    order=210,
    track="tensor",
)
def bigram():
    import itertools
    import math

    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.graph import topological_order
    from engine.names import build_dataset
    from engine.tensor import Tensor, cross_entropy, embedding
    from lessons.tensor._shared import bigram_counts, corpus, sample_names

    c = corpus()
    stoi, itos = c.stoi, c.itos
    N = bigram_counts(c.train, stoi)
    X1, ys = build_dataset(c.train, 1, stoi)
    xs = X1[:, 0]
    V = len(stoi)

    def nll(P: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
        """The mean negative log-likelihood of the bigrams (x, y) under the table P (inf if one has P = 0)."""
        with np.errstate(divide="ignore"):
            return float(-np.log(P[x, y]).mean())

    P = N / N.sum(axis=1, keepdims=True)  # no smoothing
    P1 = (N + 1) / (N + 1).sum(axis=1, keepdims=True)  # add-one smoothing
    count_nll = nll(P, xs, ys)
    Xdev, ydev = build_dataset(c.dev, 1, stoi)
    xdev = Xdev[:, 0]
    top = sorted(((int(N[i, j]), itos[i] + itos[j]) for i in range(V) for j in range(V)), reverse=True)[:10]
    never = int((N == 0).sum())
    first = next(w for w in c.train if len(w) == 4)  # a short training name to follow through

    def bigrams_of(word: str) -> list[str]:
        chars = ".", *word, "."
        return [a + b for a, b in itertools.pairwise(chars)]

    yield Narrate(
        lambda: (
            "# Bigram language model\n\n"
            f"The corpus: {len(c.words)} first names from the 1990 US census, shuffled and split; "
            f"{len(c.train)} of them train the model ({', '.join(c.train[:5])}, ...).\n\n"
            "A **bigram** model predicts each character from the one before it only. '.' marks both the start "
            f"and the end of a name, so `{first}` gives {len(first) + 1} bigrams: "
            f"{' '.join(bigrams_of(first))}. All the training names give **{len(xs)}** bigrams."
        )
    )

    def ending(pair: str) -> str:
        return f": names ending in {pair[0]}" if pair[1] == "." else ""

    yield Narrate(
        lambda: (
            "## Counting\n\n"
            f"Count every bigram in a {V}×{V} table N: N[i, j] is how often character j follows i. "
            f"The most common: '{top[0][1]}' ({top[0][0]} times{ending(top[0][1])}), "
            f"'{top[1][1]}' ({top[1][0]}), '{top[2][1]}' ({top[2][0]}).\n\n"
            f"{never} of the {V * V} pairs never occur at all."
        ),
        figure=Figure(
            [Series("count", [b for _, b in top], [n for n, _ in top], kind="bar")],
            title="the 10 most common bigrams",
        ),
    )

    table = Tensor(N.astype(float), label="N")  # the whole table, to look inside: select it in the graph
    yield ShowGraph(
        lambda: (
            f"## The table N\n\nThe whole {V}×{V} table is below: select **N** to look inside it, row by row "
            f"(row i: the character, column j: the one after it). Row '.' holds how names start, column '.' how "
            f"they end. Its {int(N.sum())} counts are all the bigram model knows."
        ),
        graph=table,
    )

    ends = sorted(range(1, V), key=lambda i: -N[i, 0])[:4]
    choices = sorted(itos[i] for i in ends)
    best_end = itos[ends[0]]
    opens = sorted(range(1, V), key=lambda j: -N[0, j])[:3]
    yield ChoiceQuiz(
        "## Your guess\n\nColumn '.' of N counts how names **end**. Which letter ends the most names here?",
        choices=choices,
        answer=lambda: choices.index(best_end),
        hint="Say some names aloud: Mary, Linda, Anna, Maria, Jessica, Joshua... the census lists each name once.",
        explanation=lambda: (
            "Counts: "
            + ", ".join(f"{ch} {int(N[stoi[ch], 0])}" for ch in choices)
            + ". Starts are a near tie by contrast: "
            + ", ".join(f"{itos[j]} {int(N[0, j])}" for j in opens)
            + "."
        ),
    )

    def row_text(i: int, k: int = 4) -> str:
        best = np.argsort(-P[i])[:k]
        return ", ".join(f"'{itos[j]}' {P[i, j]:.0%}" for j in best)

    q = stoi["q"]
    yield Narrate(
        lambda: (
            "## From counts to probabilities\n\n"
            "Divide each row by its sum: P[i] is the model's guess for the character after i. "
            f"After '.': {row_text(0)} ... (the bars). After 'q' ({int(N[q].sum())} times): {row_text(q, 2)}."
        ),
        figure=Figure(
            [Series("P[.]", [itos[j] for j in range(V)], [float(p) for p in P[0]], kind="bar")],
            title="P[.]: how names start",
        ),
    )

    wrong = N / N.sum(axis=1)  # the trap: a (27,) row sum broadcasts as a row, dividing each column j by row j's sum
    yield ChoiceQuiz(
        lambda: (
            "## The keepdim trap\n\nIn code, `P = N / N.sum(axis=1, keepdims=True)`: the sums have shape "
            f"{N.sum(axis=1, keepdims=True).shape}. Forget `keepdims=True` and they have shape "
            f"{N.sum(axis=1).shape}. `N / N.sum(axis=1)` still runs. **What does it compute?**"
        ),
        choices=[
            "The same P: NumPy lines the sums up with the rows anyway",
            "Each column j divided by row j's sum: the rows of P no longer add up to 1",
            "An error: the shapes do not match",
        ],
        answer=1,
        hint=(
            "Broadcasting lines shapes up from the right: (27, 27) with (27,) treats the sums as a row, "
            "copied down every row of N."
        ),
        explanation=lambda: (
            f"A shape {N.sum(axis=1).shape} broadcasts as a row, so entry [i, j] is divided by the sum of row j. "
            f"Row '.' of that wrong P adds up to {fmt(float(wrong[0].sum()))}, not 1, and row 'a' to "
            f"{fmt(float(wrong[stoi['a']].sum()))}. No error, just a wrong model: check your shapes."
        ),
    )

    counted = sample_names(lambda ctx: P[ctx[0]], itos, SAMPLES, SEED)
    uniform = sample_names(lambda ctx: np.full(V, 1 / V), itos, 3, SEED)
    yield Narrate(
        lambda: (
            "## Sampling names\n\n"
            "To make a name: start at '.', draw the next character from row P['.'], then from the row of the "
            "character just drawn, until '.' comes up. With a seeded generator:\n\n"
            f"**{', '.join(counted)}**\n\n"
            f"Bad, but name-like. Drawing every character with probability 1/{V} instead gives "
            f"{', '.join(uniform)}."
        )
    )

    ex = bigrams_of(first)
    ex_p = [float(P[stoi[b[0]], stoi[b[1]]]) for b in ex]
    yield Narrate(
        lambda: (
            "## How good is it? The likelihood\n\n"
            f"A good model gives the training data high probability. For `{first}`: "
            + ", ".join(f"P({b[1]}|{b[0]}) = {p:.3f}" for b, p in zip(ex, ex_p))
            + f". The product over all {len(xs)} training bigrams is {float(np.prod(P[xs, ys])):g} in floating "
            "point, so we add logs instead, negate and average: the **negative log-likelihood** (NLL). "
            f"Here NLL = **{count_nll:.4f}**. "
            "Lower is better; 0 would mean certain and right every time."
        ),
        figure=Figure(
            [Series("−ln P", ex, [-math.log(p) for p in ex_p], kind="bar")],
            title=f"−ln P of each bigram of {first}",
        ),
    )
    yield NumberQuiz(
        lambda: (
            "## A baseline\n\n"
            f"A model that knows nothing gives each of the {V} characters probability 1/{V}. "
            "What is its NLL per character, −ln(1/27)?"
        ),
        answer=lambda: -math.log(1 / V),
        hint="−ln(1/27) = ln 27. And ln 27 = 3 × ln 3, with ln 3 just under 1.1.",
        explanation=lambda: f"−ln(1/{V}) = {-math.log(1 / V):.4f}. Counting bigrams brings it down to {count_nll:.4f}.",
    )

    unseen = next(
        (w, b) for w in c.dev for b in bigrams_of(w) if N[stoi[b[0]], stoi[b[1]]] == 0
    )  # a dev name with a bigram the training names never had

    def name_nll(table: np.ndarray) -> float:
        return nll(
            table,
            np.array([stoi[b[0]] for b in bigrams_of(unseen[0])]),
            np.array([stoi[b[1]] for b in bigrams_of(unseen[0])]),
        )

    big = 1_000_000
    Pbig = (N + big) / (N + big).sum(axis=1, keepdims=True)
    yield Narrate(
        lambda: (
            "## Smoothing\n\n"
            f"The dev name `{unseen[0]}` contains '{unseen[1]}', never seen in training: P = 0, so the name's NLL "
            f"is **{name_nll(P)}** (and so is the whole dev set's): the model calls it impossible. "
            "Fix: add 1 to every count first. "
            f"Training NLL goes from {count_nll:.4f} to {nll(P1, xs, ys):.4f}, a little worse; the dev NLL "
            f"becomes {nll(P1, xdev, ydev):.4f}."
        ),
        figure=Figure(
            lambda: [
                Series(
                    "NLL",
                    ["uniform", "train", "train +1", "dev +1"],
                    [math.log(V), count_nll, nll(P1, xs, ys), nll(P1, xdev, ydev)],
                    kind="bar",
                )
            ],
            title="NLL per character (the dev NLL without smoothing is infinite)",
        ),
    )
    yield Narrate(
        lambda: (
            f"## Why not the lecture's {fmt(LECTURE_NLL)}?\n\n"
            f"In the lecture the bigram model scores {fmt(LECTURE_NLL)} on names.txt ({LECTURE_NAMES:,} names); "
            f"here {fmt(count_nll)} on {len(c.words):,} names from the 1990 census. Not by overfitting: the dev "
            f"names, never counted, score {fmt(nll(P1, xdev, ydev))}. The census lists common names, whose letter "
            "pairs are more regular; names.txt holds many rare, freely spelled ones, which are harder to predict."
        )
    )
    yield ChoiceQuiz(
        lambda: "## More smoothing?\n\nWhat happens if we add **1,000,000** to every count instead of 1?",
        choices=[
            "Every row nears uniform: the NLL nears the know-nothing model's",
            "The model fits the training names better",
            "Nothing: every row is divided by its sum anyway",
        ],
        answer=0,
        hint="Compare a count of 500 plus a million with a count of 0 plus a million.",
        explanation=lambda: (
            f"Training NLL with +{big:,}: {nll(Pbig, xs, ys):.4f}, next to −ln(1/{V}) = {math.log(V):.4f}."
        ),
    )

    # -- the same model as a neural network ------------------------------------------------------------
    fx = np.array([stoi[b[0]] for b in ex])
    fy = np.array([stoi[b[1]] for b in ex])
    xenc = Tensor(np.eye(V)[fx], label="xenc")
    W0 = Tensor(np.zeros((V, V)), label="W")
    logits = xenc @ W0
    logits.label = "logits"
    counts = logits.exp()
    counts.label = "counts"
    rowsum = counts.sum(axis=1, keepdims=True)
    rowsum.label = "rowsum"
    probs = counts / rowsum
    probs.label = "probs"
    picked = probs[np.arange(len(fx)), fy]
    picked.label = "p"
    logp = picked.log()
    logp.label = "logp"
    mean = logp.mean()
    mean.label = "mean"
    loss = -mean
    loss.label = "loss"

    loss.backward()  # the engine's W.grad, kept for the quiz's picture; then zeroed so the step-through starts clean
    wgrad = W0.grad.copy()
    for node in topological_order(loss):
        node.grad = np.zeros_like(node.data)
    learning = [i for i in range(V) if np.abs(wgrad[i]).sum() > 0]

    yield ForwardSteps(
        lambda: (
            "## The same model, as a neural network\n\n"
            f"Feed `{first}`'s {len(fx)} first characters as **one-hot** rows (xenc, {xenc.shape}) through one "
            f"linear layer W ({V}×{V}): logits = xenc @ W. Read logits as log-counts: exp gives counts, each row "
            "divided by its sum gives probabilities (that is softmax). The loss is the NLL of the right "
            "characters. W starts at **zero**: press `n` through the nodes."
        ),
        graph=loss,
    )
    yield BackwardSteps(
        lambda: (
            f"## Backward\n\nAll logits 0, all counts 1, every probability 1/{V}: the loss is "
            f"{loss.item():.4f}, the know-nothing model. Now backprop: `n` visits each node, `e` runs to the end. "
            "Then look at W.grad: which rows got a grad?"
        ),
        graph=loss,
    )
    yield NumberQuiz(
        lambda: (
            f"## Which rows learn?\n\nxenc @ W with one-hot rows just **picks** a row of W for each example. "
            f"How many of W.grad's {V} rows are not all zero after this backward pass on `{first}`?"
        ),
        answer=lambda: float(len(learning)),
        hint=lambda: f"The inputs were the characters {', '.join(b[0] for b in ex)}: one row of W each.",
        explanation=lambda: (
            f"{len(learning)} rows: those of {', '.join(itos[i] for i in learning)}; the other "
            f"{V - len(learning)} rows of W.grad are all 0. A one-hot matmul is a row lookup, so we train with "
            "`W[x]` (an embedding lookup) instead: the same numbers, no multiplying by zeros."
        ),
        figure=Figure(
            [
                Series(
                    "Σ|W.grad[row]|",
                    [itos[i] for i in range(V)],
                    [float(np.abs(wgrad[i]).sum()) for i in range(V)],
                    kind="bar",
                )
            ],
            title="W.grad, row by row: the sum of |grad| in each row",
            xlabel="row of W (the input character)",
        ),
        tolerance=0.0,
    )

    runs: list = []

    class BigramTrainer:
        """Full-batch gradient descent on W: loss = cross_entropy(W[x], y) over every training bigram."""

        def __init__(self, lr: float) -> None:
            self.lr = lr
            self.W = Tensor(np.zeros((V, V)), label="W")
            self.history: list[dict[str, float]] = []

        def parameters(self) -> list:
            return [self.W]

        def step(self, k: int) -> dict[str, float]:
            loss = cross_entropy(embedding(self.W, xs), ys)
            self.W.grad = np.zeros_like(self.W.data)
            loss.backward()
            self.W.data -= self.lr * self.W.grad
            metrics = {"loss": loss.item(), "count-model loss": count_nll}
            self.history.append(metrics)
            return metrics

        def probs(self, i: int) -> np.ndarray:
            return Tensor(self.W.data[i]).softmax().data

    def setup(settings: dict) -> BigramTrainer:
        runs.append(BigramTrainer(settings["lr"]))
        return runs[-1]

    yield Train(
        lambda: (
            f"## Train it\n\nPress `t`: {STEPS} steps of gradient descent on all {len(xs)} bigrams at once, "
            f"W from zero (loss ln {V}). The flat line is the count model's NLL, {count_nll:.4f}. "
            "Key 1 changes the learning rate; train again to compare."
        ),
        setup=setup,
        steps=STEPS,
        settings=(Setting("lr", "learning rate", (10, 30, 50, 100), 50),),
    )

    def learned() -> str:
        if not runs or not runs[-1].history:
            return "## What it learned\n\nTrain first (go back one step), then come back."
        run = runs[-1]
        last = run.history[-1]["loss"]
        gap = last - count_nll
        Pw = np.stack([run.probs(i) for i in range(V)])
        names = sample_names(lambda ctx: Pw[ctx[0]], itos, SAMPLES, SEED)
        drop = run.history[-11]["loss"] - last if len(run.history) > 10 else 0.0
        trend = f"still falling ({drop:.4f} in the last 10 steps)" if drop > 0 else "no longer falling"
        return (
            "## What it learned\n\n"
            f"After {len(run.history)} steps at learning rate {run.lr}, the loss is **{last:.4f}**, "
            f"{gap:.4f} above the counts' {count_nll:.4f}, {trend}. Gradient descent is rediscovering the "
            f"count table: no probability is more than {float(np.abs(Pw - P).max()):.3f} from the counts'. "
            "Sampled with the same seed:\n\n"
            f"**{', '.join(names)}**\n\n"
            f"(the counts gave {', '.join(counted[:4])}, ...)."
        )

    yield Narrate(learned)
    yield ChoiceQuiz(
        "## Smoothing, as a network\n\nAdding fake counts pulls the count model towards uniform. "
        "In the network, which W gives the uniform model, and so what plays the part of smoothing?",
        choices=[
            "W = 0, so a penalty on the size of W² added to the loss",
            "W = 1, so adding 1 to every weight after each step",
            "A larger learning rate",
        ],
        answer=0,
        hint="With W = 0 every logit is 0: what are the probabilities then?",
        explanation="All-zero logits give equal probabilities. A penalty on W² pulls W towards 0, the more "
        "the stronger it is: regularisation is the network's smoothing.",
    )
