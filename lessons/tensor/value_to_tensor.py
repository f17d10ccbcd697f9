"""From Value to Tensor: the same neuron built from scalar Values and from tensors, with the same grads."""

from engine import Value
from lessons.api import (
    BackwardSteps,
    ChoiceQuiz,
    ForwardSteps,
    Narrate,
    NumberQuiz,
    ShowGraph,
    fmt,
    lesson,
)

B = 6.8813735870195432  # the bias that makes the neuron's output 1/√2, as in the micrograd lecture


@lesson(
    id="value-to-tensor",
    title="From Value to Tensor",
    summary="One neuron built from Values and from tensors (x @ w + b): the same grads, a fraction of the nodes.",
    minutes=10,
    order=200,
    track="tensor",
)
def value_to_tensor():
    import numpy as np  # numpy: imported when the lesson opens, not at start-up

    from engine.graph import topological_order
    from engine.tensor import Tensor
    from lessons.tensor._shared import row_text

    # -- one neuron, the scalar way ---------------------------------------------------------------
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(B, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    scalars = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}

    # -- the same neuron as tensors: a row of inputs times a column of weights ------------------------
    x = Tensor([[2.0, 0.0]], label="x")
    w = Tensor([[-3.0], [1.0]], label="w")
    bt = Tensor([B], label="b")
    xw = x @ w
    xw.label = "x@w"
    nt = xw + bt
    nt.label = "n"
    ot = nt.tanh()
    ot.label = "o"

    yield ShowGraph(
        lambda: (
            "# From Value to Tensor\n\n"
            "The micrograd track's neuron, built from scalar `Value`s: "
            f"o = tanh(x1·w1 + x2·w2 + b) = **{fmt(o.data)}**, already backpropagated. "
            f"Its grads: w1.grad = {fmt(w1.grad)}, w2.grad = {fmt(w2.grad)}, "
            f"x1.grad = {fmt(x1.grad)}, x2.grad = {fmt(x2.grad)}, b.grad = {fmt(b.grad)}.\n\n"
            f"That is {len(topological_order(o))} nodes, one per number. A language model has thousands of "
            "weights and thousands of examples: it needs nodes that hold **whole arrays**."
        ),
        graph=o,
    )
    yield ForwardSteps(
        lambda: (
            "## The same neuron as tensors\n\n"
            f"x is a row {x.shape} holding x1 and x2, w a column {w.shape} holding w1 and w2, so "
            "`x @ w` is x1·w1 + x2·w2 in **one** node, then `+ b` and `tanh`. "
            f"{len(topological_order(ot))} nodes instead of {len(topological_order(o))}. "
            "Press `n` to compute each node: the panel shows its shape and numbers."
        ),
        graph=ot,
    )
    yield NumberQuiz(
        lambda: (
            f"## Predict\n\nThe tensor neuron gives o = {row_text(ot.data.ravel())}, the same as the Value one. "
            "Before we backprop it: what will **w.grad[0, 0]** be, the grad of the weight that "
            "multiplies x1?"
        ),
        answer=lambda: w1.grad,
        hint="It is the same neuron: w.grad[0, 0] is w1.grad, which the first step showed.",
        explanation=lambda: (
            f"∂o/∂w1 = x1·(1 - o²) = {fmt(x1.data)} × (1 - {fmt(o.data)}²) = {fmt(w1.grad)}, "
            "whichever engine computes it."
        ),
        graph=ot,
    )
    yield BackwardSteps(
        "## Backward, tensor by tensor\n\n"
        "Press `n` to visit each node. The panel shows each operation's rule for whole arrays: "
        "for `x @ w` the grad of w is `xᵀ @ g` and the grad of x is `g @ wᵀ`, where g is the grad "
        "arriving from above. `e` runs to the end.",
        graph=ot,
    )

    def compared() -> str:
        pairs = [
            ("w1", w.grad[0, 0]),
            ("w2", w.grad[1, 0]),
            ("x1", x.grad[0, 0]),
            ("x2", x.grad[0, 1]),
            ("b", bt.grad[0]),
        ]
        lines = [f"- {name}: Value {fmt(scalars[name].grad)}, tensor {fmt(float(g))}" for name, g in pairs]
        worst = max(abs(scalars[name].grad - float(g)) for name, g in pairs)
        return (
            "## Grads compared\n\n"
            + "\n".join(lines)
            + f"\n\nLargest difference: **{worst:.3g}**. The two engines do the same arithmetic, "
            "the tensor one an array at a time."
        )

    yield Narrate(compared, graph=ot)

    # -- a batch through a layer: where tensors pay off ----------------------------------------------
    rng = np.random.default_rng(7)
    X_data = np.round(rng.normal(size=(4, 3)), 1)
    W_data = np.round(rng.normal(size=(3, 2)), 1)
    b_data = np.round(rng.normal(size=2), 1)
    Y_data = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])

    X = Tensor(X_data, label="X")
    W = Tensor(W_data, label="W")
    bb = Tensor(b_data, label="b")
    Yt = Tensor(Y_data, label="Y")
    XW = X @ W
    XW.label = "X@W"
    P = XW + bb
    P.label = "P"
    H = P.tanh()
    H.label = "H"
    D = H - Yt
    D.label = "D"
    D2 = D * D
    D2.label = "D²"
    L = D2.mean()
    L.label = "L"

    # the same batch, one Value per number, as micrograd would build it
    Wv = [[Value(float(W_data[k, j]), label=f"W{k}{j}") for j in range(2)] for k in range(3)]
    bv = [Value(float(b_data[j]), label=f"b{j}") for j in range(2)]
    terms = []
    for i in range(4):
        for j in range(2):
            pre = bv[j]
            for k in range(3):
                pre = pre + Wv[k][j] * float(X_data[i, k])
            terms.append((pre.tanh() - float(Y_data[i, j])) ** 2)
    Lv = terms[0]
    for t in terms[1:]:
        Lv = Lv + t
    Lv = Lv * (1 / len(terms))
    Lv.backward()
    value_nodes = len(topological_order(Lv))

    yield Narrate(
        lambda: (
            "## A batch through a layer\n\n"
            f"Now 4 examples of 3 inputs (X of shape {X.shape}) through a layer of 2 tanh neurons "
            f"(W {W.shape}, b {bb.shape}), against targets Y of ±1: "
            "P = X @ W + b, H = tanh(P), D = H - Y, L = mean(D²).\n\n"
            f"As tensors: **{len(topological_order(L))} nodes**. Built from Values, the same loss takes "
            f"**{value_nodes} nodes** (L = {fmt(Lv.data)} both ways: {fmt(L.item())} here). "
            "Note `+ b`: b has shape (2,) but X @ W has 4 rows: NumPy **broadcasts** b, adding it to every row."
        ),
        graph=L,
    )
    yield BackwardSteps(
        "## Backprop the batch\n\n"
        "Press `n` through the nodes. Watch the `+` node: the grad sent to b is g **summed over "
        "the 4 rows**, because b was used once per row, and grads add up.",
        graph=L,
    )

    shapes = ["(3, 2)", "(4, 2)", "(4, 3)", "(2,)"]
    yield ChoiceQuiz(
        "## The shape of a grad\n\nW has shape (3, 2). After `L.backward()`, what shape is **W.grad**?",
        choices=shapes,
        answer=lambda: shapes.index(str(W.grad.shape)),
        hint="A grad holds ∂L/∂(each number): one per number of the tensor it belongs to.",
        explanation=lambda: (
            f"W.grad has W's shape, {W.grad.shape}: W.grad[k, j] = ∂L/∂W[k, j]. "
            "The batch size is gone: Xᵀ @ g sums over the examples."
        ),
    )
    yield NumberQuiz(
        lambda: (
            "## Broadcasting, backwards\n\nThe grad that reached P = X@W + b in the backward pass, "
            "one row per example (rounded): "
            + ", ".join("(" + ", ".join(f"{v:.4f}" for v in row) + ")" for row in P.grad)
            + ".\n\nb, of shape (2,), was broadcast over those 4 rows. What is **b.grad[0]**?"
        ),
        answer=lambda: float(bb.grad[0]),
        hint="b[0] was added to the first column of every row: its grad collects all four.",
        explanation=lambda: (
            f"b.grad[0] = {' + '.join(f'({v:.4f})' for v in P.grad[:, 0])} = {fmt(float(bb.grad[0]))}: "
            "the sum of the first column."
        ),
    )

    def batch_compared() -> str:
        tensor_grads = np.concatenate([W.grad.ravel(), bb.grad])
        value_grads = np.array([v.grad for row in Wv for v in row] + [v.grad for v in bv])
        worst = float(np.abs(tensor_grads - value_grads).max())
        return (
            "## The same grads, again\n\n"
            f"W.grad from the tensors: {' '.join(row_text(r) for r in W.grad)}\n\n"
            f"and from the {value_nodes} Values: "
            f"{' '.join(row_text(np.array([v.grad for v in row])) for row in Wv)}\n\n"
            f"Largest difference over W and b: **{worst:.3g}**. From here on the tensor engine does the work, "
            "and the next lessons train language models with it."
        )

    yield Narrate(batch_compared, graph=L)
