"""What's next: what the micrograd track built, one last backward pass, and where to go from here."""

from pathlib import Path

from engine import Value
from lessons.api import BackwardSteps, ChoiceQuiz, Narrate, fmt, lesson

TENSOR_LESSONS = Path(__file__).resolve().parent.parent / "tensor"  # the next track's lessons, when shipped


@lesson(
    id="whats-next",
    title="What's next",
    summary="What you built, one last backward pass to predict, and where to go from here.",
    minutes=5,
    order=130,
)
def whats_next():
    a = Value(3.0, label="a")
    b = Value(-2.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    L = d**2
    L.label = "L"

    yield Narrate(
        "# What you built\n\n"
        "- `Value`: numbers that remember how they were made, and backprop by the chain rule\n"
        "- grads that add up, `zero_grad`, and a gradient check against nudging\n"
        "- neurons, layers, an MLP, and the loop: forward, backward, update\n"
        "- two moons, a layer library, optimisers, losses, and training without gradients\n\n"
        "That is all of micrograd, and the core of every deep-learning library. One last backward pass?"
    )
    yield BackwardSteps(
        lambda: (
            "## One last backward pass\n\n"
            f"L = (a·b + a)² with a = {fmt(a.data)}, b = {fmt(b.data)}. Note that **a** is used twice. "
            "At each node, type the grad each input will have, then Enter (`h` then Enter: a hint); "
            "`n` moves past the leaves."
        ),
        graph=L,
        predict=True,
    )
    yield ChoiceQuiz(
        lambda: (
            f"## a.grad = {fmt(a.grad)}\n\nTwo paths lead back to a: through d = c + a directly, and through "
            f"c = a·b. Say you add a new operation to the engine, `x.sin()`, with its local derivative. "
            "How do you know its backward is right?"
        ),
        choices=[
            "Compare backward() with central differences at a few inputs: a gradient check",
            "Train a network with it and see whether the loss goes down",
            "Check that every grad it gives is between -1 and 1",
        ],
        answer=0,
        hint="One lesson was all about comparing two ways of getting a gradient.",
        explanation=(
            "A gradient check compares backprop with the definition of a derivative. A loss can go down "
            "even with a wrong gradient, just more slowly."
        ),
        graph=L,
    )
    tensor_track = (
        "The tutor's tensor track, next in the lesson list, starts there."
        if any(not p.name.startswith("_") for p in TENSOR_LESSONS.glob("*.py"))
        else "The tutor's tensor track will start there."
    )
    yield Narrate(
        "## Where next\n\n"
        "- **Tensors**: the same engine on arrays. A node holds a matrix, and `a @ b` backprops "
        f"as two matrix products, and runs far faster. {tensor_track}\n"
        "- **Language models**: Karpathy's next lectures, *makemore*, train a model that writes names, "
        "from a bigram table to an MLP to a transformer, with the loop you wrote.\n"
        "- **Your own expressions**: `python -m tutor play 'a = 2; b = -3; L = (a*b + 10) * -2'`, "
        "or `g` in the lesson list, shows any graph with its grads."
    )
