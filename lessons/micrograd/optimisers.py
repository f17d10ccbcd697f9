"""Optimisers: SGD, momentum and Adam rolling down a bowl and Rosenbrock's banana, paths drawn over the surface."""

from engine import Value
from lessons.api import BackwardSteps, ChoiceQuiz, Narrate, NumberQuiz, Setting, Train, fmt, lesson
from lessons.trainers.surfaces import OPTIMISERS, SURFACES, SurfaceDescent, make_optimiser

STEPS = 200
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
PACE = 0.01  # seconds a step in the app, so the point visibly rolls
QUIZ_LRS = {"sgd": 0.001, "momentum": 0.001, "adam": 0.1}  # the banana race
NAMES = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}


def one_step(optimiser: str, lr: float) -> tuple[float, float]:
    """Where one step of `optimiser` takes the bowl's start point."""
    x, y = (Value(v) for v in SURFACES["bowl"].start)
    opt = make_optimiser(optimiser, [x, y], lr)
    SURFACES["bowl"].f(x, y).backward()
    opt.step()
    return x.data, y.data


def start_gradient() -> tuple[float, float]:
    """The bowl's gradient at its start point, by backprop."""
    x, y = (Value(v) for v in SURFACES["bowl"].start)
    SURFACES["bowl"].f(x, y).backward()
    return x.grad, y.grad


def full_run(surface: str, optimiser: str, lr: float) -> SurfaceDescent:
    trainer = SurfaceDescent(surface, optimiser, lr)
    for k in range(STEPS):
        trainer.step(k)
    return trainer


