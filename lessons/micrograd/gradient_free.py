"""Gradient-free optimisation: an evolution strategy and a genetic algorithm against gradient descent,
training the same small network, compared by loss per loss evaluation."""

from engine import Value
from engine.nn import MLP
from lessons.api import ChoiceQuiz, Figure, Narrate, NumberQuiz, Series, Setting, Train, fmt, lesson
from lessons.trainers.runs import finished_history
from lessons.trainers.search import (
    EvolutionStrategy,
    FlatModel,
    GeneticAlgorithm,
    GradientDescent,
    evaluations_to_reach,
)

ROUNDS = 40  # Train steps; each uses about 20 evaluations whatever the method
POINTS = 30
WIDTHS = (4, 8, 16)
SEEDS = (0, 1, 2)
PACE = 0.02  # seconds a round in the app, so the boundary visibly moves
METHODS = {
    "gradient descent": lambda net, seed: GradientDescent(net, lr=1.0, inner=10),
    "evolution strategy": lambda net, seed: EvolutionStrategy(net, pairs=10, sigma=0.05, alpha=1.0, seed=seed),
    "genetic algorithm": lambda net, seed: GeneticAlgorithm(
        net, population=24, elites=4, tournament=3, rate=0.2, mutation=0.3, seed=seed
    ),
}
GD, ES, GA = METHODS
SHORT = {GD: "GD", ES: "ES", GA: "GA"}
DEFAULTS = {"method": GD, "width": 8, "seed": 0}


