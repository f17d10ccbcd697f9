"""A neuron: tanh(x1*w1 + x2*w2 + b) forwards and backwards, then tanh rebuilt from exp and division."""

from engine import Value
from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    Figure,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    Series,
    fmt,
    lesson,
)

INPUTS = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}  # the lecture's numbers
NUDGE = 0.01
TORCH_PRINTS = ("o", "x1", "w1", "x2", "w2")  # o's value, then the grads, in the order PyTorch prints them


def neuron(from_exp: bool = False, **changes: float) -> dict[str, Value]:
    """The lecture's neuron with fresh leaves, every node labelled.

    With `from_exp`, tanh is spelled out as (e^(2n) - 1) / (e^(2n) + 1) from exp, +, * and **-1;
    the constants 2, -1 and 1 are leaves labelled with their values.
    """
    data = {**INPUTS, **changes}
    v = {name: Value(x, label=name) for name, x in data.items()}
    v["x1w1"] = v["x1"] * v["w1"]
    v["x2w2"] = v["x2"] * v["w2"]
    v["s"] = v["x1w1"] + v["x2w2"]
    v["n"] = v["s"] + v["b"]
    if not from_exp:
        v["o"] = v["n"].tanh()
    else:
        v["m"] = v["n"] * Value(2.0, label="2")
        v["e"] = v["m"].exp()
        v["top"] = v["e"] + Value(-1.0, label="-1")
        v["bottom"] = v["e"] + Value(1.0, label="1")
        v["inv"] = v["bottom"] ** -1
        v["o"] = v["top"] * v["inv"]
    for name, node in v.items():
        node.label = name
    return v


def tanh_curve() -> list[Series]:
    xs = [-5 + 0.2 * i for i in range(51)]
    return [Series("tanh(x)", xs, [Value(x).tanh().data for x in xs])]


