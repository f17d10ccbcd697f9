"""Why grads add up: a Value used twice, the bug of assigning grads, backward() twice, and zero_grad."""

from functools import cache

from engine import Value
from engine.graph import reversed_topological_order
from engine.nn import MLP
from lessons.api import BackwardSteps, ChoiceQuiz, Narrate, NumberQuiz, Setting, Train, fmt, lesson

SEED = 1337  # the initial weights this lesson's numbers were written with (engine.nn's usual seed)
STEPS = 30
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]  # the lecture's tiny data set
YS = [1.0, -1.0, -1.0, 1.0]


def backward_with_assignment(root: Value) -> None:
    """The engine's backward loop with micrograd's first bug: `=` where it needs `+=`."""
    order = reversed_topological_order(root)  # the output first, every node before its inputs
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in order:
        for child, local in zip(node._prev, node._local):
            child.grad = local * node.grad  # the bug: each use overwrites the one before


def backward_like_micrograd(root: Value) -> None:
    """micrograd's own backward loop: the root's grad set to 1 and every node's grad left as it was, so that a
    second call adds to the interior grads too (this engine, like PyTorch, recomputes those from zero)."""
    root.grad = 1.0
    for node in reversed_topological_order(root):
        for child, local in zip(node._prev, node._local):
            child.grad += local * node.grad


def paren(x: float) -> str:
    """A number for a sum: negative ones in brackets."""
    return f"({fmt(x)})" if x < 0 else fmt(x)


def doubled(a0: float = 3.0) -> tuple[Value, Value]:
    a = Value(a0, label="a")
    b = a + a
    b.label = "b"
    return a, b


def lecture_graph() -> dict[str, Value]:
    """The lecture's example of a node used twice: d = a*b, e = a + b, f = d*e."""
    a = Value(-2.0, label="a")
    b = Value(3.0, label="b")
    d = a * b
    e = a + b
    f = d * e
    for name, node in zip("def", (d, e, f)):
        node.label = name
    return {"a": a, "b": b, "d": d, "e": e, "f": f}


def squared_error(w: Value, x: float, y: float, i: int) -> Value:
    """(w·x - y)² for example i, every node labelled; t holds -y, so the graph has no subtraction nodes."""
    xv = Value(x, label=f"x{i}")
    t = Value(-y, label=f"t{i}")
    p = w * xv
    p.label = f"p{i}"
    r = p + t
    r.label = f"r{i}"
    loss = r**2
    loss.label = f"loss{i}"
    return loss


EXAMPLES = [(2.0, 3.0), (-1.0, 1.0)]  # (x, y) for the two examples
W0 = 0.5


def batch_grads() -> tuple[float, float, float]:
    """w.grad from loss1 alone, from loss2 alone, and from backprop through loss1 + loss2 at once."""
    grads = []
    for i, (x, y) in enumerate(EXAMPLES, 1):
        w = Value(W0, label="w")
        squared_error(w, x, y, i).backward()
        grads.append(w.grad)
    w = Value(W0, label="w")
    total = squared_error(w, *EXAMPLES[0], 1) + squared_error(w, *EXAMPLES[1], 2)
    total.backward()
    return grads[0], grads[1], w.grad


class TinyRegression:
    """The lecture's MLP(3, [4, 4, 1]) fitting four targets, with or without zero_grad before each backward."""

    def __init__(self, zero_grad: bool, lr: float) -> None:
        self.model = MLP(3, [4, 4, 1], activation="tanh", seed=SEED)
        self.zero_grad = zero_grad
        self.lr = lr

    def parameters(self) -> list[Value]:
        return self.model.parameters()

    def step(self, k: int) -> dict[str, float]:
        predictions = [self.model(x) for x in XS]
        loss = sum((p - y) ** 2 for p, y in zip(predictions, YS))
        if self.zero_grad:
            self.model.zero_grad()
        loss.backward()
        for p in self.model.parameters():
            p.data -= self.lr * p.grad
        return {"loss": loss.data}


@cache  # deterministic: every model starts from the same seed
def final_loss(zero_grad: bool, lr: float) -> float:
    trainer = TinyRegression(zero_grad, lr)
    return [trainer.step(k) for k in range(STEPS)][-1]["loss"]