@lesson(
    id="optimisers",
    title="Optimisers: SGD, momentum, Adam",
    summary="Watch SGD, momentum and Adam roll down a bowl and a banana; find learning rates that crawl or blow up.",
    minutes=15,
    order=100,
)
def optimisers():
    bowl = SURFACES["bowl"]
    sx, sy = bowl.start
    x = Value(sx, label="x")
    y = Value(sy, label="y")
    x2 = x**2
    x2.label = "x²"
    c = Value(10.0, label="c")
    y2 = y**2
    y2.label = "y²"
    cy2 = c * y2
    cy2.label = "c·y²"
    f = x2 + cy2
    f.label = "f"
    gx, gy = start_gradient()  # what the backward step will show, for the steps after it

    yield Narrate(
        lambda: (
            "# Optimisers\n\n"
            "Training is a walk downhill on the loss. To *see* the walk, take a loss of just two numbers: "
            f"**f(x, y) = x² + c·y²** with c = {fmt(c.data)}, a long narrow bowl with its bottom at (0, 0).\n\n"
            f"x and y are Values, starting at ({fmt(x.data)}, {fmt(y.data)}), where f = {fmt(f.data)}. "
            "So `f.backward()` gives the gradient, and an optimiser moves x and y against it."
        ),
        graph=f,
    )
    yield BackwardSteps(
        "## The gradient\n\nPress `n` to backprop from f: x.grad and y.grad are the slopes of the bowl "
        "along x and along y at the start point. `e` runs to the end.",
        graph=f,
    )

    lr0 = 0.04
    yield NumberQuiz(
        lambda: (
            "## One SGD step, by hand\n\n"
            f"x.grad = {fmt(gx)} and y.grad = {fmt(gy)}. Plain SGD moves every number against its "
            f"grad: `p.data -= lr * p.grad`. With lr = {fmt(lr0)}, **what is y after one step?**"
        ),
        answer=lambda: one_step("sgd", lr0)[1],
        hint=lambda: f"y − lr × y.grad = {fmt(sy)} − {fmt(lr0)} × {fmt(gy)}.",
        explanation=lambda: (
            f"y = {fmt(sy)} − {fmt(lr0)} × {fmt(gy)} = {fmt(one_step('sgd', lr0)[1])}, while x only went "
            f"from {fmt(sx)} to {fmt(one_step('sgd', lr0)[0])}: the steep direction moves fast, the flat one "
            "slowly."
        ),
        graph=f,
    )

    def curvature() -> float:
        """How fast y's slope grows with y: y.grad / y (the bowl is a parabola along y)."""
        return gy / sy

    yield NumberQuiz(
        lambda: (
            "## How big may a step be?\n\n"
            f"Along y the slope is {fmt(curvature())}·y, so a step turns y into y − lr·{fmt(curvature())}·y "
            f"= (1 − {fmt(curvature())}·lr)·y. If that factor is beyond ±1, y grows at every step: "
            "the run **diverges**. **What is the largest lr that does not blow up?**"
        ),
        answer=lambda: 2 / curvature(),
        hint=lambda: f"Solve 1 − {fmt(curvature())}·lr = −1.",
        explanation=lambda: (
            f"lr = 2/{fmt(curvature())} = {fmt(2 / curvature())}. Along x the slope is only "
            f"{fmt(gx / sx)}·x, which would allow lr up to {fmt(2 / (gx / sx))}: the steep "
            "direction sets the limit for both, and then the flat one crawls."
        ),
    )
    yield Narrate(
        "## Three optimisers\n\n"
        "```\n"
        "SGD       p -= lr·g\n"
        "momentum  v = 0.9·v + g;   p -= lr·v\n"
        "Adam      p -= lr·m̂/√ŝ     (m̂, ŝ: running means of g and g²)\n"
        "```\n"
        "**Momentum**'s velocity adds up steps that agree and cancels steps that flip sign. "
        "**Adam** divides each number's step by the size of its recent grads, so steep and flat "
        "directions move at about the same pace. All three are in `engine.optim`."
    )

    runs: list[SurfaceDescent] = []

    def setup(settings: dict) -> SurfaceDescent:
        trainer = SurfaceDescent(settings["surface"], settings["optimiser"], settings["lr"])
        runs.append(trainer)
        return trainer

    yield Train(
        lambda: (
            f"## Roll downhill\n\n`t` runs {STEPS} steps from `S` (`@`: now). Keys 1-3 change surface, optimiser "
            f"and lr. Try lr {fmt(LRS[0])} (crawls), SGD at {fmt(LRS[4])} on the bowl, {fmt(LRS[-1])} (blows up: "
            f"stopped once the loss passes {SurfaceDescent.LIMIT:,.0f}× its start), and rosenbrock."
        ),
        setup=setup,
        steps=STEPS,
        settings=(
            Setting("surface", "surface", tuple(SURFACES), "bowl"),
            Setting("optimiser", "optimiser", OPTIMISERS, "sgd"),
            Setting("lr", "lr", LRS, 0.03),
        ),
        log_loss=True,
        pace=PACE,
    )

    race: dict[str, SurfaceDescent] = {}

    def banana(name: str) -> SurfaceDescent:
        if name not in race:
            race[name] = full_run("rosenbrock", name, QUIZ_LRS[name])
        return race[name]

    def closest() -> int:
        distances = [banana(name).distance_to_minimum() for name in OPTIMISERS]
        return distances.index(min(distances))

    rosen = SURFACES["rosenbrock"]
    yield ChoiceQuiz(
        lambda: (
            f"## The banana\n\nOn rosenbrock, f = {rosen.formula}, the floor is a curved valley and the "
            f"minimum is at ({fmt(rosen.minimum[0])}, {fmt(rosen.minimum[1])}). Train SGD and momentum at "
            f"lr {fmt(QUIZ_LRS['sgd'])} and Adam at lr {fmt(QUIZ_LRS['adam'])}. "
            f"**Which ends closest to the minimum after {STEPS} steps?**"
        ),
        choices=[NAMES[name] for name in OPTIMISERS],
        answer=closest,
        hint="Go back with p: set the surface to rosenbrock, pick each optimiser and lr, train, see where @ ends.",
        explanation=lambda: (
            "Distance left after "
            f"{STEPS} steps: "
            + ", ".join(f"{NAMES[n]} {fmt(banana(n).distance_to_minimum())}" for n in OPTIMISERS)
            + ". The walls are so steep that SGD needs a tiny lr, and then it crawls along the floor. Momentum's "
            "velocity builds up along the floor. Adam divides by the size of recent grads, which the walls keep "
            "large, so it walks the floor at a slow, steady pace."
        ),
    )

    def overshoot() -> float:
        trainer = full_run("bowl", "momentum", 0.01)
        return min(py for _, py in trainer.path)

    yield ChoiceQuiz(
        lambda: (
            f"## Overshoot\n\nOn the bowl with lr {fmt(0.01)}, momentum takes y from {fmt(sy)} down to "
            f"{fmt(overshoot())}: right past the floor at y = 0, before it turns back. **Why does momentum overshoot?**"
        ),
        choices=[
            "Its velocity remembers past slopes: it keeps going after the slope turns, until the far side slows it.",
            "Its learning rate grows during training.",
            "It computes the gradient at the wrong point.",
        ],
        answer=0,
        hint="`v = 0.9·v + g`: just after y crosses 0, g has flipped sign. What about v?",
        explanation=(
            "v is a running sum of past grads: one step of opposite slope only dents it. "
            "That same memory is what speeds it up along a long, gentle valley."
        ),
    )

    yield NumberQuiz(
        lambda: (
            f"## Adam's first step\n\nAt the start x.grad = {fmt(gx)} and y.grad = {fmt(gy)}: "
            f"y's slope is {fmt(abs(gy / gx))} times x's. After one Adam step with lr {fmt(0.1)}, "
            "**how far has x moved?**"
        ),
        answer=lambda: abs(one_step("adam", 0.1)[0] - sx),
        hint="On the first step m̂ = g and ŝ = g², so the step is lr·g/|g|.",
        explanation=lambda: (
            f"x moved {fmt(abs(one_step('adam', 0.1)[0] - sx))} and y moved {fmt(abs(one_step('adam', 0.1)[1] - sy))}: "
            "the same. Adam's step is about lr in every coordinate, however steep, which is why it copes "
            "with badly scaled losses without a tiny lr."
        ),
        tolerance=1e-3,
    )

    def summary() -> str:
        if not runs or not runs[-1].history:
            return "## Your runs\n\nYou have not trained yet: go back and press `t`."
        lines = []
        for run in runs[-6:]:
            if not run.history:
                continue
            if run.diverged_at is not None:
                outcome = f"blew up at step {run.diverged_at}"
            else:
                outcome = f"loss {fmt(run.history[-1]['loss'])}, {fmt(run.distance_to_minimum())} from the minimum"
            lines.append(f"- {run.shape.name}, {NAMES[run.optimiser_name]}, lr {fmt(run.lr)}: {outcome}")
        return (
            "## Your runs\n\n" + "\n".join(lines) + "\n\n"
            "The learning rate is bounded by the steepest direction; momentum and Adam help along the flat ones. "
            "Next: which loss to minimise."
        )

    yield Narrate(summary)
