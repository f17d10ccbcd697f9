"""A vanilla RNN and backprop through time: the unrolled graph, and grads that vanish or explode step by step."""

from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    ExpressionQuiz,
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

STEPS = 3  # time steps of the small unrolled graph
INPUT, HIDDEN = 2, 3
LONG, WIDE = 40, 16  # the long sequence: time steps and hidden size
SCALES = (0.5, 1.0, 2.0)  # W_hh = scale × an orthogonal matrix (which keeps lengths)
BACK = 10  # steps back for the shrinking quiz
WINDOW = 16  # characters per training window of the name-trained RNN
NAME_HIDDEN, NAME_DIMS = 64, 10
NAME_STEPS = 150
CHAR_DEFAULTS = {"clip": "off", "lr": 3.0, "W_hh": 3.0}
UNSATURATED = 0.9  # tanh' above this: a unit that passes its grad almost whole


@lesson(
    id="rnn",
    title="A vanilla RNN and backprop through time",
    summary="Unroll an RNN, backprop through its time steps, and watch grads vanish or explode on the way back.",
    minutes=12,
    order=270,
    track="tensor",
)
def rnn():
    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.tensor import Tensor
    from engine.tensor_nn import RNNCell

    # -- a small RNN, unrolled over 3 steps --------------------------------------------------------
    rng = np.random.default_rng(11)
    cell = RNNCell(INPUT, HIDDEN, seed=11)
    W_xh, W_hh, b = cell.W_xh, cell.W_hh, cell.b
    h0 = Tensor(np.zeros((1, HIDDEN)), label="h0")
    xs = [Tensor(rng.standard_normal((1, INPUT)), label=f"x{t + 1}") for t in range(STEPS)]
    hs = []
    h = h0
    for t, x in enumerate(xs, start=1):
        prev = h
        h = cell(x, prev)  # tanh(x @ W_xh + h @ W_hh + b)
        a = h._prev[0]
        s = a._prev[0]
        xw, hw = s._prev
        for node, name in ((h, f"h{t}"), (a, f"a{t}"), (s, f"s{t}"), (xw, f"x{t}@W_xh"), (hw, f"{prev.label}@W_hh")):
            node.label = name
        hs.append(h)
    target = Tensor(np.array([[1.0, -1.0, 1.0]]), label="y")
    err = hs[-1] - target
    err.label = "err"
    sq = err**2
    sq.label = "err²"
    L = sq.sum()
    L.label = "L"
    # the engine's grads, kept for the quizzes; then zeroed so that the step-through starts clean
    L.backward()
    grads = {t.label: t.grad.copy() for t in [*hs, W_hh, W_xh, b]}
    uses = [node for node in _nodes(L) if W_hh in node._prev]
    contributions = [np.linalg.norm(node._prev[0].data.T @ node.grad) for node in uses]  # step 1 first
    for node in _nodes(L):
        node.grad = np.zeros_like(node.data)

    yield ShowGraph(
        lambda: (
            "# A vanilla RNN\n\n"
            "An RNN reads a sequence one step at a time, carrying a hidden state h: "
            "`h_t = tanh(x_t @ W_xh + h_(t−1) @ W_hh + b)`, with the **same** W_xh, W_hh and b at every step. "
            f"Here {STEPS} steps, inputs of {INPUT} numbers, h of {HIDDEN}, and a loss on the last state: "
            f"L = Σ (h{STEPS} − y)² = {fmt(L.item())}.\n\n"
            "Unrolled over time it is an ordinary graph (below), its first levels open. Next: the recurrence "
            "alone, opened all the way down."
        ),
        graph=L,
    )
    yield ForwardSteps(
        "## W_hh at every step\n\n"
        "The recurrence alone, with the inputs left out (h0 holds what came in): `h_t = tanh(h_(t−1) @ W_hh)`. "
        "Press `n` to compute it step by step. Each step has its own `@ W_hh` node, and under it the **same** "
        "W_hh: shown once in full, then as `↺ W_hh`, the same tensor used again.",
        graph=recurrence(),
    )
    yield BackwardSteps(
        "## Backprop through time\n\n"
        "Backprop through time (BPTT) is plain backprop through the unrolled graph. Press `n` to visit each "
        f"node: the grad flows from h{STEPS} back to h{STEPS - 1} and on to h1, and W_hh collects a "
        "contribution at **every** step. `e` runs to the end.",
        graph=L,
    )
    yield NumberQuiz(
        "## Shared weights\n\nW_hh is one tensor, used at every step. How many contributions did "
        "**W_hh.grad** add up in this graph?",
        answer=lambda: float(len(uses)),
        hint="Count the `@ W_hh` nodes: one per time step.",
        explanation=lambda: (
            f"{len(uses)}, one per step: their sizes (norms), from step 1 on, are "
            f"{', '.join(fmt(float(c)) for c in contributions)}. The first is 0 because h0 = 0. "
            f"W_hh.grad is their sum, norm {fmt(float(np.linalg.norm(grads['W_hh'])))}."
        ),
        tolerance=0.0,
    )
    last, before = f"h{STEPS}", f"h{STEPS - 1}"
    yield ExpressionQuiz(
        lambda: (
            f"## One step back\n\nYou have **d{last}**, the grad of {last} = tanh(a{STEPS}), where "
            f"a{STEPS} = x{STEPS} @ W_xh + {before} @ W_hh + b. Type **d{before}**, the grad of {before} "
            f"(shape {hs[-2].shape})."
        ),
        names=lambda: {
            f"d{last}": grads[last],
            last: hs[-1].data,
            before: hs[-2].data,
            "W_hh": W_hh.data,
            "W_xh": W_xh.data,
        },
        answer=lambda: grads[before],
        solution=f"(d{last} * (1 - {last}**2)) @ W_hh.T",
        hint=lambda: f"First through the tanh (times 1 − {last}²), then through `@ W_hh`: times W_hhᵀ.",
        explanation=lambda: (
            f"d{before} = (d{last} ⊙ (1 − {last}²)) @ W_hhᵀ. Every step back repeats this: one more factor "
            "of tanh' and one more of W_hhᵀ."
        ),
    )

    # -- a long sequence: how big is the grad at each step? ----------------------------------------
    wide = np.random.default_rng(0)
    Q, _ = np.linalg.qr(wide.standard_normal((WIDE, WIDE)))  # orthogonal: |Q v| = |v| for every v
    W_in = wide.standard_normal((4, WIDE)) / 2
    inputs = wide.standard_normal((LONG, 1, 4)) * 0.5
    readout = wide.standard_normal((1, WIDE))

    def grad_norms(scale: float) -> tuple[list[float], list[float], list[int]]:
        """‖dL/dh_t‖ for t = 1..LONG, with L read from the last state only; the mean tanh' per step; and
        per step the number of unsaturated units (tanh' above UNSATURATED), the ones that carry the grad."""
        Whh = Tensor(scale * Q, label="W_hh")
        Wxh = Tensor(W_in, label="W_xh")
        h = Tensor(np.zeros((1, WIDE)))
        states = []
        for t in range(LONG):
            h = (Tensor(inputs[t]) @ Wxh + h @ Whh).tanh()
            states.append(h)
        (states[-1] * Tensor(readout)).sum().backward()
        slopes = [1 - s.data**2 for s in states]
        return (
            [float(np.linalg.norm(s.grad)) for s in states],
            [float(np.mean(d)) for d in slopes],
            [int(np.sum(d > UNSATURATED)) for d in slopes],
        )

    measured = {scale: grad_norms(scale) for scale in SCALES}
    small, large = SCALES[0], SCALES[-1]

    def curves(scales) -> list[Series]:
        return [Series(f"W_hh × {scale:g}", list(range(1, LONG + 1)), measured[scale][0]) for scale in scales]

    def norms_of(scale: float) -> list[float]:
        return measured[scale][0]

    def ratios_of(scale: float) -> list[float]:
        """The measured factor of each step back: ‖dL/dh_(t−1)‖ / ‖dL/dh_t‖, for t = LONG down to 2."""
        norms = norms_of(scale)
        return [norms[t - 1] / norms[t] for t in range(LONG - 1, 0, -1)]

    def ratio_curves() -> list[Series]:
        return [Series(f"W_hh × {scale:g}", list(range(LONG, 1, -1)), ratios_of(scale)) for scale in SCALES]

    def unsaturated(scale: float) -> float:
        return float(np.mean(measured[scale][2]))

    def spread(scale: float) -> str:
        rs = ratios_of(scale)
        return f"{fmt(min(rs))} to {fmt(max(rs))}, median {fmt(float(np.median(rs)))}"

    figure_kwargs = {"xlabel": "time step t", "ylabel": "‖dL/dh_t‖", "title": "grad norm per time step", "ylog": True}
    ratio_figure = Figure(
        ratio_curves, title="factor of each step back", xlabel="time step t", ylabel="‖dL/dh_(t−1)‖ / ‖dL/dh_t‖"
    )
    yield Narrate(
        lambda: (
            f"## A longer sequence\n\n{LONG} steps, h of {WIDE} numbers, the loss read from the last state only. "
            f"W_hh is {small:g} × an orthogonal matrix (one that keeps the length of any vector), so each step back "
            f"multiplies the grad by at most {small:g}: W_hhᵀ scales it by {small:g}, and tanh' ≤ 1 can only shrink "
            f"it more.\n\nThe plot (log scale) shows ‖dL/dh_t‖: from {fmt(norms_of(small)[-1])} at t = {LONG} "
            f"down to {fmt(norms_of(small)[0])} at t = 1. The first inputs get almost no grad: the gradient "
            "**vanishes**."
        ),
        figure=Figure(lambda: curves([small]), **figure_kwargs),
    )
    grows = [
        "It grows going back: the early steps get the largest grads",
        "It shrinks even faster",
        "It stays the same at every step",
    ]
    yield ChoiceQuiz(
        lambda: (
            f"## Predict\n\nNow W_hh = {large:g} × the same orthogonal matrix. Each step back multiplies the grad "
            f"by tanh' unit by unit (each between 0 and 1), then by W_hhᵀ, which stretches every direction "
            f"by {large:g}. What happens to ‖dL/dh_t‖ as t goes back from {LONG} to 1?"
        ),
        choices=grows,
        answer=lambda: 0 if norms_of(large)[0] > norms_of(large)[-1] else 1,
        hint=(
            "Not the average tanh' counts, but the units where tanh' is near 1 (unsaturated, h near 0): "
            "the part of the grad they carry goes through at full strength, and W_hh doubles it."
        ),
        explanation=lambda: (
            f"It explodes: {fmt(norms_of(large)[-1])} at t = {LONG}, {fmt(norms_of(large)[0])} at t = 1. "
            f"tanh' averages only {fmt(float(np.mean(measured[large][1])))}, but the average is not the factor: "
            f"the few units with tanh' above {fmt(UNSATURATED)} (about {fmt(unsaturated(large))} of {WIDE} per "
            f"step) pass their share of the grad almost whole, and W_hh doubles it."
        ),
        figure=Figure(lambda: curves([small]), **figure_kwargs),
    )
    yield Narrate(
        lambda: (
            "## Vanishing and exploding\n\n"
            + "; ".join(f"W_hh × {scale:g}: {fmt(norms_of(scale)[-1])} → {fmt(norms_of(scale)[0])}" for scale in SCALES)
            + f" (from t = {LONG} back to t = 1).\n\nEven × 1 vanishes: W_hh keeps lengths, but tanh' < 1 "
            f"trims every step. The curves are not straight lines: the factor changes from step to step "
            f"(next: the measured factors)."
        ),
        figure=Figure(lambda: curves(SCALES), **figure_kwargs),
    )
    yield ChoiceQuiz(
        lambda: (
            "## One factor per step\n\nThe plot shows the measured factor of each step back, "
            f"‖dL/dh_(t−1)‖ / ‖dL/dh_t‖. For W_hh × {large:g} it swings from {spread(large)}. "
            "What sets the factor of one step?"
        ),
        choices=[
            "A Jacobian: tanh' of that step, unit by unit, then W_hhᵀ; its size depends on W_hh's scale "
            "and on which units are unsaturated at that step",
            "The loss adds up one term per time step",
            "The inputs x_t get smaller with t",
        ],
        answer=0,
        hint="Look at your formula for the grad of the previous state: what is new at each step?",
        explanation=lambda: (
            "`dh_(t−1) = (dh_t ⊙ tanh'(a_t)) @ W_hhᵀ`: the grad is multiplied by a Jacobian, "
            "diag(tanh'(a_t)) W_hhᵀ, a new one at each step. W_hh's scale bounds the stretch "
            f"(at most {large:g} here); which units are unsaturated, and how the grad lines up with them, "
            "decides how much of it is used. Median factors: "
            + ", ".join(f"× {scale:g}: {fmt(float(np.median(ratios_of(scale))))}" for scale in SCALES)
            + f". Multiplied over {LONG - 1} steps, below 1 vanishes and above 1 explodes."
        ),
        figure=ratio_figure,
    )
    ratio = norms_of(small)[LONG - 1 - BACK] / norms_of(small)[-1]
    yield NumberQuiz(
        lambda: (
            f"## How fast?\n\nIf each step back multiplied the grad by exactly {small:g}, what fraction of its "
            f"size at t = {LONG} would be left {BACK} steps back, at t = {LONG - BACK}?"
        ),
        answer=lambda: small**BACK,
        hint=lambda: f"{small:g} × {small:g} × … , {BACK} times: {small:g} to the power {BACK}.",
        explanation=lambda: (
            f"{small:g}^{BACK} = {fmt(small**BACK)}. The engine measured {fmt(ratio)}: smaller still, because "
            "tanh' < 1 takes its share at every step. That is why a vanilla RNN struggles to learn from "
            "inputs many steps back; LSTMs and GRUs add gated paths where the grad is not squashed at every "
            "step, and clipping the grad's norm tames the explosions."
        ),
        tolerance=0.05,  # 5%: "about 0.001" is the point
        figure=Figure(lambda: curves([small]), **figure_kwargs),
    )

    # -- train one: next character on the names, BPTT through every window, with and without clipping -------
    from lessons.tensor._shared import corpus
    from lessons.trainers.char_rnn import CharRNN, text_windows
    from lessons.trainers.runs import finished_history

    names = corpus()
    Xw, Yw = text_windows(names.train, names.stoi, WINDOW)
    trained: list[CharRNN] = []

    def make_char_rnn(settings: dict) -> CharRNN:
        clip = None if settings["clip"] == "off" else float(settings["clip"])
        trainer = CharRNN(
            Xw, Yw, hidden=NAME_HIDDEN, dims=NAME_DIMS, lr=settings["lr"], clip=clip, hh_scale=settings["W_hh"]
        )
        trainer.settings = dict(settings)
        return trainer

    def setup_char_rnn(settings: dict) -> CharRNN:
        trained.append(make_char_rnn(settings))
        return trained[-1]

    yield Train(
        lambda: (
            f"## Train one\n\nNext character on the names, in windows of {WINDOW} (`.emma.olivia...`): a loss at "
            f"every step, BPTT through all {WINDOW}. W_hh starts {CHAR_DEFAULTS['W_hh']:g} × its usual size: grads "
            "explode. Train (`t`), then clip (key 1): the whole grad is scaled down when its norm passes 1."
        ),
        setup=setup_char_rnn,
        steps=NAME_STEPS,
        settings=(
            Setting("clip", "clip", ("off", 1.0), CHAR_DEFAULTS["clip"]),
            Setting("lr", "lr", (1.0, 3.0), CHAR_DEFAULTS["lr"]),
            Setting("W_hh", "W_hh ×", (1.0, 3.0), CHAR_DEFAULTS["W_hh"]),
        ),
    )

    def clipped(setting) -> list[dict[str, float]]:
        return finished_history(trained, make_char_rnn, {**CHAR_DEFAULTS, "clip": setting}, NAME_STEPS)

    def worst(history: list[dict[str, float]], key: str) -> float:
        return max(h[key] for h in history)

    def clipping_text() -> str:
        off, on = clipped("off"), clipped(1.0)
        return (
            f"## What clipping did\n\nSame start, same batches, {NAME_STEPS} steps. Without clipping the grad "
            f"norm reached {fmt(worst(off, 'grad norm'))} and the loss spiked to {fmt(worst(off, 'loss'))}, "
            f"ending at {fmt(off[-1]['loss'])}. Clipped at 1, the steps stay bounded: the loss ends at "
            f"{fmt(on[-1]['loss'])}. Clipping does not stop the grad from exploding; it stops one exploded "
            "grad from throwing the weights far away."
        )

    yield Narrate(
        clipping_text,
        figure=Figure(
            lambda: [
                Series("no clipping", list(range(1, NAME_STEPS + 1)), [h["loss"] for h in clipped("off")]),
                Series("clipped at 1", list(range(1, NAME_STEPS + 1)), [h["loss"] for h in clipped(1.0)]),
            ],
            title="minibatch loss",
            xlabel="step",
        ),
    )


def recurrence():
    """h_t = tanh(h_(t−1) @ W_hh), h of 2, unrolled over STEPS steps from a given h0: the output h3."""
    import numpy as np

    from engine.tensor import Tensor

    W_hh = Tensor(np.array([[0.5, -0.4], [0.3, 0.8]]), label="W_hh")
    h = Tensor(np.array([[1.0, -0.5]]), label="h0")
    for t in range(1, STEPS + 1):
        used = h @ W_hh
        used.label = f"{h.label}@W_hh"
        h = used.tanh()
        h.label = f"h{t}"
    return h


def _nodes(root) -> list:
    from engine.graph import topological_order

    return topological_order(root)