@lesson(
    id="grads-add-up",
    title="Why grads add up",
    summary="A Value used twice gets two contributions: += not =, backward() twice, zero_grad, and why.",
    minutes=18,
    order=40,
)
def grads_add_up():
    a, b = doubled()

    def fresh_double_grad() -> float:
        a2, b2 = doubled()
        b2.backward()
        return a2.grad

    def buggy_double_grad() -> float:
        a2, b2 = doubled()
        backward_with_assignment(b2)
        return a2.grad

    yield Narrate(
        lambda: (
            "# Why grads add up\n\n"
            "A Value can be used more than once. The simplest case:\n\n"
            f"```python\na = Value({a.data!r})\nb = a + a\n```\n\n"
            "The tree shows a once, and a `↺ a` line where the same Value is used again."
        ),
        graph=b,
    )
    yield NumberQuiz(
        "## Predict\n\nAfter `b.backward()`, **what should a.grad be?** (How fast does b move as a moves?)",
        answer=fresh_double_grad,
        hint="b = a + a = 2a. If a grows by h, how much does b grow?",
        explanation="b = 2a: nudge a by h and b moves by 2h, so a.grad must be 2.",
        graph=b,
    )
    yield BackwardSteps(
        "## Watch it\n\nPress `n`. The `+` node has **two** inputs, and both are a: it passes its grad back "
        "to a twice, and the two contributions **add**.",
        graph=b,
    )
    yield Narrate(
        "## The bug\n\nThe engine's backward pass is one loop, the chain rule:\n\n"
        "```python\nfor node in order:            # the output first\n"
        "    for child, local in zip(node._prev, node._local):\n"
        "        child.grad += local * node.grad\n```\n\n"
        "micrograd's first version **assigned** instead: `self.grad = 1.0 * out.grad`. "
        "The next quiz runs that loop with `=` (it is in this lesson's file).",
        graph=b,
    )
    yield NumberQuiz(
        "## With `=`\n\nIf the loop says `child.grad = local * node.grad`, **what does a.grad come out as** "
        "for b = a + a?",
        answer=buggy_double_grad,
        hint="The + node writes a.grad once per input. What does the second write do to the first?",
        explanation=lambda: (
            f"The buggy loop gives a.grad = {fmt(buggy_double_grad())}: the second use overwrote the first. "
            f"The engine's += gives {fmt(fresh_double_grad())}."
        ),
    )

    nodes = lecture_graph()
    x, y, f = nodes["a"], nodes["b"], nodes["f"]

    def buggy_lecture_grad() -> float:
        copy = lecture_graph()
        backward_with_assignment(copy["f"])
        return copy["a"].grad

    def lecture_grads(calls: int, backward=Value.backward) -> dict[str, float]:
        copy = lecture_graph()
        for _ in range(calls):
            backward(copy["f"])
        return {k: v.grad for k, v in copy.items()}

    def micrograd_twice() -> dict[str, float]:
        return lecture_grads(2, backward_like_micrograd)

    yield Narrate(
        lambda: (
            "## Two paths\n\n"
            "The lecture's next example:\n\n"
            f"```python\na, b = Value({x.data!r}), Value({y.data!r})\nd, e = a * b, a + b\nf = d * e\n```\n\n"
            "a and b each reach f along **two** paths, through d and through e."
        ),
        graph=f,
    )
    yield BackwardSteps(
        "## Your turn\n\nBackprop through f. At each node, **type the grad each input will have** once the node "
        "has passed its grad back, and press Enter. Contributions **add** to what is there. "
        "At a leaf there is nothing to pass back: press `n`.",
        graph=f,
        predict=True,
    )

    def visit_order() -> str:
        return ", ".join(node.label for node in reversed_topological_order(f) if node._prev)

    yield NumberQuiz(
        lambda: (
            f"## The bug again\n\nYou found a.grad = {fmt(x.grad)}. With the `=` bug, a.grad would be "
            "whatever the **last** node to reach a wrote. **What would a.grad be?**"
        ),
        answer=buggy_lecture_grad,
        hint=lambda: f"The engine visits {visit_order()} in that order. Which of them reaches a last, and with what?",
        explanation=lambda: (
            f"The buggy loop gives {fmt(buggy_lecture_grad())}: only d's contribution survives. "
            f"The right a.grad = {fmt(lecture_grads(1)['a'])} adds e's as well."
        ),
        graph=f,
    )
    yield NumberQuiz(
        lambda: (
            f"## Backward, again\n\na.grad is {fmt(x.grad)}. Now call `f.backward()` a **second** time, without "
            "touching the grads. **What will a.grad be in this engine?**"
        ),
        answer=lambda: lecture_grads(2)["a"],
        hint="This engine's backward() recomputes the inner nodes' grads from zero, but only ever adds to a leaf's.",
        explanation=lambda: (
            f"Each call adds {fmt(lecture_grads(1)['a'])} again: {fmt(lecture_grads(2)['a'])}. PyTorch does the "
            f"same (its inner nodes keep no grad). micrograd gives {fmt(micrograd_twice()['a'])}: its backward "
            f"only sets f.grad = 1, so d.grad and e.grad keep their old values and the second pass doubles them "
            f"(d.grad {fmt(lecture_grads(1)['d'])} → {fmt(micrograd_twice()['d'])}); a then gets twice its "
            "first helping on top of the first."
        ),
        graph=f,
    )
    yield BackwardSteps(
        "## The second call\n\nPress `n` (or `e` for all of it). d, e and f restart from 0; "
        "the leaves a and b **keep** their grads and add a second helping.",
        graph=f,
    )

    w = Value(W0, label="w")
    loss1 = squared_error(w, *EXAMPLES[0], 1)
    loss2 = squared_error(w, *EXAMPLES[1], 2)

    yield Narrate(
        lambda: (
            "## Why add?\n\n"
            "Because it is what you want whenever a Value reaches the loss along several paths. "
            "A weight is used by **every example** of a batch. Here is a model with one weight, "
            f"w = {fmt(w.data)}, and two examples; loss1 = (w·x1 - y1)² with x1 = {fmt(EXAMPLES[0][0])}, "
            f"y1 = {fmt(EXAMPLES[0][1])} (t1 holds -y1).\n\n"
            "Press `n` to run `loss1.backward()`."
        ),
        graph=loss1,
    )
    yield BackwardSteps("## loss1.backward()\n\nStep through it, or press `e`. Watch w.grad.", graph=loss1)
    yield NumberQuiz(
        lambda: (
            f"## The second example\n\nw.grad = {fmt(w.grad)}. Example 2 has x2 = {fmt(EXAMPLES[1][0])}, "
            f"y2 = {fmt(EXAMPLES[1][1])}; alone, it would give w.grad = {fmt(batch_grads()[1])}.\n\n"
            "Without zeroing, **what is w.grad after `loss2.backward()`?**"
        ),
        answer=lambda: batch_grads()[0] + batch_grads()[1],
        hint="Nothing resets a leaf's grad between the two calls.",
        explanation=lambda: f"{fmt(batch_grads()[0])} + {paren(batch_grads()[1])} = {fmt(sum(batch_grads()[:2]))}.",
        graph=loss2,
    )
    yield BackwardSteps("## loss2.backward()\n\nStep through it, or press `e`.", graph=loss2)

    def accumulated() -> str:
        g1, g2, together = batch_grads()
        return (
            "## Gradient accumulation\n\n"
            f"w.grad = {fmt(g1)} + {paren(g2)} = **{fmt(w.grad)}**. Backprop through "
            f"loss1 + loss2 in one go gives {fmt(together)}: the same. The grad of a sum is the sum of the grads.\n\n"
            "So you may backprop a big batch one piece at a time and let the grads add up. "
            "PyTorch accumulates for this reason, and so does this engine."
        )

    yield Narrate(accumulated, graph=loss2)
    yield Narrate(
        "## zero_grad\n\n"
        "The price: **you** must reset the grads before each training step.\n\n"
        "```python\nfor p in model.parameters():\n    p.grad = 0.0     # PyTorch: optimizer.zero_grad()\n"
        "loss.backward()\n```\n\n"
        "Karpathy forgot it in the lecture at first. Next: what that does."
    )

    runs: list[TinyRegression] = []

    def setup(settings: dict) -> TinyRegression:
        trainer = TinyRegression(settings["zero_grad"] == "yes", settings["lr"])
        runs.append(trainer)
        return trainer

    yield Train(
        "## Forget it, then fix it\n\n"
        "An MLP(3, [4, 4, 1]), as in the lecture, fits 4 targets. It starts **without** zero_grad: press `t`. "
        "Then press `1` to switch zero_grad on and `t` again; `2` changes the learning rate.",
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("zero_grad", "zero_grad", ("no", "yes"), "no"),
            Setting("lr", "lr", (0.01, 0.05, 0.1), 0.05),
        ),
    )

    def comparison() -> str:
        lines = "\n".join(
            f"- lr {lr:g}: with zero_grad {final_loss(True, lr):.2g}, without {final_loss(False, lr):.2g}"
            for lr in (0.01, 0.05, 0.1)
        )
        return (
            f"## What forgetting does\n\nLoss after {STEPS} steps, each run from the same start:\n\n{lines}\n\n"
            "Without zero_grad each step follows the sum of every grad so far, not the slope where the "
            "model is now: training overshoots and bounces."
        )

    yield Narrate(comparison)
    yield ChoiceQuiz(
        "## Where does it go?\n\nIn a training loop, where does `zero_grad()` belong?",
        choices=[
            "once, before the loop starts",
            "in every step, before loss.backward()",
            "only in the steps where the loss went up",
        ],
        answer=1,
        hint="Every backward() adds to the grads that are there. What should be there when it starts?",
        explanation="Every step: zero the grads, backprop, update. Then each update uses only this step's grads.",
    )