@lesson(
    id="gradient-free",
    title="Gradient-free optimisation",
    summary="Train a network with an evolution strategy and a genetic algorithm; compare with backprop per evaluation.",
    minutes=15,
    order=120,
)
def gradient_free():
    from engine.data import make_moons  # numpy: imported when the lesson opens

    X, y = make_moons(POINTS, noise=0.1, seed=1, signed=True)
    X = [[float(a), float(b)] for a, b in X]
    y = [int(label) for label in y]

    def trainer(settings: dict):
        net = FlatModel(MLP(2, [settings["width"], 1], seed=settings["seed"]), X, y)  # the seed: initial weights too
        t = METHODS[settings["method"]](net, settings["seed"])
        t.settings = dict(settings)
        return t

    example = FlatModel(MLP(2, [DEFAULTS["width"], 1], seed=DEFAULTS["seed"]), X, y)
    n_params = len(example)
    yield Narrate(
        lambda: (
            "# Gradient-free optimisation\n\n"
            "Backprop hands us every parameter's slope. What if all we could do was **evaluate** the loss? "
            f"The test: `MLP(2, [{DEFAULTS['width']}, 1])` on {len(X)} points of two moons, binary cross-entropy. "
            f"Its {n_params} parameters, seen as one flat list θ:\n\n"
            "```\ntheta = [p.data for p in model.parameters()]        # read\n"
            "for p, t in zip(model.parameters(), theta): p.data = t  # write\n```"
        ),
        figure=Figure(
            series=[
                Series(name, [p[0] for p, c in zip(X, y) if c == s], [p[1] for p, c in zip(X, y) if c == s], "scatter")
                for name, s in (("+1", 1), ("-1", -1))
            ],
            title="two moons",
        ),
    )
    yield NumberQuiz(
        lambda: (
            "## What a gradient costs\n\n"
            "One **evaluation** is the loss over all the points, computed once. Without backprop, you could "
            f"estimate the gradient by nudging each of the {n_params} parameters in turn and evaluating again "
            "(plus one evaluation where you stand). **How many evaluations is that, per step?**"
        ),
        answer=lambda: n_params + 1,
        hint="One evaluation at θ, and one more for each parameter nudged.",
        explanation=lambda: (
            f"{n_params} + 1 = {n_params + 1}. Backprop's backward pass costs about as much as one forward pass "
            f"and gives all {n_params} slopes, so here a gradient step counts as {GradientDescent.COST} evaluations: "
            "forward and backward."
        ),
        tolerance=0.0,
    )

    theta, sigma, eps = 3.0, 0.1, 1.0
    t_plus, t_minus = Value(theta + sigma * eps), Value(theta - sigma * eps)
    f_plus, f_minus = t_plus**2, t_minus**2
    t_here = Value(theta)
    f_here = t_here**2
    f_here.backward()
    yield NumberQuiz(
        lambda: (
            "## An evolution strategy\n\n"
            f"Try θ + σε and θ − σε for a random direction ε, and compare. For f(θ) = θ² at θ = {fmt(theta)}, "
            f"σ = {fmt(sigma)}, ε = {fmt(eps)}: f(θ + σε) = {fmt(f_plus.data)}, f(θ − σε) = {fmt(f_minus.data)}.\n\n"
            "The slope along ε is about (f(θ + σε) − f(θ − σε)) / 2σ. **What is it?**"
        ),
        answer=lambda: (f_plus.data - f_minus.data) / (2 * sigma),
        hint=lambda: f"({fmt(f_plus.data)} − {fmt(f_minus.data)}) / (2 × {fmt(sigma)}).",
        explanation=lambda: (
            f"{fmt((f_plus.data - f_minus.data) / (2 * sigma))}, and backprop says f'(θ) = {fmt(t_here.grad)}. "
            f"With {n_params} parameters one pair only measures the slope along one random direction, so the "
            "strategy averages many pairs (2 evaluations each) into a gradient estimate, then steps."
        ),
    )

    ga = METHODS[GA](FlatModel(MLP(2, [DEFAULTS["width"], 1], seed=DEFAULTS["seed"]), X, y), 0)
    yield NumberQuiz(
        lambda: (
            "## A genetic algorithm\n\n"
            f"Keep a population of {ga.size} vectors θ, ranked by loss. The best {ga.elites} survive as they are. "
            f"Every other child has two parents, each the best of {ga.tournament} picked at random (selection), "
            "takes each number from one parent or the other (crossover), and some numbers get random nudges "
            f"(mutation: chance {fmt(ga.rate)}, size {fmt(ga.mutation)}).\n\n"
            "**How many new evaluations does one generation cost?**"
        ),
        answer=lambda: ga.size - ga.elites,
        hint="The survivors' losses are already known: only the children need evaluating.",
        explanation=lambda: (
            f"{ga.size} − {ga.elites} = {ga.size - ga.elites} children, one evaluation each; the very first "
            f"generation costs {ga.size} more, to rank the starting population."
        ),
        tolerance=0.0,
    )

    runs: list = []

    def setup(settings: dict):
        t = trainer(settings)
        runs.append(t)
        return t

    yield Train(
        lambda: (
            f"## Race them\n\n`t` runs {ROUNDS} rounds of about 20 evaluations (GD: 10 steps, ES: 10 pairs, "
            "GA: 20 children). Keys: 1 method, 2 hidden width, 3 seed (the initial weights, and the random draws of "
            "ES and GA). The x-axis counts **evaluations**; "
            "right: the model's boundary. Train all three methods."
        ),
        setup=setup,
        steps=ROUNDS,
        settings=(
            Setting("method", "method", tuple(METHODS), DEFAULTS["method"]),
            Setting("width", "width", WIDTHS, DEFAULTS["width"]),
            Setting("seed", "seed", SEEDS, DEFAULTS["seed"]),
        ),
        x_metric="evaluations",
        pace=PACE,
    )

    def history(method: str) -> list[dict[str, float]]:
        """The default-settings run of `method`: the learner's, if finished, else run now (same numbers)."""
        return finished_history(runs, trainer, {**DEFAULTS, "method": method}, ROUNDS)

    def final(method: str) -> dict[str, float]:
        return history(method)[-1]

    def curves() -> list[Series]:
        return [
            Series(SHORT[m], [h["evaluations"] for h in history(m)], [h["loss"] for h in history(m)]) for m in METHODS
        ]

    yield Narrate(
        lambda: (
            "## Loss per evaluation\n\n"
            f"Width {DEFAULTS['width']}, seed {DEFAULTS['seed']}: "
            + ", ".join(
                f"{SHORT[m]} ends at loss {fmt(final(m)['loss'])} after {final(m)['evaluations']:.0f} evaluations"
                for m in METHODS
            )
            + ".\n\nSame network, same loss, same budget: only the way of choosing the next θ differs."
        ),
        figure=Figure(series=curves, title="loss against evaluations", xlabel="evaluations", ylabel="loss"),
    )

    def ga_budget() -> tuple[float, float, float | None]:
        """The GA's final loss and evaluations, and the evaluations GD needed to get as low."""
        last = final(GA)
        return last["loss"], last["evaluations"], evaluations_to_reach(history(GD), last["loss"])

    def bucket() -> int:
        _, spent, needed = ga_budget()
        if needed is None or needed > spent:
            return 3
        share = needed / spent
        return 0 if share < 0.25 else 1 if share < 0.5 else 2

    yield ChoiceQuiz(
        lambda: (
            f"## Who is cheaper?\n\nThe GA ended at loss {fmt(ga_budget()[0])} after {ga_budget()[1]:.0f} evaluations. "
            "**How many evaluations did gradient descent need to get that low?** (Read the figure.)"
        ),
        choices=[
            "less than a quarter of the GA's",
            "a quarter to a half of the GA's",
            "half to all of the GA's",
            "more: it never got there",
        ],
        answer=bucket,
        hint="Find where the GD curve first drops below the GA's last loss, and read the x-axis there.",
        explanation=lambda: (
            f"GD got below {fmt(ga_budget()[0])} after {ga_budget()[2] or 0:.0f} evaluations, and ended at "
            f"{fmt(final(GD)['loss'])}. Each backward pass delivers {n_params} slopes for the price of about one "
            "evaluation; the random methods learn one number from each."
        ),
    )
    yield ChoiceQuiz(
        "## When would you go without gradients?\n\nBackprop wins by a wide margin here. "
        "**When is a gradient-free method still the right tool?**",
        choices=[
            "When the loss has no useful gradient: a simulator, a game's score, a step function, accuracy itself.",
            "When the network is large: random search scales best with many parameters.",
            "Whenever the loss is smooth.",
        ],
        answer=0,
        hint="What does backprop need from every operation in the graph?",
        explanation=(
            "Backprop needs a local derivative at every node. With a black box, or a loss that is flat almost "
            "everywhere, evolution strategies and genetic algorithms still work; their evaluations run in "
            "parallel, and a population can escape where one descent gets stuck. But more parameters slow them down."
        ),
    )

    def summary() -> str:
        done = [run for run in runs if run.history]
        if not done:
            return "## Your runs\n\nYou have not trained yet: go back with `p` and press `t`."
        lines = [
            f"- {SHORT[r.settings['method']]}, width {r.settings['width']}, seed {r.settings['seed']}: "
            f"loss {fmt(r.history[-1]['loss'])}, accuracy {r.history[-1]['accuracy']:.0%}, "
            f"{r.history[-1]['evaluations']:.0f} evaluations"
            for r in done[-5:]
        ]
        return "## Your runs\n\n" + "\n".join(lines) + "\n\nNext: what the track covered, and where to go after it."

    yield Narrate(summary)
