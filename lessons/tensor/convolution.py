"""A convolution layer from scratch: a kernel sliding over an image, its gradient, a tiny CNN trained on glyphs."""

from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    Setting,
    Train,
    fmt,
    lesson,
)

IMAGE = (  # a small T, 5 × 5
    (0, 0, 0, 0, 0),
    (0, 1, 1, 1, 0),
    (0, 0, 1, 0, 0),
    (0, 0, 1, 0, 0),
    (0, 0, 0, 0, 0),
)
KERNEL = (  # lights up on vertical strokes: the centre column against its neighbours
    (-1, 2, -1),
    (-1, 2, -1),
    (-1, 2, -1),
)
CLASSES = ("—", "|", "\\", "/")  # the glyphs the tiny CNN learns to tell apart
SIZE = 8  # glyph images are 8 × 8
STEPS = 150
DEFAULT_FILTERS = 4  # kernels in the Conv2d layer, unless the learner picks another number
SHOWN_KERNELS = 4  # the learned kernels shown side by side: 4 fit in 80 columns


def glyphs(n: int, seed: int, noise: float = 0.3):
    """`n` noisy 8 × 8 images of a bar (horizontal, vertical, or either diagonal) of length 4 to 6, anywhere.

    Returns X of shape (n, 1, 8, 8) and the classes y (0 to 3, as in CLASSES), seeded.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    X = np.zeros((n, 1, SIZE, SIZE))
    y = rng.integers(0, len(CLASSES), n)
    for i, kind in enumerate(y):
        length = int(rng.integers(4, 7))
        steps = [(0, 1), (1, 0), (1, 1), (1, -1)][kind]  # (down, right) per pixel along the bar
        rows = range(SIZE - (length - 1) * steps[0])
        cols = range(max(0, -(length - 1) * steps[1]), SIZE - max(0, (length - 1) * steps[1]))
        r, c = int(rng.choice(rows)), int(rng.choice(cols))
        for k in range(length):
            X[i, 0, r + k * steps[0], c + k * steps[1]] = 1.0
    return X + noise * rng.standard_normal(X.shape), y


def pixels(image, threshold: float = 0.5) -> list[str]:
    """An image as text, two pixel rows per line: ▀ the top one is on, ▄ the bottom one, █ both."""
    marks = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    on = image > threshold
    rows = range(0, len(on), 2)
    return ["".join(marks[bool(on[r, c]), bool(on[r + 1, c])] for c in range(on.shape[1])) for r in rows]


def grid(values, window: tuple[int, int] | None = None, size: int = 3) -> list[str]:
    """Rows of whole numbers, 3 characters a cell; the cells of a size × size window at `window` in [ ]."""
    lines = []
    for r, row in enumerate(values):
        cells = []
        for c, v in enumerate(row):
            inside = window is not None and window[0] <= r < window[0] + size and window[1] <= c < window[1] + size
            text = "?" if v is None else f"{round(v)}"
            cells.append(f"[{text}]".rjust(4) if inside else f"{text} ".rjust(4))
        lines.append("".join(cells))
    return lines


def side_by_side(*blocks: tuple[str, list[str]]) -> str:
    """Titled blocks of lines next to each other, as a code block."""
    widths = [max(len(title), *(len(line) for line in lines)) + 2 for title, lines in blocks]
    height = max(len(lines) for _, lines in blocks)
    rows = ["".join(title.ljust(w) for (title, _), w in zip(blocks, widths)).rstrip()]
    for i in range(height):
        rows.append("".join((lines[i] if i < len(lines) else "").ljust(w) for (_, lines), w in zip(blocks, widths)))
    return "```\n" + "\n".join(row.rstrip() for row in rows) + "\n```"


@lesson(
    id="convolution",
    title="A convolution layer from scratch",
    summary="Slide a kernel over an image by hand, find its gradient, then train a tiny CNN to tell bars apart.",
    minutes=16,
    order=260,
    track="tensor",
)
def convolution():
    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.optim import Adam
    from engine.tensor import Tensor, cross_entropy
    from engine.tensor_nn import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, conv2d

    x = Tensor(np.array(IMAGE, dtype=float).reshape(1, 1, 5, 5), label="x")
    K = Tensor(np.array(KERNEL, dtype=float).reshape(1, 1, 3, 3), label="K")
    y = conv2d(x, K)
    y.label = "y"
    # name the steps of the engine's im2col, for the step-throughs: y = (rows @ K_col) put back in shape
    grid_out = y._prev[0]
    product = grid_out._prev[0]
    rows, k_col = product._prev
    moved = rows._prev[0]
    cut = moved._prev[0]
    k_row = k_col._prev[0]
    for t, name in (
        (grid_out, "y_cells"),
        (product, "rows@K_col"),
        (rows, "rows"),
        (moved, "windows_moved"),
        (cut, "windows"),
        (k_col, "K_col"),
        (k_row, "K_row"),
    ):
        t.label = name
    X, Kd, Y = x.data[0, 0], K.data[0, 0], y.data[0, 0]
    out = Y.shape[0]

    def products(r: int, c: int, values=X) -> str:
        """The dot product of the window at (r, c) with K, leaving out the terms where x is 0."""
        terms = [
            f"{int(values[r + i, c + j])}·{int(Kd[i, j])}".replace("·-", "·(−") + (")" if Kd[i, j] < 0 else "")
            for i in range(3)
            for j in range(3)
            if values[r + i, c + j]
        ]
        return " + ".join(terms) or "0"

    def slide(r: int, c: int) -> str:
        shown = [[Y[i, j] if (i, j) <= (r, c) else None for j in range(out)] for i in range(out)]
        return (
            side_by_side((f"x, window ({r}, {c}) in [ ]", grid(X, (r, c))), ("K", grid(Kd)), ("y", grid(shown)))
            + f"\n\n**y[{r}, {c}]** = Σ window · K = {products(r, c)} = **{fmt(float(Y[r, c]))}** (0s add nothing)"
        )

    yield Narrate(
        lambda: (
            "# A convolution layer\n\n"
            "A Linear layer gives every pixel its own weight. A **convolution** slides one small kernel over "
            f"the image instead: each output number is the dot product of the kernel with the window under it. "
            f"Here x is a {X.shape[0]} × {X.shape[1]} image of a T, and K a 3 × 3 kernel that likes vertical "
            f"strokes (2 in the middle column, −1 beside it). y will be {out} × {out}: the kernel fits in "
            f"{out} places across and {out} down. Press `n` to slide it."
        )
    )
    yield Narrate(lambda: slide(0, 0))
    yield Narrate(lambda: slide(0, 1))
    yield NumberQuiz(
        lambda: (
            side_by_side(("x, window in [ ]", grid(X, (1, 1))), ("K", grid(Kd)))
            + "\n\nYour turn: the window at (1, 1). **What is y[1, 1]?**"
        ),
        answer=lambda: float(Y[1, 1]),
        hint="Multiply each number in [ ] by the number at the same place in K, and add up all nine.",
        explanation=lambda: f"y[1, 1] = {products(1, 1)} = {fmt(float(Y[1, 1]))}: the stem of the T.",
    )
    yield Narrate(
        lambda: (
            side_by_side(("x", grid(X)), ("K", grid(Kd)), ("y = conv2d(x, K)", grid(Y)))
            + "\n\nAll nine, from the engine's `conv2d`: the stem of the T lights up y's middle."
        )
    )
    yield ForwardSteps(
        "## How the engine does it\n\n`conv2d` cuts x into all its 3 × 3 `windows`, lays each window out as "
        "one of the 9 `rows` of 9 numbers, and multiplies all rows by the kernel, flattened into a column "
        "`K_col`, at once: **one** matrix product (im2col). Press `n` to follow the shapes.",
        graph=y,
    )

    # -- the gradient ---------------------------------------------------------------------------------
    G = Tensor(np.random.default_rng(4).integers(-1, 3, size=(1, 1, out, out)).astype(float), label="G")
    yG = y * G
    yG.label = "y*G"
    L = yG.sum()
    L.label = "L"
    Gd = G.data[0, 0]
    L.backward()
    dK = K.grad[0, 0].copy()
    for t in (x, K, G):
        t.grad = np.zeros_like(t.data)
    products_00 = " + ".join(
        (f"{int(Gd[i, j])}" if Gd[i, j] >= 0 else f"({int(Gd[i, j])})") + f"·{int(X[i, j])}"
        for i in range(out)
        for j in range(out)
    )

    yield NumberQuiz(
        lambda: (
            side_by_side(("x[0:3, 0:3]", grid(X[:out, :out])), ("G = ∂L/∂y", grid(Gd)))
            + "\n\nSay L = Σ y · G, so y's grad is G. K[0, 0] met x[i, j] in output y[i, j], for every "
            "window (i, j). **What is dK[0, 0]?**"
        ),
        answer=lambda: float(dK[0, 0]),
        hint="dK[0, 0] = Σ G[i, j] · x[i, j]: each output's grad times the pixel K[0, 0] saw there.",
        explanation=lambda: (
            f"dK[0, 0] = {products_00} = {fmt(float(dK[0, 0]))}. The whole dK is the sum of all windows, "
            "each weighted by its output's grad."
        ),
    )
    yield BackwardSteps(
        lambda: (
            "## The engine's backward\n\nPress `n` to backprop L = Σ y · G. Through `@` the kernel gets "
            f"rowsᵀ @ g; through `windows`, each window's grad is added back where it came from. "
            f"At the end dK = {', '.join(fmt(float(v)) for v in dK.ravel())} (row by row)."
        ),
        graph=L,
    )

    ones = Tensor(np.zeros((1, 1, 5, 5)), label="x")
    conv2d(ones, Tensor(np.ones((1, 1, 3, 3)))).sum().backward()
    covered = ones.grad[0, 0]
    yield NumberQuiz(
        "## Which outputs does a pixel feed?\n\nx's grad gathers, for each pixel, G × K from every window that "
        "contains it. How many of the 9 windows contain the **centre pixel** x[2, 2]?",
        answer=lambda: float(covered[2, 2]),
        hint="The 3 × 3 windows start at rows 0 to 2 and columns 0 to 2. Which of them reach (2, 2)?",
        explanation=lambda: (
            f"All {int(covered[2, 2])}. The engine, with K and G all ones, counts for every pixel: corner "
            f"{int(covered[0, 0])}, edge middle {int(covered[0, 2])}, centre {int(covered[2, 2])}."
        ),
        tolerance=0.0,
    )

    # -- a tiny CNN ----------------------------------------------------------------------------------
    Xtr, ytr = glyphs(400, seed=1)
    Xte, yte = glyphs(200, seed=2)
    examples = [Xtr[int(np.flatnonzero(ytr == k)[0]), 0] for k in range(len(CLASSES))]
    art = [pixels(image) for image in examples]
    yield Narrate(
        lambda: (
            f"## A tiny image task\n\n{len(Xtr)} noisy {SIZE} × {SIZE} images of 4 kinds of bar, anywhere "
            f"({len(Xte)} more to test on):\n"
            + side_by_side(*((f"'{name}'", ["|" + line + "|" for line in lines]) for name, lines in zip(CLASSES, art)))
        )
    )

    runs: list = []

    class CNNTrainer:
        """Adam on all the training images every step; accuracy measured on the test images."""

        def __init__(self, filters: int, lr: float) -> None:
            rng = np.random.default_rng(0)
            # conv, ReLU, then the largest response of each filter anywhere in the 6 × 6 map: 'is it there?'
            self.model = Sequential(
                Conv2d(1, filters, 3, rng=rng), ReLU(), MaxPool2d(SIZE - 2), Flatten(), Linear(filters, 4, rng=rng)
            )
            self.optimizer = Adam(self.model.parameters(), lr=lr)
            self.history: list[dict[str, float]] = []
            self.Xtr, self.Xte = Tensor(Xtr), Tensor(Xte)

        def parameters(self) -> list:
            return self.model.parameters()

        def step(self, k: int) -> dict[str, float]:
            loss = cross_entropy(self.model(self.Xtr), ytr)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            accuracy = float((self.model(self.Xte).data.argmax(axis=1) == yte).mean())
            self.history.append({"loss": loss.item(), "accuracy": accuracy})
            return self.history[-1]

    def setup(settings: dict) -> CNNTrainer:
        runs.append(CNNTrainer(settings["filters"], settings["lr"]))
        return runs[-1]

    yield NumberQuiz(
        "## The model\n\n`Conv2d(1, 4, 3)`: 4 kernels of 3 × 3, each with a bias; ReLU; then `MaxPool2d(6)` "
        "keeps each kernel's largest response anywhere in its 6 × 6 map; a `Linear(4, 4)` turns the 4 "
        "responses into 4 class scores. **How many parameters does the Conv2d layer have?**",
        answer=lambda: float(sum(p.size for p in Conv2d(1, 4, 3).parameters())),
        hint="Each kernel: 3 × 3 weights and 1 bias.",
        explanation=lambda: (
            f"4 × (9 + 1) = {sum(p.size for p in Conv2d(1, 4, 3).parameters())}. A Linear layer from all "
            f"{SIZE * SIZE} pixels to just 4 hidden units would need {SIZE * SIZE * 4 + 4}."
        ),
        tolerance=0.0,
    )
    yield Train(
        f"## Train it\n\nPress `t`: {STEPS} steps of Adam on all 400 training images; accuracy is on the test "
        "images. Then try 1 or 2 filters (key 1) or another learning rate (key 2) and train again.",
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("filters", "filters", (1, 2, 4, 8), DEFAULT_FILTERS),
            Setting("lr", "lr", (0.01, 0.03, 0.1), 0.03),
        ),
    )

    def kernels() -> str:
        if not runs or not runs[-1].history:
            return "## The kernels\n\nTrain first (`p` goes back)."
        run = runs[-1]
        weights = run.model.layers[0].weight.data[:, 0]
        shown = weights[:SHOWN_KERNELS]
        width = max(len(f"{v:.1f}") for v in shown.flat)  # as narrow as the numbers allow: 4 kernels in 80 columns
        blocks = [
            (f"kernel {i + 1}", [" ".join(f"{v:{width}.1f}" for v in row) for row in w]) for i, w in enumerate(shown)
        ]
        more = f" (the first {SHOWN_KERNELS} shown)" if len(weights) > SHOWN_KERNELS else ""
        return (
            f"## What the kernels learned\n\nTest accuracy **{run.history[-1]['accuracy']:.0%}** after "
            f"{len(run.history)} steps with {len(weights)} filter(s){more}:\n"
            + side_by_side(*blocks)
            + "\nLook for lines of large weights: bar detectors, each tried at every position."
        )

    yield Narrate(kernels)

    def filters_trained() -> str:
        """The learner's last run: "4 kernels", "1 kernel"."""
        n = len(runs[-1].model.layers[0].weight.data) if runs else DEFAULT_FILTERS
        return f"{n} kernel{'s' if n != 1 else ''}"

    yield ChoiceQuiz(
        lambda: (
            f"## Why it works anywhere\n\nThe bars sit at random places, yet {filters_trained()} of "
            "9 weights recognise them. Why?"
        ),
        choices=[
            "The same kernel is tried at every position, and the max pool keeps the best match wherever it is",
            "The kernels are large enough to cover the whole image",
            "Each position of the image has its own kernel",
        ],
        answer=0,
        hint="How many different kernels does the layer have, and where is each one applied?",
        explanation=(
            "Weight sharing: one kernel, every position. A bar detected at the top left uses the same weights "
            "as one at the bottom right, and their gradients add up in the same dK."
        ),
    )
