"""09-optimizers: momentum and Adam step for step against NumPy; a descent that reaches the minimum."""

from __future__ import annotations

import numpy as np

from lessons.exercises.checks._arrays import mismatch, rand

NAME = "09-optimizers"
TITLE = "SGD with momentum and Adam from scratch; descent on a 2-D surface"
GRAPH = False
HINTS = (
    "Both optimizers keep state per parameter between calls (a velocity; two moments and a step count). "
    "Create it on the first step with np.zeros_like, and update the parameters in place (p -= ...).",
    "Adam divides by (1 - beta^t) to undo the bias of moments that start at zero: t counts steps from 1. "
    "Forgetting it makes the first steps far too small.",
    "self.t += 1\nm[...] = b1*m + (1-b1)*g\nv[...] = b2*v + (1-b2)*g*g\n"
    "p -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)",
)
STEPS = 4


def inputs(rng) -> dict:
    return {
        "params": [rand(rng, 3), rand(rng, 2, 2)],
        "grads": [[rand(rng, 3), rand(rng, 2, 2)] for _ in range(STEPS)],
        "lr": round(rng.uniform(0.01, 0.1), 3),
        "minimum": [round(rng.uniform(-2, 2), 2), round(rng.uniform(-2, 2), 2)],
        "start": [round(rng.uniform(-3, 3), 2), round(rng.uniform(-3, 3), 2)],
    }


def _reference(kind: str, inputs: dict) -> list[list[np.ndarray]]:
    params = [np.array(p) for p in inputs["params"]]
    state = [[np.zeros_like(p) for p in params] for _ in range(2)]
    lr, history = inputs["lr"], []
    for t, grads in enumerate(inputs["grads"], start=1):
        for p, g, m, v in zip(params, [np.array(g) for g in grads], *state):
            if kind == "Momentum":
                m[...] = 0.9 * m + g
                p -= lr * m
            else:
                m[...] = 0.9 * m + 0.1 * g
                v[...] = 0.999 * v + 0.001 * g * g
                p -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        history.append([p.copy() for p in params])
    return history


def probe(learner, inputs: dict) -> dict:
    out = {}
    for kind in ("Momentum", "Adam"):
        params = [np.array(p) for p in inputs["params"]]
        opt = getattr(learner, kind)(inputs["lr"])
        history = []
        for grads in inputs["grads"]:
            opt.step(params, [np.array(g) for g in grads])
            history.append([p.copy() for p in params])
        out[kind] = history
    lo = np.array(inputs["minimum"])
    grad = lambda p: np.array([2 * (p[0] - lo[0]), 20 * (p[1] - lo[1])])  # noqa: E731
    out["path"] = learner.descend(grad, np.array(inputs["start"]), learner.Adam(0.1), 500)
    return out


def verdict(inputs: dict, obs: dict) -> list[str]:
    for kind in ("Momentum", "Adam"):
        for t, (got, want) in enumerate(zip(obs[kind], _reference(kind, inputs)), start=1):
            for i, (g, w) in enumerate(zip(got, want)):
                problem = mismatch(f"{kind}: parameter {i} after step {t}", g, w)
                if problem:
                    return [problem]
    path = np.asarray(obs["path"], dtype=float)
    if path.shape != (501, 2):
        return [f"descend(..., steps=500) returned shape {path.shape}, expected (501, 2)"]
    problem = mismatch("descend's first point", path[0], inputs["start"])
    if problem:
        return [problem]
    end = path[-1]
    if not np.allclose(end, inputs["minimum"], atol=0.05):
        return [f"descend with Adam(0.1) ended at {end.round(3).tolist()}, expected the minimum {inputs['minimum']}"]
    return []
