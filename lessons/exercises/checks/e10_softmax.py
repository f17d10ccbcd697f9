"""10-softmax: softmax, log-softmax and cross-entropy, stable at huge logits, with probs - onehot."""

from __future__ import annotations

import numpy as np

from lessons.exercises.checks._arrays import mismatch, rand

NAME = "10-softmax"
TITLE = "Softmax and cross-entropy with a stable log-sum-exp, and its gradient"
GRAPH = False
HINTS = (
    "Softmax does not change if you add the same number to every logit of a row: subtract the row's max, "
    "and the largest exponent is e⁰ = 1. No overflow, same answer.",
    "log_softmax = z - log Σ exp(z) with z = logits - max. The gradient of the mean cross-entropy with respect "
    "to the logits is (softmax - onehot) / batch: no need to backprop through the log.",
    "z = logits - logits.max(axis=1, keepdims=True)\nlogp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
    "loss = -logp[np.arange(n), targets].mean()\ngrad = np.exp(logp); grad[np.arange(n), targets] -= 1; grad /= n",
)


def inputs(rng) -> dict:
    n, k = rng.randint(2, 5), rng.randint(3, 6)
    logits = np.array(rand(rng, n, k, scale=3.0))
    logits[0] += 1000.0  # huge logits: only a stable softmax survives
    return {"logits": logits.tolist(), "targets": [rng.randrange(k) for _ in range(n)]}


def probe(learner, inputs: dict) -> dict:
    logits = np.array(inputs["logits"])
    loss, grad = learner.cross_entropy(logits.copy(), inputs["targets"])
    return {
        "softmax": learner.softmax(logits.copy()),
        "log_softmax": learner.log_softmax(logits.copy()),
        "loss": float(loss),
        "grad": grad,
    }


def verdict(inputs: dict, obs: dict) -> list[str]:
    logits = np.array(inputs["logits"])
    targets = inputs["targets"]
    n = len(targets)
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    probs = np.exp(logp)
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), targets] = 1
    loss = -logp[np.arange(n), targets].mean()
    checks = [
        ("softmax (row 0 has logits near 1000: subtract the row max)", obs["softmax"], probs),
        ("log_softmax", obs["log_softmax"], logp),
        ("cross_entropy's loss", obs["loss"], loss),
        ("cross_entropy's dlogits ((probs - onehot) / batch)", obs["grad"], (probs - onehot) / n),
    ]
    for what, got, want in checks:
        problem = mismatch(what, got, want)
        if problem:
            return [problem]
    return []