@lesson(
    id="neuron",
    title="A neuron",
    summary="tanh(x1*w1 + x2*w2 + b): forward, backward by hand, and tanh rebuilt from exp with the same grads.",
    minutes=15,
    order=50,
)
def neuron_lesson():
    v = neuron()
    x1, x2, w1, w2, b, s, n, o = (v[k] for k in ("x1", "x2", "w1", "w2", "b", "s", "n", "o"))

    yield Narrate(
        "# A neuron\n\n"
        "A neuron takes inputs x1, x2, multiplies each by a **weight** w1, w2, adds a **bias** b, "
        "and squashes the sum n with an activation function, here tanh:\n\n"
        "**o = tanh(x1·w1 + x2·w2 + b)**\n\n"
        "tanh (below) maps any n into (-1, 1): near 0 it is almost a straight line, "
        "far out it flattens. Training moves the weights and the bias.",
        figure=Figure(tanh_curve, title="tanh", xlabel="n"),
    )
    yield NumberQuiz(
        lambda: (
            "## The weighted sum\n\n"
            f"Take the lecture's numbers: x1 = {fmt(x1.data)}, x2 = {fmt(x2.data)}, w1 = {fmt(w1.data)}, "
            f"w2 = {fmt(w2.data)}. **What is x1·w1 + x2·w2?**"
        ),
        answer=lambda: s.data,
        hint="Two products, then their sum.",
        explanation=lambda: f"{fmt(x1.data)}·({fmt(w1.data)}) + {fmt(x2.data)}·{fmt(w2.data)} = {fmt(s.data)}.",
    )
    yield ForwardSteps(
        lambda: (
            "## Forward\n\n"
            f"The bias is b = {b.data:.6f}, a number picked (in the lecture too) so the output is a round-ish "
            "number. Press `n` to compute each node, or `e` for all."
        ),
        graph=o,
    )
    yield NumberQuiz(
        lambda: (
            "## tanh's local derivative\n\n"
            f"o = tanh(n) = tanh({fmt(n.data)}) = {fmt(o.data)}. The derivative of tanh is 1 - tanh(n)² = 1 - o². "
            "**What is do/dn here?**"
        ),
        answer=lambda: 1 - o.data**2,
        hint=lambda: f"1 - o² with o = {o.data:.4f}: square it, subtract from 1.",
        explanation=lambda: f"1 - {o.data:.4f}² = {fmt(1 - o.data**2)}: o moves half as fast as n here.",
        graph=o,
    )
    yield BackwardSteps(
        "## Backward, by you\n\n"
        "Backprop through the neuron. At each node, **type each input's grad** and press Enter. "
        "tanh multiplies by 1 - o²; `+` passes its grad through unchanged; `*` gives each input "
        "the grad times the **other** input. At a leaf, press `n`.",
        graph=o,
        predict=True,
    )
    yield ChoiceQuiz(
        lambda: f"## A zero\n\nw2.grad = {fmt(w2.grad)}. **Why?**",
        choices=[
            "tanh is flat here, so no grad gets through",
            "x2 is 0: w2 multiplies nothing, so nudging w2 cannot move o",
            "w2 already has its best value",
        ],
        answer=1,
        hint="x2w2 = x2·w2, so ∂x2w2/∂w2 = x2.",
        explanation=lambda: (
            f"w2.grad = x2 × x2w2.grad = {fmt(x2.data)} × {fmt(v['x2w2'].grad)} = {fmt(w2.grad)}. "
            f"But x2.grad = w2 × {fmt(v['x2w2'].grad)} = {fmt(x2.grad)}: not 0."
        ),
        graph=o,
    )

    def nudged_o() -> float:
        return neuron(w1=INPUTS["w1"] + NUDGE)["o"].data

    yield NumberQuiz(
        lambda: (
            f"## Use the grad\n\nw1.grad = {fmt(w1.grad)}. If w1 goes up by {NUDGE:g}, **about how much does o go up?**"
        ),
        answer=lambda: w1.grad * NUDGE,
        # "about": the estimate, the true change the explanation shows (1.4% lower), or either rounded, is right
        tolerance=2e-2,
        hint=lambda: f"Change in o ≈ w1.grad × the change in w1 = {fmt(w1.grad)} × {NUDGE:g}.",
        explanation=lambda: (
            f"≈ {fmt(w1.grad * NUDGE)}. Recomputing o with the new w1 gives {nudged_o():.5f}, "
            f"up {nudged_o() - o.data:.5f} from {o.data:.5f}."
        ),
        graph=o,
    )

    ve = neuron(from_exp=True)
    oe, m, e = ve["o"], ve["m"], ve["e"]
    yield Narrate(
        "## tanh from exp\n\n"
        "tanh(n) = (e^(2n) - 1) / (e^(2n) + 1). Build it from simpler operations, with fresh inputs:\n\n"
        "```python\ne = (2*n).exp()\no = (e - 1) / (e + 1)\n```\n\n"
        "The engine turns `e - 1` into `e + (-1)` and `x / y` into `x * y**-1`.",
        graph=oe,
    )
    yield NumberQuiz(
        lambda: (
            "## exp's local derivative\n\n"
            f"e = exp(m) with m = 2n = {fmt(m.data)}, so e = {fmt(e.data)}. "
            "**What is ∂e/∂m?**"
        ),
        answer=lambda: e._local[0],
        hint="The slope of exp(m) is exp(m) itself.",
        explanation=lambda: f"∂e/∂m = exp(m) = e = {fmt(e.data)}.",
        graph=oe,
    )
    yield BackwardSteps(
        "## Backward, the long way\n\n"
        "Press `n` to step (or `e` for all). More nodes, each with a simple local derivative: "
        "`**-1` gives -1/y², exp gives itself. e is used twice: its two contributions add. "
        "The constants 2, -1 and 1 are leaves too, and get grads nobody uses.",
        graph=oe,
    )

    def comparison() -> str:
        rows = "\n".join(f"- {k}.grad: tanh {fmt(v[k].grad)}, from exp {fmt(ve[k].grad)}" for k in INPUTS)
        worst = max(abs(v[k].grad - ve[k].grad) for k in INPUTS)
        return (
            "## Same grads\n\n"
            f"o = {o.data:.12f} with tanh, {oe.data:.12f} from exp. The grads of your two graphs:\n\n{rows}\n\n"
            + (f"They differ by at most {worst:.1g}: float rounding." if worst else "They are identical.")
        )

    yield Narrate(comparison, graph=oe)
    yield ChoiceQuiz(
        "## How big is a node?\n\nOne tanh node, or six small ones: the grads agree. What does that tell you?",
        choices=[
            "Small nodes give more accurate grads",
            "tanh must be built from exp to be differentiated",
            "Any piece of the computation can be one node, as long as you know its local derivative",
        ],
        answer=2,
        hint="Both graphs compute the same function; backprop only needs each node's local derivative.",
        explanation="How finely to split is up to you: PyTorch has a tanh op for speed, not for correctness.",
    )
    torch_check = neuron()  # a fresh copy, backpropagated once: what PyTorch's o.backward() gives
    torch_check["o"].backward()
    yield Narrate(
        lambda: (
            "## The same neuron in PyTorch\n\nThe lecture checks its numbers against PyTorch. You would write:\n\n"
            "```python\n"
            f"x1 = torch.tensor({INPUTS['x1']!r}, dtype=torch.double, requires_grad=True)\n"
            "# ... x2, w1, w2 and b the same way\n"
            "o = torch.tanh(x1*w1 + x2*w2 + b); o.backward()\n"
            "print(o.item(), x1.grad.item(), w1.grad.item(), x2.grad.item(), w2.grad.item())\n```\n\n"
            "It prints, to 4 digits, "
            + ", ".join(fmt(torch_check[k].data if k == "o" else torch_check[k].grad) for k in TORCH_PRINTS)
            + ": the numbers you found here."
        )
    )
