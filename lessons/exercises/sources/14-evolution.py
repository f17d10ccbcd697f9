"""Exercise 14: gradient-free: an evolution strategy that fits a small network.

No gradients at all: try random changes to the parameters and keep what helps.
    evolve(loss, dim, rng, generations=300, population=50, sigma=0.1, lr=0.05)
        loss(theta) -> float, for a flat parameter vector theta of length dim.
        Start from theta = rng.standard_normal(dim) * 0.1. Each generation:
        draw `population` noise vectors eps, score loss(theta + sigma·eps) for each,
        standardise the scores (subtract the mean, divide by the std), and move
            theta -= lr / (population · sigma) · Σ score_k · eps_k
        (OpenAI's evolution strategy). Return the best theta seen.
The check hands it the loss of a 1-8-1 tanh network fitting a curve.

Usage:
    theta = evolve(lambda t: float(np.sum((t - 3) ** 2)), 5, np.random.default_rng(0))
    theta        # ≈ [3, 3, 3, 3, 3]

Check it with `python -m tutor exercises check . 14`.
"""

import numpy as np


def evolve(loss, dim, rng, generations=300, population=50, sigma=0.1, lr=0.05):
    # TODO: the evolution strategy above; keep and return the best theta
    theta = rng.standard_normal(dim) * 0.1
    best, best_loss = theta.copy(), loss(theta)
    for _ in range(generations):
        eps = rng.standard_normal((population, dim))
        scores = np.array([loss(theta + sigma * e) for e in eps])
        std = scores.std()
        if std == 0:
            break
        scores = (scores - scores.mean()) / std
        theta = theta - lr / (population * sigma) * scores @ eps
        current = loss(theta)
        if current < best_loss:
            best, best_loss = theta.copy(), current
    return best
    # ELSE
    raise NotImplementedError("evolve")
    # END
